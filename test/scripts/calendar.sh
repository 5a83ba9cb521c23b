#!/bin/bash
# Calendars survive pg_dump / pg_restore: the user's calendars, days, years and policy changes
# are kept, the rows the extension ships (the official calendar 'cn', the seeded policies)
# are not duplicated, and every calendar compiles to the same value afterwards.
# Uses the server in PGHOST/PGPORT and the tools in PGBIN (set by test/setup.sh).
set -u
BIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SRC=gm_cal_dump_src DST=gm_cal_dump_dst
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
q() { "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }
cleanup() { "$BIN/dropdb" --if-exists $SRC >/dev/null 2>&1; "$BIN/dropdb" --if-exists $DST >/dev/null 2>&1; rm -f "${DUMP:-}"; }
trap cleanup EXIT
cleanup
DUMP=$(mktemp "${TMPDIR:-/tmp}/gm-cal-dump.XXXXXX")

"$BIN/createdb" $SRC && q $SRC -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" >/dev/null
ok $? "source database with the extension"
q $SRC -c "
SELECT gm.create_calendar('acme', NULL, 'Mon-Fri 08:30-17:30', 'cn');
SELECT gm.set_calendar_day('acme', '2026-03-06', false, 'company anniversary');
SELECT gm.set_calendar_day('cn', '2026-12-26', true, 'extra working Saturday');
SELECT gm.create_calendar('cn', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00');
SELECT gm.create_calendar('plain', 'Europe/Berlin', 'Mon-Fri 09:00-17:00');
SELECT gm.apply_holiday_notice('cn', 2027, ARRAY['[2027-01-01,2027-01-03]']::daterange[], '{}', ARRAY['元旦']);
SELECT gm.use_sla_variant('complaint_response', NULL, 'clock');
SELECT gm.set_calendar_day('cn', '2026-10-07', true, 'we work on the last day of National Day');" >/dev/null
ok $? "user changes: a based-on calendar, a day and new hours on cn, an official day of cn changed, a 2027 notice, a policy switch"

state() {
  q "$1" -c "SELECT string_agg(name || ' ' || md5(gm.calendar(name)::text), ', ' ORDER BY name) FROM (SELECT DISTINCT name FROM gm.calendar_def) c" \
         -c "SELECT count(*) FILTER (WHERE origin = 'shipped') || '/' || count(*) FILTER (WHERE origin = 'edited') || '/' || count(*) FILTER (WHERE origin = 'user') FROM gm.calendar_day" \
         -c "SELECT count(*) FILTER (WHERE origin = 'shipped') || '/' || count(*) FILTER (WHERE origin = 'edited') || '/' || count(*) FILTER (WHERE origin = 'user') FROM gm.calendar_def" \
         -c "SELECT count(*) FILTER (WHERE origin = 'shipped') || '/' || count(*) FILTER (WHERE origin = 'edited') || '/' || count(*) FILTER (WHERE origin = 'user') FROM gm.calendar_year" \
         -c "SELECT count(*) FILTER (WHERE origin = 'shipped') || '/' || count(*) FILTER (WHERE origin = 'edited') || '/' || count(*) FILTER (WHERE origin = 'user') FROM gm.sla_policy" \
         -c "SELECT gm.add_working_days('2026-12-25', 1, 'cn'), gm.add_working_days('2026-03-05', 1, 'acme'), gm.followup_due('complaint_response', '2026-02-13 10:00+08', NULL, 'cn'), gm.is_workday('2026-10-07', 'cn')"
}
before=$(state $SRC); ok $? "state before the dump"

"$BIN/pg_dump" -Fc -f "$DUMP" $SRC 2>/dev/null; ok $? "pg_dump"
"$BIN/createdb" $DST && "$BIN/pg_restore" --exit-on-error -d $DST "$DUMP" 2>&1 | grep -v '^$' ; ok "${PIPESTATUS[0]}" "pg_restore without errors (no duplicate shipped rows)"
after=$(state $DST); ok $? "state after the restore"
[ "$before" = "$after" ]; ok $? "every calendar, day, year and policy is the same after the restore"
[ "$(q $DST -c "SELECT count(*) || '/' || count(DISTINCT day) FROM gm.calendar_day WHERE calendar = 'cn' AND origin <> 'user'")" = "$(q $DST -c "SELECT count(*) || '/' || count(*) FROM gm.cn_official_day")" ]
ok $? "shipped days of cn exist once (shipped or edited)"
[ "$(echo "$after" | sed -n 1p)" != "" ] && echo "$after" | sed -n 6p | grep -q '^2026-12-26|2026-03-09|2026-02-15 .*|t$'
ok $? "restored arithmetic uses the user's rows (extra Saturday, company closure, 48 h complaints, 7 October worked)"
[ "$(q $DST -c "SELECT count(*) FROM gm.calendar_compiled")" = 3 ]; ok $? "compiled calendars rebuilt on restore"
echo "1..$n"
