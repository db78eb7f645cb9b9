/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_SRC_EXPLAIN_H
#define PINHOLE_SRC_EXPLAIN_H

struct pinhole_ruleset;

/*
 * The lockout guard (SPEC §6.5): when SSH_CONNECTION is set and @r would
 * drop or reject a new connection of that session (tcp from its client
 * address and port to its server address and port, coming in on the
 * interface holding the server address, else the outside one), print why
 * and return EXIT_POLICY; else EXIT_OK (also when it cannot tell: then a
 * warning says so).
 */
int ssh_guard(const struct pinhole_ruleset *r);

#endif
