# A private PostgreSQL for the benchmarks (sourced after lib.sh): initdb in a
# temporary directory, as the Debian `postgres` user when run as root (initdb
# refuses root), listening on 127.0.0.1 only, durable (fsync and
# synchronous_commit as installed), stopped and removed on exit.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR=
PG_PORT=
PG_PID=

as_pg() {  # CMD...: as the postgres user when root; setpriv execs, so $! is the server
  if [[ $(id -u) == 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

stop_pg() {
  [[ -n $PG_PID ]] && kill -INT "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null || true
  [[ -n $PG_DIR ]] && rm -rf "$PG_DIR"
  PG_PID= PG_DIR=
}

start_pg() {  # sets PG_PORT; the server keeps running until stop_pg (called on exit)
  [[ -x $PG_BIN/initdb ]] || { log "no PostgreSQL (scripts/deps.sh --test installs it)"; exit 1; }
  PG_DIR=$(mktemp -d /tmp/vouch-bench-pg.XXXXXX)
  [[ $(id -u) == 0 ]] && chown postgres: "$PG_DIR"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U vouch --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  PG_PORT=$(free_port)
  as_pg "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR" -c listen_addresses=127.0.0.1 \
    -p "$PG_PORT" -c max_connections=300 -c shared_buffers=256MB >"$PG_DIR/postgres.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 300); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    kill -0 "$PG_PID" 2>/dev/null || { cat "$PG_DIR/postgres.log" >&2; exit 1; }
    sleep 0.1
  done
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $NF}') on 127.0.0.1:$PG_PORT"
}

pg_sql() {  # DB SQL: one value
  psql -X -A -t -q -h 127.0.0.1 -p "$PG_PORT" -U vouch -d "$1" -c "$2"
}

new_db() {  # NAME: an empty database; prints its URL
  pg_sql postgres "DROP DATABASE IF EXISTS $1" >/dev/null
  pg_sql postgres "CREATE DATABASE $1" >/dev/null
  echo "postgres://vouch@127.0.0.1:$PG_PORT/$1"
}
