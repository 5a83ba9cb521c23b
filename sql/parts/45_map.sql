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
    'Choropleth map of polygons as a standalone SVG document: 5-class red-to-green ramp over the value range with legend, labels inside the shapes';
CREATE AGGREGATE gm.svg_map(geom geometry, light gm.light, label text) (
    SFUNC = gm._svg_map_light_accum, STYPE = internal,
    COMBINEFUNC = gm._svg_map_combine, SERIALFUNC = gm._svg_map_serial, DESERIALFUNC = gm._svg_map_deserial,
    FINALFUNC = gm._svg_map_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.svg_map(geometry, gm.light, text) IS
    'Map of polygons coloured by traffic light (fixed green / yellow / red) as a standalone SVG document with legend and labels';

