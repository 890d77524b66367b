/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VizTracer's rc file: an INI file whose [default] section gives options by their long name
 * (`max_stack_depth = 10`, `ignore_frozen = True`, `include_files = ./src ./lib`). --rcfile FILE
 * names it; otherwise ./.viztracerrc is read when present. Its options are placed before the
 * command line's, so the command line wins. `--run` (VizTracer's spelling of `--`) is read as
 * `--` here too.
 */
#ifndef VZ_RCFILE_H
#define VZ_RCFILE_H

/*
 * Returns the argv to parse: argv with the rc file's options inserted after argv[0] (a new
 * array, or argv itself when there is nothing to add). takes_arg(name) says whether the long
 * option NAME takes a value (1), is a flag (0) or is unknown (-1). On a bad rc file, prints
 * one line and exits 64 (a usage error, like a bad option).
 */
char **rcfile_expand(int argc, char **argv, int *out_argc, int (*takes_arg)(const char *name));

#endif
