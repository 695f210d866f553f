#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (Playwright drives it; browser downloads do
# not work offline, so never `playwright install`). Idempotent: does nothing when present.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
