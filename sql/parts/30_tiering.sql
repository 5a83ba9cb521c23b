
-------------------------------------------------------------------------------
-- Section 30: customer tiering (客户分层): RFM, segments, lifecycle, value tier
-------------------------------------------------------------------------------

-- gm.rfm: three scores 1-5, text '545' -----------------------------------------------------
CREATE TYPE gm.rfm;
CREATE FUNCTION gm.rfm_in(cstring) RETURNS gm.rfm
    AS 'MODULE_PATHNAME', 'gm_rfm_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_in(cstring) IS 'Input of gm.rfm: three digits 1-5 (recency, frequency, monetary score)';
CREATE FUNCTION gm.rfm_out(gm.rfm) RETURNS cstring
    AS 'MODULE_PATHNAME', 'gm_rfm_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_out(gm.rfm) IS 'Output of gm.rfm as three digits, e.g. 545';
CREATE FUNCTION gm.rfm_recv(internal) RETURNS gm.rfm
    AS 'MODULE_PATHNAME', 'gm_rfm_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_recv(internal) IS 'Binary input of gm.rfm (int2 code r*100+f*10+m)';
CREATE FUNCTION gm.rfm_send(gm.rfm) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gm_rfm_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_send(gm.rfm) IS 'Binary output of gm.rfm (int2 code r*100+f*10+m)';
CREATE TYPE gm.rfm (
    INPUT = gm.rfm_in, OUTPUT = gm.rfm_out, RECEIVE = gm.rfm_recv, SEND = gm.rfm_send,
    INTERNALLENGTH = 2, PASSEDBYVALUE, ALIGNMENT = int2, STORAGE = plain
);
COMMENT ON TYPE gm.rfm IS
    'RFM score: recency, frequency and monetary score 1-5 each, text form ''545''; ordered by (r, f, m)';

CREATE FUNCTION gm.rfm_eq(gm.rfm, gm.rfm) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_rfm_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_eq(gm.rfm, gm.rfm) IS 'gm.rfm equality';
CREATE FUNCTION gm.rfm_ne(gm.rfm, gm.rfm) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_rfm_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_ne(gm.rfm, gm.rfm) IS 'gm.rfm inequality';
CREATE FUNCTION gm.rfm_lt(gm.rfm, gm.rfm) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_rfm_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_lt(gm.rfm, gm.rfm) IS 'gm.rfm less than (by r, then f, then m)';
CREATE FUNCTION gm.rfm_le(gm.rfm, gm.rfm) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_rfm_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_le(gm.rfm, gm.rfm) IS 'gm.rfm less than or equal (by r, then f, then m)';
CREATE FUNCTION gm.rfm_gt(gm.rfm, gm.rfm) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_rfm_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_gt(gm.rfm, gm.rfm) IS 'gm.rfm greater than (by r, then f, then m)';
CREATE FUNCTION gm.rfm_ge(gm.rfm, gm.rfm) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_rfm_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_ge(gm.rfm, gm.rfm) IS 'gm.rfm greater than or equal (by r, then f, then m)';
CREATE FUNCTION gm.rfm_cmp(gm.rfm, gm.rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_rfm_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_cmp(gm.rfm, gm.rfm) IS 'gm.rfm btree comparison (-1, 0, 1)';
CREATE FUNCTION gm.rfm_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gm_rfm_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_sortsupport(internal) IS 'gm.rfm btree sort support (fast comparator)';
CREATE FUNCTION gm.rfm_hash(gm.rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_rfm_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_hash(gm.rfm) IS 'gm.rfm hash';
CREATE FUNCTION gm.rfm_hash_extended(gm.rfm, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gm_rfm_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION gm.rfm_hash_extended(gm.rfm, bigint) IS 'gm.rfm 64-bit seeded hash';

-- The comparison operators live in pg_catalog (as members of this extension, dropped with it):
-- there they are found whatever the search_path, so `score = '555'::gm.rfm` works for every
-- client and ships to postgres_fdw shards that run with search_path = pg_catalog.
CREATE OPERATOR pg_catalog.= (LEFTARG = gm.rfm, RIGHTARG = gm.rfm, FUNCTION = gm.rfm_eq,
    COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>), RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES);
COMMENT ON OPERATOR pg_catalog.= (gm.rfm, gm.rfm) IS 'gm.rfm equality';
CREATE OPERATOR pg_catalog.<> (LEFTARG = gm.rfm, RIGHTARG = gm.rfm, FUNCTION = gm.rfm_ne,
    COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=), RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel);
COMMENT ON OPERATOR pg_catalog.<> (gm.rfm, gm.rfm) IS 'gm.rfm inequality';
CREATE OPERATOR pg_catalog.< (LEFTARG = gm.rfm, RIGHTARG = gm.rfm, FUNCTION = gm.rfm_lt,
    COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=), RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel);
COMMENT ON OPERATOR pg_catalog.< (gm.rfm, gm.rfm) IS 'gm.rfm less than';
CREATE OPERATOR pg_catalog.<= (LEFTARG = gm.rfm, RIGHTARG = gm.rfm, FUNCTION = gm.rfm_le,
    COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>), RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel);
COMMENT ON OPERATOR pg_catalog.<= (gm.rfm, gm.rfm) IS 'gm.rfm less than or equal';
CREATE OPERATOR pg_catalog.> (LEFTARG = gm.rfm, RIGHTARG = gm.rfm, FUNCTION = gm.rfm_gt,
    COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=), RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel);
COMMENT ON OPERATOR pg_catalog.> (gm.rfm, gm.rfm) IS 'gm.rfm greater than';
CREATE OPERATOR pg_catalog.>= (LEFTARG = gm.rfm, RIGHTARG = gm.rfm, FUNCTION = gm.rfm_ge,
    COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<), RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel);
COMMENT ON OPERATOR pg_catalog.>= (gm.rfm, gm.rfm) IS 'gm.rfm greater than or equal';

CREATE OPERATOR CLASS gm.rfm_ops DEFAULT FOR TYPE gm.rfm USING btree AS
    OPERATOR 1 pg_catalog.<, OPERATOR 2 pg_catalog.<=, OPERATOR 3 pg_catalog.=, OPERATOR 4 pg_catalog.>=, OPERATOR 5 pg_catalog.>,
    FUNCTION 1 gm.rfm_cmp(gm.rfm, gm.rfm), FUNCTION 2 gm.rfm_sortsupport(internal);
COMMENT ON OPERATOR CLASS gm.rfm_ops USING btree IS 'btree order of gm.rfm: by r, then f, then m';
CREATE OPERATOR CLASS gm.rfm_hash_ops DEFAULT FOR TYPE gm.rfm USING hash AS
    OPERATOR 1 pg_catalog.=, FUNCTION 1 gm.rfm_hash(gm.rfm), FUNCTION 2 gm.rfm_hash_extended(gm.rfm, bigint);
COMMENT ON OPERATOR CLASS gm.rfm_hash_ops USING hash IS 'hash equality of gm.rfm';
COMMENT ON OPERATOR FAMILY gm.rfm_ops USING btree IS 'btree operator family of gm.rfm';
COMMENT ON OPERATOR FAMILY gm.rfm_hash_ops USING hash IS 'hash operator family of gm.rfm';

CREATE FUNCTION gm.r(gm.rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_rfm_r' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.r(gm.rfm) IS 'Recency score (1-5) of an RFM score';
CREATE FUNCTION gm.f(gm.rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_rfm_f' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.f(gm.rfm) IS 'Frequency score (1-5) of an RFM score';
CREATE FUNCTION gm.m(gm.rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_rfm_m' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.m(gm.rfm) IS 'Monetary score (1-5) of an RFM score';

CREATE FUNCTION gm.rfm(integer) RETURNS gm.rfm
    AS 'MODULE_PATHNAME', 'gm_rfm_from_int' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm(integer) IS 'RFM score from its integer code, e.g. 545 (each digit 1-5, else 22003)';
CREATE FUNCTION gm.rfm_to_int(gm.rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_rfm_to_int' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_to_int(gm.rfm) IS 'Integer code of an RFM score: r*100 + f*10 + m';
CREATE CAST (integer AS gm.rfm) WITH FUNCTION gm.rfm(integer);
COMMENT ON CAST (integer AS gm.rfm) IS 'RFM score from its integer code, e.g. 545';
CREATE CAST (gm.rfm AS integer) WITH FUNCTION gm.rfm_to_int(gm.rfm);
COMMENT ON CAST (gm.rfm AS integer) IS 'Integer code of an RFM score, e.g. 545';

-- gm.rfm_breaks: quintile cut points of recency, frequency, monetary ---------------------
CREATE TYPE gm.rfm_breaks;
CREATE FUNCTION gm.rfm_breaks_in(cstring) RETURNS gm.rfm_breaks
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_breaks_in(cstring) IS 'Input of gm.rfm_breaks: r=[..] f=[..] m=[..]';
CREATE FUNCTION gm.rfm_breaks_out(gm.rfm_breaks) RETURNS cstring
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_breaks_out(gm.rfm_breaks) IS 'Output of gm.rfm_breaks (shortest exact decimals: round-trips exactly)';
CREATE FUNCTION gm.rfm_breaks_recv(internal) RETURNS gm.rfm_breaks
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_breaks_recv(internal) IS 'Binary input of gm.rfm_breaks';
CREATE FUNCTION gm.rfm_breaks_send(gm.rfm_breaks) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_breaks_send(gm.rfm_breaks) IS 'Binary output of gm.rfm_breaks';
CREATE TYPE gm.rfm_breaks (
    INPUT = gm.rfm_breaks_in, OUTPUT = gm.rfm_breaks_out, RECEIVE = gm.rfm_breaks_recv, SEND = gm.rfm_breaks_send,
    INTERNALLENGTH = 104, ALIGNMENT = double, STORAGE = plain
);
COMMENT ON TYPE gm.rfm_breaks IS
    'RFM quintile cut points: the percentile_disc values at 20/40/60/80 % of recency, frequency and monetary';

CREATE FUNCTION gm.rfm_cut_points(breaks gm.rfm_breaks, col text) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gm_rfm_cut_points' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_cut_points(gm.rfm_breaks, text) IS
    'The four cut points of one column (''r''/''recency'', ''f''/''frequency'', ''m''/''monetary'') as float8[]; NULL if the column had no values';

CREATE FUNCTION gm._rfm_breaks_trans(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._rfm_breaks_trans(internal, float8, float8, float8) IS 'Internal: transition function of gm.rfm_breaks';
-- The combine, serial and deserial functions copy whole states (every value of a column with many
-- distinct values), so they are declared expensive: the planner then runs gm.rfm_breaks in
-- parallel workers only where that pays (tables of a few million rows and more).
CREATE FUNCTION gm._rfm_breaks_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION gm._rfm_breaks_combine(internal, internal) IS 'Internal: combine function of gm.rfm_breaks';
CREATE FUNCTION gm._rfm_breaks_serial(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION gm._rfm_breaks_serial(internal) IS 'Internal: serialisation of the gm.rfm_breaks state';
CREATE FUNCTION gm._rfm_breaks_deserial(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION gm._rfm_breaks_deserial(bytea, internal) IS 'Internal: deserialisation of the gm.rfm_breaks state';
CREATE FUNCTION gm._rfm_breaks_final(internal) RETURNS gm.rfm_breaks
    AS 'MODULE_PATHNAME', 'gm_rfm_breaks_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._rfm_breaks_final(internal) IS 'Internal: final function of gm.rfm_breaks (exact selection of the quintile cut points)';

CREATE AGGREGATE gm.rfm_breaks(recency float8, frequency float8, monetary float8) (
    SFUNC = gm._rfm_breaks_trans, STYPE = internal, SSPACE = 100000,
    FINALFUNC = gm._rfm_breaks_final, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = gm._rfm_breaks_combine, SERIALFUNC = gm._rfm_breaks_serial, DESERIALFUNC = gm._rfm_breaks_deserial,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gm.rfm_breaks(float8, float8, float8) IS
    'RFM quintile cut points: per column the percentile_disc values at 20/40/60/80 %, NULLs ignored, exact, parallel safe';

CREATE FUNCTION gm.rfm_score(recency float8, frequency float8, monetary float8, breaks gm.rfm_breaks) RETURNS gm.rfm
    AS 'MODULE_PATHNAME', 'gm_rfm_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_score(float8, float8, float8, gm.rfm_breaks) IS
    'RFM score against cut points: R = 5 - #recency cuts below, F = 1 + #frequency cuts below, M = 1 + #monetary cuts below';

CREATE FUNCTION gm.rfm_segment(score gm.rfm) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_rfm_segment' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_segment(gm.rfm) IS
    'Segment of the R package rfm (Champions ... Lost, Others), narrower rules first so that every segment is reachable';

CREATE TYPE gm.rfm_cn_class AS (code text, name text, bits text);
COMMENT ON TYPE gm.rfm_cn_class IS
    'Chinese 8-class RFM model: English code, Chinese name (重要价值客户 ...), high/low bits of R, F, M (''111'')';
CREATE FUNCTION gm.rfm_class_cn(recency float8, frequency float8, monetary float8,
                                mean_recency float8, mean_frequency float8, mean_monetary float8)
    RETURNS gm.rfm_cn_class
    AS 'MODULE_PATHNAME', 'gm_rfm_class_cn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.rfm_class_cn(float8, float8, float8, float8, float8, float8) IS
    'Chinese 8-class RFM model: R high when recency <= its mean, F and M high when >= their means';

CREATE FUNCTION gm._rfm_means_trans(float8[], float8, float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gm_rfm_means_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._rfm_means_trans(float8[], float8, float8, float8) IS 'Internal: transition function of gm.rfm_means';
CREATE FUNCTION gm._rfm_means_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gm_rfm_means_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._rfm_means_combine(float8[], float8[]) IS 'Internal: combine function of gm.rfm_means';
CREATE FUNCTION gm._rfm_means_final(float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'gm_rfm_means_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._rfm_means_final(float8[]) IS 'Internal: final function of gm.rfm_means';
CREATE AGGREGATE gm.rfm_means(recency float8, frequency float8, monetary float8) (
    SFUNC = gm._rfm_means_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = gm._rfm_means_final, COMBINEFUNC = gm._rfm_means_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE gm.rfm_means(float8, float8, float8) IS
    'Means of recency, frequency and monetary as float8[3] (NULLs ignored per column), for gm.rfm_class_cn';

-- lifecycle and value tier -------------------------------------------------------------------
CREATE TYPE gm.lifecycle_class AS ENUM ('potential', 'intent', 'new', 'existing', 'key', 'at_risk', 'churned');
COMMENT ON TYPE gm.lifecycle_class IS
    'Customer lifecycle class (seed 004 潜在/意向/新增/存量/重点客户, seed 000 流失预警): potential, intent, new, existing, key, at_risk, churned';
CREATE TYPE gm.value_tier_class AS ENUM ('high', 'potential', 'at_risk');
COMMENT ON TYPE gm.value_tier_class IS
    'Value tier driving follow-up policies (seed 000 §4.2/§5.3): high value, potential, at risk of churn';

-- Tiering thresholds are parameters (gm.parameter, section 00), read by the C code of gm.lifecycle and
-- gm.value_tier through gm.param and cached per backend (the cache watches gm.parameter).
INSERT INTO gm.parameter(name, value, unit, domain, source, origin) VALUES
    ('lifecycle_new_days',     30, 'days',  'tiering', 'new: first order fewer than this many days before as_of (seed 004 新增客户; 30 days ours)', 'shipped'),
    ('lifecycle_at_risk_days', 30, 'days',  'tiering, followup', 'at_risk: no order or interaction for this many days; also the silence after which a churn warning is planned (seed 000 §5.3: 连续30天无互动触发流失预警)', 'shipped'),
    ('lifecycle_churned_days', 90, 'days',  'tiering', 'churned: no order or interaction for this many days (ours: one quarter)', 'shipped'),
    ('value_high_min_f',       3,  'score', 'tiering', 'valuable: frequency score (1-5) at least this (ours)', 'shipped'),
    ('value_high_min_m',       4,  'score', 'tiering', 'valuable: monetary score (1-5) at least this (seed 000 §2.1.2: VIP customers by spend)', 'shipped'),
    ('value_at_risk_max_r',    2,  'score', 'tiering', 'at_risk tier: a valuable customer whose recency score (1-5) is at most this (seed 000 §2.2.2)', 'shipped');

CREATE FUNCTION gm.lifecycle(first_order date, last_order date, last_interaction date,
                             intent boolean, key boolean, as_of date) RETURNS gm.lifecycle_class
    AS 'MODULE_PATHNAME', 'gm_lifecycle' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm.lifecycle(date, date, date, boolean, boolean, date) IS
    'Lifecycle class as of a date: potential/intent (never bought), churned, at_risk, new, key, existing; thresholds lifecycle_*_days from gm.parameter';

CREATE FUNCTION gm.value_tier(score gm.rfm) RETURNS gm.value_tier_class
    AS 'MODULE_PATHNAME', 'gm_value_tier' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.value_tier(gm.rfm) IS
    'Value tier of an RFM score: at_risk (valuable but lapsing), high (valuable), potential (the rest); thresholds value_high_min_f, value_high_min_m, value_at_risk_max_r from gm.parameter';

-- LTV, churn rate, ARPU ------------------------------------------------------------------------
CREATE FUNCTION gm.ltv(avg_yearly_spend numeric, expected_years numeric, service_cost numeric DEFAULT 0) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_ltv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.ltv(numeric, numeric, numeric) IS
    'Simple customer lifetime value (seed 000 §3.3): average yearly spend × expected years − service cost';
CREATE FUNCTION gm.churn_rate(customers_at_start bigint, churned bigint) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_churn_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.churn_rate(bigint, bigint) IS
    'Churn rate of a period: churned / customers at the start (NULL when there were none)';
CREATE FUNCTION gm.arpu(revenue numeric, customers numeric) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_arpu' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.arpu(numeric, numeric) IS
    'Average revenue per user: revenue / customers (e.g. the average customer count of the period); NULL for 0 customers';
