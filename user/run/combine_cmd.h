/* SPDX-License-Identifier: BSD-2-Clause */
/* `vizbpf combine [--align] -o OUT FILE...` (export/combine.h). */
#ifndef VZ_COMBINE_CMD_H
#define VZ_COMBINE_CMD_H

/* argv[0] is "combine". Returns the exit status: 0, 1 (an input or the output failed), 64. */
int combine_main(int argc, char **argv);

#endif
