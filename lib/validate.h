/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PINHOLE_VALIDATE_H
#define PINHOLE_VALIDATE_H
#endif
