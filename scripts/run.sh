#!/usr/bin/env bash
# Start the Rasa server, the action server and the web app in the foreground; Ctrl-C stops all.
#   scripts/run.sh [PREPARE COMMAND...]
# A PREPARE command (`make run` passes `make data`: import and ingest, a no-op when nothing
# changed) runs after Rasa has started loading its model, which needs no data, and before the
# action server and the web app, which do: the two overlap instead of following each other.
# Configuration comes from Aisle's settings (AISLE_* variables), see aisle/settings.py.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TF_CPP_MIN_LOG_LEVEL=2 \
       RASA_TELEMETRY_ENABLED=false ANONYMIZED_TELEMETRY=False TOKENIZERS_PARALLELISM=false
# The action server's agent-assist API and the web app share this token (one per run if unset).
export AISLE_INTERNAL_TOKEN="${AISLE_INTERNAL_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}"
eval "$(.venv/bin/python -m aisle.runtime_env)"
mkdir -p "$AISLE_STATE_DIR"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping Aisle..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

rasa_args=(run --enable-api -i "$AISLE_RASA_HOST" -p "$AISLE_RASA_PORT"
           --credentials credentials.yml --endpoints "$AISLE_ENDPOINTS" --model models/aisle.tar.gz
           --cors ${AISLE_CORS_ORIGINS//,/ })
# Rasa's own CLI with Aisle's fixes to it (bot/server.py). It reads the API token, when set,
# from AISLE_RASA_TOKEN in its environment, never from its command line (which `ps` shows).
.venv-rasa/bin/python -m bot.server "${rasa_args[@]}" &
pids+=($!)

if (($#)); then "$@"; fi

.venv/bin/python -m actions.server &
pids+=($!)

.venv/bin/python -m web &
pids+=($!)

echo "Aisle: shop and chat widget on http://$AISLE_WEB_HOST:$AISLE_WEB_PORT/ , agent console on /agent"
echo "       Rasa on http://$AISLE_RASA_HOST:$AISLE_RASA_PORT (REST + socket.io), actions on :$AISLE_ACTION_PORT"
echo "Chat in another terminal with: make shell   (Ctrl-C here stops everything)"
# Stop everything as soon as either server exits.
wait -n "${pids[@]}"
