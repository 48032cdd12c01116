#!/usr/bin/env bash
# Cost of the events path (issue 16 item 6): the DNS sweep of N SES domains
# that all change status (Pending -> Success), run twice in the same run on
# fresh copies of one seeded store: without webhooks, then with one webhook
# endpoint registered (a local receiver answering 200: bench/ceiling_server,
# native, one thread, so that the receiver's own cost stays small).
# Each sweep is vouch as in production (background scheduler, knotd as the
# resolver, dns/sweep.py timing it until every claim was checked once); the
# second also has its worker read the events after the webhook's cursor and
# POST them meanwhile (no row per event: docs/EVENTS.md). Reports both sweep
# rates, their ratio (target >= 80%), and events delivered per second (N over
# the first to the last delivery, from the webhook's attempt times), and how
# long after the sweep the last one was delivered. Beside each rate, the CPU seconds vouch spent until its sweep
# ended (less sensitive to the machine's load than the rates). ROUNDS > 1
# alternates the two sweeps that many times and keeps each one's best.
#
# Environment: N [100000], ROUNDS [1]; BUILD_DIR, NO_BUILD=1, KEEP=1: see bench/lib.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/dns/knot.sh"

N=${N:-100000}
ROUNDS=${ROUNDS:-1}
build_bench
make_work events
log "N=$N; load $(load)"

init_data "$WORK/data"
log "$("$SEEDER" --data "$WORK/data" --account "$VOUCH_ROOT_ACCOUNT_ID" --count "$N" \
  --prefix d --suffix .bench.test --threads 256)"
write_zone "$WORK/data/vouch.db"
start_knotd
cp -a "$WORK/data" "$WORK/pristine"

# sweep NAME DATA: vouch on DATA until each claim was checked once; sets SECS
# and CPU (vouch's CPU seconds by then).
sweep() {
  local name=$1 data=$2
  SECS=$(python3 "$BENCH/dns/sweep.py" "$data/vouch.db" "$N" "$WORK/$name.info" "$WORK/$name.log" 900 -- \
    "$VOUCH" serve --listen 127.0.0.1:0 --data "$data" --webhook-allow-private \
    --dns-resolver "127.0.0.1:$KNOT_PORT" --max-identities 0)
  read -r VPID _ <"$WORK/$name.info"
  track "$VPID"
  CPU=$(proc_cpu "$VPID")
  log "$name: $N first checks in $SECS s ($(awk -v n="$N" -v s="$SECS" 'BEGIN {printf "%.0f", n / s}')/s), vouch CPU $CPU s; load $(load)"
}
best() { awk -v a="$1" -v b="$2" 'BEGIN {print (a == "" || b + 0 < a + 0) ? b : a}'; }

start receiver "$CEILING" --listen 127.0.0.1:0 --threads 1
RX_PORT=$PORT
PLAIN= HOOKED= PLAIN_CPU= HOOKED_CPU=
for round in $(seq 1 "$ROUNDS"); do
  # ---- without webhooks -------------------------------------------------------------
  rm -rf "$WORK/plain"
  cp -a "$WORK/pristine" "$WORK/plain"
  sweep plain "$WORK/plain"
  stop "$VPID"
  PLAIN=$(best "$PLAIN" "$SECS"); PLAIN_CPU=$(best "$PLAIN_CPU" "$CPU")

  # ---- with one webhook -------------------------------------------------------------
  rm -rf "$WORK/hooked"
  cp -a "$WORK/pristine" "$WORK/hooked"
  DB=$WORK/hooked/vouch.db
  sqlite3 "$DB" "INSERT INTO webhooks (id, account_id, url, event_types, secret, created_at, disabled, kind_mask)
    VALUES ('wh-bench', '$VOUCH_ROOT_ACCOUNT_ID', 'http://127.0.0.1:$RX_PORT/hook', '', 'whsec_bench', 0, 0, -1)"
  sweep hooked "$WORK/hooked"
  HOOKED=$(best "$HOOKED" "$SECS"); HOOKED_CPU=$(best "$HOOKED_CPU" "$CPU")
  [[ $round == "$ROUNDS" ]] || stop "$VPID"
done
SWEPT_AT=$(now_s)
q() { sqlite3 "file:$DB?mode=ro" "$1" 2>/dev/null || echo ""; }
for _ in $(seq 1 3600); do
  left=$(q "SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 0) +
    (SELECT count(*) FROM events WHERE seq > (SELECT cursor FROM webhooks WHERE id = 'wh-bench'))")
  [[ $left == 0 ]] && break
  sleep 0.5
done
DRAINED=$(awk -v a="$SWEPT_AT" -v b="$(now_s)" 'BEGIN {printf "%.1f", b - a}')
stop "$VPID"
read -r DELIVERED FAILED SPAN <<<"$(q "SELECT delivered, failed,
  (last_attempt_at - first_attempt_at) / 1e9 FROM webhooks WHERE id = 'wh-bench'" | tr '|' ' ')"
RATE=$(awk -v n="$DELIVERED" -v s="$SPAN" 'BEGIN {printf "%.0f", (s > 0) ? n / s : 0}')

PLAIN_RATE=$(awk -v n="$N" -v s="$PLAIN" 'BEGIN {printf "%.0f", n / s}')
HOOKED_RATE=$(awk -v n="$N" -v s="$HOOKED" 'BEGIN {printf "%.0f", n / s}')
echo
echo "### Events path: DNS sweep of $N claims, with and without a webhook (built from $BUILT_FROM, load $(load))"
echo
echo "| sweep | seconds | checks/s | vouch CPU s |"
echo "|---|---|---|---|"
echo "| no webhook | $PLAIN | $PLAIN_RATE | $PLAIN_CPU |"
echo "| one webhook (native receiver, 200) | $HOOKED | $HOOKED_RATE | $HOOKED_CPU |"
echo
echo "- rate with a webhook: $(pct "$HOOKED_RATE" "$PLAIN_RATE") of without (target >= 80%: $(met_ratio "$HOOKED_RATE" "$PLAIN_RATE" 0.8))"
echo "- events delivered: $DELIVERED (failed: ${FAILED:-0}), $RATE/s from the first to the last delivery;"
echo "  the webhook's cursor passed the last event ${DRAINED} s after the sweep's last first check"
