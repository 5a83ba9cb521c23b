-- addresses: the community register (grid by geometry or by hand, history), address -> community
-- -> grid matching, duplicates and reversible merges, data quality, penetration.
BEGIN;
SELECT * FROM no_plan();
SET LOCAL client_min_messages = warning;

INSERT INTO gm.grid(code, name, geom) VALUES ('AR-R', 'Region', ST_Multi(ST_MakeEnvelope(0, 0, 20, 10)));
INSERT INTO gm.grid(code, name, parent_id, geom) SELECT 'AR-G1', 'Grid 1', grid_id, ST_Multi(ST_MakeEnvelope(0, 0, 10, 10)) FROM gm.grid WHERE code = 'AR-R';
INSERT INTO gm.grid(code, name, parent_id, geom) SELECT 'AR-G2', 'Grid 2', grid_id, ST_Multi(ST_MakeEnvelope(10, 0, 20, 10)) FROM gm.grid WHERE code = 'AR-R';
CREATE TEMP TABLE g AS SELECT code, grid_id FROM gm.grid WHERE code LIKE 'AR-%';

-- ---------------------------------------------------------------- the register
INSERT INTO gm.community(name, address, geom, households, occupancy) VALUES
  ('阳光花园', '浙江省杭州市西湖区文三路100号', ST_MakePoint(5, 5), 800, 0.9),
  ('东部软件园', '浙江省杭州市西湖区文三路90号', ST_MakeEnvelope(11, 1, 13, 3), 300, 0.5),
  ('翠苑一区', '浙江省杭州市西湖区翠苑街道', ST_MakePoint(15, 5), 1200, 0.8),
  ('阳光花园', '江苏省南京市鼓楼区中山北路1号', NULL, 500, NULL);
INSERT INTO gm.community(name, address, grid_id, households) SELECT '手工小区', '杭州市西湖区天目山路1号', grid_id, 100 FROM g WHERE code = 'AR-G1';
INSERT INTO gm.community_alias VALUES ((SELECT community_id FROM gm.community WHERE name = '翠苑一区'), '翠苑1区');
INSERT INTO gm.community_building(community_id, name, units, floors) SELECT community_id, '3', 2, 18 FROM gm.community WHERE name = '东部软件园';
INSERT INTO gm.community_competitor(community_id, competitor, product, monthly_tariff)
  SELECT community_id, '友商', '千兆宽带', 99 FROM gm.community WHERE name = '阳光花园' AND division_code = '330106';
CREATE TEMP TABLE c AS SELECT community_id AS id, name, division_code, road_key, grid_id, grid_source FROM gm.community;

SELECT is((SELECT division_code FROM c WHERE name = '东部软件园'), '330106', 'the division comes from the address');
SELECT is((SELECT road_key FROM c WHERE name = '东部软件园'), '文三路90号', 'the road key comes from the address');
SELECT is((SELECT grid_id FROM c WHERE name = '阳光花园' AND division_code = '330106'), (SELECT grid_id FROM g WHERE code = 'AR-G1'), 'a point: the grid covering it');
SELECT is((SELECT grid_id FROM c WHERE name = '东部软件园'), (SELECT grid_id FROM g WHERE code = 'AR-G2'), 'a polygon: the grid of a point on its surface');
SELECT is((SELECT grid_id FROM c WHERE division_code = '320106'), NULL, 'no geometry: no grid');
SELECT is((SELECT grid_source FROM c WHERE name = '手工小区'), 'manual', 'a grid given by hand: manual');
UPDATE gm.community SET grid_id = (SELECT grid_id FROM g WHERE code = 'AR-G1') WHERE name = '翠苑一区';
SELECT is((SELECT grid_source FROM gm.community WHERE name = '翠苑一区'), 'manual', 'setting the grid by hand makes it manual');
UPDATE gm.community SET geom = ST_MakePoint(16, 6) WHERE name = '翠苑一区';
SELECT is((SELECT grid_id FROM gm.community WHERE name = '翠苑一区'), (SELECT grid_id FROM g WHERE code = 'AR-G1'), 'a manual community keeps its grid when it moves');
UPDATE gm.community SET grid_source = 'geometry' WHERE name = '翠苑一区';
SELECT is((SELECT grid_id FROM gm.community WHERE name = '翠苑一区'), (SELECT grid_id FROM g WHERE code = 'AR-G2'), 'back to geometry: the grid of its geometry');
SELECT is((SELECT array_agg(to_grid ORDER BY changed_at, to_grid) FROM gm.community_history((SELECT id FROM c WHERE name = '翠苑一区'))),
          ARRAY[(SELECT grid_id FROM g WHERE code = 'AR-G2'), (SELECT grid_id FROM g WHERE code = 'AR-G1'), (SELECT grid_id FROM g WHERE code = 'AR-G2')],
          'the assignment history: geometry, by hand, geometry');
UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(0, 0, 12, 10)) WHERE code = 'AR-G1';
UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(12, 0, 20, 10)) WHERE code = 'AR-G2';
SELECT is(gm.assign_communities('AR boundary'), 1::bigint, 'assign_communities moves the communities whose grid follows their geometry');
SELECT is((SELECT grid_id FROM gm.community WHERE name = '东部软件园'), (SELECT grid_id FROM g WHERE code = 'AR-G1'), 'moved with the boundary');
SELECT is((SELECT reason FROM gm.community_history((SELECT id FROM c WHERE name = '东部软件园')) ORDER BY changed_at DESC LIMIT 1), 'AR boundary', 'with the reason');
SELECT throws_ok($$INSERT INTO gm.community(name) VALUES ('  ')$$, '23514', NULL, 'a community needs a name');
SELECT throws_ok($$INSERT INTO gm.community(name, entry_status) VALUES ('x', 'maybe')$$, '23514', NULL, 'entry status is one of the five');
SELECT throws_ok($$INSERT INTO gm.community(name, occupancy) VALUES ('x', 1.5)$$, '23514', NULL, 'occupancy is 0-1');

-- ---------------------------------------------------------------- matching
CREATE TEMP TABLE mt(addr text, want_name text, method text, status text);
INSERT INTO mt VALUES
 ('杭州西湖区阳光花园3栋2单元501', '阳光花园', 'exact', 'placed'),
 ('浙江杭州西湖区文三路90号东部软件园3幢502室', '东部软件园', 'exact', 'placed'),
 ('西湖区翠苑1区5幢', '翠苑一区', 'alias', 'placed'),
 ('杭州市西湖区文三路100号', '阳光花园', 'address', 'placed'),
 ('杭州市西湖区东部软件园区', '东部软件园', 'similar', 'placed'),
 ('阳光花园5栋', NULL, 'exact', 'ambiguous'),
 ('南京市鼓楼区阳光花园', '阳光花园', 'exact', 'unplaced'),
 ('杭州市西湖区火星基地', NULL, 'similar', 'unplaced'),
 ('北京市朝阳区建国路88号', NULL, 'address', 'unplaced'),
 ('', NULL, NULL, 'unplaced');
SELECT is(ROW((SELECT name FROM gm.community WHERE community_id = (m).community_id), (m).method, (m).status), ROW(want_name, method, status),
          format('%s -> %s by %s: %s (%s)', addr, coalesce(want_name, '-'), coalesce(method, '-'), status, coalesce((m).reason, '')))
  FROM (SELECT mt.*, gm.match_community(addr) m FROM mt) s;
SELECT is((gm.match_community('南京市鼓楼区阳光花园')).reason, format('community %s has no grid', (SELECT id FROM c WHERE division_code = '320106')),
          'an unplaced row says why');
SELECT ok((gm.match_community('杭州市西湖区东部软件园区')).score BETWEEN 0.45 AND 1, 'a similarity match has its pg_trgm score');
SELECT is(gm.match_community(NULL), ROW(NULL, NULL, NULL, NULL, 'unplaced', 'empty address')::gm.community_match, 'NULL address: unplaced');

-- the matching and the parser in parallel workers (PARALLEL SAFE: no GUC set, the cache built there)
-- (the setting is force_parallel_mode on 15, debug_parallel_query from 16)
SELECT current_setting('server_version_num')::int >= 160000 AS gm_pg16 \gset
\if :gm_pg16
SET LOCAL debug_parallel_query = on;
\else
SET LOCAL force_parallel_mode = on;
\endif
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SELECT is((SELECT string_agg((gm.match_community(addr)).status, ',' ORDER BY addr) FROM mt),
          (SELECT string_agg(status, ',' ORDER BY addr) FROM mt), 'match_community gives the same answers in a parallel worker');
SELECT is((SELECT (gm.parse_address('广州天河区天河路385号')).district_code), '440106', 'parse_address in a parallel worker');
\if :gm_pg16
RESET debug_parallel_query;
\else
RESET force_parallel_mode;
\endif
RESET parallel_setup_cost;
RESET parallel_tuple_cost;

-- ---------------------------------------------------------------- a customer table
CREATE TABLE ar_cust (id int PRIMARY KEY, name text, phone text, idno text, openid text, addr text, birth date, since date,
                      grid_id bigint, community_id bigint);
INSERT INTO ar_cust VALUES
 (1, '张三', '13812345678', NULL, 'o1', '杭州西湖区阳光花园3栋2单元501', '1980-01-01', '2025-01-01', NULL, NULL),
 (2, '张三', '+86 138-1234-5678', NULL, NULL, '杭州西湖区阳光花园3栋2单元501', NULL, '2026-01-01', NULL, NULL),
 (3, '李四', '13900000000', '11010519491231002X', NULL, '浙江杭州西湖区文三路90号东部软件园3幢502室', '1949-12-31', NULL, NULL, NULL),
 (4, '李四', '13900000000', '110105194912310046', NULL, '西湖区翠苑1区5幢', NULL, NULL, NULL, NULL),
 (5, '王五', 'abc', NULL, 'o1', '火星', '1800-01-01', '2099-01-01', NULL, NULL),
 (6, '张三丰', '13700000000', '11010519491231002x', NULL, '北京市朝阳区建国路88号', NULL, NULL, NULL, NULL);
CREATE TABLE ar_orders (oid int PRIMARY KEY, cust_id int REFERENCES ar_cust, amount numeric);
CREATE INDEX ON ar_orders (cust_id);
INSERT INTO ar_orders VALUES (1, 1, 10), (2, 2, 20), (3, 2, 30);
SELECT throws_ok($$SELECT gm.find_duplicates('ar_cust')$$, '55000', NULL, 'an unregistered table: 55000');
SELECT throws_ok($$SELECT gm.register_customers('ar_cust', address_column => 'nope')$$, '42703', NULL, 'a missing column: 42703');
SELECT lives_ok($$SELECT gm.register_customers('ar_cust', address_column => 'addr', name_column => 'name', phone_column => 'phone',
                  id_column => 'idno', openid_column => 'openid', birth_column => 'birth', grid_column => 'grid_id',
                  community_column => 'community_id', since_column => 'since')$$, 'register a customer table');
UPDATE ar_cust c SET community_id = (gm.match_community(c.addr)).community_id, grid_id = (gm.match_community(c.addr)).grid_id;

-- ---------------------------------------------------------------- duplicates
SELECT is(gm.find_duplicates('ar_cust'), 4::bigint, 'find_duplicates: four candidate pairs');
SELECT is((SELECT string_agg(key_a || '-' || key_b || ':' || reason, ' ' ORDER BY key_a, key_b, reason) FROM gm.duplicate_candidate WHERE table_name = 'public.ar_cust'),
          '1-2:name_address 1-2:phone 1-5:openid 3-6:id_number', 'same phone (normalised), OpenID, valid ID number, similar name at the same address; 3-4 share a phone but have two valid ID numbers');
SELECT is(gm.find_duplicates('ar_cust'), 0::bigint, 'found again: nothing new');
SELECT is((SELECT rate FROM gm.duplicate_rate('ar_cust') WHERE grid_id IS NULL), 1::numeric, 'duplicate rate of the rows without grid (5 and 6: both second rows of a pair)');

-- ---------------------------------------------------------------- merges
INSERT INTO gm.followup(customer_key, event, tier, opened_at) VALUES ('2', 'complaint', 'standard', now());
SELECT gm.merge_customers('ar_cust', '1', '2', 'same phone') AS m1 \gset
SELECT is((SELECT count(*)::int FROM ar_cust WHERE id = 2), 0, 'the merged row is gone');
SELECT is((SELECT array_agg(cust_id ORDER BY oid) FROM ar_orders), ARRAY[1, 1, 1], 'its orders moved to the survivor');
SELECT is((SELECT customer_key FROM gm.followup WHERE event = 'complaint' AND tier = 'standard' ORDER BY followup_id DESC LIMIT 1), '1', 'its work orders moved to the survivor');
SELECT is((SELECT state FROM gm.duplicate_candidate WHERE key_a = '1' AND key_b = '2' AND reason = 'phone'), 'merged', 'the candidate is merged');
SELECT gm.undo_merge(:m1);
SELECT is((SELECT phone FROM ar_cust WHERE id = 2), '+86 138-1234-5678', 'undo: the merged row is back as it was');
SELECT is((SELECT array_agg(cust_id ORDER BY oid) FROM ar_orders), ARRAY[1, 2, 2], 'undo: its orders are back');
SELECT is((SELECT customer_key FROM gm.followup WHERE event = 'complaint' AND tier = 'standard' ORDER BY followup_id DESC LIMIT 1), '2', 'undo: its work orders are back');
SELECT is((SELECT state FROM gm.duplicate_candidate WHERE key_a = '1' AND key_b = '2' AND reason = 'phone'), 'open', 'undo: the candidate is open again');
SELECT throws_ok(format('SELECT gm.undo_merge(%s)', :m1), '55000', NULL, 'a merge is undone once');
SELECT throws_ok($$SELECT gm.undo_merge(-1)$$, 'P0002', NULL, 'an unknown merge: P0002');
SELECT gm.merge_customers('ar_cust', '2', '1') AS m2 \gset
SELECT is((SELECT openid || ' ' || birth FROM ar_cust WHERE id = 2), 'o1 1980-01-01', 'the survivor takes the values it lacked');
SELECT gm.undo_merge(:m2);
SELECT is((SELECT openid FROM ar_cust WHERE id = 2), NULL, 'undo: the survivor loses them again');
SELECT throws_ok($$SELECT gm.merge_customers('ar_cust', '3', '4')$$, '23514', NULL, 'two different valid ID numbers are never merged');
SELECT throws_ok($$SELECT gm.merge_customers('ar_cust', '3', '99')$$, 'P0002', NULL, 'a missing row: P0002');
SELECT throws_ok($$SELECT gm.merge_customers('ar_cust', '3', '3')$$, '22023', NULL, 'a row into itself: 22023');
SELECT throws_ok($$SELECT gm.merge_customers('ar_cust', NULL, '3')$$, '22004', NULL, 'NULL keys: 22004');
SELECT lives_ok($$SELECT gm.merge_customers('ar_cust', '3', '6', 'same ID')$$, 'the same valid ID number merges');

-- ---------------------------------------------------------------- quality
CREATE TEMP TABLE q AS SELECT * FROM gm.quality_measures('ar_cust');
SELECT is((SELECT value FROM q WHERE grid_id IS NULL AND measure = 'address_error_rate'), 1.0::numeric, 'the unplaceable address (火星) is an address error');
SELECT is((SELECT value FROM q WHERE grid_id IS NULL AND measure = 'valid_age'), 0::numeric, 'born 1800: not a valid age');
SELECT is((SELECT value FROM q WHERE grid_id IS NULL AND measure = 'valid_phone'), 0::numeric, 'abc: not a phone');
SELECT is((SELECT value FROM q WHERE grid_id = (SELECT grid_id FROM g WHERE code = 'AR-G1') AND measure = 'complete_birth'), 0.6667::numeric, 'completeness of a field per grid (rows 1, 2, 3: one without birth date)');
SELECT ok((SELECT bool_and(value BETWEEN 0 AND 100) FROM q WHERE measure = 'quality_score'), 'quality scores are 0-100');
SELECT cmp_ok(gm.check_quality('ar_cust'), '>', 0::bigint, 'check_quality stores the day''s measures');
SELECT cmp_ok(gm.check_quality('ar_cust'), '>', 0::bigint, 'again on the same day: replaced');
SELECT is((SELECT count(*)::int FROM gm.quality_daily WHERE table_name = 'public.ar_cust'), (SELECT count(DISTINCT grid_id)::int + 1 FROM ar_cust),
          'the daily view: one row per grid (and the rows without grid)');
SELECT is((SELECT count(*)::int FROM gm.quality_weekly WHERE table_name = 'public.ar_cust'), (SELECT count(DISTINCT grid_id)::int + 1 FROM ar_cust),
          'the weekly report: one row per grid and week');

-- ---------------------------------------------------------------- penetration
SELECT is((SELECT customers FROM gm.penetration('ar_cust') WHERE name = '阳光花园' AND households = 800), 2::bigint, 'customers of a community');
SELECT is((SELECT penetration FROM gm.penetration('ar_cust') WHERE name = '阳光花园' AND households = 800), 0.0025, 'penetration = customers / households');
SELECT is((SELECT occupancy_penetration FROM gm.penetration('ar_cust') WHERE name = '阳光花园' AND households = 800), 0.0028, 'occupancy-adjusted: / (households x occupancy)');
SELECT is((SELECT customers FROM gm.penetration('ar_cust', 'community', '2025-06-01') WHERE name = '阳光花园' AND households = 800), 1::bigint,
          'on an earlier day: only the customers since then');
SELECT is((SELECT count(*)::int FROM gm.penetration('ar_cust', 'region')), 2, 'per region: the region and the communities without grid');
SELECT is((SELECT count(*)::int FROM gm.penetration_series('ar_cust', 'grid', '2025-01-01', '2026-01-01', '6 months')), 9, 'over time: every step');
SELECT throws_ok($$SELECT * FROM gm.penetration('ar_cust', 'street')$$, '22023', NULL, 'by street: 22023');
-- penetration feeds the KPI catalogue (issue #19's indicator 'penetration', fed from outside): doc/address.md
SELECT lives_ok($$SELECT gm.record_actual('penetration', 'month', '2026-11-01', p.id, NULL, p.penetration)
                  FROM gm.penetration('ar_cust', 'grid', '2026-11-30') p WHERE p.level = 'grid' AND p.penetration IS NOT NULL$$,
                'the month''s penetration per grid recorded as actuals of the catalogue''s indicator');
SELECT is((SELECT count(*)::int FROM gm.actual a WHERE a.kpi = 'penetration' AND a.period_start = '2026-11-01'),
          (SELECT count(*)::int FROM gm.penetration('ar_cust', 'grid', '2026-11-30') p WHERE p.level = 'grid' AND p.penetration IS NOT NULL),
          '... one actual per grid');

-- ---------------------------------------------------------------- an ordinary role
CREATE ROLE gm_addr_reader NOLOGIN;
SET LOCAL ROLE gm_addr_reader;
SELECT is((gm.parse_address('广州天河区天河路385号')).district_code, '440106', 'parse_address as an ordinary role');
SELECT is((gm.match_community('杭州西湖区阳光花园3栋')).status, 'placed', 'match_community as an ordinary role');
SELECT throws_ok($$INSERT INTO gm.community(name) VALUES ('x')$$, '42501', NULL, 'the register is not writable by an ordinary role');
SELECT throws_ok($$SELECT * FROM gm.merge_log$$, '42501', NULL, 'the merge log (personal data) is not readable by an ordinary role');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
