/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_COMPILE_H
#define PINHOLE_COMPILE_H

/*
 * Chain and set names of the compiled table. Status, diff and the UCI
 * printer recognise pinhole's own objects by these names.
 */
#define PH_CHAIN_INPUT		"input"
#define PH_CHAIN_FORWARD	"forward"
#define PH_CHAIN_INPUT_WAN	"input_wan"
#define PH_CHAIN_FORWARD_WAN	"forward_wan"
#define PH_CHAIN_DSTNAT		"dstnat"
#define PH_CHAIN_SRCNAT		"srcnat"

/* Log rate limit for `defaults.log: true`. */
#define PH_LOG_RATE		10	/* per minute */
#define PH_LOG_BURST		5
#define PH_LOG_PREFIX		"pinhole: "

#endif
