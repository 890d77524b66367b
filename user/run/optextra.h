/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VizTracer command-line conveniences that only shape what vizbpf runs and where it writes:
 * -m/-c (python3 on PATH), -u (a unique output name), --output_dir, --open.
 */
#ifndef VZ_OPTEXTRA_H
#define VZ_OPTEXTRA_H

/* {python3 from PATH, "-m", module | "-c", cmd, rest...}: NULL with a message when no python3
 * is on PATH. */
char **optextra_python_command(const char *module, const char *cmd, char **rest);
/* result_<base name of what runs>_<microseconds since the epoch>.json, like VizTracer's -u. */
char *optextra_unique_name(const char *what);
/* DIR/name, creating DIR (one level, as VizTracer does); NULL with a message on failure. */
char *optextra_in_dir(const char *dir, const char *name);
/* --open: `vizbpf view --once PATH` in a child, waited for; the caller's exit status is kept. */
void optextra_open(const char *path);
/* Why a VizTracer option cannot mean the same thing under vizbpf, or NULL. */
const char *optextra_refusal(const char *name);

#endif
