-- grids: registry rules, exact boundary-inclusive assignment, logical rules, checks, reassign
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
\set ON_ERROR_ROLLBACK on
BEGIN;
-- a region R (0..20 x 0..10) with two grids sharing the edge x = 10; A has a hole, B is a
-- multipolygon with a detached island; a third grid C inside A's hole
INSERT INTO gm.grid(grid_id, code, name, kind, geom) VALUES
  (101, 'R', 'region', 'physical', 'MULTIPOLYGON(((0 0,20 0,20 10,0 10,0 0)))');
INSERT INTO gm.grid(grid_id, code, name, kind, parent_id, geom) VALUES
  (103, 'A', 'grid A', 'physical', 101, 'MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2)))'),
  (102, 'B', 'grid B', 'physical', 101, 'MULTIPOLYGON(((10 0,20 0,20 10,10 10,10 0)),((30 0,31 0,31 1,30 1,30 0)))'),
  (104, 'C', 'grid C', 'physical', 101, 'MULTIPOLYGON(((2 2,4 2,4 4,2 4,2 2)))');
SELECT leaves, srid FROM gm.grid_index_info();
-- points and the PostGIS answer among the leaves (smallest grid_id covering)
CREATE TEMP TABLE p(label text, geom geometry);
INSERT INTO p VALUES
  ('interior of A', 'POINT(5 5)'), ('interior of B', 'POINT(15 5)'),
  ('shared edge A|B', 'POINT(10 5)'), ('shared vertex A|B', 'POINT(10 10)'),
  ('outer corner of A', 'POINT(0 0)'), ('in the hole (grid C)', 'POINT(3 3)'),
  ('hole edge A|C', 'POINT(2 3)'), ('hole corner A|C', 'POINT(4 4)'),
  ('island of B', 'POINT(30.5 0.5)'), ('island edge', 'POINT(31 0.25)'),
  ('outside', 'POINT(25 5)'), ('far away', 'POINT(-100 -100)'),
  ('just outside the edge', 'POINT(20.000000000000004 5)'), ('empty point', 'POINT EMPTY'),
  ('3D point', 'POINT Z (15 5 7)');
SELECT p.label, gm.assign_grid(p.geom) AS grid,
       (SELECT min(g.grid_id) FROM gm.grid g WHERE g.parent_id IS NOT NULL AND ST_Covers(g.geom, p.geom)) AS postgis
FROM p ORDER BY p.label COLLATE "C";
-- the region is not a leaf; NULL in, NULL out
SELECT gm.assign_grid(NULL::geometry) IS NULL AS null_in_null_out;
SELECT gm.assign_grid('GEOMETRYCOLLECTION EMPTY') IS NULL AS empty_collection_null;
-- nearest within a distance (ties: smaller grid_id)
SELECT gm.assign_grid('POINT(25 5)', 4) AS none_within_4, gm.assign_grid('POINT(25 5)', 5) AS b_within_5,
       gm.assign_grid('POINT(-1 5)', 1) AS a_at_1, gm.assign_grid('POINT(5 5)', 0) AS covered,
       gm.assign_grid('POINT(25 5)', NULL) AS null_distance, gm.assign_grid('POINT(-1 5)', 'Infinity') AS any_distance;
-- errors
SELECT gm.assign_grid('LINESTRING(0 0,1 1)');
SELECT gm.assign_grid('SRID=4326;POINT(5 5)');
SELECT gm.assign_grid('POINT(5 5)', -1);
SELECT gm.assign_grid('POINT(5 5)', 'NaN');
SAVEPOINT s;
INSERT INTO gm.grid(grid_id, code, name, geom) VALUES (110, 'X', 'other SRID', 'SRID=4326;MULTIPOLYGON(((40 0,41 0,41 1,40 1,40 0)))');
ROLLBACK TO s;
INSERT INTO gm.grid(grid_id, code, name, geom) VALUES (111, 'X1', 'x', 'SRID=3857;MULTIPOLYGON(((40 0,41 0,41 1,40 1,40 0)))'),
                                             (112, 'X2', 'x', 'SRID=4326;MULTIPOLYGON(((40 0,41 0,41 1,40 1,40 0)))');
ROLLBACK TO s;
-- a physical leaf without geometry is no leaf for assignment, and grid_check reports it
INSERT INTO gm.grid(grid_id, code, name) VALUES (113, 'NOGEOM', 'no polygon');
SELECT problem FROM gm.grid_check() WHERE grid_id = 113;
ROLLBACK TO s;
-- a region may be inserted first and get its children in the same transaction
INSERT INTO gm.grid(grid_id, code, name) VALUES (200, 'R2', 'region without polygon');
INSERT INTO gm.grid(grid_id, code, name, parent_id, geom) VALUES (201, 'R2-1', 'child', 200, 'MULTIPOLYGON(((50 0,51 0,51 1,50 1,50 0)))');
SELECT gm.assign_grid('POINT(50.5 0.5)') = (SELECT grid_id FROM gm.grid WHERE code = 'R2-1') AS new_grid_seen_in_same_transaction;
ROLLBACK TO s;
SELECT gm.assign_grid('POINT(50.5 0.5)') AS gone_after_rollback;
-- validity periods (valid_from <= today < valid_to): an expired or future grid is no leaf;
-- the region still has valid children with polygons, so it is no leaf either
UPDATE gm.grid SET valid_to = CURRENT_DATE WHERE code = 'B';
SELECT gm.assign_grid('POINT(15 5)') AS expired_b_gives_null, gm.assign_grid('POINT(10 5)') AS edge_now_a;
UPDATE gm.grid SET valid_from = CURRENT_DATE + 1, valid_to = 'infinity' WHERE code = 'B';
SELECT gm.assign_grid('POINT(15 5)') AS future_b_gives_null;
ROLLBACK TO s;
SELECT gm.assign_grid('POINT(15 5)') AS b_again;

-- managers: one at a time, history kept, one person may manage many grids
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from, valid_to) VALUES
  (103, 'alice', 'manager', '2025-01-01', '2026-01-01'), (102, 'alice', 'manager', '2025-01-01', 'infinity'),
  (103, 'bob', 'marketer', '2025-01-01', 'infinity'), (103, 'carol', 'marketer', '2025-01-01', 'infinity');
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from) VALUES (103, 'dave', 'manager', '2025-06-01');
SELECT gm.set_manager(103, 'dave', '2026-01-01') > 0 AS dave_appointed;
SELECT gm.set_manager(103, 'erin', '2026-03-01') > 0 AS erin_appointed;
SELECT role_name, valid_from, valid_to FROM gm.grid_member WHERE grid_id = 103 AND duty = 'manager' ORDER BY valid_from;
SELECT gm.grid_manager(103, '2025-12-31') AS on_20251231, gm.grid_manager(103, '2026-02-01') AS on_20260201,
       gm.grid_manager(103, '2026-03-01') AS on_20260301, gm.grid_manager(104) AS none;
UPDATE gm.grid_member SET valid_to = 'infinity' WHERE grid_id = 103 AND role_name = 'dave';
SELECT gm.set_manager(NULL, 'x');
SELECT gm.set_manager(999, 'x');

-- logical grids and rules
INSERT INTO gm.grid(grid_id, code, name, kind, parent_id) VALUES
  (301, 'L-OFFICE', 'office buildings', 'logical', 101), (302, 'L-PARK', 'industrial parks', 'logical', 101),
  (303, 'L-GROUP-A', 'group customers A', 'logical', NULL), (304, 'L-ALL', 'catch-all', 'logical', NULL);
INSERT INTO gm.grid_rule(rule_id, priority, region_id, match, grid_id) VALUES
  (1, 10, 101, '{"market_type": "商务楼宇"}', 301),
  (2, 10, 101, '{"market_type": "产业园区"}', 302),
  (3, 5, NULL, '{"segment": "group", "group_class": "A"}', 303),
  (4, 10, NULL, '{"segment": "group"}', 303),
  (5, 10, NULL, '{"market_type": "商务楼宇"}', 304),
  (6, 1000, NULL, '{}', 304);
SELECT gm.assign_logical_grid('{"market_type": "商务楼宇"}', 103) AS office_in_region,
       gm.assign_logical_grid('{"market_type": "商务楼宇"}') AS office_no_region,
       gm.assign_logical_grid('{"market_type": "产业园区", "segment": "group", "group_class": "A"}', 101) AS group_a_first,
       gm.assign_logical_grid('{"market_type": "家庭社区"}', 101) AS catch_all,
       gm.assign_logical_grid('{}') AS empty_attrs, gm.assign_logical_grid(NULL) AS null_attrs;
INSERT INTO gm.grid_rule(rule_id, priority, match, grid_id) VALUES (7, 1, '{}', 103);
INSERT INTO gm.grid_rule(rule_id, priority, match, grid_id) VALUES (8, 1, '[1]', 304);

-- registry check
INSERT INTO gm.grid(grid_id, code, name, parent_id, geom) VALUES
  (105, 'D', 'overlaps B, sticks out of R', 101, 'MULTIPOLYGON(((19 5,21 5,21 6,19 6,19 5)))'),
  (106, 'E', 'bow tie', 101, 'MULTIPOLYGON(((22 0,23 1,23 0,22 1,22 0)))');
UPDATE gm.grid SET geom = 'MULTIPOLYGON(((0 0,10 0,10 9,0 9,0 0),(2 2,4 2,4 4,2 4,2 2)))' WHERE code = 'A';
SELECT problem, grid_id, other_grid_id, replace(detail, CURRENT_DATE::text, 'today') AS detail FROM gm.grid_check()
 WHERE problem <> 'no_manager' OR grid_id IN (101, 103, 104) ORDER BY 1, 2, 3;
ROLLBACK;

-- reassign: only changed rows move, history kept
CREATE TABLE grids_cust(id int PRIMARY KEY, geom geometry(Point), grid_id bigint);
INSERT INTO gm.grid(grid_id, code, name, geom) VALUES
  (901, 'W', 'west', 'MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)))'), (902, 'E', 'east', 'MULTIPOLYGON(((10 0,20 0,20 10,10 10,10 0)))');
INSERT INTO grids_cust SELECT i, ST_MakePoint(i - 0.5, 5), NULL FROM generate_series(1, 20) i;
SET client_min_messages = notice;
CALL gm.reassign('grids_cust', 'geom', 'grid_id', 8, 'first assignment');
SELECT grid_id, count(*) FROM grids_cust GROUP BY grid_id ORDER BY 1;
UPDATE gm.grid SET geom = 'MULTIPOLYGON(((0 0,12 0,12 10,0 10,0 0)))' WHERE grid_id = 901;
UPDATE gm.grid SET geom = 'MULTIPOLYGON(((12 0,20 0,20 10,12 10,12 0)))' WHERE grid_id = 902;
CALL gm.reassign('grids_cust', 'geom', 'grid_id', 100, 'west grows to x = 12');
SELECT table_name, row_key, from_grid, to_grid, reason FROM gm.assignment_log WHERE reason = 'west grows to x = 12' ORDER BY row_key::int;
SELECT kind, state, batches, rows_total, rows_done, rows_changed, params ->> 'reason' AS reason
  FROM gm.run_status WHERE params ->> 'table' = 'public.grids_cust' ORDER BY run_id;
SELECT count(*) AS logged_with_run FROM gm.assignment_log l JOIN gm.run r USING (run_id) WHERE l.table_name = 'public.grids_cust';
-- tracked: assignment at write time and the history of every change, however made
SELECT gm.track_assignment('grids_cust', 'grid_id', 'geom');
INSERT INTO grids_cust VALUES (21, ST_MakePoint(3, 3), 902);     -- the writer's grid is overridden by the point's
UPDATE grids_cust SET geom = ST_MakePoint(15, 5) WHERE id = 21;  -- moves east
UPDATE grids_cust SET grid_id = NULL, geom = NULL WHERE id = 20; -- leaves every grid by hand
DELETE FROM grids_cust WHERE id = 19;
SELECT row_key, from_grid, to_grid, reason, changed_by = session_user AS by_me, run_id IS NULL AS no_run
  FROM gm.assignment_log WHERE table_name = 'public.grids_cust' AND row_key IN ('19', '20', '21') ORDER BY log_id;
SELECT gm.grid_on('grids_cust', '21') AS now_in, gm.grid_on('grids_cust', '21', '-infinity') AS before_any;
SELECT gm.untrack_assignment('grids_cust');
SELECT count(*) AS gm_triggers_left FROM pg_trigger WHERE tgrelid = 'grids_cust'::regclass AND tgname LIKE 'gm\_%';
CALL gm.reassign('grids_cust', 'geom', 'grid_id', 0);
CALL gm.reassign('grids_cust', 'nope', 'grid_id', 10);
CALL gm.reassign('grids_cust', 'geom', 'nope', 10);
CALL gm.reassign('grids_cust', NULL, 'grid_id', 10);
CREATE TABLE grids_nokey(geom geometry, g bigint);
CALL gm.reassign('grids_nokey', 'geom', 'g', 10);
RESET client_min_messages;
DROP TABLE grids_cust, grids_nokey;
DELETE FROM gm.assignment_log WHERE table_name IN ('public.grids_cust');
DELETE FROM gm.grid WHERE grid_id IN (901, 902);
SELECT count(*) AS grids_left FROM gm.grid;
-- leave the shared database as it was: sequences back to their start
SELECT setval('gm.grid_member_member_id_seq', 1, false) FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM gm.grid_member)) x;
SELECT setval('gm.assignment_log_log_id_seq', 1, false) FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM gm.assignment_log)) x;
