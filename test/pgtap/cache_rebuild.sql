-- A cache rebuild that fails half-way (query cancel, a configuration row the reader rejects)
-- is never trusted: the next call rebuilds from scratch and answers right, for each of the
-- three per-backend caches (grid index, calendars by name, tiering thresholds), also when the
-- failure is caught by a PL/pgSQL exception block and the transaction goes on (issue #18).
SET client_min_messages = warning;
SELECT plan(20);

-- evaluate expression e right after cancelling the own backend, in the same target list (no
-- interrupt check between the two): the cancel lands at the first interrupt check inside the
-- rebuild that e starts; the SQLSTATE raised, or 'no error'
CREATE FUNCTION pg_temp.cut(e text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'SELECT pg_cancel_backend(pg_backend_pid()), ' || e;
    RETURN 'no error';
EXCEPTION WHEN query_canceled THEN
    RETURN SQLSTATE;
END $$;
CREATE FUNCTION pg_temp.fails(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
-- bytes held by the grid index's memory context
CREATE FUNCTION pg_temp.grid_cache_bytes() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(total_bytes), 0)::bigint FROM pg_backend_memory_contexts WHERE name = 'gm cache' AND ident = 'grid' $$;

-- ------------------------------------------------------------------ grid index
INSERT INTO gm.grid(code, name, kind, geom)
SELECT 'V' || n, 'v' || n, 'physical', ST_Multi(geom)
FROM (SELECT row_number() OVER () AS n, geom
      FROM (SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(ST_MakePoint(x * 7.3 % 100, x * 3.1 % 97)), 0, ST_MakeEnvelope(0, 0, 100, 100)))).geom
            FROM generate_series(1, 2000) x) s) v;
CREATE TABLE pg_temp.probe AS
SELECT ST_MakePoint(x * 0.37 % 100, x * 0.53 % 100) AS p FROM generate_series(1, 300) x;
CREATE FUNCTION pg_temp.grid_wrong() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_temp.probe
    WHERE gm.assign_grid(p) IS DISTINCT FROM (SELECT min(grid_id) FROM gm.grid g WHERE ST_Covers(g.geom, p)) $$;

SELECT is(pg_temp.grid_wrong(), 0::bigint, 'grid: index built, every probe point agrees with ST_Covers');
SELECT cmp_ok(pg_temp.grid_cache_bytes(), '>', 1000000::bigint, 'grid: the built index lives in the watch''s memory context');
UPDATE gm.grid SET name = name WHERE code = 'V1';
SELECT is(pg_temp.cut($$gm.assign_grid(ST_MakePoint(50, 50))$$), '57014', 'grid: a rebuild cancelled half-way raises 57014');
SELECT cmp_ok(pg_temp.grid_cache_bytes(), '<', 100000::bigint, 'grid: what the cancelled rebuild had built is freed');
SELECT is(pg_temp.grid_wrong(), 0::bigint, 'grid: the next call, with nothing changed, rebuilds and agrees with ST_Covers');
SELECT is((SELECT leaves FROM gm.grid_index_info()), 2000, 'grid: the index holds every leaf again');

-- the same inside one transaction: the subtransaction abort invalidates the build
BEGIN;
UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(0, 0, 100, 100)) WHERE code = 'V7';
SELECT is(pg_temp.cut($$gm.assign_grid(ST_MakePoint(50, 50))$$), '57014', 'grid, in a transaction: a rebuild cancelled in a subtransaction raises 57014');
SELECT is(pg_temp.grid_wrong(), 0::bigint, 'grid, same transaction: the next call rebuilds and sees the uncommitted change');
SELECT ok((SELECT bool_and(gm.assign_grid(p) <= (SELECT grid_id FROM gm.grid WHERE code = 'V7')) FROM pg_temp.probe),
          'grid, same transaction: V7 now covers everything, so no point goes to a grid_id above it');
ROLLBACK;

-- a registry the reader rejects (a column it needs is missing), then repaired
ALTER TABLE gm.grid RENAME COLUMN valid_from TO valid_from_x;
SELECT is(pg_temp.fails($$SELECT gm.assign_grid(ST_MakePoint(50, 50))$$), '42703', 'grid: a rebuild over a registry without valid_from fails with 42703');
ALTER TABLE gm.grid RENAME COLUMN valid_from_x TO valid_from;
SELECT is(pg_temp.grid_wrong(), 0::bigint, 'grid: repaired, the next call rebuilds and agrees with ST_Covers');

-- ------------------------------------------------------------------ calendars by name
SELECT gm.create_calendar('acme', NULL, 'Mon-Fri 09:00-17:00', 'cn');
SELECT is(pg_temp.cut($$gm.add_working_days('2026-02-13', 3, 'acme')$$), '57014', 'calendar: a lookup cancelled during its rebuild raises 57014');
SELECT is(gm.add_working_days('2026-02-13', 3, 'acme'), '2026-02-25'::date, 'calendar: the next call compiles it again (调休 and 春节 of cn)');
-- a calendar whose stored text form does not compile, before this session ever compiled it
-- (changing gm.calendar_compiled sends no invalidation: only the failed name is read again)
SELECT gm.create_calendar('acme2', NULL, 'Mon-Fri 09:00-17:00', 'cn');
UPDATE gm.calendar_compiled SET value = 'not a calendar' WHERE name = 'acme2';
SELECT isnt(pg_temp.fails($$SELECT gm.add_working_days('2026-02-13', 3, 'acme2')$$), 'no error', 'calendar: a stored form that does not compile fails');
SELECT is(pg_temp.fails($$SELECT gm.add_working_days('2026-02-13', 3, 'acme2')$$), pg_temp.fails($$SELECT gm.add_working_days('2026-02-13', 3, 'acme2')$$), 'calendar: and keeps failing the same way (the failed compile is not cached)');
UPDATE gm.calendar_compiled SET value = gm._calendar_text('acme2') WHERE name = 'acme2';
SELECT is(gm.add_working_days('2026-02-13', 3, 'acme2'), '2026-02-25'::date, 'calendar: repaired, the next call compiles it and answers right');

-- ------------------------------------------------------------------ tiering thresholds
UPDATE gm.parameter SET value = 60 WHERE name = 'lifecycle_churned_days';
SELECT is(pg_temp.cut($$gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')$$), '57014', 'tiering: a rebuild cancelled half-way raises 57014');
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'churned', 'tiering: the next call rebuilds and sees the override');
UPDATE gm.parameter SET value = -1 WHERE name = 'lifecycle_churned_days';
SELECT is(pg_temp.fails($$SELECT gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')$$), '22003', 'tiering: a rebuild over a negative day count fails with 22003');
UPDATE gm.parameter SET value = 90 WHERE name = 'lifecycle_churned_days';
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'at_risk', 'tiering: repaired, the next call rebuilds and answers with the restored default');

SELECT * FROM finish();
