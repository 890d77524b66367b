// SPDX-License-Identifier: BSD-2-Clause
/* The verbosity every layer reads; run/env.c sets it from -v and --quiet. */
#include "log.h"

int vz_verbose;
int vz_quiet;
