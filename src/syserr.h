/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_SYSERR_H
#define PINHOLE_SYSERR_H

/*
 * Print a plain sentence for a system error (-errno) of the netlink
 * backend on stderr, e.g. "pinhole: cannot talk to nf_tables: Operation
 * not permitted (are you root?)"; returns EXIT_SYSTEM.
 */
int sys_error(int err);

#endif
