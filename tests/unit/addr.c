// SPDX-License-Identifier: GPL-2.0-or-later
/* Address, prefix, port helpers; RFC 5952 formatting; misspell; strmap. */
#include "config.h"

#include <stdlib.h>

#include "addr.h"
#include "misspell.h"
#include "strmap.h"
#include "tap.h"

static void fmt6(const char *in, const char *want)
{
	uint8_t a[16];
	char buf[64];

	if (!addr6_parse(in, a)) {
		ok(0, "parse %s", in);
		return;
	}
	addr6_format(a, buf);
	is_str(buf, want, "format %s as %s", in, want);
}

/* the sprintf formatters addr6_format and addr4_format replaced */
static void ref6(const uint8_t a[16], char *p)
{
	unsigned int g[8];
	int best = -1, best_len = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			*p++ = ':';
		p += sprintf(p, "%x", g[i]);
	}
	*p = '\0';
}

/*
 * Pseudo-random addresses (a fixed LCG): each 16-bit group zero, one hex
 * digit long, two, three or four, so every zero run and digit count shows
 * up; both formatters must agree on every one.
 */
static void fmt_agree(void)
{
	uint32_t r = 12345;
	int bad6 = 0, bad4 = 0;

	for (int n = 0; n < 200000; n++) {
		uint8_t a[16];
		char got[64], want[64];

		for (int i = 0; i < 8; i++) {
			unsigned int v;

			r = r * 1103515245u + 12345u;
			v = r >> 8 & 0xffff;
			switch (r >> 28 & 7) {
			case 0: case 1: case 2: v = 0; break;
			case 3: v &= 0xf; break;
			case 4: v &= 0xff; break;
			case 5: v &= 0xfff; break;
			default: break;
			}
			a[2 * i] = (uint8_t)(v >> 8);
			a[2 * i + 1] = (uint8_t)v;
		}
		addr6_format(a, got);
		ref6(a, want);
		if (strcmp(got, want) && bad6++ < 3)
			printf("# addr6_format %s, want %s\n", got, want);
		addr4_format(a, got);
		snprintf(want, sizeof(want), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		if (strcmp(got, want) && bad4++ < 3)
			printf("# addr4_format %s, want %s\n", got, want);
	}
	ok(!bad6, "addr6_format equals the sprintf formatter on 200000 addresses");
	ok(!bad4, "addr4_format equals \"%%u.%%u.%%u.%%u\" on 200000 addresses");
}

static void port(const char *s, enum port_result want, unsigned int lo,
		 unsigned int hi)
{
	uint16_t l = 0, h = 0;
	enum port_result r = port_parse(s, &l, &h);

	ok(r == want && (want != PORT_OK || (l == lo && h == hi)),
	   "port '%s' -> %d %u:%u (got %d %u:%u)", s, want, lo, hi, r, l, h);
}

int main(void)
{
	struct addr_parsed a;
	struct strmap m;
	uint8_t x[16];
	size_t v;

	/* RFC 5952 section 4 and the ::a.b.c.d form glibc would print */
	fmt6("2001:db8::1", "2001:db8::1");
	fmt6("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	fmt6("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	fmt6("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	fmt6("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	fmt6("1:0:0:2:0:0:3:4", "1::2:0:0:3:4");
	fmt6("::1234:5678", "::1234:5678");
	fmt6("::ffff:1.2.3.4", "::ffff:102:304");
	fmt6("::18.52.86.120", "::1234:5678");
	fmt6("::", "::");
	fmt6("::1", "::1");
	fmt6("1::", "1::");
	fmt6("fe80::", "fe80::");
	fmt6("0:0:1::", "0:0:1::");
	fmt6("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
	fmt6("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
	fmt_agree();

	ok(addr_parse("2001:db8::/32", &a) == ADDR_OK && a.family == 6 &&
	   a.plen == 32 && a.has_plen && !a.suffix, "IPv6 prefix");
	ok(addr_parse("::1234:5678/-64", &a) == ADDR_OK && a.suffix &&
	   a.plen == 64, "suffix ::X/-N");
	ok(addr6_suffix_fits(a.addr, 64), "suffix fits in 64 bits");
	ok(addr_parse("::1:0:0:0:1/-64", &a) == ADDR_OK &&
	   !addr6_suffix_fits(a.addr, 64), "suffix with bits outside the last 64");
	ok(addr_parse("192.0.2.1", &a) == ADDR_OK && a.family == 4 &&
	   a.plen == 32 && !a.has_plen, "IPv4 address");
	ok(addr_parse("192.0.2.0/-8", &a) == ADDR_BAD_PLEN, "no IPv4 suffix");
	ok(addr_parse("192.0.2.0/33", &a) == ADDR_BAD_PLEN, "IPv4 /33");
	ok(addr_parse("2001:db8::/129", &a) == ADDR_BAD_PLEN, "IPv6 /129");
	ok(addr_parse("2001:db8::/064", &a) == ADDR_BAD_PLEN, "leading zero length");
	ok(addr_parse("2001:db8::/", &a) == ADDR_BAD_PLEN, "empty length");
	ok(addr_parse("fe80::1%eth0", &a) == ADDR_INVALID, "scoped address");
	ok(addr_parse("01.2.3.4", &a) == ADDR_INVALID, "IPv4 leading zero");
	ok(addr_parse("", &a) == ADDR_INVALID, "empty");
	ok(addr_parse("/64", &a) == ADDR_INVALID, "no address");
	ok(addr_parse("2001:db8:1:2:3:4:5:6:7:8:9:a:b:c:d:e:f:0:1:2:3/64", &a) ==
	   ADDR_INVALID, "overlong text");

	addr6_parse("2001:db8::1", x);
	ok(addr_has_host_bits(x, 128, 64), "host bits under /64");
	addr_mask(x, 128, 64);
	ok(!addr_has_host_bits(x, 128, 64), "masked");
	addr6_parse("2001:db8:1:2::", x);
	ok(!addr_has_host_bits(x, 128, 64), "no host bits");
	ok(addr_in(x, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8 }, 32),
	   "2001:db8:1:2:: is in 2001:db8::/32");
	ok(!addr_in(x, (const uint8_t[16]){ 0xfe, 0x80 }, 10),
	   "2001:db8:1:2:: is not link-local");

	port("443", PORT_OK, 443, 443);
	port("1", PORT_OK, 1, 1);
	port("65535", PORT_OK, 65535, 65535);
	port("8000:8999", PORT_OK, 8000, 8999);
	port("8000-8999", PORT_OK, 8000, 8999);
	port("80:80", PORT_OK, 80, 80);
	port("9000:8000", PORT_REVERSED, 0, 0);
	port("0", PORT_RANGE, 0, 0);
	port("65536", PORT_RANGE, 0, 0);
	port("-5", PORT_RANGE, 0, 0);
	port("99999999999999999999", PORT_RANGE, 0, 0);
	port("1:70000", PORT_RANGE, 0, 0);
	port("0:10", PORT_RANGE, 0, 0);
	port("", PORT_INVALID, 0, 0);
	port("1.5", PORT_INVALID, 0, 0);
	port("0x50", PORT_INVALID, 0, 0);
	port("+80", PORT_INVALID, 0, 0);
	port("080", PORT_INVALID, 0, 0);
	port(" 80", PORT_INVALID, 0, 0);
	port("80:", PORT_INVALID, 0, 0);
	port(":80", PORT_INVALID, 0, 0);
	port("1:2:3", PORT_INVALID, 0, 0);
	port("1-2-3", PORT_INVALID, 0, 0);
	port("-", PORT_INVALID, 0, 0);
	port("ssh", PORT_INVALID, 0, 0);

	{
		static const char *const keys[] = { "version", "table", "zones",
			"defaults", "hosts", "pinholes", "ipv4" };
		static const char *const hosts[] = { "web", "nas", "lab" };

		is_str(misspell_suggest("pinhole", keys, 7), "pinholes", "pinhole");
		is_str(misspell_suggest("verison", keys, 7), "version", "verison");
		is_str(misspell_suggest("Zones", keys, 7), "zones", "case");
		is_str(misspell_suggest("wbe", hosts, 3), "web", "transposition");
		ok(!misspell_suggest("xyz", hosts, 3), "nothing close to xyz");
		ok(!misspell_suggest("", hosts, 3), "nothing for an empty word");
		ok(!misspell_suggest("completely-unrelated", keys, 7), "long word");
	}

	strmap_init(&m);
	{
		static char names[5000][16];
		int bad = 0;

		for (int i = 0; i < 5000; i++) {
			snprintf(names[i], sizeof(names[i]), "n%d", i);
			bad |= strmap_add(&m, names[i], (size_t)i, NULL) != 0;
		}
		ok(!bad, "5000 inserts");
		ok(strmap_add(&m, "n42", 0, &v) == 1 && v == 42, "duplicate found");
		ok(strmap_get(&m, "n4999", &v) == 1 && v == 4999, "lookup");
		ok(strmap_get(&m, "n5000", &v) == 0, "absent");
	}
	strmap_free(&m);
	return tap_done();
}
