#!/bin/bash
# The self-contained dashboard (gm.dashboard_html, written by make demo as demo-dashboard.html),
# printed as TAP: loaded in headless Chromium (Debian chromium, installed by make test) with the
# network switched off, the page's script ran, the map drew one shape per grid, a screenshot was
# taken, and the console logged no error; a page with a deliberate error is caught the same way
# (the check is not blind).  Runs against the server in PGHOST/PGPORT (test/setup.sh).
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
DB=gm_dashboard
DIR=$(mktemp -d); chmod 755 "$DIR"
trap 'rm -rf "$DIR"; dropdb --if-exists $DB >/dev/null 2>&1' EXIT
P() { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then nok "chromium is installed"; echo "1..$n"; exit 1; fi

dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB && P -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" \
  -c "INSERT INTO gm.grid(code, name, kind, geom)
      SELECT 'D' || i, '网格 <' || i || '>', 'physical', ST_Multi(ST_MakeEnvelope(120.0 + (i % 4) * 0.02, 30.2 + (i / 4) * 0.02,
                                                                                 120.02 + (i % 4) * 0.02, 30.22 + (i / 4) * 0.02, 4326))
      FROM generate_series(0, 7) i" \
  -c "INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'mgr_' || code, 'manager' FROM gm.grid" \
  -c "INSERT INTO gm.followup(customer_key, grid_id, event, tier, state, opened_at, responded_at)
      SELECT 'c' || i, (SELECT grid_id FROM gm.grid ORDER BY grid_id OFFSET i % 8 LIMIT 1), 'first_contact', 'standard',
             CASE WHEN i % 3 = 0 THEN 'responded' ELSE 'new' END::gm.followup_state, now() - (i % 5) * interval '10 hours',
             CASE WHEN i % 3 = 0 THEN now() - (i % 5) * interval '10 hours' + interval '2 hours' END
      FROM generate_series(1, 80) i" >/dev/null || { nok "set-up"; echo "1..$n"; exit 1; }
P -c "SELECT gm.dashboard_html('Grids <test> & co')" > "$DIR/dashboard.html"
check "$(grep -c '<title>Grids &lt;test&gt; &amp; co</title>' "$DIR/dashboard.html")" 1 "gm.dashboard_html escapes its title"
check "$(grep -Eo '(src|href)="https?:' "$DIR/dashboard.html" | wc -l)" 0 "the page fetches nothing from the network"

# load it headless, network off: the DOM after the script ran, a screenshot, the console on stderr
run_chrome() {   # run_chrome FILE -> DOM on stdout, console in $DIR/console.log
  timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$DIR/profile" --proxy-server='127.0.0.1:9' --proxy-bypass-list='<-loopback>' \
    --enable-logging=stderr --v=0 --virtual-time-budget=5000 --window-size=1280,1000 \
    --screenshot="$DIR/shot.png" --dump-dom "file://$1" 2>"$DIR/console.log"
}
dom=$(run_chrome "$DIR/dashboard.html")
check "$(echo "$dom" | grep -o 'data-ready="1"' | head -1)" 'data-ready="1"' "Chromium ran the page's script"
check "$(echo "$dom" | grep -o 'data-map-shapes="[0-9]*"' | head -1)" 'data-map-shapes="8"' "the map drew one shape with an area per grid (8)"
check "$(echo "$dom" | grep -c '<td class="light ')" 8 "the KPI table has a row per grid"
size=$(stat -c %s "$DIR/shot.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] && ok "a screenshot was taken ($size bytes)" || nok "a screenshot was taken ($size bytes)"
errs=$(grep -E 'CONSOLE|Uncaught' "$DIR/console.log" | grep -Ei 'error|uncaught' | head -3)
check "$errs" "" "the console logged no error"

# the same check catches a page whose script fails
sed 's|document.body.dataset.ready = "1";|document.body.dataset.ready = "1"; undefinedFunction();|' "$DIR/dashboard.html" > "$DIR/broken.html"
run_chrome "$DIR/broken.html" >/dev/null
grep -E 'CONSOLE|Uncaught' "$DIR/console.log" | grep -Eqi 'error|uncaught' \
  && ok "a page with a script error is caught by the console check" || { nok "a page with a script error is caught by the console check"; tail -5 "$DIR/console.log" | sed 's/^/#   /'; }
echo "1..$n"
