/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PINHOLE_YAML_H
#define PINHOLE_YAML_H
#endif
