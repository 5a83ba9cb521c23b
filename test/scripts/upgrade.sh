#!/bin/bash
# Upgrade paths and dump/restore, printed as TAP lines.
#  * for every released install script sql/grid_marketing--V.sql older than the current version:
#    install V, ALTER EXTENSION grid_marketing UPDATE, and compare the extension's catalog
#    (every member object with its definition) with a fresh install of the current version;
#  * pg_dump / pg_restore of a database using the extension keeps the user's configuration rows
#    and does not duplicate the rows the extension ships.
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

# a released (frozen) install script must still be what the parts assemble to
if [ -f "sql/grid_marketing--$CUR.sql" ] && ls sql/parts/*.sql >/dev/null 2>&1; then
  if cmp -s "sql/grid_marketing--$CUR.sql" <(cat $(ls sql/parts/*.sql | sort)); then ok "released script $CUR equals the assembled sql/parts"
  else nok "released script $CUR equals the assembled sql/parts (a released script was edited: add an upgrade script instead)"; fi
fi

fresh gm_up_fresh || { nok "fresh install of $CUR"; exit 1; }
ok "fresh install of $CUR"
want=$(snapshot gm_up_fresh) && [ -n "$want" ] && ok "catalog snapshot of a fresh install ($(echo "$want" | wc -l) objects)" || nok "catalog snapshot of a fresh install"

olds=0
for f in sql/grid_marketing--*.sql; do
  [ -e "$f" ] || continue
  v=${f#sql/grid_marketing--}; v=${v%.sql}
  case "$v" in *--*|"$CUR") continue ;; esac
  olds=$((olds+1))
  if fresh gm_up_old "VERSION '$v'" && P -d gm_up_old -c "ALTER EXTENSION grid_marketing UPDATE" ; then
    check "$(P -d gm_up_old -c "SELECT extversion FROM pg_extension WHERE extname='grid_marketing'")" "$CUR" "update $v -> $CUR reaches $CUR"
    got=$(snapshot gm_up_old)
    if [ "$got" = "$want" ]; then ok "update $v -> $CUR gives the catalog of a fresh install"
    else nok "update $v -> $CUR gives the catalog of a fresh install"; diff <(echo "$want") <(echo "$got") | sed 's/^/#   /' | head -20; fi
  else
    nok "install $v and update to $CUR"
  fi
  dropdb --if-exists gm_up_old >/dev/null 2>&1
done
[ $olds -eq 0 ] && echo "# no released version older than $CUR yet: upgrade paths start with the next version"

# 0.1.1 -> current: the user's overrides of the three parameter stores of 0.1.1 (gm.tier_config,
# gm.kpi_threshold, gm.planning_setting) become edited rows of gm.parameter, the stores are gone
if [ -f sql/grid_marketing--0.1.1.sql ] && [ "$CUR" != 0.1.1 ]; then
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
  UPDATE gm.parameter SET value = 250 WHERE name = 'manager_load_max';
  INSERT INTO gm.parameter(name, value, unit, domain, source) VALUES ('dump_test_days', 7, 'days', 'test', 'ours');" >/dev/null \
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
check "$(P -d gm_dump_dst -c "SELECT string_agg(format('%s=%s:%s', name, value, origin), ' ' ORDER BY name) FROM gm.parameter WHERE origin <> 'shipped'")" \
      "dump_test_days=7:user manager_load_max=250:edited" "an edited and a user parameter survive dump/restore, once, with their origin"
check "$(P -d gm_dump_dst -c "SELECT concat_ws(',', gm.manager_load_light(260), gm.load_light(260))")" "yellow,yellow" \
      "after restore the edited manager_load_max drives both the KPI and the planning light"
check "$(P -d gm_dump_dst -c "INSERT INTO gm.grid(code, name, kind, geom) VALUES ('D2', 'after restore', 'physical', ST_Multi(ST_MakeEnvelope(1,0,2,1))) RETURNING grid_id > (SELECT min(grid_id) FROM gm.grid WHERE code='D1')")" "t" "identity sequences continue after restore"
rm -f "$tmp" "$tmp.err"
for d in gm_up_fresh gm_dump_src gm_dump_dst; do dropdb --if-exists $d >/dev/null 2>&1; done
echo "1..$n"
