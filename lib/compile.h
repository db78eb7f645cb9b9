/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PINHOLE_COMPILE_H
#define PINHOLE_COMPILE_H
#endif
