/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_TXN_H
#define PINHOLE_TXN_H

/*
 * The state protocol of apply, apply --confirm, confirm and the rollback
 * timer (txn.c): the public pinhole_state_* transitions over the files of
 * state.c. What txn.c keeps to itself, shared with the unit tests.
 */
#include <stdint.h>
#include <sys/types.h>

/*
 * Field 22 of /proc/PID/stat, the start time in clock ticks after boot:
 * with the pid it names one process for good. Returns 0, -ESRCH for a
 * zombie, -EIO for a line it cannot parse, or the -errno of open.
 */
int txn_proc_starttime(pid_t pid, uint64_t *out);

#endif
