#!/bin/bash
# Upgrade paths and dump/restore, printed as TAP lines.
#  * for every released install script sql/grid_marketing--V.sql older than the current version:
#    install V, ALTER EXTENSION grid_marketing UPDATE, and compare the extension's catalog
#    (every member object with its definition) with a fresh install of the current version;
#    (0.1.1 with the user's follow-up configuration: it is kept, as user rows and edits);
#  * pg_dump / pg_restore of a database using the extension keeps the user's configuration rows
#    and edits of shipped rows, and does not duplicate the rows the extension ships.
# Runs against the server in PGHOST/PGPORT (test/setup.sh starts one).
set -u
cd "$(dirname "$0")/../.."
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
P() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
CUR=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" grid_marketing.control)

snapshot() {  # the extension's objects with their definitions, one line each, sorted
  P -d "$1" -c "
    SELECT pg_describe_object(d.classid, d.objid, d.objsubid) || ' ' ||
           coalesce(CASE WHEN d.classid = 'pg_proc'::regclass THEN
                      (SELECT md5(CASE WHEN p.prokind = 'a' THEN
                          (SELECT concat_ws(',', pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid), a.aggtransfn, a.aggfinalfn,
                                            a.aggcombinefn, a.aggserialfn, a.aggdeserialfn, format_type(a.aggtranstype, NULL), a.agginitval, a.aggfinalmodify)
                           FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                        ELSE pg_get_functiondef(p.oid) END) FROM pg_proc p WHERE p.oid = d.objid) END,
                    CASE WHEN d.classid = 'pg_class'::regclass THEN
                      (SELECT md5(string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull
                                  || ':' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), ',' ORDER BY a.attnum))
                       FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                       WHERE a.attrelid = d.objid AND a.attnum > 0 AND NOT a.attisdropped) END,
                    CASE WHEN d.classid = 'pg_type'::regclass THEN
                      (SELECT md5(coalesce(string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder), '')) FROM pg_enum e WHERE e.enumtypid = d.objid) END,
                    '')
    FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid
    WHERE x.extname = 'grid_marketing' AND d.deptype = 'e' ORDER BY 1"
}
fresh() { dropdb --if-exists "$1" >/dev/null 2>&1; createdb "$1" && P -d "$1" -c "SET client_min_messages=warning" -c "CREATE EXTENSION grid_marketing ${2:-} CASCADE"; }

# The released versions: a release is a git tag v<version>; the tree keeps only the upgrade
# scripts old installs need.  To test the paths, each released install script is taken from git
# (the tag, else the commit that added it) and put in the server's extension directory for the
# duration of this script.
SHAREDIR=$("${PGBIN:-$(dirname "$(command -v pg_config)")}/pg_config" --sharedir)/extension
placed=()
cleanup() { for f in "${placed[@]}"; do rm -f "$f"; done; }
trap cleanup EXIT
released=$(ls sql/grid_marketing--*--*.sql 2>/dev/null | sed 's/.*grid_marketing--\(.*\)--.*\.sql/\1/' | sort -uV)
for v in $released; do
  dst="$SHAREDIR/grid_marketing--$v.sql"
  [ -f "$dst" ] && continue
  if git show "v$v:sql/grid_marketing--$v.sql" > "$dst" 2>/dev/null || \
     { c=$(git log --diff-filter=A --format=%H -1 -- "sql/grid_marketing--$v.sql" 2>/dev/null) && [ -n "$c" ] && git show "$c:sql/grid_marketing--$v.sql" > "$dst" 2>/dev/null; }; then
    placed+=("$dst")
  else
    rm -f "$dst"; nok "the install script of released $v from git (tag v$v or the commit that added it)"
  fi
done
[ -z "$(git ls-files 'sql/grid_marketing--*.sql' | grep -Ev -- '--[0-9.]+--[0-9.]+\.sql$')" ] \
  && ok "no full install script in the tree (make builds $CUR from sql/parts)" || nok "no full install script in the tree"

fresh gm_up_fresh || { nok "fresh install of $CUR"; exit 1; }
ok "fresh install of $CUR"
want=$(snapshot gm_up_fresh) && [ -n "$want" ] && ok "catalog snapshot of a fresh install ($(echo "$want" | wc -l) objects)" || nok "catalog snapshot of a fresh install"
# the configuration the extension ships: every configuration table's rows, as text, sorted
config() { P -d "$1" -c "SELECT string_agg(format('%s: %s', ct.relname, (xpath('/row/t/text()', query_to_xml(
    format('SELECT md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) AS t FROM %s x', '|', '', ct.relid::regclass), false, true, '')))[1]::text), E'\n' ORDER BY ct.relname)
  FROM gm._config_tables() ct"; }
want_cfg=$(config gm_up_fresh)
[ "$(echo "$want_cfg" | grep -c ": [0-9a-f]\{32\}$")" -ge 10 ] && ok "the shipped configuration of a fresh install ($(echo "$want_cfg" | wc -l) tables)" || nok "the shipped configuration of a fresh install: $want_cfg"

olds=0
for v in $released; do
  [ "$v" = "$CUR" ] && continue
  olds=$((olds+1))
  # a 0.1.1 database with the user's follow-up configuration: an event, a tier with a cadence and
  # a settings row (top role, churn silence) of its own; 0.1.0 keeps the empty settings table
  seed_fu=
  [ "$v" = 0.1.1 ] && seed_fu="
    INSERT INTO gm.followup_event(event, duty, default_due) VALUES ('acc_up_event', 'marketer', interval '5 hours');
    INSERT INTO gm.followup_tier(tier, note) VALUES ('acc_up_tier', 'ours');
    INSERT INTO gm.followup_cadence(tier, event, period, times) VALUES ('acc_up_tier', 'acc_up_event', 'month', 2);
    INSERT INTO gm.followup_setting(top_role, churn_after, callback_after) VALUES ('vp_up', interval '45 days', interval '30 days');"
  if fresh gm_up_old "VERSION '$v'" && { [ -z "$seed_fu" ] || P -d gm_up_old -c "$seed_fu"; } && P -d gm_up_old -c "SET client_min_messages = warning" -c "ALTER EXTENSION grid_marketing UPDATE" ; then
    check "$(P -d gm_up_old -c "SELECT extversion FROM pg_extension WHERE extname='grid_marketing'")" "$CUR" "update $v -> $CUR reaches $CUR"
    if [ -n "$seed_fu" ]; then
      check "$(P -d gm_up_old -c "SELECT (SELECT string_agg(event || '=' || default_due || ':' || origin, ',') FROM gm.followup_event WHERE origin <> 'shipped')
                                     || ' ' || (SELECT string_agg(tier || ':' || origin, ',') FROM gm.followup_tier WHERE origin <> 'shipped')
                                     || ' ' || (SELECT string_agg(tier || '/' || event || ':' || origin, ',') FROM gm.followup_cadence WHERE origin <> 'shipped')
                                     || ' ' || (SELECT count(*) FROM gm.followup_event WHERE origin = 'shipped')")" \
            "acc_up_event=05:00:00:user acc_up_tier:user acc_up_tier/acc_up_event:user 14" \
            "update $v -> $CUR keeps the user's follow-up event, tier and cadence as user rows, the shipped ones shipped"
      check "$(P -d gm_up_old -c "SELECT (SELECT string_agg(top_role || ':' || time_zone || ':' || origin, ',') FROM gm.followup_setting)
                                     || ' ' || (SELECT string_agg(name || '=' || value || ':' || origin, ',' ORDER BY name) FROM gm.parameter
                                                 WHERE name IN ('lifecycle_at_risk_days', 'followup_callback_after_days'))")" \
            "vp_up:Asia/Shanghai:edited followup_callback_after_days=30:shipped,lifecycle_at_risk_days=45:edited" \
            "update $v -> $CUR: the user's settings row is an edit of the shipped one, its changed number an edited parameter"
    else
      check "$(P -d gm_up_old -c "SELECT string_agg(time_zone || ':' || origin, ',') FROM gm.followup_setting")" "Asia/Shanghai:shipped" \
            "update $v -> $CUR ships the follow-up settings row"
    fi
    got=$(snapshot gm_up_old)
    if [ "$got" = "$want" ]; then ok "update $v -> $CUR gives the catalog of a fresh install"
    else nok "update $v -> $CUR gives the catalog of a fresh install"; diff <(echo "$want") <(echo "$got") | sed 's/^/#   /' | head -20; fi
    # the shipped configuration, compared on an update without the user's rows
    if [ -n "$seed_fu" ]; then
      dropdb --if-exists gm_up_clean >/dev/null 2>&1
      fresh gm_up_clean "VERSION '$v'" >/dev/null && P -d gm_up_clean -c "SET client_min_messages = warning" -c "ALTER EXTENSION grid_marketing UPDATE" >/dev/null
      cfg_db=gm_up_clean
    else
      cfg_db=gm_up_old
    fi
    got_cfg=$(config $cfg_db)
    if [ "$got_cfg" = "$want_cfg" ]; then ok "update $v -> $CUR gives the shipped configuration of a fresh install"
    else nok "update $v -> $CUR gives the shipped configuration of a fresh install"; diff <(echo "$want_cfg") <(echo "$got_cfg") | sed 's/^/#   /' | head -20; fi
    dropdb --if-exists gm_up_clean >/dev/null 2>&1
  else
    nok "install $v and update to $CUR"
  fi
  dropdb --if-exists gm_up_old >/dev/null 2>&1
done
[ $olds -eq 0 ] && echo "# no released version older than $CUR yet: upgrade paths start with the next version"

# a shipped follow-up row changed in place in 0.1.1 (its flag stayed shipped) is an edit after the update
if echo "$released" | grep -qx 0.1.1 && [ "$CUR" != 0.1.1 ]; then
  if fresh gm_up_inplace "VERSION '0.1.1'" >/dev/null && P -d gm_up_inplace -c "UPDATE gm.followup_event SET default_due = interval '13 hours' WHERE event = 'complaint';
         UPDATE gm.followup_cadence SET times = 4 WHERE tier = 'high_value' AND event = 'visit'" >/dev/null \
     && P -d gm_up_inplace -c "SET client_min_messages = warning" -c "ALTER EXTENSION grid_marketing UPDATE" >/dev/null; then
    check "$(P -d gm_up_inplace -c "SELECT (SELECT default_due || ':' || origin FROM gm.followup_event WHERE event = 'complaint') || '/' ||
                                          (SELECT times || ':' || origin FROM gm.followup_cadence WHERE tier = 'high_value' AND event = 'visit') || '/' ||
                                          (SELECT count(*) FROM gm.followup_event WHERE origin = 'shipped') || '/' ||
                                          (SELECT count(*) FROM gm.followup_cadence WHERE origin = 'shipped')")" \
          "13:00:00:edited/4:edited/13/5" "update 0.1.1 -> $CUR: shipped follow-up rows changed in place are edits (kept by pg_dump from now on), the others shipped"
  else
    nok "update 0.1.1 -> $CUR with shipped follow-up rows changed in place"
  fi
  dropdb --if-exists gm_up_inplace >/dev/null 2>&1
fi

# the configuration model (origin, one row per key) on calendars and SLA policies: in a 0.1.1
# database a user row overriding a shipped one becomes that row, edited, and the user's own rows
# stay theirs
if echo "$released" | grep -qx 0.1.1 && [ "$CUR" != 0.1.1 ]; then
  if fresh gm_up_cfg "VERSION '0.1.1'" && P -d gm_up_cfg -c "
       SELECT gm.set_sla_policy('complaint_response', '*', 'working_days', '4 days');
       SELECT gm.create_calendar('mycal', 'Europe/Berlin', 'Mon-Fri 09:00-17:00');
       SELECT gm.set_calendar_day('mycal', '2026-03-06', false, 'closed');
       SELECT gm.create_calendar('cn', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00');
       SELECT gm.set_calendar_day('cn', '2026-10-07', true, 'we work');" >/dev/null \
     && [ "$(P -d gm_up_cfg -c "SELECT count(*) FROM gm.sla_policy WHERE NOT shipped AND event = 'complaint_response' AND variant = 'standard'")" = 1 ] \
     && P -d gm_up_cfg -c "ALTER EXTENSION grid_marketing UPDATE"; then
    ok "0.1.1 with a user override of a shipped policy and of cn, and a calendar of the user's own, updates to $CUR"
    check "$(P -d gm_up_cfg -c "SELECT string_agg(amount || ':' || origin, ',') FROM gm.sla_policy WHERE event = 'complaint_response' AND tier = '*' AND variant = 'standard'")" \
          "4 days:edited" "update: the user's override of a shipped policy is one edited row with the user's values"
    check "$(P -d gm_up_cfg -c "SELECT count(*) || '/' || count(DISTINCT (event, tier, variant)) FROM gm.sla_policy")" "13/13" "update: one policy row per event, tier and variant"
    check "$(P -d gm_up_cfg -c "SELECT gm.followup_due('complaint_response', '2026-03-02 10:00+08', NULL, 'cn') = '2026-03-06 18:00+08'")" "t" \
          "update: the overriding policy is the one in force (4 working days)"
    check "$(P -d gm_up_cfg -c "SELECT (SELECT string_agg(origin::text, ',') FROM gm.calendar_def WHERE name = 'mycal') || '/' ||
                                        (SELECT string_agg(day || ':' || origin, ',') FROM gm.calendar_day WHERE calendar = 'mycal') || '/' ||
                                        gm.add_working_days('2026-03-05', 1, 'mycal')")" \
          "user/2026-03-06:user/2026-03-09" "update: the user's own calendar is one user row, its day too, and it computes"
    check "$(P -d gm_up_cfg -c "SELECT (SELECT string_agg(working_hours || ':' || origin, ',') FROM gm.calendar_def WHERE name = 'cn') || '/' ||
                                        (SELECT string_agg(is_workday || ':' || note || ':' || origin, ',') FROM gm.calendar_day WHERE calendar = 'cn' AND day = '2026-10-07') || '/' ||
                                        gm.is_workday('2026-10-07', 'cn') || '/' || gm.working_time_between('2026-03-02 09:00+08', '2026-03-02 18:00+08', 'cn')")" \
          "Mon-Fri 09:00-12:00,13:30-18:00:edited/true:we work:edited/true/07:30:00" \
          "update: the user's redefinition of cn and day of cn are one edited row each, in force"
    check "$(P -d gm_up_cfg -c "SELECT count(*) FILTER (WHERE origin = 'shipped') + count(*) FILTER (WHERE origin = 'edited') || '/' || count(*) FILTER (WHERE origin = 'edited')
                                 FROM gm.calendar_day WHERE calendar = 'cn'")" "$(P -d gm_up_cfg -c "SELECT count(*) FROM gm.cn_official_day")/1" \
          "update: every official day of cn once (shipped, or edited by the user)"
  else
    nok "0.1.1 with a user override of a shipped policy and of cn, and a calendar of the user's own, updates to $CUR"
  fi
  dropdb --if-exists gm_up_cfg >/dev/null 2>&1
fi

# 0.1.1 -> current: the user's overrides of the three parameter stores of 0.1.1 (gm.tier_config,
# gm.kpi_threshold, gm.planning_setting) become edited rows of gm.parameter, the stores are gone
if echo "$released" | grep -qx 0.1.1 && [ "$CUR" != 0.1.1 ]; then
  if fresh gm_up_data "VERSION '0.1.1'" && P -d gm_up_data -c "
       INSERT INTO gm.tier_config(name, value) VALUES ('lifecycle_churned_days', 60);
       INSERT INTO gm.kpi_threshold(name, value, note) VALUES ('manager_load_max', 250, 'ours');
       INSERT INTO gm.planning_setting VALUES ('load_min', 150), ('review_quarters', 3);" \
     && P -d gm_up_data -c "SET client_min_messages = error" -c "ALTER EXTENSION grid_marketing UPDATE"; then
    check "$(P -d gm_up_data -c "SELECT string_agg(format('%s=%s:%s', name, value, origin), ' ' ORDER BY name) FROM gm.parameter WHERE origin <> 'shipped'")" \
          "lifecycle_churned_days=60:edited manager_load_max=250:edited manager_load_min=150:edited review_quarters=3:edited" \
          "update 0.1.1 -> $CUR: the overrides of tier_config, kpi_threshold and planning_setting become edited parameters"
    check "$(P -d gm_up_data -c "SELECT concat_ws(',', gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20'), gm.manager_load_light(260), gm.load_light(260), gm.load_status(160))")" \
          "churned,yellow,yellow,reasonable" "update 0.1.1 -> $CUR: the migrated values drive tiering, the KPI light and the planning light and status"
    check "$(P -d gm_up_data -c "SELECT count(*) FROM pg_extension x, unnest(x.extconfig) c LEFT JOIN pg_class r ON r.oid = c WHERE x.extname = 'grid_marketing' AND r.oid IS NULL")" \
          "0" "update 0.1.1 -> $CUR: the dropped stores left the list of configuration tables"
  else
    nok "install 0.1.1 with overrides and update to $CUR"
  fi
  dropdb --if-exists gm_up_data >/dev/null 2>&1
fi

# dump / restore keeps configuration rows, exactly once
fresh gm_dump_src || nok "install for dump test"
P -d gm_dump_src -c "
  INSERT INTO gm.grid(code, name, kind, geom) VALUES ('D1', 'dump test', 'physical', ST_Multi(ST_MakeEnvelope(0,0,1,1)));
  INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'someone', 'manager' FROM gm.grid WHERE code = 'D1';
  SELECT gm.set_sla_policy('proposal', '*', 'working_days', '5 days');
  SELECT gm.set_calendar_day('cn', '2026-10-07', true, 'we work');
  UPDATE gm.parameter SET value = 250 WHERE name = 'manager_load_max';
  INSERT INTO gm.parameter(name, value, unit, domain, source) VALUES ('dump_test_days', 7, 'days', 'test', 'ours');
  -- an edit of a shipped row and a row of the user's, in the follow-up configuration and its parameters
  UPDATE gm.followup_event SET default_due = interval '13 hours' WHERE event = 'complaint';
  INSERT INTO gm.followup_event(event, duty, default_due) VALUES ('acc_site_survey', 'marketer', interval '5 hours');
  UPDATE gm.followup_setting SET top_role = 'vp_dump';
  UPDATE gm.parameter SET value = 7 WHERE name = 'followup_callback_after_days';
  -- sales and surveys: their monthly summaries are not dumped, the restore refills them
  INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on, new_customer)
  SELECT 'c' || i, (SELECT grid_id FROM gm.grid WHERE code = 'D1'), 'someone', 'tv', 10 * i, date '2026-09-20' + i, i = 3 FROM generate_series(1, 20) i;
  INSERT INTO gm.survey(customer_key, grid_id, answered_on, nps_score, csat_score)
  SELECT 's' || i, (SELECT grid_id FROM gm.grid WHERE code = 'D1'), date '2026-09-25' + i, i % 11, 1 + i % 5 FROM generate_series(1, 12) i;" >/dev/null \
  || nok "configuration rows for the dump test"
counts() { P -d "$1" -c "SELECT string_agg(format('%s=%s', c.relname, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]::text), ' ' ORDER BY c.relname)
  FROM pg_extension x, unnest(x.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid WHERE x.extname = 'grid_marketing' AND c.relkind IN ('r','p')"; }
before=$(counts gm_dump_src)
# the comparison below means nothing if counting failed (both sides empty) or the rows are missing
check "$(echo "$before" | grep -oE '(^| )grid=[0-9]+( |$)' | tr -d ' '):$(echo "$before" | grep -oE '(^| )grid_member=[0-9]+( |$)' | tr -d ' ')" \
      "grid=1:grid_member=1" "the source database has the user's grid and manager to dump"
tmp=$(mktemp); pg_dump -Fc -d gm_dump_src -f "$tmp" 2>/dev/null
dropdb --if-exists gm_dump_dst >/dev/null 2>&1; createdb gm_dump_dst
if pg_restore -d gm_dump_dst "$tmp" 2>"$tmp.err"; then ok "pg_restore succeeds"; else nok "pg_restore succeeds"; sed 's/^/#   /' "$tmp.err" | head; fi
check "$(counts gm_dump_dst)" "$before" "configuration rows survive dump/restore exactly once"
SUMM="SELECT (SELECT string_agg(month || ':' || amount || ':' || sales || ':' || new_customers, ',' ORDER BY month) FROM gm.sale_month) || '/' ||
             (SELECT string_agg(month || ':' || answers || ':' || nps_promoters || ':' || csat_satisfied, ',' ORDER BY month) FROM gm.survey_month)"
want="$(P -d gm_dump_src -c "SELECT (SELECT string_agg(m || ':' || a || ':' || n || ':' || c, ',' ORDER BY m) FROM (SELECT date_trunc('month', sold_on)::date m, sum(amount) a, count(*) n, count(*) FILTER (WHERE new_customer) c FROM gm.sale GROUP BY 1) x) || '/' ||
                                   (SELECT string_agg(m || ':' || n || ':' || p || ':' || c, ',' ORDER BY m) FROM (SELECT date_trunc('month', answered_on)::date m, count(*) n, count(*) FILTER (WHERE nps_score >= 9) p, count(*) FILTER (WHERE csat_score >= 4) c FROM gm.survey GROUP BY 1) y)")"
check "$(P -d gm_dump_src -c "$SUMM")" "${want:-<no rows>}" "the source's monthly summaries of sales and surveys equal its rows"
check "$(P -d gm_dump_dst -c "$SUMM")" "${want:-<no rows>}" "the summaries (not dumped) are refilled by the restore, the same as the source's"
check "$(P -d gm_dump_dst -c "SELECT (SELECT string_agg(amount || ':' || origin, ',') FROM gm.sla_policy WHERE event = 'proposal') || '/' ||
                                    (SELECT string_agg(is_workday || ':' || note || ':' || origin, ',') FROM gm.calendar_day WHERE calendar = 'cn' AND day = '2026-10-07') || '/' ||
                                    gm.is_workday('2026-10-07', 'cn')")" \
      "5 days:edited/true:we work:edited/true" "an edited shipped policy and an edited day of cn come back once, with the edit, in force"
check "$(P -d gm_dump_dst -c "SELECT string_agg(format('%s=%s:%s', name, value, origin), ' ' ORDER BY name) FROM gm.parameter WHERE origin <> 'shipped'")" \
      "dump_test_days=7:user followup_callback_after_days=7:edited manager_load_max=250:edited" "edited and user parameters survive dump/restore, once, with their origin"
check "$(P -d gm_dump_dst -c "SELECT concat_ws(',', gm.manager_load_light(260), gm.load_light(260))")" "yellow,yellow" \
      "after restore the edited manager_load_max drives both the KPI and the planning light"
FU="SELECT string_agg(event || '=' || default_due, ',' ORDER BY event) FROM gm.followup_event WHERE event IN ('complaint', 'acc_site_survey')"
check "$(P -d gm_dump_src -c "$FU")" "acc_site_survey=05:00:00,complaint=13:00:00" "the source database has the edited shipped event and the user's event"
check "$(P -d gm_dump_dst -c "$FU")" "acc_site_survey=05:00:00,complaint=13:00:00" "an edit of a shipped follow-up event and a user event survive dump/restore exactly once"
FO="SELECT (SELECT string_agg(event || ':' || origin, ',' ORDER BY event) FROM gm.followup_event WHERE origin <> 'shipped' OR event = 'complaint')
           || ' ' || (SELECT string_agg(top_role || ':' || origin, ',') FROM gm.followup_setting)
           || ' ' || (SELECT string_agg(value || ':' || origin, ',') FROM gm.parameter WHERE name = 'followup_callback_after_days')"
check "$(P -d gm_dump_dst -c "$FO")" "acc_site_survey:user,complaint:edited vp_dump:edited 7:edited" \
      "after restore: the edit is still an edit, the user row a user row; the edited settings row and parameter too"
check "$(P -d gm_dump_dst -c "INSERT INTO gm.grid(code, name, kind, geom) VALUES ('D2', 'after restore', 'physical', ST_Multi(ST_MakeEnvelope(1,0,2,1))) RETURNING grid_id > (SELECT min(grid_id) FROM gm.grid WHERE code='D1')")" "t" "identity sequences continue after restore"
rm -f "$tmp" "$tmp.err"
for d in gm_up_fresh gm_dump_src gm_dump_dst; do dropdb --if-exists $d >/dev/null 2>&1; done
echo "1..$n"
