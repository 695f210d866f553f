#!/usr/bin/env bash
# Build the web app's front end (widget + agent console) into web/frontend/dist (git-ignored)
# from the committed package-lock.json. Idempotent: skips npm ci and esbuild when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/../web/frontend"
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm not found (install Node.js 18+, e.g. apt-get install -y nodejs npm)" >&2
  exit 1
fi
lock_digest="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f node_modules/.aisle-lock || "$(cat node_modules/.aisle-lock)" != "$lock_digest" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_digest" > node_modules/.aisle-lock
fi
sources_digest="$(cat build.mjs src/* package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ -f dist/.digest && "$(cat dist/.digest)" == "$sources_digest" && -f dist/widget.js ]]; then
  echo "web front end is up to date"; exit 0
fi
node build.mjs
echo "$sources_digest" > dist/.digest
