#!/bin/bash
# Audit of personal data with pgaudit (issue #17; recipe in doc/protection.md, "Audit: who read or
# exported personal data"), printed as TAP lines.  pgaudit must be in shared_preload_libraries, so
# this script starts a cluster of its own (port GM_AUDIT_PORT, default 55525, Unix socket in a
# temporary directory, log to a file), builds a customer table with PII columns secured with
# gm.secure_table, a masked view (gm.create_masked_view, with and without security_invoker), an
# audit role holding SELECT on the PII columns only, and roles: two grid members, an analyst,
# an exporter (session logging of reads), a CRM application (pgaudit.log_parameter), then checks
# that every read leaves exactly the AUDIT lines the doc promises, and that the compliance
# officer's grep over the whole log returns exactly the PII reads, who and what.
# Uses the tools in PGBIN (set by test/setup.sh).  pgaudit missing is a failure, not a skip:
# test/setup.sh deps installs postgresql-N-pgaudit.
set -u
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${GM_AUDIT_PORT:-55525}
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
is()  { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got:"; echo "$1" | sed 's/^/#     /'; echo "#   expected:"; echo "$2" | sed 's/^/#     /'; fi; }
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# ---------------------------------------------------------------- pgaudit present?
LIBDIR=$("$PGBIN/pg_config" --pkglibdir); SHAREDIR=$("$PGBIN/pg_config" --sharedir)
# the system's installation that a private copy (GM_PG_ROOT) was made from
SYSPGC=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
SYSLIB=$("$SYSPGC" --pkglibdir 2>/dev/null); SYSSHARE=$("$SYSPGC" --sharedir 2>/dev/null)
if [ ! -f "$LIBDIR/pgaudit.so" ] && [ -n "${GM_PG_ROOT:-}" ] && [ -n "$SYSLIB" ] && [ -f "$SYSLIB/pgaudit.so" ]; then
  # a private copy of PostgreSQL (GM_PG_ROOT) made before postgresql-N-pgaudit was installed
  echo "# copying pgaudit from $SYSLIB into $GM_PG_ROOT"
  cp -a "$SYSLIB/pgaudit.so" "$LIBDIR/" \
    && cp -a "$SYSSHARE/extension/"pgaudit[.-]* "$SHAREDIR/extension/"
fi
if [ ! -f "$LIBDIR/pgaudit.so" ] || [ ! -f "$SHAREDIR/extension/pgaudit.control" ]; then
  nok "pgaudit is installed in $LIBDIR (test/setup.sh deps installs postgresql-N-pgaudit)"
  echo "1..$n"; exit 1
fi
ok "pgaudit is installed"

# ---------------------------------------------------------------- a cluster with pgaudit preloaded
DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-audit.XXXXXX"); chmod 755 "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
LOG=$DIR/server.log
cleanup() { asdb "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
PREFIX='%m [%p] %u@%d %a '
asdb "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
  || { nok "initdb"; cat "$DIR/initdb.log"; echo "1..$n"; exit 1; }
asdb "$PGBIN/pg_ctl" -D "$DIR/data" -l "$LOG" -w -o "-p $PORT -k $DIR -c listen_addresses='' \
  -c shared_preload_libraries=pgaudit -c logging_collector=off -c lc_messages=C \
  -c log_line_prefix='$PREFIX'" start >/dev/null \
  || { nok "cluster with shared_preload_libraries = pgaudit starts"; cat "$LOG"; echo "1..$n"; exit 1; }
ok "cluster with shared_preload_libraries = pgaudit starts (port $PORT)"

DB=gm_audit
# as <role> <application_name> psql-args...: one session of a login role
as() { local r=$1 a=$2; shift 2; PGAPPNAME=$a "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p $PORT -U "$r" -d $DB "$@"; }
# audit lines written since the last call, without the time stamp and pid of the prefix:
# "member_a@gm_audit crm-web AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,...".
# The backend writes its AUDIT line before the statement's result reaches the client, so the
# line is in the file when psql returns.
# (the offset reached is kept in a file: since runs in a command substitution's subshell)
echo 0 >"$DIR/mark"
since() { local size mark; size=$(stat -c %s "$LOG"); mark=$(cat "$DIR/mark")
  tail -c +$((mark + 1)) "$LOG" | head -c $((size - mark)) | grep 'AUDIT: ' | sed -E 's/^[0-9-]+ [0-9:.]+ [A-Z+0-9-]+ \[[0-9]+\] //; s/ LOG:  AUDIT: / AUDIT: /'
  echo "$size" >"$DIR/mark"; }

"$PGBIN/createdb" -h "$DIR" -p $PORT -U postgres $DB && as postgres setup >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION grid_marketing CASCADE;
CREATE EXTENSION pgaudit;
-- the audit role: object auditing logs a statement when this role holds a privilege it uses
CREATE ROLE gm_pii_auditor NOLOGIN;
ALTER DATABASE gm_audit SET pgaudit.role = 'gm_pii_auditor';
ALTER DATABASE gm_audit SET pgaudit.log_parameter = on;

CREATE ROLE crm_owner NOLOGIN;
CREATE ROLE member_a LOGIN;          -- manager of grid A
CREATE ROLE member_b LOGIN;          -- marketer of grid B; row counts logged (log_rows)
CREATE ROLE analyst LOGIN;           -- masked view only
CREATE ROLE analyst_inv LOGIN;       -- security_invoker masked view (needs SELECT on the table)
CREATE ROLE exporter LOGIN;          -- nightly export job: every read logged (session logging)
CREATE ROLE crm_app LOGIN;           -- CRM application: prepared statements, bound parameters
GRANT gm_admin TO exporter, crm_app;
ALTER ROLE exporter SET pgaudit.log = 'read';
ALTER ROLE member_b SET pgaudit.log_rows = on;

INSERT INTO gm.grid(code, name) VALUES ('A', 'grid A'), ('B', 'grid B');
INSERT INTO gm.grid_member(grid_id, role_name, duty)
SELECT grid_id, r, d FROM gm.grid JOIN (VALUES ('A', 'member_a', 'manager'), ('B', 'member_b', 'marketer')) v(c, r, d) ON code = c;

CREATE SCHEMA crm AUTHORIZATION crm_owner;
SET ROLE crm_owner;
CREATE TABLE crm.customers (id int PRIMARY KEY, grid_id bigint NOT NULL, name text, phone text,
                            id_no text, address text, tier text);
RESET ROLE;
INSERT INTO crm.customers
SELECT v.id, g.grid_id, v.name, v.phone, v.id_no, v.address, v.tier
FROM (VALUES (1, 'A', '张三', '13812345678', '11010519491231002X', '浙江省杭州市西湖区文三路100号', 'gold'),
             (2, 'B', '李四', '13912345678', '330106199001011234', '北京市朝阳区建国路88号', 'silver'),
             (3, 'B', '王小明', '13712345678', '330106199202021235', '上海市浦东新区世纪大道1号', 'bronze'))
     v(id, code, name, phone, id_no, address, tier) JOIN gm.grid g USING (code);
SET ROLE crm_owner;
SELECT gm.secure_table('crm.customers', 'grid_id');
GRANT USAGE ON SCHEMA crm TO member_a, member_b, analyst, analyst_inv, exporter, crm_app;
GRANT SELECT ON crm.customers TO member_a, member_b, analyst_inv, exporter, crm_app;
SELECT gm.create_masked_view('crm.customers', 'customers_masked',
       '{"name": "name", "phone": "phone", "id_no": "id", "address": "address"}', 'analyst');
SELECT gm.create_masked_view('crm.customers', 'customers_masked_inv',
       '{"name": "name", "phone": "phone", "id_no": "id", "address": "address"}', 'analyst_inv', true);
RESET ROLE;
-- only the PII columns: a read of id, grid_id, tier alone is not logged
GRANT SELECT (name, phone, id_no, address) ON crm.customers TO gm_pii_auditor;
SQL
[ $? = 0 ] && ok "customers with PII columns secured by gm.secure_table, two masked views, audit role gm_pii_auditor" \
  || { nok "set-up"; tail -20 "$LOG" | sed 's/^/#   /'; echo "1..$n"; exit 1; }
since >/dev/null

# ---------------------------------------------------------------- grid members (RLS + object auditing)
out=$(as member_a crm-web -c "SELECT id, phone FROM crm.customers ORDER BY id")
is "$out" "1|13812345678" "member_a sees only grid A's customer (RLS)"
is "$(since)" 'member_a@gm_audit crm-web AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,"SELECT id, phone FROM crm.customers ORDER BY id",<none>' \
  "the member's SELECT of phone: one OBJECT line naming member_a, the table and the statement"

as member_a crm-web -c "SELECT id, grid_id, tier FROM crm.customers" >/dev/null
is "$(since)" "" "a SELECT of non-PII columns only (id, grid_id, tier) is not logged"

as member_a crm-web -c "SELECT id FROM crm.customers WHERE phone LIKE '138%'" >/dev/null
is "$(since)" "member_a@gm_audit crm-web AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,SELECT id FROM crm.customers WHERE phone LIKE '138%',<none>" \
  "a PII column used in WHERE only is logged (a search by phone is a read of phone)"

as member_a crm-web -c "SELECT count(*) FROM crm.customers" >/dev/null
is "$(since)" "member_a@gm_audit crm-web AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,SELECT count(*) FROM crm.customers,<none>" \
  "count(*) (no column at all) is logged: pgaudit treats it as a read of any column"

out=$(as member_b crm-mobile -c "SELECT name FROM crm.customers ORDER BY id")
is "$out" "李四
王小明" "member_b sees grid B's two customers"
is "$(since)" "member_b@gm_audit crm-mobile AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,SELECT name FROM crm.customers ORDER BY id,<none>,2" \
  "pgaudit.log_rows = on for member_b: the line ends with the number of rows returned after RLS (2 of 3)"

# ---------------------------------------------------------------- analysts: masked views
out=$(as analyst bi -c "SELECT id, phone FROM crm.customers_masked ORDER BY id")
is "$out" "1|138****5678
2|139****5678
3|137****5678" "the analyst reads all rows, masked, through the view"
is "$(since)" 'analyst@gm_audit bi AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,"SELECT id, phone FROM crm.customers_masked ORDER BY id",<none>' \
  "a read through the masked view: logged as a read of the TABLE crm.customers, the statement names the view"

as analyst bi -c "SELECT id, tier FROM crm.customers_masked" >/dev/null
is "$(since)" 'analyst@gm_audit bi AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,"SELECT id, tier FROM crm.customers_masked",<none>' \
  "even non-PII columns of the masked view are logged (the view itself reads every column of the table)"

as analyst bi -c "SELECT * FROM crm.customers" >/dev/null 2>&1
is "$?:$(since)" "1:" "the analyst cannot read the table; the refused statement leaves no AUDIT line"

out=$(as analyst_inv bi -c "SELECT id, phone FROM crm.customers_masked_inv")
is "$out" "" "security_invoker masked view: the analyst's own grid policies apply (no grid, no row)"
is "$(since)" 'analyst_inv@gm_audit bi AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,"SELECT id, phone FROM crm.customers_masked_inv",<none>' \
  "security_invoker masked view: logged the same way, even though no row was returned"

# ---------------------------------------------------------------- exports
out=$(as exporter nightly-export -c "COPY crm.customers TO STDOUT")
is "$(echo "$out" | wc -l)" 3 "the exporter (gm_admin) copies out all three customers"
is "$(since)" 'exporter@gm_audit nightly-export AUDIT: SESSION,1,1,READ,COPY,,,COPY crm.customers TO STDOUT,<none>
exporter@gm_audit nightly-export AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,COPY crm.customers TO STDOUT,<none>
exporter@gm_audit nightly-export AUDIT: SESSION,1,2,READ,SELECT,,,COPY crm.customers TO STDOUT,<none>
exporter@gm_audit nightly-export AUDIT: OBJECT,1,2,READ,SELECT,TABLE,crm.customers,COPY crm.customers TO STDOUT,<none>' \
  "COPY ... TO STDOUT: SESSION lines (pgaudit.log = read) and OBJECT lines naming the table"

as exporter nightly-export -c "COPY (SELECT id, tier FROM crm.customers) TO STDOUT" >/dev/null
is "$(since)" 'exporter@gm_audit nightly-export AUDIT: SESSION,1,1,READ,SELECT,,,"COPY (SELECT id, tier FROM crm.customers) TO STDOUT",<none>
exporter@gm_audit nightly-export AUDIT: SESSION,1,2,READ,COPY,,,"COPY (SELECT id, tier FROM crm.customers) TO STDOUT",<none>' \
  "an export of non-PII columns: SESSION lines only, no OBJECT line"

as member_a crm-web -c "COPY (SELECT name, phone FROM crm.customers) TO STDOUT" >/dev/null
is "$(since)" 'member_a@gm_audit crm-web AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,"COPY (SELECT name, phone FROM crm.customers) TO STDOUT",<none>' \
  "a member's COPY of PII, without session logging: one OBJECT line"

out=$(as exporter nightly-export -c "SET pgaudit.log = 'none'" 2>&1)
is "$(echo "$out" | grep -c 'permission denied to set parameter "pgaudit.log"')" 1 "the exporter cannot turn its session logging off (pgaudit settings are superuser-only)"
out=$(as member_a crm-web -c "SET pgaudit.role = ''" 2>&1)
is "$(echo "$out" | grep -c 'permission denied to set parameter "pgaudit.role"')" 1 "a member cannot turn object auditing off"
since >/dev/null

# ---------------------------------------------------------------- CRM application: bound parameters
# the statement text is the client's: pgbench and pg_dump of 15 send it with its trailing ';',
# those of 17 and 18 without (16 is not tested)
CLIENT_MAJOR=$("$PGBIN/pgbench" --version | sed -E 's/^pgbench \(PostgreSQL\) ([0-9]+).*/\1/')
if [ "$CLIENT_MAJOR" -ge 17 ] 2>/dev/null; then SEMI=; else SEMI=';'; fi
cat >"$DIR/app.sql" <<'EOF'
\set cid 2
SELECT name, phone FROM crm.customers WHERE id = :cid;
EOF
chmod 644 "$DIR/app.sql"
PGAPPNAME=crm-app "$PGBIN/pgbench" -n -h "$DIR" -p $PORT -U crm_app -M extended -t 1 -f "$DIR/app.sql" $DB >/dev/null 2>&1
is "$(since)" 'crm_app@gm_audit crm-app AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,"SELECT name, phone FROM crm.customers WHERE id = $1'"$SEMI"'",2' \
  "extended protocol with a bound parameter (pgbench -M extended): pgaudit.log_parameter logs the value 2"

as crm_app crm-app -c 'PREPARE by_id(int) AS SELECT phone FROM crm.customers WHERE id = $1' -c 'EXECUTE by_id(3)' >/dev/null
is "$(since)" 'crm_app@gm_audit crm-app AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,PREPARE by_id(int) AS SELECT phone FROM crm.customers WHERE id = $1,3' \
  "PREPARE + EXECUTE: logged at EXECUTE, with the PREPARE text and the parameter 3"

# ---------------------------------------------------------------- functions
as postgres setup -c "CREATE FUNCTION crm.phone_of(cid int) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS \$\$ SELECT phone FROM crm.customers WHERE id = cid \$\$" \
  -c "ALTER FUNCTION crm.phone_of(int) OWNER TO crm_owner" -c "REVOKE EXECUTE ON FUNCTION crm.phone_of(int) FROM PUBLIC" \
  -c "GRANT EXECUTE ON FUNCTION crm.phone_of(int) TO analyst"
since >/dev/null
out=$(as analyst bi -c "SELECT crm.phone_of(2)")
is "$out" "13912345678" "a SECURITY DEFINER function of the table owner hands the analyst a phone"
is "$(since)" "" "pgaudit 1.7 gap: a read inside a SECURITY DEFINER function called by a non-superuser is NOT logged"
as postgres setup -c "ALTER ROLE analyst SET pgaudit.log = 'function'"
as analyst bi -c "SELECT crm.phone_of(2)" >/dev/null
is "$(since)" "analyst@gm_audit bi AUDIT: SESSION,1,1,FUNCTION,EXECUTE,FUNCTION,crm.phone_of,SELECT crm.phone_of(2),<none>" \
  "the work-around: pgaudit.log = 'function' for the caller logs the call of crm.phone_of with its statement"

# ---------------------------------------------------------------- superusers
as postgres psql -c "SELECT phone FROM crm.customers" >/dev/null
is "$(since)" "postgres@gm_audit psql AUDIT: OBJECT,1,1,READ,SELECT,TABLE,crm.customers,SELECT phone FROM crm.customers,<none>" \
  "a superuser's read is logged too (object auditing checks the audit role's grants, not the reader's)"

as postgres psql -c "SET pgaudit.log = 'misc_set'" -c "SET ROLE member_a" -c "SELECT phone FROM crm.customers" >/dev/null
is "$(since)" "postgres@gm_audit psql AUDIT: SESSION,1,1,MISC,SET,,,SET pgaudit.log = 'misc_set',<none>
postgres@gm_audit psql AUDIT: SESSION,2,1,MISC,SET,,,SET ROLE member_a,<none>
postgres@gm_audit psql AUDIT: OBJECT,3,1,READ,SELECT,TABLE,crm.customers,SELECT phone FROM crm.customers,<none>" \
  "after SET ROLE the line still names the login role (%u is the session user); pgaudit.log = misc_set logs the SET ROLE"

"$PGBIN/pg_dump" -h "$DIR" -p $PORT -U postgres -t crm.customers -f "$DIR/dump.sql" $DB 2>/dev/null
got=$(since | grep -c '^postgres@gm_audit pg_dump AUDIT: OBJECT,[0-9]*,1,READ,SELECT,TABLE,crm.customers,"\?COPY crm.customers (id, grid_id, name, phone, id_no, address, tier) TO stdout'"$SEMI"'"')
is "$got" 1 "pg_dump of the table is logged as its COPY ... TO stdout"

# ---------------------------------------------------------------- the compliance officer's grep
# the lines a compliance officer gets (here: who, application, statement,parameter[,rows])
got=$(grep 'AUDIT: OBJECT' "$LOG" | grep ',crm.customers,' \
  | sed -E 's/^[0-9-]+ [0-9:.]+ [A-Z+0-9-]+ \[[0-9]+\] ([^ ]+) ([^ ]*) LOG:  AUDIT: OBJECT,[0-9]+,[0-9]+,READ,SELECT,TABLE,crm.customers,(.*)$/\1 \2 | \3/')
is "$got" 'member_a@gm_audit crm-web | "SELECT id, phone FROM crm.customers ORDER BY id",<none>
member_a@gm_audit crm-web | SELECT id FROM crm.customers WHERE phone LIKE '"'138%'"',<none>
member_a@gm_audit crm-web | SELECT count(*) FROM crm.customers,<none>
member_b@gm_audit crm-mobile | SELECT name FROM crm.customers ORDER BY id,<none>,2
analyst@gm_audit bi | "SELECT id, phone FROM crm.customers_masked ORDER BY id",<none>
analyst@gm_audit bi | "SELECT id, tier FROM crm.customers_masked",<none>
analyst_inv@gm_audit bi | "SELECT id, phone FROM crm.customers_masked_inv",<none>
exporter@gm_audit nightly-export | COPY crm.customers TO STDOUT,<none>
exporter@gm_audit nightly-export | COPY crm.customers TO STDOUT,<none>
member_a@gm_audit crm-web | "COPY (SELECT name, phone FROM crm.customers) TO STDOUT",<none>
crm_app@gm_audit crm-app | "SELECT name, phone FROM crm.customers WHERE id = $1'"$SEMI"'",2
crm_app@gm_audit crm-app | PREPARE by_id(int) AS SELECT phone FROM crm.customers WHERE id = $1,3
postgres@gm_audit psql | SELECT phone FROM crm.customers,<none>
postgres@gm_audit psql | SELECT phone FROM crm.customers,<none>
postgres@gm_audit pg_dump | "COPY crm.customers (id, grid_id, name, phone, id_no, address, tier) TO stdout'"$SEMI"'",<none>' \
  "grep 'AUDIT: OBJECT' | grep ',crm.customers,' over the whole log: exactly the PII reads, who and what"
got=$(grep -c 'AUDIT: ' "$LOG" | tr -d ' '); echo "# $got AUDIT lines in the log; a sample:"
grep -m1 'AUDIT: OBJECT' "$LOG" | sed 's/^/#   /'
echo "1..$n"
