#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs the viewer tests' one npm dependency (playwright-core, pinned by package-lock.json)
# into tests/view/node_modules. No browser is downloaded: the tests drive Debian's chromium.
set -e
cd "$(dirname "$0")"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
