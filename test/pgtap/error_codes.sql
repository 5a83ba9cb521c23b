-- errors a user can act on (issue #21): the precise SQLSTATE and the hint of error sites that
-- raised 22023 before and that no other test file reaches (test/error_sites.txt registers them all)
BEGIN;
SELECT plan(29);
SET client_min_messages = warning;

-- the SQLSTATE of a statement's error, and its hint after " / " when it has one
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
  RETURN SQLSTATE || coalesce(' / ' || nullif(h, ''), '');
END $$;

-- grids
INSERT INTO gm.grid(grid_id, code, name, geom) VALUES
  (9001, 'E1', 'no class', 'MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)))');
SELECT is(pg_temp.err($$SELECT gm.assign_grid('POINT(1 1)', -1)$$),
          '22003 / Pass ''Infinity'' for the nearest grid at any distance.', 'assign_grid: a negative max_distance -> 22003 with a hint');
SELECT is(pg_temp.err($$SELECT gm.assign_grid('LINESTRING(0 0, 1 1)')$$),
          '22023 / Pass a point, e.g. ST_PointOnSurface(geom) for an area.', 'assign_grid: not a point -> 22023 (kept) with a hint');
SELECT is(pg_temp.err($$SELECT gm.review_grid_class(999999, '{0.1}')$$), '42704', 'review_grid_class: an unknown grid -> 42704');
SELECT is(pg_temp.err($$SELECT gm.review_grid_class(9001, '{0.1}')$$), '55000 / Set gm.grid.grid_class first, e.g. from gm.grid_class(gm.grid_value(...)).', 'review_grid_class: a grid without a class -> 55000 with its hint');
CREATE TABLE nokey (id bigint, geom geometry, grid_id bigint);
SELECT is(pg_temp.err($$SELECT gm.track_assignment('nokey', 'grid_id', 'geom')$$),
          '55000 / Add a single-column primary key (e.g. an identity column) to the table.', 'track_assignment: no primary key -> 55000 with a hint');
SELECT is(pg_temp.err($$SELECT * FROM gm.grid_load(NULL)$$), '22004', 'grid_load: NULL table -> 22004');
SELECT is(pg_temp.err($$SELECT * FROM gm.propose_moves(NULL, NULL, NULL)$$), '22004', 'propose_moves: NULL arguments -> 22004');

-- calendars
SELECT gm.create_calendar('e_a', 'Asia/Shanghai', 'Mon-Fri 09:00-18:00');
SELECT gm.create_calendar('e_b', NULL, NULL, 'e_a');
SELECT is(pg_temp.err($$SELECT gm.create_calendar('e_a', 'Asia/Shanghai', 'Mon-Fri 09:00-18:00', 'e_b')$$),
          '42P17 / Choose a base calendar that is not itself based on this one.', 'create_calendar: a cycle of bases -> 42P17 with a hint');
SELECT is(pg_temp.err($$SELECT gm.create_calendar('e_c', 'Asia/Shangai', 'Mon-Fri 09:00-18:00')$$),
          '22023 / Time zones are the names of pg_timezone_names, e.g. Asia/Shanghai.', 'create_calendar: an unknown time zone -> 22023 (kept) with a hint');
SELECT is(pg_temp.err($$SELECT gm.reset_calendar('e_a')$$),
          '55000 / Use gm.drop_calendar for your own calendars.', 'reset_calendar: a user calendar -> 55000 with its hint');
SELECT is(pg_temp.err($$SELECT gm.set_calendar_day('e_a', '2026-03-07', false, NULL, '09:00-12:00')$$),
          '22023 / Working hours belong to working days: pass is_workday true, or no hours.', 'set_calendar_day: hours on a closed day -> 22023 (kept) with a hint');
SELECT is(pg_temp.err($$SELECT gm.apply_holiday_notice('e_a', 2030, ARRAY['[2030-02-01,2030-02-05)'::daterange, '[2030-05-01,2030-05-03)'], ARRAY[]::date[], ARRAY['only one'])$$),
          '2202E / Give one name per holiday range, in the same order.', 'apply_holiday_notice: names not one per range -> 2202E with a hint');
SELECT is(pg_temp.err($$SELECT gm.apply_holiday_notice('cn', 2027, ARRAY['[2027-02-05,2027-02-13)'::daterange], ARRAY['2027-02-20'::date, '2027-02-20'])$$),
          '23505 / List each make-up day once.', 'apply_holiday_notice: a make-up day twice -> 23505 with a hint');
SELECT is(pg_temp.err($$SELECT gm.apply_holiday_notice('cn', 2027, ARRAY['[2027-02-05,2027-02-13)'::daterange], ARRAY['2028-08-05'::date])$$),
          '22008', 'apply_holiday_notice: a make-up day away from the year -> 22008');

-- KPI and performance
SELECT is(pg_temp.err($$SELECT * FROM gm.split_target_by(10, '{1,2}', '{1}')$$),
          '2202E / Give one weight per key, in the same order.', 'split_target_by: arrays of different lengths -> 2202E with a hint');
SELECT is(pg_temp.err($$SELECT * FROM gm.rollup_actuals('{1,2}', '{1}')$$),
          '2202E / Give one actual per grid id, in the same order.', 'rollup_actuals: arrays of different lengths -> 2202E with a hint');
SELECT is(pg_temp.err($$SELECT gm.split_target(1, '{1,NULL}')$$),
          '22004 / Give a zero weight to a part that gets nothing.', 'split_target: a NULL weight -> 22004 with a hint');
SELECT is(pg_temp.err($$SELECT gm.csat(s, k) FROM (VALUES (5, 5), (50, 100)) v(s, k)$$),
          '22000 / Aggregate each scale in a group of its own (GROUP BY the scale).', 'csat: the scale changing within a group -> 22000 with a hint');
SELECT is(pg_temp.err($$SELECT gm.kpi_light('sideways', 1, 1)$$),
          '22023 / higher: more is better (sales); lower: less is better (complaints).', 'kpi_light: an unknown direction -> 22023 (kept) with a hint');
SELECT throws_ok($$SELECT gm._split_tree('NaN', ARRAY[0, 1], ARRAY[1, 1]::numeric[], 0)$$, '22003',
          'total must be a finite number, not NaN', '_split_tree: a NaN total is named -> 22003');
SELECT is(pg_temp.err($$SELECT gm._split_tree(1, ARRAY[0, 1], ARRAY[1]::numeric[], 0)$$),
          '2202E / Give one weight per node, in the order of the parents.', '_split_tree: arrays of different lengths -> 2202E with a hint');

-- tiering
SELECT is(pg_temp.err($$SELECT gm.lifecycle('2026-05-01', NULL, NULL, false, false, '2026-01-01')$$),
          '22000 / Pass an as_of date on or after the first order.', 'lifecycle: first order after as_of -> 22000 with a hint');
SELECT is(pg_temp.err($$SELECT gm.lifecycle('infinity', NULL, NULL, false, false, '2026-01-01')$$),
          '22008', 'lifecycle: an infinite date -> 22008');
SELECT is(pg_temp.err($$SELECT gm.rfm_score(1, 1, 1, 'r=[1,2,3,4] f=[] m=[1,2,3,4]')$$),
          '22000 / Build the cut points from rows with a value in every column, e.g. gm.rfm_breaks(recency, frequency, monetary) over all customers.',
          'rfm_score: breaks without a column -> 22000 with a hint');
SELECT is(pg_temp.err($$SELECT gm.rfm_breaks('NaN', 1, 1)$$),
          '22003 / Recency (days since the last purchase), frequency and monetary value must be finite numbers >= 0.', 'rfm_breaks: a NaN value -> 22003 with its hint');

-- planning
SELECT is(pg_temp.err($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_SetSRID(ST_MakePoint(1, 1), 4326)], NULL, 1)$$),
          '22023 / Transform the points to the region''s SRID with ST_Transform(geom, srid).', 'design_grids: a point of another SRID -> 22023 (kept) with a hint');
SELECT is(pg_temp.err($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], ARRAY[0.0::float8], 1)$$),
          '22000 / Give at least one point a weight above zero.', 'design_grids: zero total weight -> 22000 with a hint');

-- operations, scale-out
SELECT is(pg_temp.err($$SELECT gm.set_actor('')$$),
          '2200F / Name the person, or leave gm.set_actor uncalled to act as the session user.', 'set_actor: an empty name -> 2200F with a hint');
CREATE FOREIGN DATA WRAPPER e_dummy;
CREATE SERVER e_other FOREIGN DATA WRAPPER e_dummy;
SELECT is(pg_temp.err($$SELECT * FROM gm.push_config('e_other')$$),
          '42809 / Point it at a server created with FOREIGN DATA WRAPPER postgres_fdw.', 'push_config: a server of another wrapper -> 42809 with a hint');

SELECT * FROM finish();
ROLLBACK;
