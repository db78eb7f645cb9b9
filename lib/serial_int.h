/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
/* What the state image's writer (serial.c) and reader (serial_read.c) share. */
#ifndef PINHOLE_SERIAL_INT_H
#define PINHOLE_SERIAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ir.h"

#define COMMENT_MAX	255	/* fits nft's 256-byte userdata */
#define NO_STR		0xffffffffu

static const uint8_t serial_magic[4] = { 'P', 'H', 'S', 'T' };

/* What a set may hold: the writer refuses what the reader would (-EINVAL). */
#define SERIAL_SET_FLAGS (IR_SET_ANON | IR_SET_INTERVAL | IR_SET_MAP | IR_SET_COUNTER)

static inline bool serial_valid_data_type(unsigned int t)
{
	return t == IR_T_IPADDR || t == IR_T_INET_SERVICE;
}

#endif
