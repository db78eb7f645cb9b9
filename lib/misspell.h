/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PINHOLE_MISSPELL_H
#define PINHOLE_MISSPELL_H
#endif
