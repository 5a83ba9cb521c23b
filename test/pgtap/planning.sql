-- planning: balanced grid design, value index and class, class review, load and moves, 小区 potential
BEGIN;
SELECT plan(95);
SET LOCAL client_min_messages = warning;

-- skewed customers: 70 % in a dense centre, 30 % uniform over a 64-gon region
SELECT setseed(0.42);
CREATE TEMP TABLE rg AS SELECT ST_Buffer(ST_MakePoint(5000, 5000), 4000, 16) AS geom;
CREATE TEMP TABLE pt AS
  SELECT i, ST_MakePoint(5000 + 600 * (random() + random() + random() - 1.5), 5000 + 600 * (random() + random() + random() - 1.5)) AS geom
  FROM generate_series(1, 3500) i
  UNION ALL
  SELECT i, ST_MakePoint(5000 + 3900 * sqrt(u) * cos(a), 5000 + 3900 * sqrt(u) * sin(a))
  FROM (SELECT i, random() AS u, 2 * pi() * random() AS a FROM generate_series(3501, 5000) i) s;
CREATE TEMP TABLE arr AS SELECT array_agg(geom ORDER BY i) AS pts, array_agg(1.0::float8 ORDER BY i) AS w FROM pt;
CREATE TEMP TABLE d AS SELECT d.* FROM rg, arr, gm.design_grids(rg.geom, arr.pts, arr.w, 12) d;
CREATE TEMP TABLE asg AS SELECT s.* FROM rg, arr, gm.design_grids_assign(rg.geom, arr.pts, arr.w, 12) s;

SELECT is((SELECT count(*)::int FROM d), 12, 'design: 12 grids');
SELECT is((SELECT array_agg(grid_no ORDER BY grid_no) FROM d), (SELECT array_agg(g) FROM generate_series(1, 12) g), 'design: grids numbered 1..12');
SELECT is((SELECT sum(customers)::int FROM d), 5000, 'design: every customer counted once');
SELECT ok((SELECT max(weight) / min(weight) FROM d) <= 1.01, 'design: max/min weight <= 1.01 on skewed data (dense centre, sparse edge)');
SELECT is((SELECT min(balance) FROM d), (SELECT max(weight) / min(weight) FROM d), 'design: balance column = max/min weight');
SELECT is((SELECT count(*)::int FROM d WHERE ST_NumGeometries(ST_Multi(geom)) <> 1), 0, 'design: every grid is one polygon (contiguous)');
SELECT is((SELECT count(*)::int FROM d WHERE NOT ST_IsValid(geom)), 0, 'design: every grid polygon is valid');
SELECT ok((SELECT abs(ST_Area(ST_Union(d.geom)) - ST_Area(rg.geom)) / ST_Area(rg.geom) FROM d, rg GROUP BY rg.geom) < 1e-9, 'design: no gaps (union = region)');
SELECT ok((SELECT abs(sum(ST_Area(d.geom)) - (SELECT ST_Area(ST_Union(geom)) FROM d)) / (SELECT ST_Area(geom) FROM rg) FROM d) < 1e-9, 'design: no overlaps (sum of areas = union area)');
SELECT is((SELECT count(*)::int FROM d a JOIN d b ON a.grid_no < b.grid_no AND ST_Relate(a.geom, b.geom, '2********')), 0, 'design: no two grids share interior');
SELECT ok((SELECT ST_Area(ST_SymDifference(ST_Union(geom), (SELECT geom FROM rg))) FROM d) < 1e-6, 'design: union and region differ by no area');
SELECT is((SELECT count(*)::int FROM asg), 5000, 'assign: one row per point');
SELECT is((SELECT count(DISTINCT point_no)::int FROM asg), 5000, 'assign: every point once');
SELECT is((SELECT count(*)::int FROM asg JOIN pt ON pt.i = asg.point_no JOIN d USING (grid_no) WHERE NOT ST_Covers(d.geom, pt.geom)), 0,
          'assign: every point is covered by its own grid''s polygon');
SELECT is((SELECT array_agg(n ORDER BY g) FROM (SELECT grid_no g, count(*)::int n FROM asg GROUP BY 1) s),
          (SELECT array_agg(customers ORDER BY grid_no) FROM d), 'assign: counts agree with design_grids');
SELECT ok((SELECT bool_and(a.geom = b.geom AND a.weight = b.weight) FROM d a JOIN (SELECT x.* FROM rg, arr, gm.design_grids(rg.geom, arr.pts, arr.w, 12) x) b USING (grid_no)),
          'design: deterministic (same input, same output)');
SELECT is((SELECT array_agg(customers ORDER BY grid_no) FROM rg, arr, gm.design_grids(rg.geom, arr.pts, NULL, 12)),
          (SELECT array_agg(customers ORDER BY grid_no) FROM d), 'design: NULL weights mean weight 1 each');

-- weighted: a heavy centre customer counts as much as its weight
CREATE TEMP TABLE dw AS SELECT x.* FROM rg, arr, gm.design_grids(rg.geom, arr.pts,
    (SELECT array_agg(CASE WHEN ST_Distance(p, ST_MakePoint(5000, 5000)) < 500 THEN 3.0 ELSE 1.0 END::float8 ORDER BY o)
     FROM unnest(arr.pts) WITH ORDINALITY u(p, o)), 8) x;
SELECT ok((SELECT max(weight) / min(weight) FROM dw) <= 1.02, 'weighted design: balanced by weight, not count');
SELECT ok((SELECT max(customers)::float8 / min(customers) FROM dw) > 1.5, 'weighted design: customer counts differ where weights differ');

-- points exactly on cut lines: a lattice of duplicates still splits into exactly one grid each
CREATE TEMP TABLE lat AS SELECT array_agg(ST_MakePoint(x, y) ORDER BY x, y, k) AS pts
  FROM generate_series(1, 9) x, generate_series(1, 9) y, generate_series(1, 2) k;
CREATE TEMP TABLE dl AS SELECT x.* FROM lat, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), lat.pts, NULL, 6) x;
CREATE TEMP TABLE al AS SELECT x.* FROM lat, gm.design_grids_assign(ST_MakeEnvelope(0, 0, 10, 10), lat.pts, NULL, 6) x;
SELECT is((SELECT sum(customers)::int FROM dl), 162, 'lattice: points on cut lines counted once');
SELECT is((SELECT count(*)::int FROM al a JOIN dl USING (grid_no) WHERE NOT ST_Covers(dl.geom, (lat.pts)[a.point_no])), 0,
          'lattice: every point covered by its own grid') FROM lat;
SELECT is((SELECT max(customers) - min(customers) FROM dl), 0, 'lattice: 162 points in 6 grids of 27');
SELECT is((SELECT array_agg(DISTINCT ST_SRID(geom)) FROM (SELECT x.geom FROM lat, gm.design_grids(ST_SetSRID(ST_MakeEnvelope(0, 0, 10, 10), 3857),
           (SELECT array_agg(ST_SetSRID(p, 3857)) FROM unnest(lat.pts) p), NULL, 3) x) s), ARRAY[3857], 'design keeps the SRID of the region');

-- one grid: the whole region
SELECT is((SELECT ST_Equals(x.geom, rg.geom) AND x.customers = 5000 FROM rg, arr, gm.design_grids(rg.geom, arr.pts, NULL, 1) x),
          true, 'n = 1: the region itself');
-- as many grids as points
SELECT is((SELECT count(*)::int FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1), ST_MakePoint(9, 9), ST_MakePoint(5, 5)], NULL, 3) WHERE customers = 1),
          3, 'n = number of points: one point per grid');
-- multipolygon region with a hole
SELECT is((SELECT sum(x.customers)::int FROM gm.design_grids(ST_Difference(ST_MakeEnvelope(0, 0, 10, 10), ST_MakeEnvelope(4, 4, 6, 6)),
           ARRAY[ST_MakePoint(1, 1), ST_MakePoint(9, 9), ST_MakePoint(1, 9), ST_MakePoint(9, 1), ST_MakePoint(4, 5)], NULL, 2) x), 5,
          'region with a hole: points on the hole''s edge are inside');

-- a MultiPolygon region (as gm.grid stores them) gives single polygons
SELECT is((SELECT count(*)::int FROM lat, gm.design_grids(ST_Multi(ST_MakeEnvelope(0, 0, 10, 10)), lat.pts, NULL, 5) x WHERE GeometryType(x.geom) = 'POLYGON'), 5,
          'MultiPolygon region: grids are Polygons');
-- a concave (L-shaped) region: still no gaps, no overlaps, every customer once
CREATE TEMP TABLE dlshape AS SELECT x.* FROM rg, arr,
  gm.design_grids(ST_Intersection(rg.geom, ST_Union(ST_MakeEnvelope(0, 0, 5000, 10000), ST_MakeEnvelope(0, 0, 10000, 5000))),
                  (SELECT array_agg(p) FROM unnest(arr.pts) p WHERE ST_X(p) <= 5000 OR ST_Y(p) <= 5000), NULL, 9) x;
SELECT is((SELECT sum(customers)::int FROM dlshape), (SELECT count(*)::int FROM pt WHERE ST_X(geom) <= 5000 OR ST_Y(geom) <= 5000), 'L-shaped region: every customer once');
SELECT ok((SELECT abs(sum(ST_Area(geom)) - ST_Area(ST_Union(geom))) < 1e-3 FROM dlshape), 'L-shaped region: no overlaps');
SELECT ok((SELECT abs(ST_Area(ST_Union(geom)) - 0.75 * (SELECT ST_Area(geom) FROM rg)) < 1e-3 FROM dlshape), 'L-shaped region: no gaps (three quarters of the disc)');

-- a U-shaped region: cut across its longer side first, the first cut crosses both legs
CREATE TEMP TABLE ureg AS SELECT ST_Difference(ST_MakeEnvelope(0, 0, 10, 20), ST_MakeEnvelope(3, 0, 7, 16)) AS geom;
CREATE TEMP TABLE upts AS SELECT array_agg(p ORDER BY x, y) AS pts
  FROM (SELECT ST_MakePoint(x + 0.25, y + 0.25) AS p, x, y FROM generate_series(0, 9) x, generate_series(0, 19) y) s, ureg
  WHERE ST_Covers(ureg.geom, p);
SELECT is((SELECT count(*)::int FROM ureg, upts, gm._design_cells(ureg.geom, NULL, upts.pts, NULL, 4, NULL, 0) c
           WHERE ST_NumGeometries(gm._design_cell_geom(ureg.geom, c.xmin, c.ymin, c.xmax, c.ymax)) > 1), 2,
          'U-shaped region: straight cuts alone leave two grids in two parts');
-- the merge step, forced to the longer-side order of cuts
CREATE TEMP TABLE du AS SELECT x.grid_no, x.geom, x.weight, x.customers FROM ureg, upts, gm._design_merged(ureg.geom, NULL, upts.pts, NULL, 4, NULL, 0, '{0}') x;
CREATE TEMP TABLE au AS SELECT m.p AS point_no, x.grid_no FROM ureg, upts, gm._design_merged(ureg.geom, NULL, upts.pts, NULL, 4, NULL, 0, '{0}') x, unnest(x.members) m(p);
SELECT is((SELECT count(*)::int FROM du WHERE ST_NumGeometries(ST_Multi(geom)) = 1 AND ST_IsValid(geom)), 4, 'U-shaped region: after merging, every grid is one valid polygon');
SELECT ok((SELECT abs(sum(ST_Area(geom)) - 136) < 1e-9 AND abs(ST_Area(ST_Union(geom)) - 136) < 1e-9 FROM du), 'U-shaped region: no gaps, no overlaps');
SELECT is((SELECT sum(customers)::int FROM du), 136, 'U-shaped region: every customer once');
SELECT is((SELECT count(*)::int FROM au JOIN du USING (grid_no), upts WHERE ST_Covers(du.geom, upts.pts[au.point_no])
           AND (SELECT customers FROM du d2 WHERE d2.grid_no = au.grid_no) = (SELECT count(*) FROM au a2 WHERE a2.grid_no = au.grid_no)), 136,
          'U-shaped region: every customer covered by its grid, counts agree with design_grids_assign');
SELECT is((SELECT count(*)::int FROM ureg, upts, gm.design_grids(ureg.geom, upts.pts, NULL, 4) x WHERE ST_NumGeometries(ST_Multi(x.geom)) = 1), 4,
          'U-shaped region: design_grids finds an order of cuts giving one polygon per grid');
SELECT is((SELECT max(x.weight) - min(x.weight) FROM ureg, upts, gm.design_grids(ureg.geom, upts.pts, NULL, 4) x), 0::float8,
          'U-shaped region: design_grids stays balanced (34 customers in each grid)');

-- max_weight: cap respected, n chosen automatically, infeasible caps refused
SELECT ok((SELECT max(weight) <= 450 FROM rg, arr, gm.design_grids(rg.geom, arr.pts, NULL, 12, 450) x), 'max_weight: a feasible cap is respected');
SELECT is((SELECT count(*)::int FROM rg, arr, gm.design_grids(rg.geom, arr.pts, NULL, NULL, 1000) x), 5, 'max_weight with n NULL: the smallest number of grids (5 for 5000 / 1000)');
SELECT throws_ok($$SELECT * FROM rg, arr, gm.design_grids(rg.geom, arr.pts, NULL, 4, 1000)$$, '22003', NULL, 'max_weight: infeasible for n grids -> 22003');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], ARRAY[5.0::float8], NULL, 2)$$, '22003', NULL, 'max_weight below one point''s weight -> 22003');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], NULL, 1, 0)$$, '22003', NULL, 'max_weight 0 -> 22003');

-- fixed grids: kept out of the design, their customers not counted
CREATE TEMP TABLE df AS SELECT x.* FROM rg, arr, gm.design_grids(rg.geom, arr.pts, NULL, 6, NULL, ARRAY[ST_MakeEnvelope(3000, 3000, 5000, 5000)]) x;
SELECT is((SELECT sum(customers)::int FROM df), (SELECT count(*)::int FROM pt WHERE NOT ST_Covers(ST_MakeEnvelope(3000, 3000, 5000, 5000), geom)),
          'fixed grid: its customers stay out of the design');
SELECT is((SELECT count(*)::int FROM df WHERE ST_Relate(geom, ST_MakeEnvelope(3000, 3000, 5000, 5000), '2********')), 0, 'fixed grid: new grids do not overlap it');
SELECT ok((SELECT abs(ST_Area(ST_Union(ST_Union(geom), ST_MakeEnvelope(3000, 3000, 5000, 5000))) - (SELECT ST_Area(geom) FROM rg)) < 1e-3 FROM df),
          'fixed grid: new grids and the fixed grid cover the region');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], NULL, 1, NULL, ARRAY[ST_MakeEnvelope(0, 0, 10, 10)])$$,
                 '22000', NULL, 'fixed grids covering the region -> 22000');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], NULL, 1, NULL, ARRAY[NULL::geometry])$$,
                 '22004', NULL, 'NULL fixed grid -> 22004');

-- bad input -> 22023
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], NULL, 0)$$, '22003', NULL, 'n = 0 -> 22003');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], NULL, -3)$$, '22003', NULL, 'n < 0 -> 22003');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], NULL, NULL)$$, '22004', NULL, 'n NULL without max_weight -> 22004');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1), ST_MakePoint(2, 2)], NULL, 3)$$,
                 '22003', 'more grids (3) than points (2)', 'more grids than points -> 22003');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[]::geometry[], NULL, 1)$$, '22000', NULL, 'no points -> 22000');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), NULL, NULL, 1)$$, '22004', NULL, 'NULL points -> 22004');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1), ST_MakePoint(2, 2)], ARRAY[1.0::float8], 1)$$,
                 '2202E', '2 points but 1 weights', 'mismatched array lengths -> 2202E');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1), NULL], NULL, 1)$$, '22004', 'points[2] is NULL', 'NULL point -> 22004');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], ARRAY[NULL::float8], 1)$$, '22004', 'weights[1] is NULL', 'NULL weight -> 22004');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], ARRAY[-1.0::float8], 1)$$, '22003', NULL, 'negative weight -> 22003');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(1, 1)], ARRAY[0.0::float8], 1)$$, '22000', 'the weights sum to zero', 'zero total weight -> 22000');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakePoint(11, 1)], NULL, 1)$$, '22023', NULL, 'point outside the region -> 22023');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_MakeLine(ST_MakePoint(1, 1), ST_MakePoint(2, 2))], NULL, 1)$$, '22023', NULL, 'non-point customer -> 22023');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY['POINT EMPTY'::geometry], NULL, 1)$$, '22023', NULL, 'empty point -> 22023');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), ARRAY[ST_SetSRID(ST_MakePoint(1, 1), 4326)], NULL, 1)$$, '22023', NULL, 'SRID mismatch -> 22023');
SELECT throws_ok($$SELECT * FROM gm.design_grids('POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))'::geometry, ARRAY[ST_MakePoint(1, 1)], NULL, 1)$$, '22023', NULL, 'invalid (self-intersecting) region -> 22023');
SELECT throws_ok($$SELECT * FROM gm.design_grids('POLYGON EMPTY'::geometry, ARRAY[ST_MakePoint(1, 1)], NULL, 1)$$, '22023', NULL, 'empty region -> 22023');
SELECT throws_ok($$SELECT * FROM gm.design_grids(ST_MakeLine(ST_MakePoint(0, 0), ST_MakePoint(1, 1)), ARRAY[ST_MakePoint(1, 1)], NULL, 1)$$, '22023', NULL, 'non-polygon region -> 22023');
SELECT throws_ok($$SELECT * FROM gm.design_grids(NULL::geometry, ARRAY[ST_MakePoint(1, 1)], NULL, 1)$$, '22004', NULL, 'NULL region -> 22004');

-- the internal C entry point reads the geometries itself (geom.c) and refuses what is not a
-- polygonal region, or corrupted serialized bytes, instead of crashing.  The raw bytes of a
-- geometry are reached through an identity function of the server (varchar with typmod -1).
CREATE FUNCTION pg_temp.geom_bytes(geometry, integer DEFAULT -1, boolean DEFAULT false) RETURNS bytea
    LANGUAGE internal IMMUTABLE STRICT AS 'varchar';
CREATE FUNCTION pg_temp.raw_geom(bytea, integer DEFAULT -1, boolean DEFAULT false) RETURNS geometry
    LANGUAGE internal IMMUTABLE STRICT AS 'varchar';
SELECT throws_ok($$SELECT * FROM gm._design_cells('POLYGON EMPTY'::geometry, NULL, ARRAY[ST_MakePoint(1, 1)], NULL, 1, NULL, 0)$$, '22023', NULL, 'C: empty region -> 22023');
SELECT throws_ok($$SELECT * FROM gm._design_cells(pg_temp.raw_geom(substr(pg_temp.geom_bytes(ST_MakeEnvelope(0, 0, 10, 10)), 1, 40)), NULL, ARRAY[ST_MakePoint(1, 1)], NULL, 1, NULL, 0)$$,
                 '22P03', NULL, 'C: serialized region cut inside a ring -> 22P03');
SELECT is((SELECT array_agg(row(c.xmin, c.ymin, c.xmax, c.ymax, c.members)::text ORDER BY c.grid_no)
           FROM ureg, upts, gm._design_cells(ST_Force3DZ(ureg.geom), NULL, upts.pts, NULL, 4, NULL, 0) c),
          (SELECT array_agg(row(c.xmin, c.ymin, c.xmax, c.ymax, c.members)::text ORDER BY c.grid_no)
           FROM ureg, upts, gm._design_cells(ureg.geom, NULL, upts.pts, NULL, 4, NULL, 0) c),
          'C: a 3D region designs as its 2D shape');
SELECT throws_ok($$SELECT * FROM gm._design_cells(ST_MakePoint(1, 1), NULL, ARRAY[ST_MakePoint(1, 1)], NULL, 1, NULL, 0)$$, '22023',
                 'region must be a Polygon or MultiPolygon, not Point (geometry type 1)', 'C: a point as region -> 22023');
CREATE FUNCTION pg_temp.fuzz() RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE raw bytea := pg_temp.geom_bytes(ST_Difference(ST_MakeEnvelope(0, 0, 10, 10), ST_MakeEnvelope(4, 4, 6, 6))); w bytea; ok int := 0;
BEGIN
  FOR i IN 1 .. 400 LOOP
    w := set_byte(raw, (i * 7919) % length(raw), (i * 31) % 256);
    IF i % 3 = 0 THEN w := substr(w, 1, (i * 13) % length(w)); END IF;
    BEGIN
      PERFORM * FROM gm._design_cells(pg_temp.raw_geom(w), NULL, ARRAY[ST_MakePoint(1, 1), ST_MakePoint(9, 9)], NULL, 2, NULL, 0);
      ok := ok + 1;
    EXCEPTION WHEN invalid_parameter_value OR invalid_binary_representation OR numeric_value_out_of_range OR feature_not_supported THEN NULL;
    END;
  END LOOP;
  RETURN ok;
END $f$;
SELECT lives_ok('SELECT pg_temp.fuzz()', 'C: 400 corrupted serialized regions give a design, 22023, 22P03, 22003 (non-finite coordinate) or 0A000 (geodetic flag), never another error or a crash');

-- configuration survives pg_dump
SELECT ok((SELECT array_agg(c::regclass::text) FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'grid_marketing')
          @> ARRAY['gm.parameter', 'gm.grid_class_history'], 'parameters and grid_class_history are dumped by pg_dump');

-- value index, class, review
SELECT is(gm.grid_value(300, 0.05, 0.5), 1.5000, 'value: target density x target conversion x (1 + competitor share)');
SELECT ok(gm.grid_value(300, 0.05, 0.8) > gm.grid_value(300, 0.05, 0.2), 'value: more competition = more value');
SELECT is(gm.grid_value(100000, 0.9, 0), 4.0000, 'value: density and conversion scores capped at 2');
SELECT throws_ok($$SELECT gm.grid_value(10, 1.5, 0)$$, '22003', NULL, 'value: conversion rate above 1 -> 22003');
SELECT is(ARRAY[gm.grid_class(2.5), gm.grid_class(2), gm.grid_class(1.2), gm.grid_class(0.3)], ARRAY['A', 'A', 'B', 'C'], 'class: thresholds 2 (A) and 1 (B)');
SELECT throws_ok($$SELECT gm.grid_class(1, 1, 2)$$, '22003', NULL, 'class: b_min > a_min -> 22003');
SELECT is(ARRAY[gm.grid_class_review('C', ARRAY[0.1, 0.25, 0.21]), gm.grid_class_review('B', ARRAY[0.3, 0.3]), gm.grid_class_review('A', ARRAY[0.5, 0.5]),
                gm.grid_class_review('C', ARRAY[0.25, 0.20]), gm.grid_class_review('C', ARRAY[0.25, 0.1, 0.25]), gm.grid_class_review('C', ARRAY[0.5])],
          ARRAY['B', 'A', 'A', 'C', 'C', 'C'], 'review: two consecutive quarters above 20 % move up one class; exactly 20 % or one quarter does not');
SELECT is(ARRAY[gm.grid_class_review('A', ARRAY[-0.3, -0.25]), gm.grid_class_review('B', ARRAY[-0.3, -0.25]), gm.grid_class_review('C', ARRAY[-0.3, -0.25]),
                gm.grid_class_review('B', ARRAY[-0.3, NULL])],
          ARRAY['B', 'C', 'C', 'B'], 'review: symmetric downgrade; a missing quarter decides nothing');
SELECT throws_ok($$SELECT gm.grid_class_review('D', ARRAY[0.3, 0.3])$$, '22023', NULL, 'review: unknown class -> 22023');

-- class history on a registered grid; settings override
INSERT INTO gm.grid(code, name, grid_class, geom) VALUES ('T1', 'test', 'C', ST_Multi(ST_MakeEnvelope(0, 0, 10, 10)));
SELECT is(gm.review_grid_class((SELECT grid_id FROM gm.grid WHERE code = 'T1'), ARRAY[0.22, 0.3]), 'B', 'review_grid_class: C -> B');
SELECT is((SELECT format('%s>%s', old_class, new_class) FROM gm.grid_class_history h JOIN gm.grid g USING (grid_id) WHERE g.code = 'T1'), 'C>B',
          'review_grid_class: the change is in the history, gm.grid updated') ;
UPDATE gm.parameter SET value = 0.5 WHERE name = 'review_up_growth';
SELECT is(gm.grid_class_review('C', ARRAY[0.3, 0.3]), 'C', 'settings: an override of review_up_growth applies at once');

-- load light and moves
SELECT is(ARRAY[gm.load_status(150), gm.load_status(250), gm.load_status(400), gm.load_status(500)]::text[], ARRAY['under', 'reasonable', 'high', 'overload'],
          'load status: < 200 under, <= 300 reasonable, > 300 high, >= 500 overload');
SELECT is(ARRAY[gm.load_light(250), gm.load_light(400), gm.load_light(600)], ARRAY['green', 'yellow', 'red']::gm.light[], 'load light: green / yellow / red');
-- two touching grids: one overloaded (capacity 3, 5 customers), one with room
INSERT INTO gm.grid(code, name, capacity, geom) VALUES ('L1', 'left', 3, ST_Multi(ST_MakeEnvelope(0, 0, 10, 10))),
                                                      ('L2', 'right', 3, ST_Multi(ST_MakeEnvelope(10, 0, 20, 10))),
                                                      ('L3', 'far', 3, ST_Multi(ST_MakeEnvelope(30, 0, 40, 10)));
INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'mgr_' || lower(code), 'manager' FROM gm.grid WHERE code IN ('L1', 'L2', 'L3');
CREATE TEMP TABLE cust(id int, geom geometry, grid_id bigint);
INSERT INTO cust SELECT i, ST_MakePoint(i * 1.5, 5), (SELECT grid_id FROM gm.grid WHERE code = 'L1') FROM generate_series(1, 5) i;
INSERT INTO cust SELECT 10 + i, ST_MakePoint(35, i), (SELECT grid_id FROM gm.grid WHERE code = 'L3') FROM generate_series(1, 1) i;
SELECT is((SELECT array_agg(format('%s:%s:%s', code, customers, light) ORDER BY code) FROM gm.grid_load('cust') WHERE code LIKE 'L%'),
          ARRAY['L1:5:yellow', 'L2:0:green', 'L3:1:green'], 'grid_load: customers per grid against capacity');
SELECT is((SELECT customers FROM gm.manager_load('cust') WHERE manager = 'mgr_l1'), 5::bigint, 'manager_load: customers per manager');
SELECT is((SELECT array_agg(customer_key ORDER BY distance, customer_key) FROM gm.propose_moves('cust', 'id', 'geom')), ARRAY['5', '4'],
          'propose_moves: the two customers nearest the touching grid with room move; the far grid gets none');
SELECT is((SELECT count(*)::int FROM gm.propose_moves('cust', 'id', 'geom') m JOIN gm.grid g ON g.grid_id = m.to_grid WHERE g.code = 'L2'), 2,
          'propose_moves: to the neighbouring grid');

-- PostGIS off the search_path: the functions still find it
SET LOCAL search_path = pg_catalog;
CREATE TEMP TABLE sp AS SELECT sum(customers)::int AS n
  FROM gm.design_grids(public.ST_MakeEnvelope(0, 0, 10, 10), ARRAY[public.ST_MakePoint(1, 1), public.ST_MakePoint(9, 9)], NULL, 2);
RESET search_path;
SELECT is((SELECT n FROM sp), 2, 'design_grids works with search_path = pg_catalog');

-- 小区 potential
SELECT is(gm.community_potential(1000, 0.8), 480, '小区: 1000 households x 80 % occupied x 60 % take-up');
SELECT is(gm.community_potential(1000, 0.8, 0.5, 0.25, 100), 170, '小区: half rented (x 0.75), 25 % with competitors, 100 customers already');
SELECT is(gm.community_potential(100, 0.5, 1, 0, 500), 0, '小区: never negative');
SELECT throws_ok($$SELECT gm.community_potential(100, 1.5)$$, '22003', NULL, '小区: occupancy above 1 -> 22003');

SELECT * FROM finish();
ROLLBACK;
