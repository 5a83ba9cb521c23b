-- map: the choropleth aggregate gm.svg_map (src/map.c, sql/parts/45_map.sql, doc/map.md): drawing,
-- labels, classes, lights, parallel partial aggregation, odd geometries and limits (pgTAP; its own database)
SET client_min_messages = warning;
SELECT no_plan();
CREATE FUNCTION plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP p := p || r || E'\n'; END LOOP;
  RETURN p;
END $$;
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.oid IN ('gm.svg_map(geometry, numeric, text)'::regprocedure, 'gm.svg_map(geometry, gm.light, text)'::regprocedure)
             AND p.proparallel = 's' AND a.aggcombinefn <> 0 AND a.aggserialfn <> 0 AND a.aggdeserialfn <> 0), 2,
          'both gm.svg_map aggregates: PARALLEL SAFE with combine, serial and deserial functions');

-------------------------------------------------------------------------------
-- SVG map
CREATE TABLE shapes AS
SELECT i, CASE WHEN i % 5 = 0 THEN ST_Multi(ST_Union(ST_Buffer(ST_MakePoint(i, 0), 0.4, 8), ST_Buffer(ST_MakePoint(i + 0.5, 3), 0.2, 4)))
               WHEN i % 3 = 0 THEN ST_Difference(ST_Buffer(ST_MakePoint(i, 0), 0.45, 8), ST_Buffer(ST_MakePoint(i, 0), 0.2, 4))
               ELSE ST_Buffer(ST_MakePoint(i, 0), 0.45, 8) END AS g,
       CASE WHEN i = 7 THEN NULL ELSE (i * 13) % 17 END::numeric AS v,
       'grid <' || i || '> & co' AS l
FROM generate_series(1, 30) i;
CREATE TABLE svg_out AS SELECT gm.svg_map(g, v, l ORDER BY i) AS doc FROM shapes;
SELECT ok(xml_is_well_formed_document(doc), 'the SVG is a well-formed XML document') FROM svg_out;
SELECT is((xpath('count(//s:path)', doc::xml, '{{s,http://www.w3.org/2000/svg}}'))[1]::text, '30', 'one path per shape') FROM svg_out;
SELECT is((xpath('count(//s:g[@id="labels"]/s:text)', doc::xml, '{{s,http://www.w3.org/2000/svg}}'))[1]::text, '30', 'one label per shape') FROM svg_out;
SELECT is((xpath('//s:g[@id="labels"]/s:text[1]/text()', doc::xml, '{{s,http://www.w3.org/2000/svg}}'))[1]::text, 'grid &lt;1&gt; &amp; co', 'labels are XML-escaped') FROM svg_out;
SELECT is((xpath('count(//s:path[@fill="#cccccc"])', doc::xml, '{{s,http://www.w3.org/2000/svg}}'))[1]::text, '1', 'a NULL value is drawn as no data') FROM svg_out;
SELECT ok((SELECT bool_and(ST_Covers(s.g, ST_SetSRID(ST_MakePoint(
              ((xpath('/*/@x', t, '{{s,http://www.w3.org/2000/svg}}'))[1]::text::float8 - ox) / sc + x0,
              y1 - ((xpath('/*/@y', t, '{{s,http://www.w3.org/2000/svg}}'))[1]::text::float8 - oy) / sc), 0)))
           FROM svg_out, LATERAL unnest(xpath('//s:g[@id="labels"]/s:text', doc::xml, '{{s,http://www.w3.org/2000/svg}}')) WITH ORDINALITY x(t, i)
           JOIN shapes s USING (i),
           LATERAL (SELECT ST_XMin(e) x0, ST_YMax(e) y1, least(780 / (ST_XMax(e) - ST_XMin(e)), 600 / (ST_YMax(e) - ST_YMin(e))) sc,
                           10 + (780 - (ST_XMax(e) - ST_XMin(e)) * least(780 / (ST_XMax(e) - ST_XMin(e)), 600 / (ST_YMax(e) - ST_YMin(e)))) / 2 ox,
                           40 + (600 - (ST_YMax(e) - ST_YMin(e)) * least(780 / (ST_XMax(e) - ST_XMin(e)), 600 / (ST_YMax(e) - ST_YMin(e)))) / 2 oy
                    FROM (SELECT ST_Extent(g)::geometry e FROM shapes) b) m),
          'every label point lies inside its shape (holes and multipolygons included), y axis flipped');
SELECT is((SELECT array_agg(DISTINCT f ORDER BY f) FROM svg_out, LATERAL unnest(xpath('//s:g[@id="shapes"]/s:path/@fill', doc::xml, '{{s,http://www.w3.org/2000/svg}}')::text[]) f),
          '{#21918c,#3b528b,#440154,#5ec962,#cccccc,#fde725}'::text[], 'five classes of the colour-blind-safe viridis ramp plus no data');
SELECT ok(xml_is_well_formed_document(gm.svg_map(g, CASE WHEN i % 3 = 0 THEN 'red' WHEN i % 3 = 1 THEN 'green' ELSE 'yellow' END::gm.light, l)), 'light map is well-formed')
FROM shapes;
SELECT is((SELECT array_agg(DISTINCT f ORDER BY f) FROM (SELECT gm.svg_map(g, CASE WHEN i % 2 = 0 THEN 'red' ELSE 'green' END::gm.light, l) d FROM shapes) x,
           LATERAL unnest(xpath('//s:g[@id="shapes"]/s:path/@fill', d::xml, '{{s,http://www.w3.org/2000/svg}}')::text[]) f),
          '{#009e73,#d55e00}'::text[], 'light map uses the colour-blind-safe (Okabe-Ito) green and red');
-- parallel: the same shapes come out (order may differ)
CREATE TABLE many_shapes WITH (parallel_workers = 2) AS SELECT i, ST_Buffer(ST_MakePoint(i % 50, i / 50), 0.4, 2) g, i::numeric v FROM generate_series(1, 5000) i;
ANALYZE many_shapes;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SELECT matches(plan_of('SELECT gm.svg_map(g, v, NULL) FROM many_shapes'), 'Partial Aggregate', 'svg_map over 5000 shapes plans in parallel');
SELECT is((SELECT (xpath('count(//s:path)', gm.svg_map(g, v, NULL)::xml, '{{s,http://www.w3.org/2000/svg}}'))[1]::text FROM many_shapes), '5000',
          'parallel svg_map draws every shape once');
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
SELECT is((SELECT gm.svg_map(g, v, l) FROM shapes WHERE false), NULL, 'no rows: NULL');
SELECT throws_ok($$SELECT gm.svg_map('CURVEPOLYGON(CIRCULARSTRING(0 0,1 1,2 0,1 -1,0 0))'::geometry, 1, 'x')$$, '0A000', NULL, 'curves: 0A000');
SELECT throws_ok($$SELECT gm.svg_map('POINT(0 0)'::geometry, 'NaN'::numeric, 'x')$$, '22003', NULL, 'NaN value: 22003');
SELECT is((SELECT (xpath('count(//s:path)', gm.svg_map(g, 1, NULL)::xml, '{{s,http://www.w3.org/2000/svg}}'))[1]::text
           FROM (VALUES ('POINT(0 0)'::geometry), ('LINESTRING(0 0,1 1)'), ('POLYGON EMPTY'), ('GEOMETRYCOLLECTION(POLYGON((0 0,1 0,1 1,0 0)),POINT(2 2))'), ('POLYGON Z ((0 0 1,1 0 1,1 1 1,0 0 1))'), ('SRID=4326;POLYGON M ((0 0 1,1 0 1,1 1 1,0 0 1))')) t(g)),
          '3', 'points, lines, empty, collections, Z and M geometries are read: the three polygons are drawn, non-polygons draw nothing');
SELECT is(gm.svg_map('GEOMETRYCOLLECTION(POINT(9 9),GEOMETRYCOLLECTION(MULTIPOLYGON(((0 0,4 0,4 4,0 0)),((5 0,6 0,6 1,5 0))),LINESTRING(-3 -3,9 9)))'::geometry, 2, 'a'),
          gm.svg_map('MULTIPOLYGON(((0 0,4 0,4 4,0 0)),((5 0,6 0,6 1,5 0)))'::geometry, 2, 'a'),
          'polygons inside nested collections are drawn as the bare multipolygon (points and lines neither drawn nor framed)');
SELECT is(gm.svg_map('SRID=4326;POLYGON ZM ((0 0 1 2,4 0 1 2,4 4 1 2,0 4 1 2,0 0 1 2),(1 1 1 2,2 1 1 2,2 2 1 2,1 1 1 2))'::geometry, 2, 'a'),
          gm.svg_map('SRID=4326;POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,2 1,2 2,1 1))'::geometry, 2, 'a'),
          'a ZM polygon with a hole draws as its 2D shape');
SELECT is((xpath('count(//s:path)', gm.svg_map((repeat('GEOMETRYCOLLECTION(', 32) || 'POLYGON((0 0,1 0,1 1,0 0))' || repeat(')', 32))::geometry, 1, 'x')::xml,
                 '{{s,http://www.w3.org/2000/svg}}'))[1]::text, '1', 'collections nested 32 deep are drawn (the polygon inside is one path)');
SELECT throws_ok($$SELECT gm.svg_map((repeat('GEOMETRYCOLLECTION(', 33) || 'POLYGON((0 0,1 0,1 1,0 0))' || repeat(')', 33))::geometry, 1, 'x')$$,
                 '54000', NULL, 'collections nested 33 deep: 54000');

-- ------------------------------------------------------------------ title, legend, classes, palette, projection
CREATE FUNCTION pg_temp.svgx(doc text, path text) RETURNS text[] LANGUAGE sql AS $$
    SELECT xpath(path, doc::xml, '{{s,http://www.w3.org/2000/svg}}')::text[] $$;
CREATE TABLE clusters AS
SELECT i, ST_Buffer(ST_MakePoint(i, 0), 0.45, 4) AS g, v::numeric AS v
FROM unnest('{1, 1.1, 1.2, 10, 10.1, 20, 30, 30.2, 40, 40.1, 40.2, 40.3}'::numeric[]) WITH ORDINALITY u(v, i);
SELECT is((pg_temp.svgx(gm.svg_map(g, v, NULL, '{"title": "NPS <by> grid", "legend": "NPS"}' ORDER BY i), '//s:text[@id="title"]/text()'))[1],
          'NPS &lt;by&gt; grid', 'the title, escaped') FROM clusters;
SELECT is((pg_temp.svgx(gm.svg_map(g, v, NULL, '{"legend": "NPS"}' ORDER BY i), '//s:g[@id="legend"]/s:text[1]/text()'))[1],
          'NPS', 'the legend heading') FROM clusters;
SELECT is((SELECT array_to_string(pg_temp.svgx(gm.svg_map(g, v, NULL, '{"classes": "jenks"}' ORDER BY i), '//s:g[@id="legend"]/s:text/text()'), ' | ') FROM clusters),
          '40 – 40.3 (4) | 30 – 30.2 (2) | 20 (1) | 10 – 10.1 (2) | 1 – 1.2 (3) | natural-breaks classes',
          'natural breaks (Jenks) find the five clusters');
SELECT is((SELECT array_to_string(pg_temp.svgx(gm.svg_map(g, v, NULL ORDER BY i), '//s:g[@id="legend"]/s:text/text()'), ' | ') FROM clusters),
          '40.1 – 40.3 (3) | 30.2 – 40 (2) | 10.1 – 30 (3) | 1.2 – 10 (2) | 1 – 1.1 (2) | quantile classes',
          'quantile classes by default: about as many shapes in each (12 values: 2, 2, 3, 2, 3), each with the values it holds');
SELECT is((SELECT array_to_string(pg_temp.svgx(gm.svg_map(g, v, NULL, '{"classes": "equal"}' ORDER BY i), '//s:g[@id="legend"]/s:text/text()'), ' | ') FROM clusters),
          '32.44 – 40.3 (4) | 24.58 – 32.44 (2) | 16.72 – 24.58 (1) | 8.86 – 16.72 (2) | 1 – 8.86 (3) | equal-interval classes',
          'equal intervals of the range');
SELECT is((SELECT array_agg(DISTINCT f ORDER BY f) FROM clusters, LATERAL unnest(pg_temp.svgx(
              (SELECT gm.svg_map(g, v, NULL, '{"palette": "cividis"}') FROM clusters), '//s:g[@id="shapes"]/s:path/@fill')) f),
          '{#00204d,#414d6b,#7c7b78,#bcaf6f,#ffea46}'::text[], 'the cividis palette');
SELECT is((pg_temp.svgx(gm.svg_map(g, 'red'::gm.light, NULL, '{"title": "late orders"}'), '//s:text[@id="title"]/text()'))[1], 'late orders',
          'the light map takes a title too') FROM clusters;
SELECT throws_ok($$SELECT gm.svg_map(g, v, NULL, '{"colour": "red"}') FROM clusters$$, '42704', 'unknown gm.svg_map option "colour"', 'an unknown option: 42704');
SELECT throws_ok($$SELECT gm.svg_map(g, v, NULL, '{"classes": "kmeans"}') FROM clusters$$, '22023', 'gm.svg_map option "classes" cannot be "kmeans"', 'an unknown class method: 22023');
SELECT throws_ok($$SELECT gm.svg_map(g, v, NULL, '{"palette": "rainbow"}') FROM clusters$$, '22023', NULL, 'an unknown palette: 22023');
SELECT throws_ok($$SELECT gm.svg_map(g, v, NULL, '["title"]') FROM clusters$$, '22023', 'gm.svg_map options must be a JSON object', 'options not an object: 22023');
SELECT throws_ok($$SELECT gm.svg_map(g, v, NULL, '{"title": 5}') FROM clusters$$, '22023', 'gm.svg_map option "title" must be a string', 'a title not a string: 22023');
SELECT is((pg_temp.svgx(gm.svg_map(g, v, NULL, NULL), '//s:g[@id="legend"]/s:text[last()]/text()'))[1], 'quantile classes',
          'NULL options: the defaults') FROM clusters;
-- longitude / latitude: a 1 degree square at 60 degrees north is drawn half as wide as high
SELECT is((SELECT round(((ST_XMax(b) - ST_XMin(b)) / (ST_YMax(b) - ST_YMin(b)))::numeric, 2)
           FROM (SELECT ST_Extent(ST_GeomFromText('MULTIPOINT(' || replace(replace(replace(replace(d, ',', ' '), 'M', ''), 'L', ','), 'Z', '') || ')')) b
                 FROM (SELECT gm.svg_map('SRID=4326;POLYGON((10 59.5,11 59.5,11 60.5,10 60.5,10 59.5))'::geometry, 1, NULL) AS doc) a,
                      unnest(pg_temp.svgx(a.doc, '//s:g[@id="shapes"]/s:path/@d')) d) q),
          0.50, 'lon/lat data is drawn true at the middle latitude (a square degree at 60 N: half as wide as high)');
SELECT is((SELECT round(((ST_XMax(b) - ST_XMin(b)) / (ST_YMax(b) - ST_YMin(b)))::numeric, 2)
           FROM (SELECT ST_Extent(ST_GeomFromText('MULTIPOINT(' || replace(replace(replace(replace(d, ',', ' '), 'M', ''), 'L', ','), 'Z', '') || ')')) b
                 FROM (SELECT gm.svg_map('POLYGON((10 59.5,11 59.5,11 60.5,10 60.5,10 59.5))'::geometry, 1, NULL) AS doc) a,
                      unnest(pg_temp.svgx(a.doc, '//s:g[@id="shapes"]/s:path/@d')) d) q),
          1.00, 'planar data (no SRID) keeps its proportions');

-- ------------------------------------------------------------------ web layers (GeoJSON, vector tiles)
DELETE FROM gm.grid;
SELECT is(gm.grid_geojson(), '{"type": "FeatureCollection", "features": []}'::jsonb, 'no grids: an empty FeatureCollection');
SELECT is(length(gm.grid_tiles(0, 0, 0)), 0, 'no grids: an empty tile');
-- grids stored in Web Mercator (SRID 3857): GeoJSON is WGS 84 all the same
INSERT INTO gm.grid(code, name, kind, geom)
SELECT 'W' || i, 'web ' || i, 'physical', ST_Multi(ST_Transform(ST_MakeEnvelope(120.0 + i * 0.01, 30.2, 120.01 + i * 0.01, 30.21, 4326), 3857))
FROM generate_series(0, 2) i;
UPDATE gm.grid SET parent_id = (SELECT grid_id FROM gm.grid WHERE code = 'W0') WHERE code IN ('W1', 'W2');
INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'mgr_w1', 'manager' FROM gm.grid WHERE code = 'W1';
INSERT INTO gm.followup(customer_key, grid_id, event, tier, state, opened_at, responded_at)
SELECT 'wc' || i, (SELECT grid_id FROM gm.grid WHERE code = 'W1'), 'first_contact', 'standard',
       CASE WHEN i <= 3 THEN 'responded' ELSE 'new' END::gm.followup_state, now() - interval '3 days',
       CASE WHEN i <= 3 THEN now() - interval '3 days' + interval '1 hour' END
FROM generate_series(1, 4) i;
SELECT is(jsonb_array_length(gm.grid_geojson()->'features'), 3, 'GeoJSON: one feature per grid in force');
SELECT is((SELECT round((f->'geometry'->'coordinates'->0->0->0->>0)::numeric, 4) FROM jsonb_array_elements(gm.grid_geojson()->'features') f
           WHERE f->'properties'->>'code' = 'W1'), 120.0100, 'GeoJSON: coordinates in WGS 84 longitude although stored in 3857');
SELECT is((SELECT (f->'properties') - 'grid_id' - 'parent_id' FROM jsonb_array_elements(gm.grid_geojson()->'features') f
           WHERE f->'properties'->>'code' = 'W1'),
          '{"code": "W1", "kind": "physical", "name": "web 1", "light": "red", "manager": "mgr_w1", "grid_class": null,
            "open_orders": 4, "parent_name": "web 0", "on_time_rate": 0.75, "overdue_orders": 1}'::jsonb,
          'GeoJSON properties: names beside ids, manager, open and overdue orders, on-time rate (3 of 4) and its light (below 95 %)');
SELECT is(jsonb_array_length(gm.grid_geojson(CURRENT_DATE, (SELECT grid_id FROM gm.grid WHERE code = 'W0'))->'features'), 2,
          'GeoJSON of the children of one grid');
SELECT throws_ok($$SELECT gm.grid_geojson(NULL)$$, '22004', NULL, 'GeoJSON as of NULL: 22004');
SELECT throws_ok($$SELECT gm.grid_tiles(3, 8, 0)$$, '22003', 'no tile 3/8/0', 'a tile outside its zoom level: 22003');
SELECT throws_ok($$SELECT gm.grid_tiles(-1, 0, 0)$$, '22003', 'no tile -1/0/0', 'a negative zoom: 22003');
SELECT throws_ok($$SELECT gm.grid_tiles(NULL, 0, 0)$$, '22004', NULL, 'a NULL coordinate: 22004');
-- the zoom-10 tile over lon 120.01, lat 30.205
CREATE TEMP TABLE t10 AS SELECT floor((120.01 + 180) / 360 * 1024)::int AS x,
       floor((1 - ln(tan(radians(30.205)) + 1 / cos(radians(30.205))) / pi()) / 2 * 1024)::int AS y;
SELECT cmp_ok((SELECT length(gm.grid_tiles(10, x, y)) FROM t10), '>', 0, 'the zoom-10 tile over the grids holds them');
SELECT is(length(gm.grid_tiles(5, 0, 0)), 0, 'a tile elsewhere is empty');
SELECT is((SELECT length(gm.grid_tiles(10, x, y, '{"as_of": "1990-01-01"}')) FROM t10), (SELECT length(gm.grid_tiles(10, x, y)) FROM t10),
          'query_params as_of: the grids in force that day (valid since ever)');
DELETE FROM gm.followup WHERE customer_key LIKE 'wc%';
DELETE FROM gm.grid_member WHERE role_name = 'mgr_w1';
UPDATE gm.grid SET parent_id = NULL;
DELETE FROM gm.grid;
INSERT INTO gm.grid(code, name, kind, geom) VALUES ('S0', 'no srid', 'physical', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1)));
SELECT throws_ok($$SELECT gm.grid_geojson()$$, '55000', NULL, 'grids without an SRID: GeoJSON refused with 55000');
SELECT throws_ok($$SELECT gm.grid_tiles(0, 0, 0)$$, '55000', NULL, '... and tiles too');
SELECT * FROM finish();
