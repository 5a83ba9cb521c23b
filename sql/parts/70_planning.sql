
-------------------------------------------------------------------------------
-- Section 70: grid planning (网格规划: balanced design, value index, class review, load)
-------------------------------------------------------------------------------

-- Planning parameters are rows of gm.parameter (section 00), read with gm.param.  The manager load
-- thresholds (manager_load_min, manager_load_max = the default capacity, manager_load_overload), the
-- grid density target and the lead conversion target are the rows the KPI functions read too
-- (section 40): one row each, so a KPI light and a planning light cannot disagree.
INSERT INTO gm.parameter(name, value, unit, domain, source, origin) VALUES
    ('value_score_cap',         2,    'score',    'planning', 'ours: cap of the density and conversion scores', 'shipped'),
    ('class_a_min',             2,    'index',    'planning', 'ours: value index from which a grid is class A', 'shipped'),
    ('class_b_min',             1,    'index',    'planning', 'ours: value index from which a grid is class B', 'shipped'),
    ('review_up_growth',        0.20, 'fraction', 'planning', 'seed 000 §5.1: 连续两个季度销售增长率超20%的C类网格升级为B类', 'shipped'),
    ('review_down_growth',      -0.20,'fraction', 'planning', 'ours: symmetric downgrade (two quarters below -20 %)', 'shipped'),
    ('review_quarters',         2,    'quarters', 'planning', 'seed 000 §5.1: two consecutive quarters', 'shipped'),
    ('community_take_up',       0.6,  'fraction', 'planning', 'ours: expected take-up among occupied owner-occupied households (seeds 001, 004 list the inputs only)', 'shipped'),
    ('community_renter_factor', 0.5,  'fraction', 'planning', 'ours: renters take up at this fraction of owners (seed 001: 租户往往不愿意使用有一定入网门槛的有线业务)', 'shipped');

-------------------------------------------------------------------------------
-- Balanced grid design
-------------------------------------------------------------------------------

CREATE FUNCTION gm._design_cells(region geometry, fixed geometry, points geometry[], weights float8[],
                                 n integer, max_weight float8, srid integer, with_members boolean DEFAULT true,
                                 axis_rule integer DEFAULT 0,
                                 OUT grid_no integer, OUT xmin float8, OUT ymin float8,
                                 OUT xmax float8, OUT ymax float8, OUT weight float8,
                                 OUT customers integer, OUT balance float8, OUT members integer[])
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'gm_design_cells'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._design_cells(geometry, geometry, geometry[], float8[], integer, float8, integer, boolean, integer) IS
    'Internal: recursive weighted bisection of the region''s bounding box into n boxes (C); used by gm.design_grids';

-- checks a polygonal argument, raising 22004 (NULL) or 22023 naming the problem
CREATE FUNCTION gm._check_polygonal(g geometry, what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF g IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what USING ERRCODE = '22004';
    END IF;
    IF GeometryType(g) NOT IN ('POLYGON', 'MULTIPOLYGON') THEN
        RAISE EXCEPTION '% must be a Polygon or MultiPolygon, not %', what, GeometryType(g) USING ERRCODE = '22023',
            HINT = 'Pass the polygons of the area, e.g. ST_CollectionExtract(geom, 3).';
    END IF;
    IF ST_IsEmpty(g) THEN
        RAISE EXCEPTION '% is empty', what USING ERRCODE = '22023';
    END IF;
    IF ST_IsValidReason(g) <> 'Valid Geometry' THEN
        RAISE EXCEPTION '% is not a valid polygon: %', what, ST_IsValidReason(g) USING ERRCODE = '22023',
            HINT = 'ST_MakeValid(geom) repairs it.';
    END IF;
END $$;
COMMENT ON FUNCTION gm._check_polygonal(geometry, text) IS
    'Internal: raises 22004 for NULL and 22023 unless the geometry is a non-empty valid (Multi)Polygon';

-- the area to design (region minus fixed grids) and the union of the fixed grids
CREATE FUNCTION gm._design_area(region geometry, fixed geometry[], OUT area geometry, OUT fixed_union geometry,
                                OUT convex boolean)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE i integer;
BEGIN
    PERFORM gm._check_polygonal(region, 'region');
    area := ST_Force2D(region);
    IF fixed IS NOT NULL AND cardinality(fixed) > 0 THEN
        FOR i IN array_lower(fixed, 1) .. array_upper(fixed, 1) LOOP
            PERFORM gm._check_polygonal(fixed[i], format('fixed[%s]', i));
            IF ST_SRID(fixed[i]) <> ST_SRID(region) THEN
                RAISE EXCEPTION 'fixed[%] has SRID %, the region has SRID %', i, ST_SRID(fixed[i]), ST_SRID(region)
                    USING ERRCODE = '22023',
                    HINT = pg_catalog.format('Transform it with ST_Transform(geom, %s).', ST_SRID(region));
            END IF;
        END LOOP;
        fixed_union := ST_Force2D(ST_CollectionExtract(ST_Union(fixed), 3));
        area := ST_CollectionExtract(ST_Difference(area, fixed_union), 3);
        IF ST_IsEmpty(area) THEN
            RAISE EXCEPTION 'the fixed grids cover the whole region' USING ERRCODE = '22000',
                HINT = 'Leave out a fixed grid, or enlarge the region.';
        END IF;
    END IF;
    -- straight cuts of a convex area give one polygon per grid; other areas need gm._design_merged
    convex := ST_NumGeometries(area) = 1 AND ST_Equals(ST_ConvexHull(area), area);
END $$;
COMMENT ON FUNCTION gm._design_area(geometry, geometry[]) IS
    'Internal: validates the region and fixed grids; returns the region minus the fixed grids, their union, and whether the rest is convex';

-- Non-convex areas: a straight cut can leave a grid in several parts.  Every part but the
-- heaviest is handed, with its customers, to the lightest grid sharing an edge with it (the
-- grids still tile the area; each customer stays covered by its grid's polygon).  A part with
-- no edge-sharing grid (a separate piece of a MultiPolygon region) stays where it is.
CREATE FUNCTION gm._design_merged(area geometry, fixed_union geometry, points geometry[], weights float8[],
                                  n integer, max_weight float8, srid integer, rules integer[] DEFAULT '{0,1,2,3}')
    RETURNS TABLE(grid_no integer, geom geometry, weight float8, customers integer, balance float8, members integer[])
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    c record;
    g geometry[] := '{}';
    w float8[] := '{}';
    cnt integer[] := '{}';
    owner integer[] := '{}';
    memflat integer[] := '{}';      -- members of every grid as the C design left them, grid after grid
    off integer[] := '{}';          -- grid i's members are memflat[off[i] + 1 .. off[i + 1]]
    moved integer[] := '{}';        -- points handed to another grid since
    cand integer[];
    k integer := 0;
    i integer; j integer; h integer; m integer; best integer;
    parts geometry[];
    pw float8[];
    keep integer;
    rest geometry[];
    pt_w float8;
    rule integer := 0;
    r integer;
    best_parts bigint;
    best_bal float8;
    np bigint;
    bal float8;
BEGIN
    -- the order of cuts that leaves the fewest grids in several parts (then: the best balance)
    FOREACH r IN ARRAY rules LOOP
        SELECT count(*) FILTER (WHERE ST_NumGeometries(gm._design_cell_geom(area, x.xmin, x.ymin, x.xmax, x.ymax)) > 1),
               max(x.balance)
          INTO np, bal
          FROM gm._design_cells(area, fixed_union, points, weights, n, max_weight, srid, false, r) AS x;
        IF best_parts IS NULL OR np < best_parts OR (np = best_parts AND bal < best_bal) THEN
            rule := r; best_parts := np; best_bal := bal;
        END IF;
        EXIT WHEN np = 0;
    END LOOP;
    IF best_parts = 0 THEN          -- every grid is one polygon: nothing to merge
        RETURN QUERY
        SELECT x.grid_no, gm._design_cell_geom(area, x.xmin, x.ymin, x.xmax, x.ymax), x.weight, x.customers, x.balance, x.members
        FROM gm._design_cells(area, fixed_union, points, weights, n, max_weight, srid, true, rule) AS x
        ORDER BY x.grid_no;
        RETURN;
    END IF;
    FOR c IN SELECT * FROM gm._design_cells(area, fixed_union, points, weights, n, max_weight, srid, true, rule)
    LOOP
        k := k + 1;
        g[c.grid_no] := gm._design_cell_geom(area, c.xmin, c.ymin, c.xmax, c.ymax);
        w[c.grid_no] := c.weight;
        cnt[c.grid_no] := c.customers;
        off[c.grid_no] := cardinality(memflat);
        memflat := memflat || c.members;
        FOREACH m IN ARRAY c.members LOOP
            owner[m] := c.grid_no;
        END LOOP;
    END LOOP;
    off[k + 1] := cardinality(memflat);
    FOR i IN 1 .. k LOOP
        CONTINUE WHEN ST_NumGeometries(g[i]) <= 1;
        parts := ARRAY(SELECT d.geom FROM ST_Dump(g[i]) d ORDER BY ST_Area(d.geom) DESC);
        pw := array_fill(0::float8, ARRAY[cardinality(parts)]);
        -- the grid's customers: its own from the design, plus any handed to it since
        cand := memflat[off[i] + 1 : off[i + 1]] || moved;
        FOREACH m IN ARRAY cand LOOP
            CONTINUE WHEN owner[m] IS DISTINCT FROM i;
            FOR j IN 1 .. cardinality(parts) LOOP
                IF ST_Covers(parts[j], points[m]) THEN
                    pw[j] := pw[j] + COALESCE(weights[m], 1);
                    EXIT;
                END IF;
            END LOOP;
        END LOOP;
        keep := 1;
        FOR j IN 2 .. cardinality(parts) LOOP
            IF pw[j] > pw[keep] THEN keep := j; END IF;
        END LOOP;
        rest := ARRAY[parts[keep]];
        FOR j IN 1 .. cardinality(parts) LOOP
            CONTINUE WHEN j = keep;
            best := NULL;
            FOR h IN 1 .. k LOOP
                IF h <> i AND ST_Relate(parts[j], g[h], 'F***1****') AND (best IS NULL OR w[h] < w[best]) THEN
                    best := h;
                END IF;
            END LOOP;
            IF best IS NULL THEN
                rest := rest || parts[j];
                CONTINUE;
            END IF;
            FOREACH m IN ARRAY cand LOOP
                IF owner[m] = i AND ST_Covers(parts[j], points[m])
                   AND NOT (ST_Covers(parts[keep], points[m]) AND NOT ST_Covers(g[best], points[m])) THEN
                    owner[m] := best;
                    moved := moved || m;
                    pt_w := COALESCE(weights[m], 1);
                    w[i] := w[i] - pt_w; w[best] := w[best] + pt_w;
                    cnt[i] := cnt[i] - 1; cnt[best] := cnt[best] + 1;
                END IF;
            END LOOP;
            g[best] := ST_UnaryUnion(ST_Collect(g[best], parts[j]));
            IF ST_NumGeometries(g[best]) = 1 THEN g[best] := ST_GeometryN(g[best], 1); END IF;
        END LOOP;
        g[i] := CASE WHEN cardinality(rest) = 1 THEN rest[1] ELSE ST_Collect(rest) END;
    END LOOP;
    RETURN QUERY
    WITH mem AS (SELECT u.gn, array_agg(u.o::integer ORDER BY u.o) AS ms
                 FROM unnest(owner) WITH ORDINALITY AS u(gn, o) WHERE u.gn IS NOT NULL GROUP BY u.gn),
         grids AS (SELECT x.o::integer AS gn, x.geom, x.wt, x.ct FROM unnest(g, w, cnt) WITH ORDINALITY AS x(geom, wt, ct, o))
    SELECT grids.gn, grids.geom, grids.wt, grids.ct,
           CASE WHEN min(grids.wt) OVER () > 0 THEN max(grids.wt) OVER () / min(grids.wt) OVER () ELSE 'Infinity'::float8 END,
           COALESCE(mem.ms, '{}')
    FROM grids LEFT JOIN mem ON mem.gn = grids.gn
    ORDER BY grids.gn;
END $$;
COMMENT ON FUNCTION gm._design_merged(geometry, geometry, geometry[], float8[], integer, float8, integer, integer[]) IS
    'Internal: the design of a non-convex area, grids left in several parts merged into edge-sharing neighbours';

-- one grid polygon: the region cut by a box; a single Polygon when it has one part
CREATE FUNCTION gm._design_cell_geom(area geometry, xmin float8, ymin float8, xmax float8, ymax float8)
    RETURNS geometry
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN ST_NumGeometries(g) = 1 THEN ST_GeometryN(g, 1) ELSE g END
    FROM (SELECT ST_CollectionExtract(ST_Intersection(area, ST_MakeEnvelope(xmin, ymin, xmax, ymax, ST_SRID(area))), 3) AS g) s
$$;
COMMENT ON FUNCTION gm._design_cell_geom(geometry, float8, float8, float8, float8) IS
    'Internal: the part of the design area inside one box of the bisection';

-- LANGUAGE sql, not plpgsql: plpgsql would expand the big array arguments on entry and plan
-- them as constants; an SQL function hands them to C untouched
CREATE FUNCTION gm.design_grids(region geometry, points geometry[], weights float8[], n integer,
                                max_weight float8 DEFAULT NULL, fixed geometry[] DEFAULT NULL)
    RETURNS TABLE(grid_no integer, geom geometry, weight float8, customers integer, balance float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT x.grid_no, x.geom, x.weight, x.customers, x.balance
    FROM gm._design_area(region, fixed) AS a,
         LATERAL (SELECT c.grid_no, gm._design_cell_geom(a.area, c.xmin, c.ymin, c.xmax, c.ymax) AS geom,
                         c.weight, c.customers, c.balance
                  FROM gm._design_cells(a.area, a.fixed_union, points, weights, n, max_weight,
                                        ST_SRID(region), false) AS c
                  WHERE a.convex
                  UNION ALL
                  SELECT m.grid_no, m.geom, m.weight, m.customers, m.balance
                  FROM gm._design_merged(a.area, a.fixed_union, points, weights, n, max_weight, ST_SRID(region)) AS m
                  WHERE NOT a.convex) AS x
    ORDER BY x.grid_no
$$;
COMMENT ON FUNCTION gm.design_grids(geometry, geometry[], float8[], integer, float8, geometry[]) IS
    'Cuts a region into n contiguous grids of near-equal customer weight (recursive weighted bisection in C): grid_no, geom, weight, customers, balance (max/min weight of the design)';

CREATE FUNCTION gm.design_grids_assign(region geometry, points geometry[], weights float8[], n integer,
                                       max_weight float8 DEFAULT NULL, fixed geometry[] DEFAULT NULL)
    RETURNS TABLE(point_no integer, grid_no integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT mm.p, x.grid_no
    FROM gm._design_area(region, fixed) AS a,
         LATERAL (SELECT c.grid_no, c.members
                  FROM gm._design_cells(a.area, a.fixed_union, points, weights, n, max_weight,
                                        ST_SRID(region)) AS c
                  WHERE a.convex
                  UNION ALL
                  SELECT m.grid_no, m.members
                  FROM gm._design_merged(a.area, a.fixed_union, points, weights, n, max_weight, ST_SRID(region)) AS m
                  WHERE NOT a.convex) AS x,
         pg_catalog.unnest(x.members) AS mm(p)
    ORDER BY mm.p
$$;
COMMENT ON FUNCTION gm.design_grids_assign(geometry, geometry[], float8[], integer, float8, geometry[]) IS
    'The grid of every point in the design gm.design_grids makes with the same arguments (points in fixed grids are left out)';

-------------------------------------------------------------------------------
-- Grid value index, class, quarterly review (网格价值指数, A/B/C)
-------------------------------------------------------------------------------

CREATE FUNCTION gm.grid_value(customers numeric, conversion_rate numeric, competitor_share numeric)
    RETURNS numeric
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
DECLARE cap numeric := gm.param('value_score_cap');
BEGIN
    IF customers < 0 THEN
        RAISE EXCEPTION 'customers must be >= 0, not %', customers USING ERRCODE = '22003';
    END IF;
    IF conversion_rate < 0 OR conversion_rate > 1 THEN
        RAISE EXCEPTION 'conversion_rate must be a fraction in [0, 1], not %', conversion_rate USING ERRCODE = '22003';
    END IF;
    IF competitor_share < 0 OR competitor_share > 1 THEN
        RAISE EXCEPTION 'competitor_share must be a fraction in [0, 1], not %', competitor_share USING ERRCODE = '22003';
    END IF;
    RETURN round(least(cap, customers / gm.param('grid_density_target'))
                 * least(cap, conversion_rate / gm.param('lead_to_deal_target'))
                 * (1 + competitor_share), 4);
END $$;
COMMENT ON FUNCTION gm.grid_value(numeric, numeric, numeric) IS
    'Grid value index (seed 000 §7.1) = customer density score x conversion potential score x competition intensity (1 + competitor share)';

CREATE FUNCTION gm.grid_class(value numeric, a_min numeric, b_min numeric) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF a_min IS NULL OR b_min IS NULL OR b_min > a_min THEN
        RAISE EXCEPTION 'class thresholds must satisfy b_min <= a_min, not a_min %, b_min %', a_min, b_min
            USING ERRCODE = '22003';
    END IF;
    RETURN CASE WHEN value IS NULL THEN NULL WHEN value >= a_min THEN 'A' WHEN value >= b_min THEN 'B' ELSE 'C' END;
END $$;
COMMENT ON FUNCTION gm.grid_class(numeric, numeric, numeric) IS
    'Grid class from a value index: A at or above a_min, B at or above b_min, else C';

CREATE FUNCTION gm.grid_class(value numeric) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT gm.grid_class(value, gm.param('class_a_min'), gm.param('class_b_min')) $$;
COMMENT ON FUNCTION gm.grid_class(numeric) IS
    'Grid class from a value index with the configured thresholds (class_a_min, class_b_min)';

CREATE FUNCTION gm.grid_class_review(current_class text, growth numeric[]) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    q integer := gm.param('review_quarters')::integer;
    up numeric := gm.param('review_up_growth');
    down numeric := gm.param('review_down_growth');
    last numeric[];
    n integer;
BEGIN
    IF current_class IS NULL THEN
        RETURN NULL;
    END IF;
    IF current_class NOT IN ('A', 'B', 'C') THEN
        RAISE EXCEPTION 'grid class must be A, B or C, not "%"', current_class USING ERRCODE = '22023';
    END IF;
    IF growth IS NULL OR array_ndims(growth) IS DISTINCT FROM 1 THEN
        RETURN current_class;
    END IF;
    n := cardinality(growth);
    IF n < q THEN
        RETURN current_class;
    END IF;
    last := growth[array_upper(growth, 1) - q + 1 : array_upper(growth, 1)];
    IF array_position(last, NULL) IS NOT NULL THEN
        RETURN current_class;          -- a missing quarter: no decision
    END IF;
    IF (SELECT bool_and(g > up) FROM unnest(last) g) THEN
        RETURN CASE current_class WHEN 'C' THEN 'B' ELSE 'A' END;
    END IF;
    IF (SELECT bool_and(g < down) FROM unnest(last) g) THEN
        RETURN CASE current_class WHEN 'A' THEN 'B' ELSE 'C' END;
    END IF;
    RETURN current_class;
END $$;
COMMENT ON FUNCTION gm.grid_class_review(text, numeric[]) IS
    'Quarterly class review: the last review_quarters growth rates (fractions, oldest first) all above review_up_growth move a grid up one class (C->B->A), all below review_down_growth move it down (ours)';

CREATE TABLE gm.grid_class_history (
    history_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    grid_id     bigint NOT NULL REFERENCES gm.grid(grid_id) ON DELETE CASCADE,
    old_class   char(1) CHECK (old_class IN ('A', 'B', 'C')),
    new_class   char(1) NOT NULL CHECK (new_class IN ('A', 'B', 'C')),
    changed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    changed_by  name NOT NULL DEFAULT CURRENT_USER,
    growth      numeric[],
    reason      text
);
COMMENT ON TABLE gm.grid_class_history IS
    'History of grid class changes (quarterly reviews and manual settings)';
CREATE INDEX grid_class_history_grid_idx ON gm.grid_class_history (grid_id, changed_at);
SELECT pg_catalog.pg_extension_config_dump('gm.grid_class_history', '');
SELECT pg_catalog.pg_extension_config_dump('gm.grid_class_history_history_id_seq', '');

CREATE FUNCTION gm.review_grid_class(grid bigint, growth numeric[], reason text DEFAULT 'quarterly review')
    RETURNS text
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, gm
AS $$
DECLARE old text; new text;
BEGIN
    SELECT g.grid_class INTO old FROM gm.grid g WHERE g.grid_id = grid FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no grid with grid_id %', grid USING ERRCODE = '42704';
    END IF;
    IF old IS NULL THEN
        RAISE EXCEPTION 'grid % has no class to review', grid USING ERRCODE = '55000',
            HINT = 'Set gm.grid.grid_class first, e.g. from gm.grid_class(gm.grid_value(...)).';
    END IF;
    new := gm.grid_class_review(old, growth);
    IF new IS DISTINCT FROM old THEN
        UPDATE gm.grid g SET grid_class = new WHERE g.grid_id = grid;
        INSERT INTO gm.grid_class_history(grid_id, old_class, new_class, growth, reason)
        VALUES (grid, old, new, growth, reason);
    END IF;
    RETURN new;
END $$;
COMMENT ON FUNCTION gm.review_grid_class(bigint, numeric[], text) IS
    'Applies gm.grid_class_review to a registered grid: updates gm.grid.grid_class and records the change in gm.grid_class_history';

-------------------------------------------------------------------------------
-- Manager load (网格经理负荷)
-------------------------------------------------------------------------------

CREATE FUNCTION gm.load_status(customers bigint, capacity integer DEFAULT NULL) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN customers IS NULL THEN NULL
                WHEN customers >= gm.param('manager_load_overload')
                     AND customers > COALESCE(capacity, gm.param('manager_load_max')) THEN 'overload'
                WHEN customers > COALESCE(capacity, gm.param('manager_load_max')) THEN 'high'
                WHEN customers < gm.param('manager_load_min') THEN 'under'
                ELSE 'reasonable' END
$$;
COMMENT ON FUNCTION gm.load_status(bigint, integer) IS
    'Load of a manager or grid: under (< manager_load_min), reasonable (<= capacity, default manager_load_max), high (> capacity), overload (>= manager_load_overload and > capacity)';

CREATE FUNCTION gm.load_light(customers bigint, capacity integer DEFAULT NULL) RETURNS gm.light
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE gm.load_status(customers, capacity) WHEN 'overload' THEN 'red'::gm.light
                WHEN 'high' THEN 'yellow'::gm.light WHEN NULL THEN NULL ELSE 'green'::gm.light END
$$;
COMMENT ON FUNCTION gm.load_light(bigint, integer) IS
    'Traffic light of a load: green up to capacity, yellow above it, red at overload';

CREATE FUNCTION gm.grid_load(tbl regclass, grid_column name DEFAULT 'grid_id', at date DEFAULT CURRENT_DATE)
    RETURNS TABLE(grid_id bigint, code text, manager name, customers bigint, capacity integer,
                  load_ratio numeric, status text, light gm.light)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
    SET search_path = pg_catalog, gm
AS $$
#variable_conflict use_column
BEGIN
    IF tbl IS NULL OR grid_column IS NULL THEN
        RAISE EXCEPTION 'tbl and grid_column must not be NULL' USING ERRCODE = '22004';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH cnt AS (SELECT %1$I::bigint AS gid, count(*) AS n FROM %2$s WHERE %1$I IS NOT NULL GROUP BY 1),
        leaf AS (SELECT g.* FROM gm.grid g
                 WHERE g.valid_from <= $1 AND $1 < g.valid_to
                   AND NOT EXISTS (SELECT 1 FROM gm.grid ch WHERE ch.parent_id = g.grid_id))
        SELECT l.grid_id, l.code,
               (SELECT min(m.role_name::text)::name FROM gm.grid_member m
                 WHERE m.grid_id = l.grid_id AND m.duty = 'manager' AND m.valid_from <= $1 AND $1 < m.valid_to),
               COALESCE(c.n, 0)::bigint,
               COALESCE(l.capacity, gm.param('manager_load_max')::integer),
               round(COALESCE(c.n, 0) / COALESCE(l.capacity, gm.param('manager_load_max'))::numeric, 3),
               gm.load_status(COALESCE(c.n, 0), COALESCE(l.capacity, gm.param('manager_load_max')::integer)),
               gm.load_light(COALESCE(c.n, 0), COALESCE(l.capacity, gm.param('manager_load_max')::integer))
        FROM leaf l LEFT JOIN cnt c ON c.gid = l.grid_id
        ORDER BY l.grid_id $q$, grid_column, tbl) USING at;
END $$;
COMMENT ON FUNCTION gm.grid_load(regclass, name, date) IS
    'Customers per leaf grid of a user table of assignment results (its grid column) against the grid''s capacity, with its manager and light';

CREATE FUNCTION gm.manager_load(tbl regclass, grid_column name DEFAULT 'grid_id', at date DEFAULT CURRENT_DATE)
    RETURNS TABLE(manager name, grids integer, customers bigint, capacity integer, load_ratio numeric,
                  status text, light gm.light)
    LANGUAGE sql STABLE PARALLEL RESTRICTED
    SET search_path = pg_catalog, gm
AS $$
    SELECT l.manager, count(*)::integer, sum(l.customers)::bigint,
           gm.param('manager_load_max')::integer,
           round(sum(l.customers) / gm.param('manager_load_max'), 3),
           gm.load_status(sum(l.customers)::bigint), gm.load_light(sum(l.customers)::bigint)
    FROM gm.grid_load(tbl, grid_column, at) l
    WHERE l.manager IS NOT NULL
    GROUP BY l.manager
    ORDER BY sum(l.customers) DESC, l.manager
$$;
COMMENT ON FUNCTION gm.manager_load(regclass, name, date) IS
    'Customers per grid manager (over all grids the manager holds) against the per-person capacity, with status and light (seed 000: 200-300 reasonable, 500 overload)';

CREATE FUNCTION gm.propose_moves(tbl regclass, key_column name, geom_column name,
                                 grid_column name DEFAULT 'grid_id', at date DEFAULT CURRENT_DATE)
    RETURNS TABLE(customer_key text, from_grid bigint, to_grid bigint, distance float8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
AS $$
#variable_conflict use_column
DECLARE
    src record;
    tgt record;
    excess bigint;
    take bigint;
    moved text[] := '{}';
    got text[];
    dists float8[];
    loads jsonb := '{}';
BEGIN
    IF tbl IS NULL OR key_column IS NULL OR geom_column IS NULL OR grid_column IS NULL THEN
        RAISE EXCEPTION 'tbl, key_column, geom_column and grid_column must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT jsonb_object_agg(l.grid_id::text, l.customers) INTO loads FROM gm.grid_load(tbl, grid_column, at) l;
    loads := COALESCE(loads, '{}');
    FOR src IN
        SELECT l.grid_id, l.customers - l.capacity AS excess, g.geom
        FROM gm.grid_load(tbl, grid_column, at) l JOIN gm.grid g ON g.grid_id = l.grid_id
        WHERE l.customers > l.capacity AND g.geom IS NOT NULL
        ORDER BY l.customers - l.capacity DESC, l.grid_id
    LOOP
        excess := src.excess;
        FOR tgt IN
            SELECT l.grid_id, COALESCE(g.capacity, gm.param('manager_load_max')::integer) AS capacity, g.geom
            FROM gm.grid_load(tbl, grid_column, at) l JOIN gm.grid g ON g.grid_id = l.grid_id
            WHERE l.grid_id <> src.grid_id AND g.geom IS NOT NULL
              AND ST_Relate(src.geom, g.geom, 'F***1****')
            ORDER BY l.capacity - (loads ->> l.grid_id::text)::bigint DESC, l.grid_id
        LOOP
            EXIT WHEN excess <= 0;
            take := least(excess, tgt.capacity - (loads ->> tgt.grid_id::text)::bigint);
            CONTINUE WHEN take <= 0;
            EXECUTE format($q$
                SELECT array_agg(k ORDER BY d, k), array_agg(d ORDER BY d, k)
                FROM (SELECT %1$I::text AS k, ST_Distance(%2$I, $3) AS d FROM %4$s
                      WHERE %3$I = $1 AND NOT (%1$I::text = ANY ($5))
                      ORDER BY 2, 1 LIMIT $4) s $q$, key_column, geom_column, grid_column, tbl)
                INTO got, dists USING src.grid_id, tgt.grid_id, tgt.geom, take, moved;
            take := COALESCE(cardinality(got), 0);
            RETURN QUERY SELECT u.k, src.grid_id, tgt.grid_id, u.d FROM unnest(got, dists) AS u(k, d);
            moved := moved || COALESCE(got, '{}');
            loads := jsonb_set(loads, ARRAY[tgt.grid_id::text], to_jsonb((loads ->> tgt.grid_id::text)::bigint + take));
            excess := excess - take;
        END LOOP;
    END LOOP;
END $$;
COMMENT ON FUNCTION gm.propose_moves(regclass, name, name, name, date) IS
    'Proposes customers to move from over-capacity grids to neighbouring (edge-sharing) grids with spare capacity, nearest customers first';

-------------------------------------------------------------------------------
-- Residential community (小区) potential
-------------------------------------------------------------------------------

CREATE FUNCTION gm.community_potential(households integer, occupancy numeric,
                                       owner_share numeric DEFAULT 1, competitor_share numeric DEFAULT 0,
                                       current_customers integer DEFAULT 0, take_up numeric DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE t numeric;
BEGIN
    IF households IS NULL OR occupancy IS NULL THEN
        RETURN NULL;
    END IF;
    IF households < 0 THEN
        RAISE EXCEPTION 'households must be >= 0, not %', households USING ERRCODE = '22003';
    END IF;
    IF occupancy < 0 OR occupancy > 1 THEN
        RAISE EXCEPTION 'occupancy must be a fraction in [0, 1], not %', occupancy USING ERRCODE = '22003';
    END IF;
    IF owner_share IS NULL OR owner_share < 0 OR owner_share > 1 THEN
        RAISE EXCEPTION 'owner_share must be a fraction in [0, 1], not %', owner_share USING ERRCODE = '22003';
    END IF;
    IF competitor_share IS NULL OR competitor_share < 0 OR competitor_share > 1 THEN
        RAISE EXCEPTION 'competitor_share must be a fraction in [0, 1], not %', competitor_share USING ERRCODE = '22003';
    END IF;
    IF current_customers IS NULL OR current_customers < 0 THEN
        RAISE EXCEPTION 'current_customers must be >= 0, not %', current_customers USING ERRCODE = '22003';
    END IF;
    IF take_up IS NOT NULL AND (take_up < 0 OR take_up > 1) THEN
        RAISE EXCEPTION 'take_up must be a fraction in [0, 1], not %', take_up USING ERRCODE = '22003';
    END IF;
    t := COALESCE(take_up, gm.param('community_take_up')
                           * (owner_share + gm.param('community_renter_factor') * (1 - owner_share)));
    RETURN greatest(0, floor(households * occupancy * t * (1 - competitor_share) - current_customers))::integer;
END $$;
COMMENT ON FUNCTION gm.community_potential(integer, numeric, numeric, numeric, integer, numeric) IS
    'Customers still to win in a residential community (小区): households x occupancy x take-up x (1 - competitor share) - current customers (seeds 001, 004 inputs; formula ours)';

-- functions calling PostGIS get a search_path with PostGIS's schema, fixed at install time
DO $do$
DECLARE s name := (SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'postgis');
        f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'gm._check_polygonal(geometry, text)',
        'gm._design_area(geometry, geometry[])',
        'gm._design_merged(geometry, geometry, geometry[], double precision[], integer, double precision, integer, integer[])',
        'gm._design_cell_geom(geometry, double precision, double precision, double precision, double precision)',
        'gm.design_grids(geometry, geometry[], double precision[], integer, double precision, geometry[])',
        'gm.design_grids_assign(geometry, geometry[], double precision[], integer, double precision, geometry[])',
        'gm.grid_value(numeric, numeric, numeric)',
        'gm.grid_class(numeric, numeric, numeric)',
        'gm.grid_class(numeric)',
        'gm.grid_class_review(text, numeric[])',
        'gm.load_status(bigint, integer)',
        'gm.load_light(bigint, integer)',
        'gm.propose_moves(regclass, name, name, name, date)',
        'gm.community_potential(integer, numeric, numeric, numeric, integer, numeric)']
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, gm, %I', f, s);
    END LOOP;
END $do$;

-- the class history is readable by every role that calls the planning functions (gm.parameter is, section 00)
GRANT SELECT ON gm.grid_class_history TO PUBLIC;
