/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PINHOLE_ADDR_H
#define PINHOLE_ADDR_H
#endif
