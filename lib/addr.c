// SPDX-License-Identifier: GPL-2.0-or-later
#include "internal.h"
#include "addr.h"
