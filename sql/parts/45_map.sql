-------------------------------------------------------------------------------
-- Section 45: the map picture (网格地图) — C in src/map.c, doc/map.md, tests test/pgtap/map.sql

CREATE FUNCTION gm._svg_map_accum(internal, geometry, numeric, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_svg_map_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_accum(internal, geometry, numeric, text) IS 'Internal: transition function of gm.svg_map (values)';
CREATE FUNCTION gm._svg_map_light_accum(internal, geometry, gm.light, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_svg_map_light_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_light_accum(internal, geometry, gm.light, text) IS 'Internal: transition function of gm.svg_map (lights)';
CREATE FUNCTION gm._svg_map_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_svg_map_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_combine(internal, internal) IS 'Internal: combine function of gm.svg_map';
CREATE FUNCTION gm._svg_map_serial(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gm_svg_map_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_serial(internal) IS 'Internal: serialisation function of gm.svg_map';
CREATE FUNCTION gm._svg_map_deserial(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_svg_map_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_deserial(bytea, internal) IS 'Internal: deserialisation function of gm.svg_map';
CREATE FUNCTION gm._svg_map_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_svg_map_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_final(internal) IS 'Internal: final function of gm.svg_map (draws the SVG document)';
CREATE AGGREGATE gm.svg_map(geom geometry, value numeric, label text) (
    SFUNC = gm._svg_map_accum, STYPE = internal,
    COMBINEFUNC = gm._svg_map_combine, SERIALFUNC = gm._svg_map_serial, DESERIALFUNC = gm._svg_map_deserial,
    FINALFUNC = gm._svg_map_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.svg_map(geometry, numeric, text) IS
    'Choropleth map of polygons as a standalone SVG document: up to 5 quantile classes in the colour-blind-safe viridis ramp, legend, labels inside the shapes, lon/lat drawn true at the middle latitude';
CREATE AGGREGATE gm.svg_map(geom geometry, light gm.light, label text) (
    SFUNC = gm._svg_map_light_accum, STYPE = internal,
    COMBINEFUNC = gm._svg_map_combine, SERIALFUNC = gm._svg_map_serial, DESERIALFUNC = gm._svg_map_deserial,
    FINALFUNC = gm._svg_map_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.svg_map(geometry, gm.light, text) IS
    'Map of polygons coloured by traffic light (colour-blind-safe green / yellow / red) as a standalone SVG document with legend and labels';


-- Maps for the web and BI -----------------------------------------------------------------------
-- The grids in force on a day with their labels and follow-up KPIs, for a GeoJSON layer (any BI
-- map) and for Mapbox Vector Tiles (pg_tileserv / Martin function layers).  PL/pgSQL: the bodies
-- read the follow-up section, created after this one.
CREATE FUNCTION gm._grid_map_rows(as_of date)
    RETURNS TABLE(grid_id bigint, code text, name text, kind text, grid_class text, parent_id bigint,
                  parent_name text, manager name, open_orders bigint, overdue_orders bigint,
                  on_time_rate numeric, light gm.light, geom geometry)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
#variable_conflict use_column
DECLARE
    v_target numeric := gm.param('ontime_rate_target');
    v_tol numeric := gm.param('deviation_tolerance');
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN QUERY
    WITH k AS (
        SELECT s.grid_id,
               pg_catalog.count(*) FILTER (WHERE s.is_open) AS open_orders,
               pg_catalog.count(*) FILTER (WHERE s.is_open AND s.light = 'red') AS overdue_orders,
               gm.on_time_rate(s.due, s.done_at) AS rate
          FROM gm.followup_status s
         WHERE s.state <> 'cancelled'
         GROUP BY s.grid_id)
    SELECT g.grid_id, g.code, g.name, g.kind, g.grid_class::text, g.parent_id, p.name,
           (SELECT m.role_name FROM gm.grid_member m
             WHERE m.grid_id = g.grid_id AND m.duty = 'manager' AND as_of >= m.valid_from AND as_of < m.valid_to
             ORDER BY m.member_id LIMIT 1),
           COALESCE(k.open_orders, 0), COALESCE(k.overdue_orders, 0),
           pg_catalog.round(k.rate::numeric, 4),
           CASE WHEN k.rate IS NULL THEN NULL
                WHEN k.rate >= v_target THEN 'green'
                WHEN k.rate >= v_target * (1 - v_tol) THEN 'yellow'
                ELSE 'red' END::gm.light,
           g.geom
      FROM gm.grid g
      LEFT JOIN gm.grid p ON p.grid_id = g.parent_id
      LEFT JOIN k ON k.grid_id = g.grid_id
     WHERE g.valid_from <= as_of AND g.valid_to > as_of AND g.geom IS NOT NULL;
END $$;
COMMENT ON FUNCTION gm._grid_map_rows(date) IS
    'Internal: the grids in force on a day with names, manager and follow-up KPIs (open and overdue orders, on-time rate and its light against ontime_rate_target), for the web map layers';

CREATE FUNCTION gm.grid_geojson(as_of date DEFAULT CURRENT_DATE, parent_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    v_srid integer := (SELECT ST_SRID(g.geom) FROM gm.grid g WHERE g.geom IS NOT NULL LIMIT 1);
BEGIN
    IF v_srid = 0 THEN
        RAISE EXCEPTION 'the grids have no spatial reference (SRID 0): GeoJSON needs longitude and latitude'
            USING ERRCODE = '55000',
                  HINT = 'Store the grids with their SRID, e.g. UPDATE gm.grid SET geom = ST_SetSRID(geom, 4326).';
    END IF;
    RETURN (
        SELECT pg_catalog.jsonb_build_object('type', 'FeatureCollection', 'features',
                   COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'type', 'Feature', 'id', r.grid_id,
                       'geometry', ST_AsGeoJSON(CASE WHEN v_srid = 4326 THEN r.geom ELSE ST_Transform(r.geom, 4326) END, 7)::jsonb,
                       'properties', pg_catalog.jsonb_build_object(
                           'grid_id', r.grid_id, 'code', r.code, 'name', r.name, 'kind', r.kind,
                           'grid_class', r.grid_class, 'parent_id', r.parent_id, 'parent_name', r.parent_name,
                           'manager', r.manager, 'open_orders', r.open_orders, 'overdue_orders', r.overdue_orders,
                           'on_time_rate', r.on_time_rate, 'light', r.light))
                       ORDER BY r.grid_id), '[]'::jsonb))
          FROM gm._grid_map_rows(as_of) r
         WHERE grid_geojson.parent_id IS NULL OR r.parent_id = grid_geojson.parent_id);
END $$;
COMMENT ON FUNCTION gm.grid_geojson(date, bigint) IS
    'The grids in force on a day (children of parent_id, if given) as a GeoJSON FeatureCollection in WGS 84 with name, manager, open and overdue orders, on-time rate and light: a layer for any BI map';

CREATE FUNCTION gm.grid_tiles(z integer, x integer, y integer, query_params json DEFAULT '{}') RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    v_srid integer := (SELECT ST_SRID(g.geom) FROM gm.grid g WHERE g.geom IS NOT NULL LIMIT 1);
    v_env geometry;
    v_box geometry;
    v_day date := CURRENT_DATE;
    v_tile bytea;
BEGIN
    IF z IS NULL OR x IS NULL OR y IS NULL THEN
        RAISE EXCEPTION 'tile coordinates must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF z < 0 OR z > 30 OR x < 0 OR y < 0 OR x >= (1::bigint << z) OR y >= (1::bigint << z) THEN
        RAISE EXCEPTION 'no tile %/%/%', z, x, y USING ERRCODE = '22003',
            HINT = 'Zoom is 0 to 30; x and y are 0 to 2^zoom - 1.';
    END IF;
    IF query_params IS NOT NULL AND query_params::jsonb ? 'as_of' THEN
        v_day := (query_params->>'as_of')::date;
    END IF;
    IF v_srid IS NULL THEN
        RETURN ''::bytea;           -- no grid has a shape: an empty tile
    END IF;
    IF v_srid = 0 THEN
        RAISE EXCEPTION 'the grids have no spatial reference (SRID 0): tiles need a projection'
            USING ERRCODE = '55000',
                  HINT = 'Store the grids with their SRID, e.g. UPDATE gm.grid SET geom = ST_SetSRID(geom, 4326).';
    END IF;
    v_env := ST_TileEnvelope(z, x, y);
    -- the tile in the grids' own SRID (a little larger), so that the spatial index is used
    v_box := CASE WHEN v_srid = 3857 THEN ST_Expand(v_env, (ST_XMax(v_env) - ST_XMin(v_env)) / 64)
                  ELSE ST_Transform(ST_Expand(v_env, (ST_XMax(v_env) - ST_XMin(v_env)) / 64), v_srid) END;
    SELECT ST_AsMVT(t, 'grids', 4096, 'geom', 'grid_id') INTO v_tile
      FROM (SELECT r.grid_id, r.code, r.name, r.kind, r.parent_id, r.parent_name, r.manager::text AS manager,
                   r.open_orders, r.overdue_orders, r.on_time_rate::float8 AS on_time_rate, r.light::text AS light,
                   ST_AsMVTGeom(CASE WHEN v_srid = 3857 THEN r.geom ELSE ST_Transform(r.geom, 3857) END, v_env, 4096, 64, true) AS geom
              FROM gm._grid_map_rows(v_day) r
             WHERE r.geom && v_box) t
     WHERE t.geom IS NOT NULL;
    RETURN COALESCE(v_tile, ''::bytea);
END $$;
COMMENT ON FUNCTION gm.grid_tiles(integer, integer, integer, json) IS
    'Mapbox Vector Tile z/x/y (Web Mercator) of the grids in force (query_params {"as_of": date} picks the day), layer "grids" with name, manager, KPIs and light: a function layer for pg_tileserv or Martin';

-- A self-contained dashboard: the map of the grids' on-time lights and their KPI table in one HTML
-- page (inline SVG, CSS and a few lines of script; nothing fetched from the network)
CREATE FUNCTION gm._html(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
               $1, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
$$;
COMMENT ON FUNCTION gm._html(text) IS 'Internal: text escaped for HTML (& < > " '')';

CREATE FUNCTION gm.dashboard_html(title text DEFAULT 'Grid dashboard', as_of date DEFAULT CURRENT_DATE) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    v_map text;
    v_rows text;
    v_sum record;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- the grids that have no children in force (regions are the sum of their grids)
    SELECT gm.svg_map(r.geom, r.light, r.code,
                      pg_catalog.jsonb_build_object('title', 'On-time follow-up by grid, ' || as_of, 'legend', 'on time')
                      ORDER BY r.code)
      INTO v_map FROM gm._grid_map_rows(as_of) r
     WHERE NOT EXISTS (SELECT 1 FROM gm.grid c WHERE c.parent_id = r.grid_id AND c.valid_from <= as_of AND c.valid_to > as_of);
    v_map := pg_catalog.regexp_replace(COALESCE(v_map, '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="80"><text x="20" y="40">no grid has a shape</text></svg>'),
                                       '^<\?xml[^>]*\?>\s*', '');
    SELECT pg_catalog.string_agg(pg_catalog.format(
               '<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="light %s">%s</td></tr>',
               gm._html(r.code), gm._html(r.name), gm._html(COALESCE(r.parent_name, '')), gm._html(COALESCE(r.manager::text, '')),
               r.open_orders, r.overdue_orders,
               COALESCE(pg_catalog.to_char(r.on_time_rate * 100, 'FM990.0') || ' %', '–'),
               COALESCE(r.light::text, 'none'), COALESCE(r.light::text, '–')), E'\n' ORDER BY r.code)
      INTO v_rows
      FROM gm._grid_map_rows(as_of) r
     WHERE NOT EXISTS (SELECT 1 FROM gm.grid c WHERE c.parent_id = r.grid_id AND c.valid_from <= as_of AND c.valid_to > as_of);
    SELECT pg_catalog.count(*) AS grids, COALESCE(pg_catalog.sum(r.open_orders), 0) AS open_orders,
           COALESCE(pg_catalog.sum(r.overdue_orders), 0) AS overdue
      INTO v_sum FROM gm._grid_map_rows(as_of) r
     WHERE NOT EXISTS (SELECT 1 FROM gm.grid c WHERE c.parent_id = r.grid_id AND c.valid_from <= as_of AND c.valid_to > as_of);
    RETURN pg_catalog.format($html$<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%1$s</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; margin: 16px; color: #222; }
header { display: flex; gap: 24px; align-items: baseline; }
.tiles { display: flex; gap: 12px; margin: 12px 0; }
.tile { border: 1px solid #ccc; border-radius: 6px; padding: 8px 14px; }
.tile b { display: block; font-size: 22px; }
#map svg { max-width: 100%%; height: auto; border: 1px solid #ddd; }
table { border-collapse: collapse; margin-top: 12px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }
th { cursor: pointer; background: #f4f4f4; }
td.num { text-align: right; }
td.light.green { background: #009e73; color: #fff; }
td.light.yellow { background: #f0e442; }
td.light.red { background: #d55e00; color: #fff; }
</style>
</head>
<body data-ready="0">
<header><h1>%1$s</h1><span>as of %2$s</span></header>
<div class="tiles"><div class="tile">grids<b>%3$s</b></div><div class="tile">open orders<b>%4$s</b></div><div class="tile">overdue<b>%5$s</b></div></div>
<div id="map">%6$s</div>
<table id="kpi">
<thead><tr><th>code</th><th>grid</th><th>region</th><th>manager</th><th>open</th><th>overdue</th><th>on time</th><th>light</th></tr></thead>
<tbody>
%7$s
</tbody>
</table>
<script>
(function () {
  "use strict";
  var shapes = document.querySelectorAll("#map svg #shapes path");
  var drawn = 0;
  shapes.forEach(function (p) { var b = p.getBBox(); if (b.width > 0 && b.height > 0) { drawn++; } });
  document.body.dataset.mapShapes = String(drawn);
  var table = document.getElementById("kpi");
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = th.dataset.sort !== "asc";
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      th.dataset.sort = asc ? "asc" : "desc";
    });
  });
  document.body.dataset.ready = "1";
})();
</script>
</body>
</html>
$html$, gm._html(title), as_of, v_sum.grids, v_sum.open_orders, v_sum.overdue, v_map, COALESCE(v_rows, ''));
END $$;
COMMENT ON FUNCTION gm.dashboard_html(text, date) IS
    'A self-contained HTML dashboard (no network needed): the leaf grids'' on-time lights as a map, totals, and a sortable KPI table with names, region, manager, open and overdue orders, on-time rate and light';

-- PostGIS may live in any schema: pin it for the map functions that call it unqualified
DO $do$
DECLARE
    s name := (SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                WHERE e.extname = 'postgis');
BEGIN
    EXECUTE pg_catalog.format('ALTER FUNCTION gm._grid_map_rows(date) SET search_path = pg_catalog, gm, %I', s);
    EXECUTE pg_catalog.format('ALTER FUNCTION gm.grid_geojson(date, bigint) SET search_path = pg_catalog, gm, %I', s);
    EXECUTE pg_catalog.format('ALTER FUNCTION gm.grid_tiles(integer, integer, integer, json) SET search_path = pg_catalog, gm, %I', s);
    EXECUTE pg_catalog.format('ALTER FUNCTION gm.dashboard_html(text, date) SET search_path = pg_catalog, gm, %I', s);
END $do$;

-- the map with options: title, legend heading, classes (quantile / jenks / equal), palette
CREATE FUNCTION gm._svg_map_accum(internal, geometry, numeric, text, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_svg_map_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_accum(internal, geometry, numeric, text, jsonb) IS 'Internal: transition function of gm.svg_map (values, with options)';
CREATE FUNCTION gm._svg_map_light_accum(internal, geometry, gm.light, text, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_svg_map_light_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._svg_map_light_accum(internal, geometry, gm.light, text, jsonb) IS 'Internal: transition function of gm.svg_map (lights, with options)';
CREATE AGGREGATE gm.svg_map(geom geometry, value numeric, label text, options jsonb) (
    SFUNC = gm._svg_map_accum, STYPE = internal,
    COMBINEFUNC = gm._svg_map_combine, SERIALFUNC = gm._svg_map_serial, DESERIALFUNC = gm._svg_map_deserial,
    FINALFUNC = gm._svg_map_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.svg_map(geometry, numeric, text, jsonb) IS
    'Choropleth map of polygons as a standalone SVG document with options: {"title", "legend", "classes": quantile | jenks | equal, "palette": viridis | cividis | rdylgn}';
CREATE AGGREGATE gm.svg_map(geom geometry, light gm.light, label text, options jsonb) (
    SFUNC = gm._svg_map_light_accum, STYPE = internal,
    COMBINEFUNC = gm._svg_map_combine, SERIALFUNC = gm._svg_map_serial, DESERIALFUNC = gm._svg_map_deserial,
    FINALFUNC = gm._svg_map_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.svg_map(geometry, gm.light, text, jsonb) IS
    'Map of polygons coloured by traffic light (colour-blind-safe green / yellow / red) as a standalone SVG document with options: {"title", "legend"}';
