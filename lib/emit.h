/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PINHOLE_EMIT_H
#define PINHOLE_EMIT_H
#endif
