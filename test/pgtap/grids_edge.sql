-- grids: degenerate and extreme registries (zero-area polygon, huge coordinates, empty
-- geometry, a tiny 8000-vertex circle), each compared with PostGIS
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT plan(9);

INSERT INTO gm.grid(grid_id, code, name, geom) VALUES (1, 'line', 'zero area', 'MULTIPOLYGON(((0 0,1 0,2 0,0 0)))');
SELECT is((SELECT leaves FROM gm.grid_index_info()), 1, 'a zero-area polygon is indexed');
SELECT is((SELECT count(*) FROM unnest(ARRAY['POINT(1 0)', 'POINT(0 0)', 'POINT(2 0)', 'POINT(3 0)', 'POINT(1 1)', 'POINT(1 -0)']::geometry[]) p
           WHERE gm.assign_grid(p) IS DISTINCT FROM CASE WHEN ST_Covers((SELECT geom FROM gm.grid WHERE grid_id = 1), p) THEN 1 END),
          0::bigint, 'zero-area polygon: same answers as PostGIS');
INSERT INTO gm.grid(grid_id, code, name, geom) VALUES
  (2, 'far', 'huge coordinates', 'MULTIPOLYGON(((1e15 1e15,1e15 1.000000000000001e15,1.000000000000001e15 1e15,1e15 1e15)))'),
  (3, 'empty', 'empty polygon', 'MULTIPOLYGON EMPTY');
SELECT is((SELECT leaves FROM gm.grid_index_info()), 2, 'an empty polygon is no leaf');
SELECT is(gm.assign_grid('POINT(1e15 1e15)'), 2::bigint, 'vertex at 1e15');
SELECT is(gm.assign_grid('POINT(1 0)'), 1::bigint, 'the zero-area grid still answers');
SELECT is(gm.assign_grid('POINT(5e14 5e14)'), NULL, 'between them: nothing');
DELETE FROM gm.grid;
SELECT is((SELECT leaves FROM gm.grid_index_info()), 0, 'emptied registry');

INSERT INTO gm.grid(grid_id, code, name, geom) SELECT 5, 'circle', 'tiny circle', ST_Multi(ST_Buffer(ST_MakePoint(0.1, 0.2), 1e-6, 2000));
SELECT setseed(0.3);
CREATE TEMP TABLE cp AS SELECT (ST_DumpPoints(geom)).geom FROM gm.grid
  UNION ALL SELECT ST_MakePoint(0.1 + (random() - 0.5) * 2.2e-6, 0.2 + (random() - 0.5) * 2.2e-6) FROM generate_series(1, 20000);
SELECT is((SELECT count(*) FROM cp WHERE gm.assign_grid(geom) IS DISTINCT FROM
           CASE WHEN ST_Covers((SELECT geom FROM gm.grid), cp.geom) THEN 5 END), 0::bigint,
          '8000-vertex circle of radius 1e-6: same answers as PostGIS on vertices and 20,000 points');
SELECT cmp_ok((SELECT edge_cells FROM gm.grid_index_info()), '<', (SELECT cells FROM gm.grid_index_info()) / 10,
              'most cells of the circle are answered without a point-in-polygon test');
SELECT * FROM finish();
