// SPDX-License-Identifier: GPL-2.0-or-later
#include "internal.h"
#include "compile.h"
#include <errno.h>
#include "pinhole.h"
EXPORT_SYMBOL(pinhole_ruleset_compile);
int pinhole_ruleset_compile(const struct pinhole_policy *p, struct pinhole_diag *d, struct pinhole_ruleset **out)
{ *out = NULL; return -ENOSYS; }
