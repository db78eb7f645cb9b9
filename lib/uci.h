/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_UCI_H
#define PINHOLE_UCI_H

#include <stdint.h>
#include <stdio.h>

/*
 * fw4 UCI printer internals (the public entry is pinhole_ruleset_uci() in
 * pinhole.h). Exposed for the unit test, which reads the output back.
 */

/* The fw4 zone every pinhole comes from: SPEC §1 names the outside "wan". */
#define UCI_SRC_ZONE "wan"

/*
 * Print @s as one single-quoted UCI word. A quote inside becomes '\'' (close,
 * escaped quote, reopen), which both the file parser and `uci batch` read
 * back as the original string.
 */
void uci_fput_quoted(FILE *f, const char *s);

/*
 * The mask of the last @n bits of an IPv6 address (pinhole's ::X/-N), which
 * fw4 spells /-(128-N): its "/-N" inverts a /N prefix mask (fw4.uc to_mask()).
 */
void uci_suffix_mask(unsigned int n, uint8_t mask[16]);

#endif
