-------------------------------------------------------------------------------
-- Section 40: KPI aggregates, target decomposition and monitoring (KPI 指标体系, 目标监控)
-------------------------------------------------------------------------------

-- KPI thresholds and targets from the seeds are parameters (gm.parameter, section 00), read with
-- gm.param.  The manager load thresholds are one row each for the KPI light and band and for grid
-- planning's load status and light (section 70); so are the grid density target and the lead
-- conversion target, which planning's grid value index uses too.
INSERT INTO gm.parameter(name, value, unit, domain, source, origin) VALUES
    ('manager_load_min',        200,  'customers', 'kpi, planning', 'seed 000 §7.1: a grid manager serves 200-300 customers (合理负荷200个/人; 人均服务客户数控制在200-300人): below is under-loaded', 'shipped'),
    ('manager_load_max',        300,  'customers', 'kpi, planning', 'seed 000 §7.1: upper end of the reasonable load (200-300 customers per manager); the default capacity of a manager, and of a grid without gm.grid.capacity', 'shipped'),
    ('manager_load_overload',   500,  'customers', 'kpi, planning', 'seed 000 §2.3.3, §6.4: 500 customers per manager is overload (人均负责500个客户, 远超合理负荷)', 'shipped'),
    ('deviation_tolerance',     0.15, 'fraction',  'kpi', 'seed 003: deviation of ±15 % from plan triggers recalibration', 'shipped'),
    ('yoy_threshold',           0.2,  'fraction',  'kpi', 'seed 003: year-on-year swings beyond ±20 % raise an alert', 'shipped'),
    ('budget_consumed_level',   0.8,  'fraction',  'kpi', 'seed 003: level-1 budget alert at 80 % consumed', 'shipped'),
    ('budget_pace_factor',      1.2,  'ratio',     'kpi', 'seed 003: level-2 alert when spending runs 20 % ahead of plan', 'shipped'),
    ('bottom_share',            0.1,  'fraction',  'kpi', 'seed 003: the bottom 10 % get an improvement plan (后10%)', 'shipped'),
    ('nps_target',              70,   'score',     'kpi', 'seed 000 §3.3: NPS target 70', 'shipped'),
    ('csat_target',             90,   'points',    'kpi', 'seed 000 §3.3: CSAT target 90 points', 'shipped'),
    ('ontime_rate_target',      0.95, 'fraction',  'kpi', 'seed 000 §3.3: on-time follow-up rate 95 %', 'shipped'),
    ('lead_to_opportunity_target', 0.15, 'fraction', 'kpi', 'seed 000 §3.3 read per DESIGN.md: lead → opportunity 15 %', 'shipped'),
    ('opportunity_to_deal_target', 0.30, 'fraction', 'kpi', 'seed 000 §3.3 read per DESIGN.md: opportunity → deal 30 %', 'shipped'),
    ('lead_to_deal_target',     0.05, 'fraction',  'kpi, planning', 'seed 000 §3.3 read per DESIGN.md: lead → deal overall 5 % (线索转化率 目标5%; conversion potential 1.0 of the grid value index)', 'shipped'),
    ('grid_density_target',     300,  'customers', 'kpi, planning', 'seed 000 §3.3: 300 customers per grid (网格客户密度 目标300人/网格; density score 1.0 of the grid value index)', 'shipped');

-------------------------------------------------------------------------------
-- Aggregates.  Counting states are int8[] modified in place (no internal state, so no
-- serial/deserial is needed and postgres_fdw ships them whole).

CREATE FUNCTION gm._nps_accum(bigint[], integer) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_nps_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._nps_accum(bigint[], integer) IS 'Internal: transition function of gm.nps';
CREATE FUNCTION gm._nps_combine(bigint[], bigint[]) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_nps_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._nps_combine(bigint[], bigint[]) IS 'Internal: combine function of gm.nps';
CREATE FUNCTION gm._nps_final(bigint[]) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_nps_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._nps_final(bigint[]) IS 'Internal: final function of gm.nps';
CREATE AGGREGATE gm.nps(score integer) (
    SFUNC = gm._nps_accum, STYPE = bigint[], INITCOND = '{0,0,0}',
    COMBINEFUNC = gm._nps_combine, FINALFUNC = gm._nps_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.nps(integer) IS
    'Net Promoter Score: 100 × (promoters 9-10 − detractors 0-6) / answers, exact numeric; NULL scores ignored; scores outside 0..10: 22003';

CREATE FUNCTION gm._csat_accum(bigint[], integer, integer) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_csat_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._csat_accum(bigint[], integer, integer) IS 'Internal: transition function of gm.csat(score, scale)';
CREATE FUNCTION gm._csat_accum(bigint[], integer) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_csat_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._csat_accum(bigint[], integer) IS 'Internal: transition function of gm.csat(score) (5-point scale)';
CREATE FUNCTION gm._csat_combine(bigint[], bigint[]) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_csat_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._csat_combine(bigint[], bigint[]) IS 'Internal: combine function of gm.csat';
CREATE FUNCTION gm._csat_final(bigint[]) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_csat_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._csat_final(bigint[]) IS 'Internal: final function of gm.csat';
CREATE AGGREGATE gm.csat(score integer, scale integer) (
    SFUNC = gm._csat_accum, STYPE = bigint[], INITCOND = '{0,0,0,0}',
    COMBINEFUNC = gm._csat_combine, FINALFUNC = gm._csat_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.csat(integer, integer) IS
    'CSAT: scale 5 = percent of answers 4 or 5 (top-2 box); scale 100 = mean score; NULLs ignored; other scales 22023, scores off the scale 22003';
CREATE AGGREGATE gm.csat(score integer) (
    SFUNC = gm._csat_accum, STYPE = bigint[], INITCOND = '{0,0,0,0}',
    COMBINEFUNC = gm._csat_combine, FINALFUNC = gm._csat_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.csat(integer) IS
    'CSAT on the 5-point scale: percent of answers 4 or 5; NULLs ignored; scores outside 1..5: 22003';

CREATE FUNCTION gm._rate_accum(bigint[], boolean) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_rate_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._rate_accum(bigint[], boolean) IS 'Internal: transition function of gm.rate';
CREATE FUNCTION gm._rate_combine(bigint[], bigint[]) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_rate_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._rate_combine(bigint[], bigint[]) IS 'Internal: combine function of gm.rate';
CREATE FUNCTION gm._rate_final(bigint[]) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_rate_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._rate_final(bigint[]) IS 'Internal: final function of gm.rate';
CREATE AGGREGATE gm.rate(hit boolean) (
    SFUNC = gm._rate_accum, STYPE = bigint[], INITCOND = '{0,0}',
    COMBINEFUNC = gm._rate_combine, FINALFUNC = gm._rate_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.rate(boolean) IS
    'Share of true among non-NULL values, exact numeric fraction 0..1 (e.g. on-time rate); NULL for no rows';

CREATE TYPE gm.funnel_stats AS (
    leads               bigint,
    opportunities       bigint,
    deals               bigint,
    lead_to_opportunity numeric,
    opportunity_to_deal numeric,
    lead_to_deal        numeric
);
COMMENT ON TYPE gm.funnel_stats IS
    'Result of gm.funnel: rows that reached each stage and the step and overall conversion rates (fractions)';

CREATE FUNCTION gm._funnel_accum(bigint[], integer) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_funnel_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._funnel_accum(bigint[], integer) IS 'Internal: transition function of gm.funnel';
CREATE FUNCTION gm._funnel_combine(bigint[], bigint[]) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'gm_funnel_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._funnel_combine(bigint[], bigint[]) IS 'Internal: combine function of gm.funnel';
CREATE FUNCTION gm._funnel_final(bigint[]) RETURNS gm.funnel_stats
    AS 'MODULE_PATHNAME', 'gm_funnel_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._funnel_final(bigint[]) IS 'Internal: final function of gm.funnel';
CREATE AGGREGATE gm.funnel(stage integer) (
    SFUNC = gm._funnel_accum, STYPE = bigint[], INITCOND = '{0,0,0}',
    COMBINEFUNC = gm._funnel_combine, FINALFUNC = gm._funnel_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.funnel(integer) IS
    'Conversion funnel over the highest stage each row reached (1 lead, 2 opportunity, 3 deal): counts and rates; NULLs ignored; other stages 22003';

CREATE FUNCTION gm._cac_accum(numeric[], numeric, bigint) RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'gm_cac_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._cac_accum(numeric[], numeric, bigint) IS 'Internal: transition function of gm.cac';
CREATE FUNCTION gm._roi_accum(numeric[], numeric, numeric) RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'gm_roi_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._roi_accum(numeric[], numeric, numeric) IS 'Internal: transition function of gm.roi';
CREATE FUNCTION gm._money_combine(numeric[], numeric[]) RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'gm_money_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._money_combine(numeric[], numeric[]) IS 'Internal: combine function of gm.cac and gm.roi';
CREATE FUNCTION gm._cac_final(numeric[]) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_cac_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._cac_final(numeric[]) IS 'Internal: final function of gm.cac';
CREATE FUNCTION gm._roi_final(numeric[]) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_roi_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._roi_final(numeric[]) IS 'Internal: final function of gm.roi';
CREATE AGGREGATE gm.cac(spend numeric, new_customers bigint) (
    SFUNC = gm._cac_accum, STYPE = numeric[], INITCOND = '{0,0}',
    COMBINEFUNC = gm._money_combine, FINALFUNC = gm._cac_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.cac(numeric, bigint) IS
    'Customer acquisition cost: sum(spend) / sum(new_customers) over rows with both non-NULL; NULL when no new customers; negative or infinite input 22003';
CREATE AGGREGATE gm.roi(revenue numeric, cost numeric) (
    SFUNC = gm._roi_accum, STYPE = numeric[], INITCOND = '{0,0}',
    COMBINEFUNC = gm._money_combine, FINALFUNC = gm._roi_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.roi(numeric, numeric) IS
    'Return on investment: (sum(revenue) − sum(cost)) / sum(cost) over rows with both non-NULL; NULL when the cost is 0; negative cost 22003';

-------------------------------------------------------------------------------
-- Targets: decomposition (目标分解) and roll-up

CREATE FUNCTION gm.split_target(total numeric, weights numeric[], decimals integer DEFAULT 0)
    RETURNS numeric[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lo      int;
    n       int;
    w       numeric;
    sw      numeric := 0;
    scale   numeric;
    units   numeric;
    sgn     int;
    q       numeric[] := '{}';
    r       numeric[] := '{}';
    rest    numeric;
    res     numeric[] := '{}';
    k       int;
BEGIN
    IF decimals < 0 OR decimals > 12 THEN
        RAISE EXCEPTION 'decimals must be between 0 and 12, not %', decimals USING ERRCODE = '22003';
    END IF;
    IF array_ndims(weights) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION 'weights must be a non-empty one-dimensional array, not %', weights USING ERRCODE = '2202E';
    END IF;
    IF total = 'NaN'::numeric OR total IN ('Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION 'total must be a finite number, not %', total USING ERRCODE = '22003';
    END IF;
    lo := array_lower(weights, 1);
    n := cardinality(weights);
    FOR i IN 0 .. n - 1 LOOP
        w := weights[lo + i];
        IF w IS NULL THEN
            RAISE EXCEPTION 'weight % (position %) must not be NULL', 'NULL', i + 1 USING ERRCODE = '22004',
                HINT = 'Give a zero weight to a part that gets nothing.';
        END IF;
        IF w = 'NaN'::numeric OR w < 0 OR w = 'Infinity'::numeric THEN
            RAISE EXCEPTION 'weight % (position %) must be a finite number >= 0', w, i + 1
                USING ERRCODE = '22003';
        END IF;
        sw := sw + w;
    END LOOP;
    scale := 10::numeric ^ decimals;
    units := total * scale;
    IF units <> trunc(units) THEN
        RAISE EXCEPTION 'total % has more than % decimals', total, decimals USING ERRCODE = '22003',
            HINT = 'Round the total first or ask for more decimals.';
    END IF;
    IF sw = 0 THEN
        RETURN NULL;            -- nothing to split by
    END IF;
    sgn := CASE WHEN units < 0 THEN -1 ELSE 1 END;
    units := abs(units);
    rest := units;
    FOR i IN 1 .. n LOOP
        w := weights[lo + i - 1];
        q[i] := div(units * w, sw);                 -- exact integer part of the quota
        r[i] := units * w - q[i] * sw;              -- exact remainder (quota fraction × sw)
        rest := rest - q[i];
    END LOOP;
    -- largest remainders first, ties to the earlier position
    FOR k IN SELECT o.i FROM unnest(r) WITH ORDINALITY AS o(rem, i)
             ORDER BY o.rem DESC, o.i LIMIT rest::bigint LOOP
        q[k] := q[k] + 1;
    END LOOP;
    FOR i IN 1 .. n LOOP
        res[i] := round(sgn * q[i] / scale, decimals);
    END LOOP;
    RETURN res;
END $$;
COMMENT ON FUNCTION gm.split_target(numeric, numeric[], integer) IS
    'Split a total into parts proportional to weights, rounded to decimals, summing exactly to the total (largest remainder, ties to the earlier position); all-zero weights: NULL; a NULL weight 22004, weights not a one-dimensional array 2202E, negative or non-finite numbers or too many decimals 22003';

CREATE FUNCTION gm.split_target_by(total numeric, keys bigint[], weights numeric[], decimals integer DEFAULT 0)
    RETURNS TABLE(key bigint, value numeric)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cardinality(keys) <> cardinality(weights) THEN
        RAISE EXCEPTION '% keys but % weights', cardinality(keys), cardinality(weights) USING ERRCODE = '2202E',
            HINT = 'Give one weight per key, in the same order.';
    END IF;
    RETURN QUERY
        SELECT k.key, p.value
        FROM unnest(keys) WITH ORDINALITY AS k(key, i)
        JOIN unnest(gm.split_target(total, weights, decimals)) WITH ORDINALITY AS p(value, i) USING (i)
        ORDER BY k.i;
END $$;
COMMENT ON FUNCTION gm.split_target_by(numeric, bigint[], numeric[], integer) IS
    'gm.split_target as rows (key, value): one part per key, in key-array order; no rows when all weights are 0';

CREATE FUNCTION gm.split_year(total numeric, month_weights numeric[] DEFAULT NULL, decimals integer DEFAULT 0)
    RETURNS TABLE(quarter integer, month integer, value numeric)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w   numeric[];
    qw  numeric[] := '{}';
    qt  numeric[];
    mt  numeric[];
BEGIN
    IF total IS NULL OR decimals IS NULL THEN
        RETURN;
    END IF;
    w := coalesce(month_weights, array_fill(1::numeric, ARRAY[12]));
    IF array_ndims(w) IS DISTINCT FROM 1 OR cardinality(w) <> 12 THEN
        RAISE EXCEPTION 'month_weights must have 12 elements, not %', coalesce(cardinality(w), 0) USING ERRCODE = '2202E';
    END IF;
    w := w[array_lower(w, 1):array_upper(w, 1)];    -- renumber from 1
    FOR q IN 1 .. 4 LOOP
        IF w[3*q-2] IS NULL OR w[3*q-1] IS NULL OR w[3*q] IS NULL THEN
            RAISE EXCEPTION 'month weights must not be NULL' USING ERRCODE = '22004';
        END IF;
        qw[q] := w[3*q-2] + w[3*q-1] + w[3*q];
    END LOOP;
    qt := gm.split_target(total, qw, decimals);
    IF qt IS NULL THEN
        RETURN;                 -- all weights zero
    END IF;
    FOR q IN 1 .. 4 LOOP
        mt := CASE WHEN qw[q] = 0 THEN ARRAY[0, 0, 0]::numeric[]
                   ELSE gm.split_target(qt[q], w[3*q-2:3*q], decimals) END;
        FOR m IN 1 .. 3 LOOP
            quarter := q; month := 3*(q-1) + m; value := round(mt[m], decimals);
            RETURN NEXT;
        END LOOP;
    END LOOP;
END $$;
COMMENT ON FUNCTION gm.split_year(numeric, numeric[], integer) IS
    'Split a yearly target into quarters and months by 12 seasonal month weights (NULL: equal): months sum exactly to their quarter, quarters to the year';

CREATE FUNCTION gm.split_to_children(total numeric, parent_id bigint, weight text DEFAULT 'equal', decimals integer DEFAULT 0)
    RETURNS TABLE(grid_id bigint, code text, value numeric)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ids bigint[];
    codes text[];
    ws  numeric[];
BEGIN
    IF weight !~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid weight "%"', weight USING ERRCODE = '42602',
            HINT = 'Use equal, capacity, or the name of a numeric key of gm.grid.attrs.';
    END IF;
    SELECT array_agg(g.grid_id ORDER BY g.grid_id), array_agg(g.code ORDER BY g.grid_id),
           array_agg(CASE weight WHEN 'equal' THEN 1::numeric
                                 WHEN 'capacity' THEN coalesce(g.capacity, 0)::numeric
                                 ELSE coalesce((g.attrs ->> weight)::numeric, 0) END ORDER BY g.grid_id)
      INTO ids, codes, ws
      FROM gm.grid g
     WHERE g.parent_id = split_to_children.parent_id
       AND g.valid_from <= current_date AND current_date < g.valid_to;
    IF ids IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT ids[p.i], codes[p.i], p.value
        FROM unnest(gm.split_target(total, ws, decimals)) WITH ORDINALITY AS p(value, i)
        ORDER BY p.i;
END $$;
COMMENT ON FUNCTION gm.split_to_children(numeric, bigint, text, integer) IS
    'Split a target over the current child grids of a grid (region → grids) by equal, capacity or a numeric attrs key, summing exactly to the total';

CREATE VIEW gm.grid_closure AS
WITH RECURSIVE up(ancestor_id, grid_id, depth) AS (
    SELECT g.grid_id, g.grid_id, 0 FROM gm.grid g
    UNION ALL
    SELECT p.parent_id, up.grid_id, up.depth + 1
    FROM up JOIN gm.grid p ON p.grid_id = up.ancestor_id
    WHERE p.parent_id IS NOT NULL AND up.depth < 64
)
SELECT ancestor_id, grid_id, depth FROM up;
COMMENT ON VIEW gm.grid_closure IS
    'Every grid with itself (depth 0) and each ancestor up the parent_id tree: join facts on grid_id and group by ancestor_id to roll actuals up';
COMMENT ON COLUMN gm.grid_closure.ancestor_id IS 'A grid or one of its ancestors';
COMMENT ON COLUMN gm.grid_closure.grid_id IS 'The grid';
COMMENT ON COLUMN gm.grid_closure.depth IS 'Levels between them (0: the grid itself)';

CREATE FUNCTION gm.rollup_actuals(grid_ids bigint[], actuals numeric[])
    RETURNS TABLE(grid_id bigint, actual numeric)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cardinality(grid_ids) <> cardinality(actuals) THEN
        RAISE EXCEPTION '% grid ids but % actuals', cardinality(grid_ids), cardinality(actuals) USING ERRCODE = '2202E',
            HINT = 'Give one actual per grid id, in the same order.';
    END IF;
    RETURN QUERY
        SELECT c.ancestor_id, sum(a.v)
        FROM unnest(grid_ids, actuals) AS a(g, v)
        JOIN gm.grid_closure c ON c.grid_id = a.g
        GROUP BY c.ancestor_id
        ORDER BY c.ancestor_id;
END $$;
COMMENT ON FUNCTION gm.rollup_actuals(bigint[], numeric[]) IS
    'Roll actuals up the grid tree: each grid and every ancestor gets the sum of the actuals at or below it (NULL actuals ignored)';

-------------------------------------------------------------------------------
-- Monitoring (目标监控)

CREATE FUNCTION gm.attainment(actual numeric, target numeric) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF target < 0 OR target = 'NaN'::numeric THEN
        RAISE EXCEPTION 'target must not be negative: %', target USING ERRCODE = '22003';
    END IF;
    IF actual = 'NaN'::numeric THEN
        RAISE EXCEPTION 'actual must be a number, not %', actual USING ERRCODE = '22003';
    END IF;
    IF actual IS NULL OR target IS NULL OR target = 0 THEN
        RETURN NULL;
    END IF;
    RETURN actual / target;
END $$;
COMMENT ON FUNCTION gm.attainment(numeric, numeric) IS
    'Target attainment actual / target as a fraction (1 = 100 %); NULL when either is NULL or the target is 0; negative target 22003';

CREATE FUNCTION gm.deviation_light(actual numeric, plan numeric, tolerance numeric DEFAULT 0.15) RETURNS gm.light
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE dev numeric;
BEGIN
    IF tolerance < 0 OR tolerance = 'NaN'::numeric THEN
        RAISE EXCEPTION 'tolerance must not be negative: %', tolerance USING ERRCODE = '22003';
    END IF;
    IF plan < 0 OR plan = 'NaN'::numeric THEN
        RAISE EXCEPTION 'plan must not be negative: %', plan USING ERRCODE = '22003';
    END IF;
    IF actual = 'NaN'::numeric THEN
        RAISE EXCEPTION 'actual must be a number, not %', actual USING ERRCODE = '22003';
    END IF;
    IF actual IS NULL OR plan IS NULL OR tolerance IS NULL OR plan = 0 THEN
        RETURN NULL;
    END IF;
    dev := (actual - plan) / plan;
    RETURN CASE WHEN dev < -tolerance THEN 'red'
                WHEN dev > tolerance THEN 'yellow'
                ELSE 'green' END::gm.light;
END $$;
COMMENT ON FUNCTION gm.deviation_light(numeric, numeric, numeric) IS
    'Light of actual against plan: green within ±tolerance, red more than tolerance behind, yellow more than tolerance ahead (recalibrate the plan); NULL for NULL or zero plan';

CREATE FUNCTION gm.budget_alert(spent numeric, budget numeric, elapsed_fraction numeric,
                                consumed_level numeric DEFAULT 0.8, pace_factor numeric DEFAULT 1.2)
    RETURNS integer
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE used numeric;
BEGIN
    IF spent < 0 OR spent = 'NaN'::numeric THEN
        RAISE EXCEPTION 'spent must not be negative: %', spent USING ERRCODE = '22003';
    END IF;
    IF budget < 0 OR budget = 'NaN'::numeric THEN
        RAISE EXCEPTION 'budget must not be negative: %', budget USING ERRCODE = '22003';
    END IF;
    IF elapsed_fraction < 0 OR elapsed_fraction > 1 OR elapsed_fraction = 'NaN'::numeric THEN
        RAISE EXCEPTION 'elapsed_fraction must be between 0 and 1, not %', elapsed_fraction USING ERRCODE = '22003';
    END IF;
    IF consumed_level <= 0 OR pace_factor <= 0 OR consumed_level = 'NaN'::numeric OR pace_factor = 'NaN'::numeric THEN
        RAISE EXCEPTION 'consumed_level and pace_factor must be positive, not % and %', consumed_level, pace_factor
            USING ERRCODE = '22003';
    END IF;
    IF spent IS NULL OR budget IS NULL OR elapsed_fraction IS NULL OR budget = 0
       OR consumed_level IS NULL OR pace_factor IS NULL THEN
        RETURN NULL;
    END IF;
    used := spent / budget;
    RETURN CASE WHEN used > pace_factor * elapsed_fraction THEN 2
                WHEN used >= consumed_level THEN 1
                ELSE 0 END;
END $$;
COMMENT ON FUNCTION gm.budget_alert(numeric, numeric, numeric, numeric, numeric) IS
    'Budget burn alert: 2 when spent/budget > pace_factor × elapsed_fraction, else 1 when spent/budget >= consumed_level, else 0; NULL for NULL or zero budget';

CREATE FUNCTION gm.yoy_alert(current numeric, last_year numeric, threshold numeric DEFAULT 0.2) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE change numeric;
BEGIN
    IF threshold < 0 OR threshold = 'NaN'::numeric THEN
        RAISE EXCEPTION 'threshold must not be negative: %', threshold USING ERRCODE = '22003';
    END IF;
    IF current = 'NaN'::numeric OR last_year = 'NaN'::numeric THEN
        RAISE EXCEPTION 'current and last_year must be numbers, not % and %', current, last_year USING ERRCODE = '22003';
    END IF;
    IF current IS NULL OR last_year IS NULL OR threshold IS NULL OR last_year = 0 THEN
        RETURN NULL;
    END IF;
    change := (current - last_year) / abs(last_year);
    RETURN CASE WHEN change > threshold THEN 1 WHEN change < -threshold THEN -1 ELSE 0 END;
END $$;
COMMENT ON FUNCTION gm.yoy_alert(numeric, numeric, numeric) IS
    'Year-on-year alert: 1 when current rose more than threshold (fraction) over last year, -1 when it fell more, else 0; NULL for NULL or zero last year';

CREATE FUNCTION gm.bottom_flag(pos bigint, n bigint, share numeric DEFAULT 0.1) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF share <= 0 OR share > 1 OR share = 'NaN'::numeric THEN
        RAISE EXCEPTION 'share must be in (0, 1], not %', share USING ERRCODE = '22003';
    END IF;
    IF n < 0 OR pos < 1 OR pos > n THEN
        RAISE EXCEPTION 'position % is outside 1..%', pos, n USING ERRCODE = '22003';
    END IF;
    IF pos IS NULL OR n IS NULL OR share IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN pos <= ceil(share * n);
END $$;
COMMENT ON FUNCTION gm.bottom_flag(bigint, bigint, numeric) IS
    'True for the bottom share (default 10 %, at least one) of n ranked rows: pos <= ceil(share × n); use with rank() OVER (ORDER BY kpi) and count(*) OVER ()';

CREATE FUNCTION gm.manager_load_light(customers bigint, managers integer DEFAULT 1, capacity integer DEFAULT NULL)
    RETURNS gm.light
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE load numeric;
BEGIN
    IF customers < 0 OR managers < 0 OR capacity <= 0 THEN
        RAISE EXCEPTION 'customers and managers must not be negative and capacity must be positive (got %, %, %)',
            customers, managers, capacity USING ERRCODE = '22003';
    END IF;
    IF customers IS NULL OR managers IS NULL OR managers = 0 THEN
        RETURN NULL;
    END IF;
    load := customers::numeric / managers;
    RETURN CASE WHEN load >= gm.param('manager_load_overload') THEN 'red'
                WHEN load > coalesce(capacity, gm.param('manager_load_max')) THEN 'yellow'
                ELSE 'green' END::gm.light;
END $$;
COMMENT ON FUNCTION gm.manager_load_light(bigint, integer, integer) IS
    'Manager load light: customers per manager green up to capacity (default manager_load_max 300), red from manager_load_overload (500), yellow between; NULL without managers';

CREATE FUNCTION gm.manager_load_band(customers bigint, managers integer DEFAULT 1) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE load numeric;
BEGIN
    IF customers < 0 OR managers < 0 THEN
        RAISE EXCEPTION 'customers and managers must not be negative (got %, %)', customers, managers USING ERRCODE = '22003';
    END IF;
    IF customers IS NULL OR managers IS NULL OR managers = 0 THEN
        RETURN NULL;
    END IF;
    load := customers::numeric / managers;
    RETURN CASE WHEN load >= gm.param('manager_load_overload') THEN 'overload'
                WHEN load > gm.param('manager_load_max') THEN 'high'
                WHEN load >= gm.param('manager_load_min') THEN 'reasonable'
                ELSE 'under' END;
END $$;
COMMENT ON FUNCTION gm.manager_load_band(bigint, integer) IS
    'Manager load band from gm.parameter: under (< 200), reasonable (200-300), high (300-500), overload (>= 500 customers per manager)';
