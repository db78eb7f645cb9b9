// SPDX-License-Identifier: GPL-2.0-or-later
#include "internal.h"
#include "yaml.h"
/* placeholder until the loader lands */
#include <errno.h>
#include <stdlib.h>
#include "pinhole.h"
EXPORT_SYMBOL(pinhole_policy_load_buffer);
int pinhole_policy_load_buffer(const char *name, const char *buf, size_t len,
			       struct pinhole_diag *d, struct pinhole_policy **out)
{ *out = NULL; return -ENOSYS; }
EXPORT_SYMBOL(pinhole_policy_load_file);
int pinhole_policy_load_file(const char *path, struct pinhole_diag *d, struct pinhole_policy **out)
{ *out = NULL; return -ENOSYS; }
EXPORT_SYMBOL(pinhole_policy_free);
void pinhole_policy_free(struct pinhole_policy *p) { free(p); }
