/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `vizbpf view PATH`: VizTracer's vizviewer for vizbpf traces. Serves the trace (or a folder of
 * traces) with Catapult's trace viewer on http://127.0.0.1:9001 and opens the browser.
 */
#ifndef VZ_USER_VIEW_H
#define VZ_USER_VIEW_H

/* argv[0] is "view". Returns the process exit status. */
int view_main(int argc, char **argv);

/*
 * For `vizbpf --open`, after the trace is written, as VizTracer's --open: an .html report opens
 * from file:// with xdg-open (or its path is printed); a .json/.json.gz is served as by `vizbpf
 * view PATH` until Ctrl-C. Returns the exit status.
 */
int view_open_after_trace(const char *path);

#endif
