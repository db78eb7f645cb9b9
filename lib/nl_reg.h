/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_NL_REG_H
#define PINHOLE_NL_REG_H

/*
 * The register numbering the builder (nl_build_rule.c) writes and the
 * decoder (nl_decode_rule.c) reads back: a header of its own, so neither
 * takes it from the other's module.
 */
#include <stdint.h>

/*
 * Registers as nft allocates them: 32-bit units from NFT_REG32_00 (8), a
 * value at byte @off of the register area goes to NFT_REG32_00 + off/4,
 * named by its 128-bit alias NFT_REG_n (1..4) when 16-byte aligned. The
 * kernel dumps registers the same way.
 */
static inline uint32_t nl_reg(unsigned int off)
{
	return off % 16 ? 8 + off / 4 : 1 + off / 16;
}

/* Byte offset of register @reg (either numbering), or -1. */
static inline int nl_reg_off(uint32_t reg)
{
	if (reg >= 1 && reg <= 4)
		return (reg - 1) * 16;
	if (reg >= 8 && reg <= 23)
		return (reg - 8) * 4;
	return -1;
}

#endif
