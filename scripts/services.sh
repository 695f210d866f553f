#!/usr/bin/env bash
# Local backing services of the production profile, for trying it on one machine and for tests:
# PostgreSQL (tracker store, shop state, catalog), Redis (lock store) and a Chroma server.
#
#   scripts/services.sh install       apt-get install what is missing (PostgreSQL, Redis, nginx)
#   scripts/services.sh start         install if needed, start the three services (idempotent)
#   scripts/services.sh stop          stop them
#   scripts/services.sh restart-postgres | stop-chroma | start-chroma   (fault tests)
#   scripts/services.sh env           print the AISLE_* URLs of the running services
#
# Everything lives in $AISLE_SERVICES_DIR (default state/services): data, logs, pid files and
# the generated PostgreSQL password (mode 600). Ports: $AISLE_SERVICES_PG_PORT (55432),
# $AISLE_SERVICES_REDIS_PORT (56379), $AISLE_SERVICES_CHROMA_PORT (58000); all bind 127.0.0.1.
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.
# The Chroma server starts from a copy of the embedded store (state/chroma-<store>), so the
# vectors built by `make ingest` are served without embedding the catalog again.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${AISLE_SERVICES_DIR:-$PWD/state/services}"
PG_PORT="${AISLE_SERVICES_PG_PORT:-55432}"
REDIS_PORT="${AISLE_SERVICES_REDIS_PORT:-56379}"
CHROMA_PORT="${AISLE_SERVICES_CHROMA_PORT:-58000}"
STORE="${AISLE_STORE:-luma}"
CHROMA_SEED="${AISLE_SERVICES_CHROMA_SEED:-$PWD/state/chroma-$STORE}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
DATABASES=(aisle_tracker aisle_shop aisle_catalog)

log() { echo "services: $*" >&2; }

as_pg() {  # run a PostgreSQL binary as the postgres user when we are root
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  local missing=()
  [[ -n "$PG_BIN" && -x "$PG_BIN/pg_ctl" ]] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive \
           apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  # apt starts the packaged daemons on their default ports where it can; ours are separate.
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds="$1" what="$2"; shift 2
  for ((i = 0; i < seconds * 4; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  log "$what did not come up; see $DIR/*.log"; return 1
}

pg_password() { cat "$DIR/pg-password"; }

start_postgres() {
  local data="$DIR/pg"
  mkdir -p "$DIR"; chmod 755 "$DIR"
  if [[ ! -s "$DIR/pg-password" ]]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$DIR/pg-password")
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    mkdir -p "$data"; chmod 700 "$data"
    local pwfile="$DIR/pg-pwfile.tmp"
    (umask 077; pg_password > "$pwfile")
    if [[ "$(id -u)" == 0 ]]; then chown postgres: "$data" "$pwfile"; fi
    as_pg "$PG_BIN/initdb" -D "$data" -U aisle --pwfile="$pwfile" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1
    rm -f "$pwfile"
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    touch "$DIR/postgres.log"; [[ "$(id -u)" == 0 ]] && chown postgres: "$DIR/postgres.log"
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$DIR/postgres.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $data -c max_connections=200" >/dev/null
  fi
  local db
  for db in "${DATABASES[@]}"; do
    if ! PGPASSWORD="$(pg_password)" psql -h 127.0.0.1 -p "$PG_PORT" -U aisle -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
      PGPASSWORD="$(pg_password)" psql -q -h 127.0.0.1 -p "$PG_PORT" -U aisle -d postgres \
        -c "CREATE DATABASE $db" >/dev/null
    fi
  done
}

stop_postgres() {
  [[ -f "$DIR/pg/PG_VERSION" ]] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast -w stop >/dev/null 2>&1 || true
}

restart_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast -w -t 60 restart \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $DIR/pg -c max_connections=200" >/dev/null
}

start_redis() {
  mkdir -p "$DIR/redis"
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$DIR/redis" \
    --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --save "" --appendonly no
  wait_for 30 "Redis" redis-cli -p "$REDIS_PORT" ping
}

stop_redis() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

chroma_up() { curl -sf "http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat"; }

start_chroma() {
  if chroma_up >/dev/null 2>&1; then return 0; fi
  if [[ ! -d "$DIR/chroma" ]]; then
    if [[ -d "$CHROMA_SEED" ]]; then cp -r "$CHROMA_SEED" "$DIR/chroma"
    else log "no embedded store at $CHROMA_SEED: the Chroma server starts empty (run make ingest)"
         mkdir -p "$DIR/chroma"; fi
  fi
  nohup .venv/bin/chroma run --path "$DIR/chroma" --host 127.0.0.1 --port "$CHROMA_PORT" \
    >"$DIR/chroma.log" 2>&1 &
  echo $! > "$DIR/chroma.pid"
  wait_for 60 "Chroma" chroma_up
}

stop_chroma() {
  if [[ -f "$DIR/chroma.pid" ]]; then
    local pid; pid="$(cat "$DIR/chroma.pid")"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    rm -f "$DIR/chroma.pid"
  fi
}

print_env() {
  local pw; pw="$(pg_password)"
  local pg="postgresql://aisle:$pw@127.0.0.1:$PG_PORT"
  echo "export AISLE_PROFILE=production"
  echo "export AISLE_TRACKER_DATABASE_URL=$pg/aisle_tracker"
  echo "export AISLE_STATE_DATABASE_URL=$pg/aisle_shop"
  echo "export AISLE_DATABASE_URL=$pg/aisle_catalog"
  echo "export AISLE_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
  echo "export AISLE_CHROMA_URL=http://127.0.0.1:$CHROMA_PORT"
}

case "${1:-}" in
  install) install ;;
  start) install; start_postgres; start_redis; start_chroma
         log "PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, Chroma :$CHROMA_PORT (data in $DIR)" ;;
  stop) stop_chroma; stop_redis; stop_postgres ;;
  restart-postgres) restart_postgres ;;
  stop-chroma) stop_chroma ;;
  start-chroma) start_chroma ;;
  env) print_env ;;
  *) echo "usage: $0 install|start|stop|restart-postgres|stop-chroma|start-chroma|env" >&2; exit 2 ;;
esac
