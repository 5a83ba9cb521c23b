-- grids: reassign in committed batches with history, logical rules, grid_check, managers over time
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(27);

INSERT INTO gm.grid(grid_id, code, name, geom) VALUES
  (1, 'W', 'west', 'SRID=3857;MULTIPOLYGON(((0 0,100 0,100 100,0 100,0 0)))'),
  (2, 'E', 'east', 'SRID=3857;MULTIPOLYGON(((100 0,200 0,200 100,100 100,100 0)))');
CREATE TABLE cust(cid text PRIMARY KEY, loc geometry(Point, 3857), grid integer);
INSERT INTO cust SELECT 'c' || lpad(i::text, 4, '0'), ST_SetSRID(ST_MakePoint(i * 0.2 - 0.1, 50), 3857), NULL FROM generate_series(1, 1000) i;

-- first assignment: 1000 rows in batches of 300, committed batch by batch (top-level CALL)
SET client_min_messages = notice;
CALL gm.reassign('cust', 'loc', 'grid', 300, 'initial load');
SET client_min_messages = warning;
SELECT is((SELECT count(*) FROM cust WHERE grid IS NULL), 0::bigint, 'every customer assigned');
SELECT is((SELECT count(*) FROM cust WHERE grid IS DISTINCT FROM gm.assign_grid(loc)), 0::bigint, 'assigned grids equal gm.assign_grid');
SELECT is((SELECT count(*) FROM gm.assignment_log WHERE reason = 'initial load'), 1000::bigint, '1000 history rows');
SELECT is((SELECT count(DISTINCT xmin::text) FROM cust), 4::bigint, 'four batches, four committing transactions');
SELECT is((SELECT count(*) FROM gm.assignment_log WHERE reason = 'initial load' AND from_grid IS NULL), 1000::bigint, 'history starts from NULL');

-- move the border to x = 150: only the 250 customers between 100 and 150 move
UPDATE gm.grid SET geom = 'SRID=3857;MULTIPOLYGON(((0 0,150 0,150 100,0 100,0 0)))' WHERE grid_id = 1;
UPDATE gm.grid SET geom = 'SRID=3857;MULTIPOLYGON(((150 0,200 0,200 100,150 100,150 0)))' WHERE grid_id = 2;
CALL gm.reassign('cust', 'loc', 'grid', 128, 'border moved to x = 150');
SELECT is((SELECT count(*) FROM gm.assignment_log WHERE reason = 'border moved to x = 150'), 250::bigint, 'only changed rows are logged');
SELECT is((SELECT count(*) FROM gm.assignment_log WHERE reason = 'border moved to x = 150' AND from_grid = 2 AND to_grid = 1), 250::bigint, 'all moved east to west');
SELECT is((SELECT min(row_key) || '..' || max(row_key) FROM gm.assignment_log WHERE reason = 'border moved to x = 150'), 'c0501..c0750', 'the right rows moved');
SELECT ok((SELECT bool_and(changed_at IS NOT NULL AND changed_by = current_user) FROM gm.assignment_log), 'when and who recorded');
SELECT is((SELECT count(*) FROM cust WHERE grid IS DISTINCT FROM gm.assign_grid(loc)), 0::bigint, 'table consistent after reassign');
-- nothing to do: nothing logged
CALL gm.reassign('cust', 'loc', 'grid', 1000, 'no change');
SELECT is((SELECT count(*) FROM gm.assignment_log WHERE reason = 'no change'), 0::bigint, 'no change, no history');
-- a grid removed: its customers lose their grid, logged with to_grid NULL
DELETE FROM gm.grid WHERE grid_id = 2;
CALL gm.reassign('cust', 'loc', 'grid', 500, 'east closed');
SELECT is((SELECT count(*) FROM gm.assignment_log WHERE reason = 'east closed' AND to_grid IS NULL), 250::bigint, 'removed grid: customers unassigned and logged');
SELECT throws_ok($$CALL gm.reassign('cust', 'loc', 'grid', -5)$$, '22003', NULL, 'negative batch size');
SELECT throws_ok($$CALL gm.reassign('cust', 'grid', 'grid', 5)$$, '42703', NULL, 'geometry column must be a geometry');
SELECT throws_ok($$CALL gm.reassign('no_such_table', 'loc', 'grid', 5)$$, '42P01', NULL, 'unknown table');

-- logical rules: priority, region scope, specificity, rule_id, validity
INSERT INTO gm.grid(grid_id, code, name, kind, parent_id) VALUES
  (10, 'L1', 'business towers W', 'logical', 1), (11, 'L2', 'streets', 'logical', NULL),
  (12, 'L3', 'everything else', 'logical', NULL), (13, 'L4', 'closed', 'logical', NULL);
UPDATE gm.grid SET valid_to = '2020-01-01', valid_from = '2019-01-01' WHERE grid_id = 13;
INSERT INTO gm.grid_rule(priority, region_id, match, grid_id) VALUES
  (10, 1, '{"market_type": "商务楼宇"}', 10),
  (10, NULL, '{"market_type": "商务楼宇"}', 11),
  (20, NULL, '{"market_type": "临街店铺"}', 11),
  (20, NULL, '{"market_type": "临街店铺", "segment": "group"}', 12),
  (1, NULL, '{"market_type": "家庭社区"}', 13),
  (999, NULL, '{}', 12);
SELECT is(gm.assign_logical_grid('{"market_type": "商务楼宇"}', 1), 10::bigint, 'region-scoped rule first at equal priority');
SELECT is(gm.assign_logical_grid('{"market_type": "商务楼宇"}', 2), 11::bigint, 'other region: global rule');
SELECT is(gm.assign_logical_grid('{"market_type": "临街店铺", "segment": "group"}'), 12::bigint, 'more specific rule first at equal priority');
SELECT is(gm.assign_logical_grid('{"market_type": "家庭社区"}'), 12::bigint, 'rule of an expired grid is skipped; catch-all');
SELECT throws_ok($$INSERT INTO gm.grid_rule(match, grid_id) VALUES ('{}', 1)$$, '23514', 'rule target grid 1 is not a logical grid', 'rule must target a logical grid');

-- grid_check: overlaps, gaps, outside, no manager
INSERT INTO gm.grid(grid_id, code, name, parent_id, geom) VALUES
  (20, 'W-a', 'west a', 1, 'SRID=3857;MULTIPOLYGON(((0 0,80 0,80 100,0 100,0 0)))'),
  (21, 'W-b', 'west b', 1, 'SRID=3857;MULTIPOLYGON(((70 0,140 0,140 100,70 100,70 0)))');
SELECT set_eq($$SELECT problem, grid_id, other_grid_id FROM gm.grid_check() WHERE problem <> 'no_manager'$$,
              $$VALUES ('sibling_overlap', 20::bigint, 21::bigint), ('gap_in_region', 1, NULL)$$, 'overlap and gap found');
SELECT lives_ok($$SELECT gm.set_manager(g, 'boss') FROM unnest(ARRAY[1, 10, 11, 12, 20]::bigint[]) g$$, 'one person manages five grids');
SELECT set_eq($$SELECT grid_id FROM gm.grid_check() WHERE problem = 'no_manager'$$, ARRAY[21::bigint], 'only W-b lacks a manager');
UPDATE gm.grid SET geom = 'SRID=3857;MULTIPOLYGON(((80 0,160 0,160 100,80 100,80 0)))' WHERE grid_id = 21;
SELECT set_eq($$SELECT problem, grid_id, other_grid_id FROM gm.grid_check() WHERE problem <> 'no_manager'$$,
              $$VALUES ('outside_parent', 21::bigint, 1::bigint)$$, 'child sticking out of its parent');
-- two sessions appointing a manager of the same grid at once: the second waits, then fails
SELECT dblink_connect('s2', format('host=%s port=%s dbname=%s user=postgres',
       current_setting('unix_socket_directories'), current_setting('port'), current_database()));
BEGIN;
INSERT INTO gm.grid_member(grid_id, role_name, duty) VALUES (21, 'first', 'manager');
SELECT is(dblink_send_query('s2', $$INSERT INTO gm.grid_member(grid_id, role_name, duty) VALUES (21, 'second', 'manager')$$), 1,
          's2 tries to appoint another manager concurrently');
DO $w$ BEGIN FOR i IN 1..400 LOOP   -- until s2 waits on a lock (at most 20 s)
  EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%''second''%');
  PERFORM pg_sleep(0.05); END LOOP; END $w$;
SELECT is(dblink_is_busy('s2'), 1, 's2 waits for this transaction');
COMMIT;
SELECT * FROM dblink_get_result('s2', false) AS r(x text);
SELECT matches(dblink_error_message('s2'), 'already has manager first', 's2 fails once the first appointment is committed');
SELECT dblink_disconnect('s2');
SELECT * FROM finish();
