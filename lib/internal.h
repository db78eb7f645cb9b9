/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The pinhole authors. */
#ifndef PINHOLE_INTERNAL_H
#define PINHOLE_INTERNAL_H

#include "config.h"

#ifdef HAVE_VISIBILITY_HIDDEN
#define EXPORT_SYMBOL(x) typeof(x) (x) __attribute__((visibility("default")))
#else
#define EXPORT_SYMBOL(x)
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
