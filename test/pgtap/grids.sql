-- grids: gm.assign_grid against PostGIS, cache invalidation across sessions, error paths
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(40);

-- catalogue: labels the issue asks for
SELECT volatility_is('gm', 'assign_grid', ARRAY['geometry'], 'stable', 'assign_grid(pt) is STABLE');
SELECT volatility_is('gm', 'assign_grid', ARRAY['geometry', 'double precision'], 'stable', 'assign_grid(pt, d) is STABLE');
SELECT is((SELECT array_agg(DISTINCT proparallel) FROM pg_proc WHERE proname IN ('assign_grid', 'assign_logical_grid', 'grid_manager')
            AND pronamespace = 'gm'::regnamespace), ARRAY['s']::"char"[], 'assignment functions are PARALLEL SAFE');
SELECT ok((SELECT proisstrict FROM pg_proc WHERE oid = 'gm.assign_grid(geometry)'::regprocedure), 'assign_grid(pt) is STRICT');

-- an empty registry answers NULL and accepts any SRID
SELECT is(gm.assign_grid('SRID=4326;POINT(1 1)'), NULL, 'empty registry: NULL');

-- 80 Voronoi grids with PostGIS as the reference, incl. every vertex and edge midpoint
SELECT setseed(0.7);
INSERT INTO gm.grid(code, name, kind, geom)
SELECT 'V' || n, 'cell ' || n, 'physical', geom FROM (
  SELECT row_number() OVER () AS n, geom FROM (
    SELECT ST_Multi(ST_Intersection(ST_MakeEnvelope(0, 0, 1000, 1000), (ST_Dump(v)).geom)) AS geom
    FROM (SELECT ST_VoronoiPolygons(ST_Collect(ST_MakePoint(random() * 1000, random() * 1000))) v FROM generate_series(1, 80)) s) d) c
ORDER BY n;
CREATE TABLE tp AS SELECT i AS id, ST_MakePoint(random() * 1100 - 50, random() * 1100 - 50) AS geom FROM generate_series(1, 20000) i;
INSERT INTO tp SELECT 100000 + row_number() OVER (), geom FROM (SELECT (ST_DumpPoints(geom)).geom FROM gm.grid) v;
INSERT INTO tp SELECT 200000 + row_number() OVER (), ST_LineInterpolatePoint(s.geom, f)
  FROM (SELECT (ST_Dump(ST_Boundary(geom))).geom AS geom FROM gm.grid) b,
       LATERAL (SELECT ST_MakeLine(ST_PointN(b.geom, k), ST_PointN(b.geom, k + 1)) AS geom
                FROM generate_series(1, ST_NPoints(b.geom) - 1) k) s, (VALUES (0.5), (0.25), (1.0 / 3)) f(f);
CREATE TABLE ref AS SELECT tp.id, (SELECT min(g.grid_id) FROM gm.grid g WHERE ST_Covers(g.geom, tp.geom)) AS grid_id FROM tp;
SELECT is((SELECT count(*) FROM tp JOIN ref USING (id) WHERE gm.assign_grid(tp.geom) IS DISTINCT FROM ref.grid_id), 0::bigint,
          'equals PostGIS (smallest covering grid_id) on random points, vertices and edge points');
SELECT ok((SELECT count(*) FROM ref WHERE id >= 100000 AND grid_id IS NOT NULL) > 500, 'the boundary sample is not trivial');
SELECT ok((SELECT count(*) FROM ref r JOIN tp USING (id) WHERE (SELECT count(*) FROM gm.grid g WHERE ST_Covers(g.geom, tp.geom)) > 1) > 100,
          'many sample points lie on shared edges or vertices');
-- same answer in parallel workers
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
SELECT is((SELECT sum(gm.assign_grid(geom)) FROM tp), (SELECT sum(grid_id) FROM ref)::numeric, 'parallel scan gives the same sum');
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;

-- a grid of thousands of vertices with a hole
INSERT INTO gm.grid(code, name, geom) VALUES ('BIG', 'round grid',
  ST_Multi(ST_Difference(ST_Buffer(ST_MakePoint(3000, 3000), 500, 1000), ST_Buffer(ST_MakePoint(3100, 3000), 100, 300))));
SELECT ok((SELECT ST_NPoints(geom) FROM gm.grid WHERE code = 'BIG') > 4000, 'the round grid has > 4000 vertices');
CREATE TABLE tb AS SELECT (ST_DumpPoints(geom)).geom FROM gm.grid WHERE code = 'BIG'
  UNION ALL SELECT ST_MakePoint(2400 + random() * 1200, 2400 + random() * 1200) FROM generate_series(1, 5000);
SELECT is((SELECT count(*) FROM tb WHERE gm.assign_grid(geom) IS DISTINCT FROM
           (SELECT min(g.grid_id) FROM gm.grid g WHERE ST_Covers(g.geom, tb.geom))), 0::bigint,
          'equals PostGIS on a 4000-vertex grid with a hole (vertices and random points)');

-- nearest grid within a distance
SELECT is(gm.assign_grid('POINT(1000.5 10)', 1), (SELECT min(grid_id) FROM gm.grid g WHERE ST_DWithin(g.geom, 'POINT(1000.5 10)', 1)
          AND ST_Distance(g.geom, 'POINT(1000.5 10)') = (SELECT min(ST_Distance(geom, 'POINT(1000.5 10)')) FROM gm.grid)),
          'nearest grid within 1 unit');
SELECT is(gm.assign_grid('POINT(1000.5 10)', 0.4), NULL, 'no grid within 0.4');
SELECT is(gm.assign_grid('POINT(1000.5 10)'), NULL, 'one-argument form: outside is NULL');

-- errors (22023)
SELECT throws_ok($$SELECT gm.assign_grid('POLYGON((0 0,1 0,1 1,0 0))')$$, '22023', 'gm.assign_grid expects a point, got a Polygon', 'polygon argument');
SELECT throws_ok($$SELECT gm.assign_grid('MULTIPOINT(1 1)')$$, '22023', NULL, 'multipoint argument');
SELECT throws_ok($$SELECT gm.assign_grid('SRID=3857;POINT(1 1)')$$, '22023', 'point has SRID 3857 but the grid registry uses SRID 0', 'wrong SRID');
SELECT throws_ok($$SELECT gm.assign_grid('POINT(1 1)', -0.5)$$, '22003', NULL, 'negative distance');
SELECT throws_ok($$INSERT INTO gm.grid(code, name, geom) VALUES ('S', 's', 'SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 0)))')$$,
                 '22023', 'grid geometry has SRID 4326 but the grid registry uses SRID 0', 'registry keeps one SRID');
SELECT throws_ok($$UPDATE gm.grid SET geom = ST_SetSRID(geom, 4326) WHERE code = 'V1'$$, '22023', NULL, 'update to another SRID refused');
SELECT lives_ok($$UPDATE gm.grid SET geom = ST_SetSRID(geom, 3857); UPDATE gm.grid SET geom = ST_SetSRID(geom, 0)$$,
                'the whole registry may move to another SRID in one statement');
SELECT is(gm.assign_grid(NULL, 5), NULL, 'NULL point with a distance: NULL');
SELECT is(gm.assign_grid('POINT EMPTY', 5), NULL, 'empty point with a distance: NULL');
SELECT is(gm.assign_grid('POINT(NaN NaN)'), NULL, 'NaN point: NULL (PostGIS covers nothing)');

-- cache invalidation: a second session sees committed changes at its next statement
SELECT dblink_connect('s2', format('host=%s port=%s dbname=%s user=postgres',
       current_setting('unix_socket_directories'), current_setting('port'), current_database()));
SELECT is((SELECT g FROM dblink('s2', $$SELECT gm.assign_grid('POINT(5000 5000)')$$) AS t(g bigint)), NULL, 's2: nothing at (5000 5000) yet');
BEGIN;
INSERT INTO gm.grid(code, name, geom) VALUES ('NEW', 'new grid', 'MULTIPOLYGON(((4900 4900,5100 4900,5100 5100,4900 5100,4900 4900)))');
SELECT is(gm.assign_grid('POINT(5000 5000)'), (SELECT grid_id FROM gm.grid WHERE code = 'NEW'), 'own uncommitted change is seen');
SELECT is((SELECT g FROM dblink('s2', $$SELECT gm.assign_grid('POINT(5000 5000)')$$) AS t(g bigint)), NULL, 's2 does not see the uncommitted grid');
COMMIT;
SELECT is((SELECT g FROM dblink('s2', $$SELECT gm.assign_grid('POINT(5000 5000)')$$) AS t(g bigint)),
          (SELECT grid_id FROM gm.grid WHERE code = 'NEW'), 's2 sees the committed grid at its next statement');
-- s2 changes and rolls back: neither session keeps the rolled-back state
SELECT dblink_exec('s2', 'BEGIN');
SELECT dblink_exec('s2', $$UPDATE gm.grid SET geom = ST_Translate(geom, 1000, 0) WHERE code = 'NEW'$$);
SELECT is((SELECT g FROM dblink('s2', $$SELECT gm.assign_grid('POINT(5000 5000)')$$) AS t(g bigint)), NULL, 's2 sees its own moved grid');
SELECT dblink_exec('s2', 'ROLLBACK');
SELECT is((SELECT g FROM dblink('s2', $$SELECT gm.assign_grid('POINT(5000 5000)')$$) AS t(g bigint)),
          (SELECT grid_id FROM gm.grid WHERE code = 'NEW'), 's2 after rollback: the grid is back');
SELECT is(gm.assign_grid('POINT(5000 5000)'), (SELECT grid_id FROM gm.grid WHERE code = 'NEW'), 'this session never saw the rolled-back move');
-- deletion committed here is seen there
DELETE FROM gm.grid WHERE code = 'NEW';
SELECT is((SELECT g FROM dblink('s2', $$SELECT gm.assign_grid('POINT(5000 5000)')$$) AS t(g bigint)), NULL, 's2 sees the deletion');
SELECT dblink_disconnect('s2');

-- tie rule holds after re-ordering ids: a duplicate of V1 with a larger id never wins
INSERT INTO gm.grid(code, name, geom) SELECT 'V1-copy', 'copy', geom FROM gm.grid WHERE code = 'V1';
SELECT is((SELECT count(*) FROM tp JOIN ref USING (id) WHERE gm.assign_grid(tp.geom) IS DISTINCT FROM ref.grid_id), 0::bigint,
          'an overlapping copy with a larger grid_id changes nothing');
-- managers
SELECT lives_ok($$SELECT gm.set_manager((SELECT grid_id FROM gm.grid WHERE code = 'V1'), 'mgr_x', '2025-01-01')$$, 'set a manager');
SELECT lives_ok($$SELECT gm.set_manager((SELECT grid_id FROM gm.grid WHERE code = 'V2'), 'mgr_x', '2025-01-01')$$, 'one person manages two grids');
SELECT throws_ok($$INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'mgr_y', 'manager' FROM gm.grid WHERE code = 'V1'$$,
                 '23P01', NULL, 'a second manager at the same time is refused');
SELECT throws_ok($$SELECT gm.set_manager(NULL, 'x')$$, '22004', NULL, 'set_manager NULL grid');
SELECT lives_ok($$INSERT INTO gm.grid(code, name) VALUES ('NOGEOM', 'x'); CREATE INDEX ON gm.grid USING gist (geom)$$,
                'inserts and an index on gm.grid in one transaction (no deferred trigger events)');
SELECT ok(EXISTS (SELECT 1 FROM gm.grid_check() c JOIN gm.grid g USING (grid_id) WHERE g.code = 'NOGEOM' AND c.problem = 'missing_geometry'),
          'a physical leaf without geometry is reported by grid_check');
-- reassign inside a transaction block cannot commit its batches
CREATE TABLE cust(id int PRIMARY KEY, geom geometry, g bigint);
INSERT INTO cust VALUES (1, 'POINT(1 1)', NULL);
SELECT throws_ok($$CALL gm.reassign('cust', 'geom', 'g', 10)$$, '2D000', NULL, 'reassign needs to run outside a transaction block');
SELECT * FROM finish();
