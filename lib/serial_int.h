/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
/* What the state image's writer (serial.c) and reader (serial_read.c) share. */
#ifndef PINHOLE_SERIAL_INT_H
#define PINHOLE_SERIAL_INT_H

#include <stdint.h>

#define COMMENT_MAX	255	/* fits nft's 256-byte userdata */
#define NO_STR		0xffffffffu

static const uint8_t serial_magic[4] = { 'P', 'H', 'S', 'T' };

#endif
