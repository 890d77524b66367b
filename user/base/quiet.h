/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef VZ_BASE_QUIET_H
#define VZ_BASE_QUIET_H

/*
 * For a helper process forked from vizbpf that outlives it (the watchdog, the link closers):
 * its own session (a Ctrl-C or hangup that ends vizbpf must not end it), the terminal's
 * signals ignored, the name given (at most 15 characters), and stdin, stdout and stderr on
 * /dev/null (whoever waits for vizbpf's output to close must not wait for it).
 * Async-signal-safe.
 */
void quiet_helper(const char *name);

#endif
