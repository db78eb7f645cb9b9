// SPDX-License-Identifier: GPL-2.0-or-later
#include "internal.h"
#include "emit.h"
#include <errno.h>
#include "pinhole.h"
EXPORT_SYMBOL(pinhole_ruleset_emit);
int pinhole_ruleset_emit(const struct pinhole_ruleset *r, FILE *f) { return -ENOSYS; }
