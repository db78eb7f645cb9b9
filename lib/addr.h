/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_ADDR_H
#define PINHOLE_ADDR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Address, prefix and port parsing helpers. Pure functions: no diagnostics,
 * no allocation; validate*.c turn their results into located messages.
 */

enum addr_result {
	ADDR_OK = 0,
	ADDR_INVALID,		/* the address part does not parse */
	ADDR_BAD_PLEN,		/* the "/N" part does not parse or is too long */
};

/**
 * struct addr_parsed - the result of addr_parse()
 * @family: 4 or 6
 * @addr: network byte order; IPv4 uses the first 4 bytes, the rest are zero
 * @plen: the N of "/N" or "/-N"; 32 or 128 when no length was written
 * @has_plen: a "/N" or "/-N" was written
 * @suffix: "/-N" was written (IPv6 only): keep the last N bits
 */
struct addr_parsed {
	int family;
	uint8_t addr[16];
	unsigned int plen;
	bool has_plen;
	bool suffix;
};

/* "A", "A/N" or (IPv6 only) "A/-N"; N is decimal without leading zeros. */
enum addr_result addr_parse(const char *s, struct addr_parsed *out);
bool addr6_parse(const char *s, uint8_t out[16]);
bool addr4_parse(const char *s, uint8_t out[4]);

/* True if any of the bits after the first @plen of @a (@bits long) is set. */
bool addr_has_host_bits(const uint8_t *a, unsigned int bits, unsigned int plen);
/* Clear every bit after the first @plen. */
void addr_mask(uint8_t *a, unsigned int bits, unsigned int plen);
/* True if only the last @n bits of the IPv6 address @a may be non-zero. */
bool addr6_suffix_fits(const uint8_t a[16], unsigned int n);
/* True if the first @plen bits of @a equal those of @net. */
bool addr_in(const uint8_t *a, const uint8_t *net, unsigned int plen);

/*
 * RFC 5952 text: lowercase, no leading zeros, the longest run (the first of
 * equal ones) of two or more zero groups written as "::". Unlike glibc's
 * inet_ntop it never prints the "::a.b.c.d" form: ::1234:5678 stays so.
 */
void addr6_format(const uint8_t a[16], char buf[64]);
void addr4_format(const uint8_t a[4], char buf[16]);

enum port_result {
	PORT_OK = 0,
	PORT_INVALID,		/* not a number or a range lo:hi / lo-hi */
	PORT_RANGE,		/* a number outside 1..65535 */
	PORT_REVERSED,		/* lo > hi */
};

/*
 * A port "443" or a range "lo:hi" / "lo-hi" (decimal, no sign, no leading
 * zeros, no spaces). A negative number "-5" is PORT_RANGE, not a range.
 */
enum port_result port_parse(const char *s, uint16_t *lo, uint16_t *hi);

#endif
