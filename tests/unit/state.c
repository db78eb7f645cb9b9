// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The pinhole authors. */
/*
 * State files without a kernel:
 *  1. the lockdown table prints exactly tests/boot/lockdown.nft
 *     (UPDATE=1 rewrites it; review the diff);
 *  2. serialize -> deserialize gives the same nft text and the same netlink
 *     batch, byte for byte, for every example and golden policy, the
 *     lockdown and a hand-built ruleset; writing again gives the same bytes;
 *  3. corrupt images are refused: every truncation, flipped bits (CRC),
 *     another version, another kind, and random mutations with the CRC
 *     patched up, which must either be refused or emit and build safely;
 *  4. the state directory: created 0700, files 0600, a symlink, a file,
 *     a group-writable or foreign-owned directory refused, the lock exclusive.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <libnftnl/batch.h>

#include "pinhole.h"
#include "emit.h"
#include "ir.h"
#include "nl_build.h"
#include "serial.h"
#include "state.h"
#include "tap.h"

static char *emit_str(const struct pinhole_ruleset *r)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	ir_emit(r, f, 0);
	fclose(f);
	return s;
}

/* The batch of @r as one buffer (genid and seq fixed). */
static uint8_t *batch_bytes(const struct pinhole_ruleset *r, size_t *len)
{
	struct nl_built *b = NULL;
	struct iovec *iov;
	uint8_t *out = NULL;
	int n;

	*len = 0;
	if (nl_build_ruleset(r, 1, 100, &b))
		return NULL;
	n = nftnl_batch_iovec_len(b->batch);
	iov = calloc(n ? n : 1, sizeof(*iov));
	if (iov) {
		nftnl_batch_iovec(b->batch, iov, n);
		for (int i = 0; i < n; i++)
			*len += iov[i].iov_len;
		out = malloc(*len ? *len : 1);
		for (size_t i = 0, off = 0; out && i < (size_t)n; i++) {
			memcpy(out + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
	}
	free(iov);
	nl_built_free(b);
	return out;
}

/* Round trip of @r; returns the image for the corruption tests, or NULL. */
static uint8_t *roundtrip(const char *what, const struct pinhole_ruleset *r,
			  size_t *img_len)
{
	struct pinhole_ruleset *back = NULL;
	uint8_t *img = NULL, *img2 = NULL, *b1, *b2;
	size_t len = 0, len2 = 0, bl1, bl2;
	char *t1, *t2;
	int ret;

	ret = serial_write_ruleset(r, NULL, &img, &len);
	ok(ret == 0, "%s: serializes", what);
	if (ret)
		return NULL;
	ret = serial_read_ruleset(img, len, &back, NULL);
	ok(ret == 0 && back, "%s: deserializes", what);
	if (ret || !back) {
		free(img);
		return NULL;
	}
	t1 = emit_str(r);
	t2 = emit_str(back);
	ok(t1 && t2 && !strcmp(t1, t2), "%s: same nft text after the round trip", what);
	b1 = batch_bytes(r, &bl1);
	b2 = batch_bytes(back, &bl2);
	ok(b1 && b2 && bl1 == bl2 && !memcmp(b1, b2, bl1),
	   "%s: same netlink batch after the round trip (%zu bytes)", what, bl1);
	ret = serial_write_ruleset(back, NULL, &img2, &len2);
	ok(!ret && len2 == len && !memcmp(img, img2, len),
	   "%s: writing the read-back ruleset gives the same bytes", what);
	free(t1);
	free(t2);
	free(b1);
	free(b2);
	free(img2);
	pinhole_ruleset_free(back);
	*img_len = len;
	return img;
}

static void test_policy_file(const char *path, const char *name)
{
	struct pinhole_diag *d = pinhole_diag_new();
	struct pinhole_policy *p = NULL;
	struct pinhole_ruleset *r = NULL;
	size_t len;

	if (pinhole_policy_load_file(path, d, &p) == 0 &&
	    pinhole_ruleset_compile(p, d, &r) == 0)
		free(roundtrip(name, r, &len));
	pinhole_ruleset_free(r);
	pinhole_policy_free(p);
	pinhole_diag_free(d);
}

static void test_dir(const char *srcdir, const char *sub)
{
	struct dirent **names;
	char path[4096];
	int n;

	snprintf(path, sizeof(path), "%s/%s", srcdir, sub);
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);

		if (l > 5 && !strcmp(names[i]->d_name + l - 5, ".yaml")) {
			snprintf(path, sizeof(path), "%s/%s/%s", srcdir, sub,
				 names[i]->d_name);
			test_policy_file(path, names[i]->d_name);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

static void test_lockdown_golden(const char *srcdir)
{
	struct pinhole_ruleset *r = pinhole_ruleset_lockdown(PINHOLE_DEFAULT_TABLE);
	char path[4096], *got, *want = NULL;
	size_t len = 0;
	FILE *f;

	ok(r != NULL, "lockdown table builds");
	if (!r)
		return;
	got = emit_str(r);
	snprintf(path, sizeof(path), "%s/tests/boot/lockdown.nft", srcdir);
	if (getenv("UPDATE") && (f = fopen(path, "w"))) {
		fputs(got, f);
		fclose(f);
	}
	f = fopen(path, "r");
	if (f) {
		ssize_t n = getdelim(&want, &len, 0, f);

		if (n < 0) {
			free(want);
			want = NULL;
		}
		fclose(f);
	}
	is_str(got, want ? want : "(missing)", "lockdown table prints tests/boot/lockdown.nft");
	ok(pinhole_ruleset_lockdown("") == NULL && errno == EINVAL,
	   "lockdown refuses an empty table name");
	free(got);
	free(want);
	pinhole_ruleset_free(r);
}

/* A ruleset with every statement and match kind the encoding knows. */
static struct pinhole_ruleset *hand_built(void)
{
	struct pinhole_ruleset *r = ir_ruleset_new("t");
	struct ir_set *map = ir_set_add(r, "fwd4");
	struct ir_chain *c = ir_chain_add(r, "prerouting", IR_CHAIN_NAT, 0, -100, 1);
	struct ir_chain *reg = ir_chain_add(r, "other", IR_CHAIN_REGULAR, 0, 0, 0);
	struct ir_rule *rule;
	struct ir_stmt *s;
	struct ir_match *m;
	struct ir_elem *e;

	map->n_keys = 2;
	map->keys[0].field = IR_F_L4PROTO;
	map->keys[1].field = IR_F_TH_DPORT;
	map->flags = IR_SET_MAP;
	map->size = 128;
	map->n_data = 2;
	map->data[0] = IR_T_IPADDR;
	map->data[1] = IR_T_INET_SERVICE;
	e = ir_set_add_elem(map);
	e->key[0] = e->key_end[0] = 6;
	e->key[5] = e->key_end[5] = 80;
	memcpy(e->data, (uint8_t[]){ 192, 0, 2, 1, 0, 80 }, 6);
	e->comment = strdup("web");

	rule = ir_chain_add_rule(c);
	m = ir_rule_match(rule, IR_F_IIFNAME, IR_OP_EQ);
	memcpy(m->lo, "eth", 3);
	memcpy(m->hi, "eth", 3);
	m->prefix_len = 3;
	m = ir_rule_match(rule, IR_F_NFPROTO, IR_OP_EQ);
	m->lo[0] = m->hi[0] = 2;
	s = ir_rule_stmt(rule, IR_S_DNAT_MAP);
	s->dnat_map.n_keys = 2;
	memcpy(s->dnat_map.keys, map->keys, sizeof(map->keys));
	s->dnat_map.map = map;
	rule->comment = strdup("a \"quoted\" comment");

	rule = ir_chain_add_rule(c);
	m = ir_rule_match(rule, IR_F_NFPROTO, IR_OP_EQ);
	m->lo[0] = m->hi[0] = 2;
	m = ir_rule_match(rule, IR_F_TH_DPORT, IR_OP_NEQ);
	m->lo[1] = 10;
	m->hi[1] = 20;
	s = ir_rule_stmt(rule, IR_S_LIMIT);
	s->limit.rate = 5;
	s->limit.unit = 60;
	s->limit.burst = 7;
	s = ir_rule_stmt(rule, IR_S_LOG);
	strcpy(s->log.prefix, "x: ");
	s = ir_rule_stmt(rule, IR_S_DNAT);
	memcpy(s->dnat.addr, (uint8_t[]){ 192, 0, 2, 9 }, 4);
	s->dnat.port = 8080;

	rule = ir_chain_add_rule(c);
	s = ir_rule_stmt(rule, IR_S_JUMP);
	strcpy(s->jump.chain, "other");
	rule = ir_chain_add_rule(reg);
	m = ir_rule_match(rule, IR_F_IP6_DADDR, IR_OP_EQ);
	m->keys[0].masked = true;
	memset(m->keys[0].mask + 8, 0xff, 8);
	m->lo[15] = m->hi[15] = 1;
	m = ir_rule_match(rule, IR_F_CT_STATUS, IR_OP_FLAGS);
	m->lo[0] = m->hi[0] = 0x20;
	ir_rule_stmt(rule, IR_S_COUNTER);
	s = ir_rule_stmt(rule, IR_S_REJECT);
	s->reject.how = IR_REJECT_TCP_RST;
	rule = ir_chain_add_rule(reg);
	ir_rule_stmt(rule, IR_S_MASQ);
	ir_rule_stmt(rule, IR_S_RETURN);
	return r;
}

/* xorshift64*: the same mutations on every run */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static void patch_crc(uint8_t *img, size_t len)
{
	uint32_t crc, plen = (uint32_t)(len - SERIAL_HDR_LEN);

	for (int i = 0; i < 4; i++)
		img[8 + i] = (uint8_t)(plen >> (8 * i));
	crc = serial_crc32(img + SERIAL_HDR_LEN, len - SERIAL_HDR_LEN);
	for (int i = 0; i < 4; i++)
		img[12 + i] = (uint8_t)(crc >> (8 * i));
}

static void test_corrupt(const char *what, const uint8_t *img, size_t len,
			 unsigned int mutations)
{
	struct pinhole_ruleset *r = NULL;
	uint8_t *m = malloc(len + 64);
	size_t bad = 0, accepted = 0, built = 0;
	int ret;

	for (size_t n = 0; n < len; n++) {
		ret = serial_read_ruleset(img, n, &r, NULL);
		if (ret == 0) {
			pinhole_ruleset_free(r);
			bad++;
		}
	}
	ok(bad == 0, "%s: all %zu truncations refused", what, len);

	/* payload truncated with a consistent header: the parser must see it */
	bad = 0;
	for (size_t n = SERIAL_HDR_LEN; n < len; n++) {
		memcpy(m, img, n);
		patch_crc(m, n);
		if (serial_read_ruleset(m, n, &r, NULL) != -EBADMSG)
			bad++;
		pinhole_ruleset_free(r);
	}
	ok(bad == 0, "%s: every payload truncation with a valid CRC is -EBADMSG", what);

	bad = 0;
	for (size_t n = SERIAL_HDR_LEN; n < len; n += 1 + len / 512) {
		memcpy(m, img, len);
		m[n] ^= 1u << (n % 8);
		if (serial_read_ruleset(m, len, &r, NULL) != -EBADMSG)
			bad++;
		pinhole_ruleset_free(r);
	}
	ok(bad == 0, "%s: flipped bits fail the CRC", what);

	memcpy(m, img, len);
	m[4] = SERIAL_VERSION + 1;
	ok(serial_read_ruleset(m, len, &r, NULL) == -EPROTONOSUPPORT,
	   "%s: another format version is refused", what);
	memcpy(m, img, len);
	m[6] = SERIAL_TIMER;
	ok(serial_read_ruleset(m, len, &r, NULL) == -EBADMSG,
	   "%s: a timer image is not a ruleset", what);
	memcpy(m, img, len);
	m[len] = 0;
	patch_crc(m, len + 1);
	ok(serial_read_ruleset(m, len + 1, &r, NULL) == -EBADMSG,
	   "%s: trailing bytes are refused", what);

	/* structure-aware damage: CRC fixed, so only the parser stands guard */
	for (unsigned int i = 0; i < mutations; i++) {
		size_t n = len;
		unsigned int k = 1 + next_rand() % 4;

		memcpy(m, img, len);
		for (unsigned int j = 0; j < k; j++) {
			size_t at = SERIAL_HDR_LEN + next_rand() % (len - SERIAL_HDR_LEN);

			switch (next_rand() % 4) {
			case 0:
				m[at] ^= (uint8_t)(1u << (next_rand() % 8));
				break;
			case 1:
				m[at] = (uint8_t)next_rand();
				break;
			case 2:
				m[at] = (uint8_t[]){ 0, 1, 0xff, 0x7f, 0x80, 4, 16, 40 }[next_rand() % 8];
				break;
			default:
				n = at;		/* cut here */
				break;
			}
		}
		patch_crc(m, n);
		ret = serial_read_ruleset(m, n, &r, NULL);
		if (ret == 0 && r) {
			char *t = emit_str(r);
			size_t bl;
			uint8_t *b = batch_bytes(r, &bl);

			accepted++;
			built += b != NULL;
			free(t);
			free(b);
			pinhole_ruleset_free(r);
		} else if (ret != -EBADMSG && ret != -EPROTONOSUPPORT) {
			bad++;
		}
	}
	ok(bad == 0, "%s: %u random mutations: %zu refused, %zu accepted "
	   "(all of them emit; %zu build a batch), no other error", what,
	   mutations, (size_t)mutations - accepted, accepted, built);
	free(m);
}

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
	}
	return ~crc;
}

static void test_other_images(void)
{
	struct pinhole_ruleset *r = ir_ruleset_new("t"), *back = NULL, *r2 = NULL;
	struct serial_timer t = { 0x1122334455667788ull, 4242, 99, 1700000000 }, t2;
	struct ir_chain *c = ir_chain_add(r, "input", IR_CHAIN_FILTER, 1, 0, 0);
	struct ir_rule *rule = ir_chain_add_rule(c);
	uint8_t *img = NULL;
	size_t len;
	char *absent = NULL;

	rule->unknown = true;
	rule->raw = strdup("[ meta load mark => reg 1 ]");
	ok(serial_write_ruleset(r, NULL, &img, &len) == -ENOTSUP,
	   "a rule pinhole does not recognise cannot be saved");
	ok(pinhole_ruleset_unknown_rules(r) == 1, "pinhole_ruleset_unknown_rules counts it");
	pinhole_ruleset_free(r);

	ok(serial_write_ruleset(NULL, "mytable", &img, &len) == 0,
	   "an absent table serializes");
	ok(serial_read_ruleset(img, len, &back, &absent) == 0 && !back &&
	   absent && !strcmp(absent, "mytable"), "and reads back as absent 'mytable'");
	free(absent);
	free(img);
	ok(serial_write_ruleset(NULL, NULL, &img, &len) == -EINVAL,
	   "absent without a table name is refused");
	{
		/* the policy's limit is the image's: the longest name round-trips */
		char name[PINHOLE_TABLE_NAME_MAX + 2];
		uint8_t *m = NULL;

		memset(name, 'a', sizeof(name) - 1);
		name[PINHOLE_TABLE_NAME_MAX] = 0;
		r = ir_ruleset_new(name);
		img = NULL;
		ok(r && serial_write_ruleset(r, NULL, &img, &len) == 0 &&
		   serial_read_ruleset(img, len, &back, NULL) == 0 && back &&
		   !strcmp(back->table, name),
		   "a %d-byte table name round-trips", PINHOLE_TABLE_NAME_MAX);
		pinhole_ruleset_free(back);
		back = NULL;
		pinhole_ruleset_free(r);
		/* the same image with one more byte of name (CRC fixed up) */
		if (img)
			m = malloc(len + 1);
		if (m) {
			size_t at = SERIAL_HDR_LEN + 4 + PINHOLE_TABLE_NAME_MAX;

			memcpy(m, img, at);
			m[SERIAL_HDR_LEN] = PINHOLE_TABLE_NAME_MAX + 1;
			m[at] = 'a';
			memcpy(m + at + 1, img + at, len - at);
			patch_crc(m, len + 1);
		}
		ok(m && serial_read_ruleset(m, len + 1, &back, NULL) == -EBADMSG,
		   "a %d-byte table name is refused by the reader",
		   PINHOLE_TABLE_NAME_MAX + 1);
		free(m);
		free(img);
		name[PINHOLE_TABLE_NAME_MAX] = 'a';
		name[PINHOLE_TABLE_NAME_MAX + 1] = 0;
		r = ir_ruleset_new(name);
		ok(r && serial_write_ruleset(r, NULL, &img, &len) == -EINVAL,
		   "and by the writer");
		ok(serial_write_ruleset(NULL, name, &img, &len) == -EINVAL,
		   "also as the name of an absent table");
		pinhole_ruleset_free(r);
	}

	/* version 1 differs only in sets (no size): a set-less table reads */
	r = ir_ruleset_new("v1");
	c = ir_chain_add(r, "input", IR_CHAIN_FILTER, 1, 0, 0);
	ir_rule_stmt(ir_chain_add_rule(c), IR_S_ACCEPT);
	ok(serial_write_ruleset(r, NULL, &img, &len) == 0 && (img[4] = 1) &&
	   serial_read_ruleset(img, len, &back, NULL) == 0 && back &&
	   back->n_chains == 1 && back->chains[0]->n_rules == 1,
	   "a version 1 image still reads");
	img[4] = 0;
	ok(serial_read_ruleset(img, len, &r2, NULL) == -EPROTONOSUPPORT,
	   "version 0 is refused");
	free(img);
	pinhole_ruleset_free(back);
	pinhole_ruleset_free(r);

	ok(serial_write_timer(&t, &img, &len) == 0 &&
	   serial_read_timer(img, len, &t2) == 0 && t.token == t2.token &&
	   t.pid == t2.pid && t.starttime == t2.starttime && t.deadline == t2.deadline,
	   "a timer record round-trips");
	ok(serial_read_ruleset(img, len, &back, NULL) == -EBADMSG,
	   "a timer image is not a ruleset");
	for (size_t n = 0; n < len; n++)
		if (serial_read_timer(img, n, &t2) == 0)
			ok(0, "timer truncated at %zu accepted", n);
	free(img);
	ok(serial_crc32((const uint8_t *)"123456789", 9) == 0xcbf43926,
	   "CRC-32 check value");
	{
		/* eight bytes a step against one bit a step, every length and
		 * alignment up to 3 steps and change */
		uint8_t buf[40];
		unsigned int bad = 0;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(i * 151 + 7);
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; off + n <= sizeof(buf); n++)
				bad += serial_crc32(buf + off, n) != crc_bitwise(buf + off, n);
		ok(bad == 0, "CRC-32 equals the bitwise one at every length and offset");
	}
}

static int mode_of(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) < 0 ? -1 : (int)(sb.st_mode & 07777);
}

static void test_state_dir(void)
{
	char base[] = "/tmp/pinhole-state-test-XXXXXX", p[256], q[512];
	struct pinhole_ruleset *r = pinhole_ruleset_lockdown(PINHOLE_DEFAULT_TABLE), *back;
	struct state *st = NULL, *st2 = NULL;
	const char *why;
	int ret, fd;

	if (!mkdtemp(base)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/a/b/state", base);
	ret = state_open(p, &st, &why);
	ok(ret == 0 && mode_of(p) == 0700, "state dir created 0700 (with its parents)");
	ok(st && state_lock(st, 1000) == 0, "lock taken");
	ok(st && state_open(p, &st2, &why) == 0 && state_lock(st2, 100) == -EWOULDBLOCK,
	   "a second lock waits and gives up (-EWOULDBLOCK)");
	state_close(st2);
	st2 = NULL;
	ok(st && state_save_ruleset(st, STATE_LAST, r, NULL) == 0, "ruleset saved");
	snprintf(q, sizeof(q), "%s/%s", p, STATE_LAST);
	ok(mode_of(q) == 0600, "state file is 0600");
	snprintf(q, sizeof(q), "%s/.%s.tmp", p, STATE_LAST);
	ok(mode_of(q) == -1, "no temp file left behind");
	back = NULL;
	ok(st && state_load_ruleset(st, STATE_LAST, &back, NULL) == 0 && back,
	   "ruleset loaded back");
	pinhole_ruleset_free(back);
	ok(st && state_load_ruleset(st, STATE_ROLLBACK, &back, NULL) == -ENOENT,
	   "a missing file is -ENOENT");

	/* a truncated file on disk */
	snprintf(q, sizeof(q), "%s/%s", p, STATE_LAST);
	ok(truncate(q, 100) == 0 && st &&
	   state_load_ruleset(st, STATE_LAST, &back, NULL) == -EBADMSG,
	   "a truncated file is -EBADMSG");
	/* a symlink in place of a state file */
	snprintf(q, sizeof(q), "%s/%s", p, STATE_PENDING);
	ok(symlink("/etc/passwd", q) == 0 && st &&
	   state_load_ruleset(st, STATE_PENDING, &back, NULL) == -ELOOP,
	   "a symlinked state file is not followed (-ELOOP)");
	ok(st && state_save_ruleset(st, STATE_PENDING, r, NULL) == 0 &&
	   mode_of(q) == 0600, "saving replaces the symlink with a file");
	/* a FIFO in place of a state file: refused at once, never read */
	alarm(10);	/* a regression hangs in open(): fail, don't wedge make check */
	snprintf(q, sizeof(q), "%s/%s", p, STATE_ROLLBACK);
	ok(mkfifo(q, 0600) == 0 && st &&
	   state_load_ruleset(st, STATE_ROLLBACK, &back, NULL) == -EBADF,
	   "a FIFO as state file is refused without blocking (-EBADF)");
	{
		struct serial_timer t;

		snprintf(q, sizeof(q), "%s/%s", p, STATE_TIMER);
		ok(mkfifo(q, 0600) == 0 && st &&
		   state_load_timer(st, STATE_TIMER, &t) == -EBADF,
		   "a FIFO as timer record is refused without blocking (-EBADF)");
	}
	alarm(0);
	snprintf(q, sizeof(q), "%s/%s", p, STATE_ROLLBACK);
	ok(st && state_save_ruleset(st, STATE_ROLLBACK, r, NULL) == 0 &&
	   mode_of(q) == 0600, "saving replaces the FIFO with a file");
	state_close(st);
	st = NULL;

	snprintf(q, sizeof(q), "%s/link", base);
	ok(symlink(p, q) == 0 && state_open(q, &st, &why) == -ELOOP &&
	   why && strstr(why, "symbolic link"), "a symlinked state dir is refused");
	state_close(st);
	st = NULL;
	snprintf(q, sizeof(q), "%s/file", base);
	fd = open(q, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(state_open(q, &st, &why) == -ENOTDIR, "a file as state dir is refused");
	state_close(st);
	st = NULL;
	ok(chmod(p, 0770) == 0 && state_open(p, &st, &why) == -EPERM &&
	   why && strstr(why, "writable"), "a group-writable state dir is refused");
	state_close(st);
	st = NULL;
	ok(chmod(p, 0755) == 0 && state_open(p, &st, &why) == 0,
	   "a 0755 state dir is accepted");
	state_close(st);
	st = NULL;
	if (geteuid() == 0) {
		ok(chown(p, 1, 1) == 0 && state_open(p, &st, &why) == -EPERM &&
		   why && strstr(why, "owned"), "a state dir not owned by root is refused");
		state_close(st);
		st = NULL;
	} else {
		ok(1, "ownership check # SKIP not root");
	}
	pinhole_ruleset_free(r);
	snprintf(q, sizeof(q), "rm -rf '%s'", base);
	ok(system(q) == 0, "cleanup");
}

int main(void)
{
	const char *srcdir = getenv("srcdir");
	unsigned int mutations = 20000;
	struct pinhole_ruleset *r;
	uint8_t *img;
	size_t len;

	if (!srcdir)
		srcdir = ".";
	if (getenv("MUTATIONS"))	/* fewer under valgrind */
		mutations = (unsigned int)strtoul(getenv("MUTATIONS"), NULL, 10);
	test_lockdown_golden(srcdir);
	test_dir(srcdir, "examples");
	test_dir(srcdir, "tests/golden");
	test_dir(srcdir, "tests/kernel");
	test_dir(srcdir, "tests/boot");

	r = pinhole_ruleset_lockdown(PINHOLE_DEFAULT_TABLE);
	img = roundtrip("lockdown", r, &len);
	if (img)
		test_corrupt("lockdown", img, len, mutations);
	free(img);
	pinhole_ruleset_free(r);

	r = hand_built();
	img = roundtrip("hand-built", r, &len);
	if (img)
		test_corrupt("hand-built", img, len, mutations);
	free(img);
	pinhole_ruleset_free(r);

	test_other_images();
	test_state_dir();
	return tap_done();
}
