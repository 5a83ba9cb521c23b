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
  # a 0.1.1 database with the user's follow-up configuration: an event, a tier with a cadence and
  # a settings row (top role, churn silence) of its own; 0.1.0 keeps the empty settings table
  seed_fu=
  [ "$v" = 0.1.1 ] && seed_fu="
    INSERT INTO gm.followup_event(event, duty, default_due) VALUES ('acc_up_event', 'marketer', interval '5 hours');
    INSERT INTO gm.followup_tier(tier, note) VALUES ('acc_up_tier', 'ours');
    INSERT INTO gm.followup_cadence(tier, event, period, times) VALUES ('acc_up_tier', 'acc_up_event', 'month', 2);
    INSERT INTO gm.followup_setting(top_role, churn_after, callback_after) VALUES ('vp_up', interval '45 days', interval '30 days');"
  if fresh gm_up_old "VERSION '$v'" && { [ -z "$seed_fu" ] || P -d gm_up_old -c "$seed_fu"; } && P -d gm_up_old -c "ALTER EXTENSION grid_marketing UPDATE" ; then
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
  else
    nok "install $v and update to $CUR"
  fi
  dropdb --if-exists gm_up_old >/dev/null 2>&1
done
[ $olds -eq 0 ] && echo "# no released version older than $CUR yet: upgrade paths start with the next version"

# dump / restore keeps configuration rows, exactly once
fresh gm_dump_src || nok "install for dump test"
P -d gm_dump_src -c "
  INSERT INTO gm.grid(code, name, kind, geom) VALUES ('D1', 'dump test', 'physical', ST_Multi(ST_MakeEnvelope(0,0,1,1)));
  INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'someone', 'manager' FROM gm.grid WHERE code = 'D1';
  -- an edit of a shipped row and a row of the user's, in the follow-up configuration and its parameters
  UPDATE gm.followup_event SET default_due = interval '13 hours' WHERE event = 'complaint';
  INSERT INTO gm.followup_event(event, duty, default_due) VALUES ('acc_site_survey', 'marketer', interval '5 hours');
  UPDATE gm.followup_setting SET top_role = 'vp_dump';
  UPDATE gm.parameter SET value = 7 WHERE name = 'followup_callback_after_days';" >/dev/null \
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
