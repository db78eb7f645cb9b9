/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_SERIAL_H
#define PINHOLE_SERIAL_H

#include <stddef.h>
#include <stdint.h>

struct pinhole_ruleset;

/*
 * The state files' encoding: a versioned binary image of the ruleset IR
 * (sets with their elements, chains, rules with matches and statements),
 * so a saved ruleset is loaded through the same pinhole_ruleset_apply()
 * as a compiled one. Never nft text: one IR, every output printed from it.
 *
 * File layout, every integer little-endian:
 *	0  magic	"PHST"
 *	4  version	u16, SERIAL_VERSION
 *	6  kind		u16, enum serial_kind
 *	8  length	u32, bytes of payload after this 16-byte header
 *	12 crc		u32, CRC-32 (IEEE) of the payload
 *	16 payload
 * The payload of a ruleset is documented in serial.c. Not kept: the logical
 * pinhole layer (UCI), policy locations, counter values, decoded handles.
 * Decoded rules pinhole does not recognise and tables holding foreign
 * objects cannot be encoded (-ENOTSUP; pinhole_ruleset_unknown_rules() and
 * pinhole_ruleset_foreign() tell).
 *
 * The reader checks every length, count, enum and cross reference before
 * using it: a corrupt or truncated file is -EBADMSG, never a crash, and what
 * it returns can be emitted and built into a batch safely.
 */

/* 2: sets carry their declared size; version 1 images (no size) still read */
#define SERIAL_VERSION	2
#define SERIAL_VERSION_MIN	1
#define SERIAL_HDR_LEN	16
/* Largest file the reader accepts (a 100k-element set is about 10 MiB). */
#define SERIAL_MAX_LEN	(256u << 20)

enum serial_kind {
	SERIAL_RULESET = 1,	/* a table */
	SERIAL_ABSENT = 2,	/* no table of that name existed: only the name */
	SERIAL_TIMER = 3,	/* a pending rollback timer (struct serial_timer) */
};

/**
 * struct serial_timer - the detached rollback timer of `apply --confirm`
 * @token: random generation token; the timer acts only while the pending
 *	file still holds its own token
 * @pid: the timer process
 * @starttime: its start time in clock ticks since boot (/proc/PID/stat
 *	field 22), so a recycled pid is never signalled
 * @deadline: when it fires, seconds since the epoch (for messages)
 */
struct serial_timer {
	uint64_t token;
	uint32_t pid;
	uint64_t starttime;
	int64_t deadline;
};

/**
 * serial_write_ruleset - encode @r, or the absence of table @absent_table
 * @r: the ruleset, or NULL to encode SERIAL_ABSENT with @absent_table
 * @buf: out: the whole file image (caller frees)
 * @len: out: its length
 *
 * Returns 0, -ENOMEM, -ENOTSUP (a rule pinhole does not recognise, a
 * foreign object) or
 * -EINVAL (a value the reader would refuse, e.g. a name too long).
 */
int serial_write_ruleset(const struct pinhole_ruleset *r,
			 const char *absent_table, uint8_t **buf, size_t *len);

/**
 * serial_read_ruleset - decode a file image
 * @out: the ruleset (free with pinhole_ruleset_free()), or NULL for
 *	SERIAL_ABSENT
 * @absent_table: optional out: for SERIAL_ABSENT the table name (caller
 *	frees), else NULL
 *
 * Returns 0, -EBADMSG (corrupt, truncated, wrong kind), -EPROTONOSUPPORT
 * (another format version) or -ENOMEM.
 */
int serial_read_ruleset(const uint8_t *buf, size_t len,
			struct pinhole_ruleset **out, char **absent_table);

/* A timer record as a file image (SERIAL_TIMER), and back. Same errors. */
int serial_write_timer(const struct serial_timer *t, uint8_t **buf, size_t *len);
int serial_read_timer(const uint8_t *buf, size_t len, struct serial_timer *t);

/* CRC-32 (IEEE 802.3, as zlib's crc32()), for tests that patch payloads. */
uint32_t serial_crc32(const uint8_t *p, size_t len);

#endif
