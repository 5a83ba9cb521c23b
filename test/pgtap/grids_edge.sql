-- grids: degenerate and extreme registries (zero-area polygon, huge coordinates, empty
-- geometry, a tiny 8000-vertex circle, overlapping grids of every size), each compared with PostGIS
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT plan(11);

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

-- overlapping leaves of every size, built row by row: one leaf over the whole extent (active in
-- every row), slivers thinner than a cell, leaves smaller than a cell, a multipolygon with far
-- parts, a ring with a hole, nested squares; the smallest covering grid_id must win everywhere
DELETE FROM gm.grid;
SELECT setseed(0.77);
INSERT INTO gm.grid(grid_id, code, name, geom) VALUES
  (10, 'o-nest3', 'nested 3', 'MULTIPOLYGON(((40 40,60 40,60 60,40 60,40 40)))'),
  (11, 'o-sliver', 'sliver', 'MULTIPOLYGON(((0 50,100 50.0001,100 50.0002,0 50,0 50)))'),
  (12, 'o-parts', 'far parts', 'MULTIPOLYGON(((1 1,3 1,3 3,1 3,1 1)),((95 95,99 95,99 99,95 99,95 95)))'),
  (13, 'o-hole', 'ring with a hole', 'MULTIPOLYGON(((20 20,80 20,80 80,20 80,20 20),(30 30,70 30,70 70,30 70,30 30)))'),
  (14, 'o-nest2', 'nested 2', 'MULTIPOLYGON(((30 30,70 30,70 70,30 70,30 30)))'),
  (900, 'o-all', 'whole extent', 'MULTIPOLYGON(((0 0,100 0,100 100,0 100,0 0)))');
INSERT INTO gm.grid(grid_id, code, name, geom)
SELECT 100 + i, 'o-tiny' || i, 'tiny', ST_Multi(ST_MakeEnvelope(x, y, x + 0.01, y + 0.013))
FROM (SELECT i, round((random() * 99)::numeric, 3)::float8 AS x, round((random() * 99)::numeric, 3)::float8 AS y
      FROM generate_series(1, 40) i) t;
INSERT INTO gm.grid(grid_id, code, name, geom)
SELECT 200 + i, 'o-rand' || i, 'random', ST_Multi(ST_MakeEnvelope(x, y, x + w, y + h))
FROM (SELECT i, random() * 80 AS x, random() * 80 AS y, 1 + random() * 19 AS w, 0.5 + random() * 19 AS h
      FROM generate_series(1, 60) i) t;
CREATE TEMP TABLE op AS
  SELECT ST_MakePoint(random() * 102 - 1, random() * 102 - 1) AS geom FROM generate_series(1, 30000)
  UNION ALL SELECT (ST_DumpPoints(geom)).geom FROM gm.grid
  UNION ALL SELECT ST_Centroid(geom) FROM gm.grid
  UNION ALL SELECT ST_MakePoint(x, 50.0001 * x / 100 + 50 * (1 - x / 100)) FROM generate_series(0, 100, 5) x;
SELECT is((SELECT count(*) FROM op WHERE gm.assign_grid(geom) IS DISTINCT FROM
           (SELECT min(g.grid_id) FROM gm.grid g WHERE ST_Covers(g.geom, op.geom))), 0::bigint,
          'overlapping leaves of every size: smallest covering grid_id, as PostGIS, on 30,000 points, vertices and centroids');
SELECT cmp_ok((SELECT count(DISTINCT gm.assign_grid(geom)) FROM op), '>', 50::bigint,
              'the overlap sample reaches most grids (the whole-extent grid has the largest id)');
SELECT * FROM finish();
