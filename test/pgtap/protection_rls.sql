-- protection: grid-scoped row-level security proven role by role (gm.secure_table, gm.my_grids,
-- gm.create_masked_view).  Everything, the roles included (CREATE ROLE is transactional), is
-- rolled back at the end, so nothing is left in the cluster.
BEGIN;
SELECT * FROM no_plan();
SET client_min_messages = warning;

-- run a query as a role and come back (SET ROLE inside a function; the role is reset even when
-- the query fails, because the error aborts the subtransaction that throws_ok opens)
CREATE FUNCTION pg_temp.as_role(r name, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    PERFORM pg_catalog.set_config('role', r, true);
    EXECUTE q INTO v;
    PERFORM pg_catalog.set_config('role', 'none', true);
    RETURN v;
END $$;

-- ---------------------------------------------------------------- catalog properties
SELECT ok(EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gm_admin' AND NOT rolcanlogin), 'role gm_admin exists and cannot log in');
SELECT is((SELECT prosecdef FROM pg_proc WHERE oid = 'gm.my_grids()'::regprocedure), true, 'gm.my_grids() is SECURITY DEFINER');
SELECT volatility_is('gm', 'my_grids', ARRAY[]::name[], 'stable', 'gm.my_grids() is STABLE');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'gm'::regnamespace AND prosecdef
           AND NOT EXISTS (SELECT 1 FROM unnest(proconfig) c WHERE c LIKE 'search\_path=pg\_catalog%')), 0,
          'every SECURITY DEFINER function of gm pins search_path to pg_catalog first');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE oid IN ('gm.secure_table(regclass,name,boolean)'::regprocedure,
           'gm.unsecure_table(regclass)'::regprocedure, 'gm.create_masked_view(regclass,text,jsonb,regrole,boolean)'::regprocedure)
           AND NOT prosecdef AND proconfig @> ARRAY['search_path=pg_catalog, pg_temp']), 3,
          'secure_table, unsecure_table and create_masked_view run with the caller''s rights and a pinned search_path');

-- ---------------------------------------------------------------- grids and memberships
-- R1 > A > A1 (depth 2), R1 > B, R2 > C, R2 > D
INSERT INTO gm.grid(code, name) VALUES ('T-R1', 'region 1'), ('T-R2', 'region 2');
INSERT INTO gm.grid(code, name, parent_id) SELECT c, c, (SELECT grid_id FROM gm.grid WHERE code = p)
FROM (VALUES ('T-A', 'T-R1'), ('T-B', 'T-R1'), ('T-C', 'T-R2'), ('T-D', 'T-R2')) v(c, p);
INSERT INTO gm.grid(code, name, parent_id) SELECT 'T-A1', 'micro A1', grid_id FROM gm.grid WHERE code = 'T-A';
CREATE FUNCTION pg_temp.g(c text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT grid_id FROM gm.grid WHERE code = c $$;

CREATE ROLE gmt_prot_mgr_a;      -- manager of grid A (sees A and micro-grid A1)
CREATE ROLE gmt_prot_mgr_r1;     -- manager of region R1 (A, A1, B)
CREATE ROLE gmt_prot_outsider;   -- no membership
CREATE ROLE gmt_prot_boss;       -- member of gm_admin
CREATE ROLE gmt_prot_expired;    -- membership of C ended yesterday
CREATE ROLE gmt_prot_ends_today; -- membership of C ends today (valid_to is exclusive)
CREATE ROLE gmt_prot_future;     -- membership of D starts tomorrow
CREATE ROLE gmt_prot_starts_today; -- membership of D starts today
CREATE ROLE gmt_prot_team_c;     -- a team role holding grid C ...
CREATE ROLE gmt_prot_in_team;    -- ... and a person in that team
CREATE ROLE gmt_prot_two;        -- marketer of B and D
CREATE ROLE gmt_prot_analyst;    -- analyst: masked view only
CREATE ROLE gmt_prot_owner;      -- owner of the customer table
GRANT gm_admin TO gmt_prot_boss;
GRANT gmt_prot_team_c TO gmt_prot_in_team;

INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from, valid_to) VALUES
    (pg_temp.g('T-A'),  'gmt_prot_mgr_a',        'manager',  '-infinity', 'infinity'),
    (pg_temp.g('T-R1'), 'gmt_prot_mgr_r1',       'manager',  '-infinity', 'infinity'),
    (pg_temp.g('T-C'),  'gmt_prot_expired',      'marketer', current_date - 30, current_date - 1),
    (pg_temp.g('T-C'),  'gmt_prot_ends_today',   'marketer', current_date - 30, current_date),
    (pg_temp.g('T-D'),  'gmt_prot_future',       'marketer', current_date + 1, 'infinity'),
    (pg_temp.g('T-D'),  'gmt_prot_starts_today', 'marketer', current_date, current_date + 1),
    (pg_temp.g('T-C'),  'gmt_prot_team_c',       'marketer', '-infinity', 'infinity'),
    (pg_temp.g('T-B'),  'gmt_prot_two',          'marketer', '-infinity', 'infinity'),
    (pg_temp.g('T-D'),  'gmt_prot_two',          'marketer', '-infinity', 'infinity'),
    (pg_temp.g('T-B'),  'gmt_prot_no_such_role', 'marketer', '-infinity', 'infinity');

-- 100 customers in each of A, B, C, D, 20 in A1, 10 without a grid
CREATE TABLE public.cust (id int PRIMARY KEY, grid_id bigint, name text, phone text, id_no text, address text);
INSERT INTO public.cust
SELECT i, CASE WHEN i <= 400 THEN pg_temp.g((ARRAY['T-A', 'T-B', 'T-C', 'T-D'])[1 + i % 4])
               WHEN i <= 420 THEN pg_temp.g('T-A1') END,
       (ARRAY['张三', '欧阳娜娜', '李四'])[1 + i % 3], '1381234' || lpad(i::text, 4, '0'),
       '11010519491231002X', '浙江省杭州市西湖区文三路' || i || '号'
FROM generate_series(1, 430) i;
CREATE INDEX ON public.cust (grid_id);
ALTER TABLE public.cust OWNER TO gmt_prot_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cust TO PUBLIC;

SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT count(*) FROM public.cust'), '430', 'before securing, everybody sees all 430 rows');

-- ---------------------------------------------------------------- secure_table: errors
CREATE VIEW public.cust_v AS SELECT * FROM public.cust;
SELECT throws_ok($$SELECT gm.secure_table('public.cust_v', 'grid_id')$$, '42809', NULL, 'a view cannot be secured (42809)');
SELECT throws_ok($$SELECT gm.secure_table('public.cust', 'no_such_column')$$, '42703', NULL, 'a missing grid column is refused (42703)');
SELECT throws_ok($$SELECT gm.secure_table('public.cust', 'name')$$, '42804', NULL, 'a text grid column is refused (42804)');
SELECT throws_ok($$SELECT gm.secure_table('public.no_such_table', 'grid_id')$$, '42P01', NULL, 'a missing table is refused (42P01)');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_prot_mgr_a', 'SELECT gm.secure_table(''public.cust'', ''grid_id'')::text')$$,
                 '42501', NULL, 'only the table owner may secure it (42501)');
SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT count(*) FROM public.cust'), '430', 'a failed call changed nothing');

-- secure with a hostile schema first on the search_path: operators and functions it shadows are not used
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.hostile_eq(bigint, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR hostile.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = hostile.hostile_eq);
CREATE FUNCTION hostile.pg_has_role(oid, oid, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION hostile.array_agg(bigint) RETURNS bigint[] LANGUAGE sql AS 'SELECT ARRAY[1::bigint]';
CREATE TABLE hostile.grid_member (grid_id bigint, role_name name, valid_from date, valid_to date);
GRANT USAGE ON SCHEMA hostile TO PUBLIC;
SET LOCAL search_path = hostile, pg_catalog, public;
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_prot_owner', 'SELECT gm.secure_table(''public.cust'', ''grid_id'')::text')$$,
                'the owner secures the table, with a hostile search_path');
SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT count(*) FROM public.cust'), '0', 'hostile search_path: an outsider still sees nothing');
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT count(*) FROM public.cust'), '120', 'hostile search_path: manager of A sees its 120 rows');
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT gm.my_grids()::text'), ARRAY[pg_temp.g('T-A'), pg_temp.g('T-A1')]::text,
          'hostile search_path: my_grids is not redirected');
RESET search_path;

-- ---------------------------------------------------------------- who sees what
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT count(*) FROM public.cust'), '120', 'manager of grid A sees A and its micro-grid: 120');
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT array_agg(DISTINCT grid_id ORDER BY grid_id)::text FROM public.cust'),
          ARRAY[pg_temp.g('T-A'), pg_temp.g('T-A1')]::text, 'manager of grid A sees exactly grids A and A1');
SELECT is(pg_temp.as_role('gmt_prot_mgr_r1', 'SELECT count(*) FROM public.cust'), '220', 'manager of region R1 sees A, A1 and B: 220 (any depth)');
SELECT is(pg_temp.as_role('gmt_prot_mgr_r1', 'SELECT array_agg(DISTINCT grid_id ORDER BY grid_id)::text FROM public.cust'),
          (SELECT array_agg(x ORDER BY x) FROM unnest(ARRAY[pg_temp.g('T-A'), pg_temp.g('T-A1'), pg_temp.g('T-B')]) x)::text,
          'manager of region R1 sees exactly grids A, A1, B');
SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT count(*) FROM public.cust'), '0', 'an outsider sees nothing');
SELECT is(pg_temp.as_role('gmt_prot_boss', 'SELECT count(*) FROM public.cust'), '430', 'a gm_admin member sees all 430 rows, those without a grid too');
SELECT is(pg_temp.as_role('gmt_prot_expired', 'SELECT count(*) FROM public.cust'), '0', 'an expired membership gives nothing');
SELECT is(pg_temp.as_role('gmt_prot_ends_today', 'SELECT count(*) FROM public.cust'), '0', 'a membership ending today gives nothing (valid_to exclusive)');
SELECT is(pg_temp.as_role('gmt_prot_future', 'SELECT count(*) FROM public.cust'), '0', 'a membership starting tomorrow gives nothing');
SELECT is(pg_temp.as_role('gmt_prot_starts_today', 'SELECT count(*) FROM public.cust'), '100', 'a membership starting today counts (valid_from inclusive)');
SELECT is(pg_temp.as_role('gmt_prot_in_team', 'SELECT count(*) FROM public.cust'), '100', 'a member of a team role sees the team''s grid');
SELECT is(pg_temp.as_role('gmt_prot_two', 'SELECT count(*) FROM public.cust'), '200', 'two memberships: the union of both grids');
SELECT is(pg_temp.as_role('gmt_prot_owner', 'SELECT count(*) FROM public.cust'), '430', 'the owner is not subject to RLS unless forced');
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT count(*) FROM public.cust WHERE grid_id NOT IN (' || pg_temp.g('T-A') || ',' || pg_temp.g('T-A1') || ')'),
          '0', 'manager of A reaches no row of another grid by filtering');

-- my_grids
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT gm.my_grids()::text'), ARRAY[pg_temp.g('T-A'), pg_temp.g('T-A1')]::text, 'my_grids for manager of A');
SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT gm.my_grids()::text'), '{}', 'my_grids for an outsider is empty, not NULL');
SELECT is(pg_temp.as_role('gmt_prot_boss', 'SELECT gm.my_grids()::text'), (SELECT array_agg(grid_id ORDER BY grid_id) FROM gm.grid)::text, 'my_grids for gm_admin: every grid');
SELECT is(pg_temp.as_role('gmt_prot_in_team', 'SELECT gm.my_grids()::text'), ARRAY[pg_temp.g('T-C')]::text, 'my_grids through a team role');

-- the policy calls my_grids once per query (an init plan), not once per row
SET LOCAL track_functions = 'all';
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', $$SELECT (SELECT count(*) FROM public.cust)::text || ' ' || coalesce((SELECT calls FROM pg_stat_xact_user_functions WHERE funcid = 'gm.my_grids()'::regprocedure), 0)$$),
          '120 1', 'scanning 430 rows calls gm.my_grids() once');
-- inside someone else's SECURITY DEFINER function the caller's grids apply (documented), the
-- owner's gm_admin membership is checked by PostgreSQL itself
CREATE FUNCTION public.count_cust() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
    AS 'SELECT count(*) FROM public.cust';
ALTER FUNCTION public.count_cust() OWNER TO gmt_prot_outsider;
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT public.count_cust()'), '120', 'a definer function of an outsider shows manager A its own 120 rows');
SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT public.count_cust()'), '0', '... and the outsider nothing');
SELECT is(pg_temp.as_role('gmt_prot_mgr_r1', 'SELECT public.count_cust()'), '220', '... and the region manager its 220');
ALTER FUNCTION public.count_cust() OWNER TO gmt_prot_boss;
SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT public.count_cust()'), '430', 'a definer function owned by a gm_admin member sees every row (its owner''s right)');
DROP FUNCTION public.count_cust();

-- writes are scoped too
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_prot_mgr_a', 'INSERT INTO public.cust(id, grid_id) VALUES (1000, ' || pg_temp.g('T-B') || ') RETURNING id')$$,
                 '42501', NULL, 'manager of A cannot insert a row into grid B');
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'INSERT INTO public.cust(id, grid_id) VALUES (1001, ' || pg_temp.g('T-A') || ') RETURNING id'), '1001',
          'manager of A can insert into grid A');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_prot_mgr_a', 'UPDATE public.cust SET grid_id = ' || pg_temp.g('T-B') || ' WHERE id = 1001 RETURNING id')$$,
                 '42501', NULL, 'manager of A cannot move a row to grid B');
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'WITH d AS (DELETE FROM public.cust WHERE grid_id = ' || pg_temp.g('T-B') || ' RETURNING 1) SELECT count(*) FROM d'), '0',
          'manager of A deletes nothing in grid B');
SELECT is((SELECT count(*)::int FROM public.cust WHERE grid_id = pg_temp.g('T-B')), 100, 'grid B still has its 100 rows');

-- membership changes apply at once, in the same transaction
UPDATE gm.grid_member SET valid_to = current_date WHERE role_name = 'gmt_prot_mgr_a';
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT count(*) FROM public.cust'), '0', 'ending the membership today removes access at once');
UPDATE gm.grid_member SET valid_to = 'infinity' WHERE role_name = 'gmt_prot_mgr_a';
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT count(*) FROM public.cust'), '121', 'restoring it gives access again (120 + the inserted row)');

-- ---------------------------------------------------------------- masked views
SELECT is(gm.create_masked_view('public.cust', 'cust_masked', '{"name": "name", "phone": "phone", "id_no": "id", "address": "address"}', 'gmt_prot_analyst')::text,
          'cust_masked', 'create_masked_view returns the view, created in the table''s schema');
SELECT is(pg_temp.as_role('gmt_prot_analyst', 'SELECT count(*) FROM public.cust_masked'), '431', 'the analyst sees every row through the view (owner''s rights)');
SELECT is(pg_temp.as_role('gmt_prot_analyst', $$SELECT count(*) FROM public.cust_masked WHERE phone ~ '^138\*{4}[0-9]{4}$' AND id_no = '110105********002X' AND name LIKE '%*%' AND address LIKE '浙江省杭州市西湖区****'$$),
          '430', 'every phone, ID number, name and address is masked (row 1001 has NULLs)');
SELECT is(pg_temp.as_role('gmt_prot_analyst', $$SELECT count(*) FROM public.cust_masked WHERE phone IS NULL$$), '1', 'NULL stays NULL');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_prot_analyst', 'SELECT count(*) FROM public.cust_masked2')$$, '42P01', NULL, 'sanity: no such view');
REVOKE ALL ON public.cust FROM PUBLIC;
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_prot_analyst', 'SELECT count(*) FROM public.cust')$$, '42501', NULL, 'the analyst cannot read the table itself');
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cust TO PUBLIC;
SELECT is(gm.create_masked_view('public.cust', 'public.cust_masked_inv', '{"phone": "phone", "name": "omit", "id_no": "null"}', 'gmt_prot_mgr_r1', true)::text,
          'cust_masked_inv', 'a security_invoker masked view');
SELECT is(pg_temp.as_role('gmt_prot_mgr_r1', 'SELECT count(*) FROM public.cust_masked_inv'), '221', 'through a security_invoker view the reader''s grids apply (220 + the row added in A)');
SELECT is(pg_temp.as_role('gmt_prot_mgr_r1', $$SELECT count(*) FROM public.cust_masked_inv WHERE id_no IS NULL AND phone LIKE '138****%'$$), '220', 'null kind blanks a column; phones masked (the added row has none)');
SELECT is((SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'public.cust_masked_inv'::regclass AND attnum > 0),
          'id,grid_id,phone,id_no,address', 'omit drops a column');
SELECT throws_ok($$SELECT gm.create_masked_view('public.cust', 'v1', '{"phone": "scramble"}')$$, '22023', NULL, 'unknown masking kind (22023)');
SELECT throws_ok($$SELECT gm.create_masked_view('public.cust', 'v1', '{"phone": null, "name": "name"}')$$, '22023', NULL, 'a JSON null kind does not leave the column unmasked (22023)');
SELECT throws_ok($$SELECT gm.create_masked_view('public.cust', 'v1', '{"phone": ["phone"]}')$$, '22023', NULL, 'a kind that is not a JSON string is refused (22023)');
SELECT throws_ok($$SELECT gm.create_masked_view('public.cust', 'v1', '{"mobile": "phone"}')$$, '42703', NULL, 'unknown column (42703)');
SELECT throws_ok($$SELECT gm.create_masked_view('public.cust', 'v1', '["phone"]')$$, '22023', NULL, 'masks must be an object (22023)');
SELECT throws_ok($$SELECT gm.create_masked_view('public.cust', 'a.b.c', '{}')$$, '42602', NULL, 'a three-part view name is refused (42602)');
SELECT throws_ok($$SELECT gm.create_masked_view('public.cust', 'cust_masked', '{}')$$, '42P07', NULL, 'an existing view is not replaced (42P07)');
-- a member cannot widen its access by making its own masked view: the view owner's rights apply
GRANT CREATE ON SCHEMA hostile TO gmt_prot_mgr_a;
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', $$SELECT gm.create_masked_view('public.cust', 'hostile.mine', '{"phone": "phone"}')::text$$), 'hostile.mine',
          'a grid manager may make a masked view of what it can read');
SELECT is(pg_temp.as_role('gmt_prot_mgr_a', 'SELECT count(*) FROM hostile.mine'), '121', '... and sees only its own grids through it');

-- ---------------------------------------------------------------- FORCE and unsecure
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_prot_owner', 'SELECT gm.secure_table(''public.cust'', ''grid_id'', force => true)::text')$$, 'secure again with FORCE');
SELECT is((SELECT relforcerowsecurity FROM pg_class WHERE oid = 'public.cust'::regclass), true, 'FORCE ROW LEVEL SECURITY is on');
SELECT is(pg_temp.as_role('gmt_prot_owner', 'SELECT count(*) FROM public.cust'), '0', 'with FORCE the owner (no membership) sees nothing');
SELECT is((SELECT count(*)::int FROM pg_policies WHERE schemaname = 'public' AND tablename = 'cust'), 2, 'securing twice keeps two policies');
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_prot_owner', 'SELECT gm.unsecure_table(''public.cust'')::text')$$, 'unsecure_table');
SELECT is(pg_temp.as_role('gmt_prot_outsider', 'SELECT count(*) FROM public.cust'), '431', 'after unsecure_table everybody sees every row');
SELECT is((SELECT relrowsecurity OR relforcerowsecurity FROM pg_class WHERE oid = 'public.cust'::regclass), false, 'RLS is off');
SELECT is((SELECT count(*)::int FROM pg_policies WHERE schemaname = 'public' AND tablename = 'cust'), 0, 'no policy is left');

-- a partitioned table, secured on an integer column
CREATE TABLE public.pcust (id int, grid_id int) PARTITION BY LIST (grid_id);
CREATE TABLE public.pcust_a PARTITION OF public.pcust FOR VALUES IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
CREATE TABLE public.pcust_other PARTITION OF public.pcust DEFAULT;
INSERT INTO public.pcust SELECT i, grid_id::int FROM gm.grid, generate_series(1, 5) i;
GRANT SELECT ON public.pcust TO PUBLIC;
SELECT lives_ok($$SELECT gm.secure_table('public.pcust', 'grid_id')$$, 'a partitioned table with an integer grid column');
SELECT is(pg_temp.as_role('gmt_prot_mgr_r1', 'SELECT count(*) FROM public.pcust'), '20', 'region manager sees R1 itself, A, A1, B: 4 grids x 5 rows of the partitioned table');

SELECT * FROM finish();
ROLLBACK;
