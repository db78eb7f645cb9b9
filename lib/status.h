/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_STATUS_H
#define PINHOLE_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "strmap.h"

struct pinhole_ruleset;

/* A growable list of owned strings; ph_collect() leaves it sorted, unique. */
struct ph_strv {
	char **v;
	size_t n, cap;
};

struct ph_ports {
	struct ph_range { uint16_t lo, hi; } *v;
	size_t n, cap;
};

/**
 * struct ph_entry - everything of a table that carries one pinhole's name
 * @name: the comment (borrowed from the ruleset)
 * @hosts: destination addresses as text (fw4's ::X/-N for suffixes); none
 *	for a pinhole to the machine itself
 * @protos: bitmap of the layer 4 protocol numbers
 * @ports: destination port ranges, sorted by (lo, hi), unique
 * @families: bit 4 and/or bit 6
 * @tuples: one text per set element or rule (family, fields, map data):
 *	two sides with the same @tuples open the same thing (only kept with
 *	ph_collect()'s @tuples)
 * @packets, @bytes: summed counters
 */
struct ph_entry {
	const char *name;
	struct ph_strv hosts, tuples;
	struct ph_ports ports;
	uint8_t protos[32];
	unsigned int families;
	uint64_t packets, bytes;
};

/* The pinholes of one ruleset, in order of first appearance. */
struct ph_table {
	struct ph_entry *v;
	size_t n, cap;
	struct strmap names;	/* name → index in v */
};

/*
 * ph_collect - group @r's commented set elements and counted rules by name
 * @tuples: also fill each entry's @tuples (for diff)
 * Returns 0 or -ENOMEM; ph_table_free() either way.
 */
int ph_collect(struct ph_table *t, const struct pinhole_ruleset *r, bool tuples);
void ph_table_free(struct ph_table *t);
/* The entry named @name, or NULL. */
const struct ph_entry *ph_find(const struct ph_table *t, const char *name);

/* RFC 8259 string: control characters escaped, invalid UTF-8 → U+FFFD. */
void ph_json_str(FILE *f, const char *s);
/*
 * One PINHOLE object of SPEC §6.7: name, host (@host, or the first
 * address, or "self"), proto, ports, family, addresses; with @counters
 * also packets and bytes.
 */
void ph_json_entry(FILE *f, const struct ph_entry *e, const char *host,
		   bool counters);

#endif
