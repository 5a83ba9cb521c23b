-------------------------------------------------------------------------------
-- Section 80: performance management (绩效管理) — KPI catalogue, targets, actuals, attainment,
-- scorecards, commission, alerts, campaigns (issue #19).  Formulas are section 40's; people and
-- grids are section 10's; work orders section 50's; roles and row security section 60's.
-------------------------------------------------------------------------------

-- The numbers of this section, once each (thresholds the KPI monitoring of section 40 already
-- has — deviation_tolerance, yoy_threshold, budget_*, nps_target, ... — are read from there).
INSERT INTO gm.parameter(name, value, unit, domain, source, origin) VALUES
    ('cac_target',                  700,  'yuan',      'performance', 'seed 000 §3.3: customer acquisition cost from 1,000 down to 700 yuan per customer (获客成本 目标700元/人以下)', 'shipped'),
    ('cac_mom_cut',                 0.05, 'fraction',  'performance', 'seed 000 §3.3: CAC falls 5 % month on month (月度环比降幅需达5%)', 'shipped'),
    ('utilisation_target',          0.85, 'fraction',  'performance', 'seed 000 §3.3: resource utilisation 85 % (资源利用率 目标85%)', 'shipped'),
    ('leads_per_person_day_target', 26,   'leads',     'performance', 'seed 000 §3.4: leads handled per person per day from 20 to 26 (从每日20条增至26条)', 'shipped'),
    ('high_value_repurchase_target', 0.5, 'fraction',  'performance', 'seed 000 §3.2: high-value customer repurchase 50 % (高价值客户复购率提升至50%)', 'shipped'),
    ('response_hours_target',       2,    'hours',     'performance', 'seed 000 §3.2: response within 2 hours (响应时间缩短至2小时内)', 'shipped'),
    ('profile_completeness_target', 0.85, 'fraction',  'performance', 'seed 000 §3.2: customer profile completeness 85 % (客户画像完整度提升至85%)', 'shipped'),
    ('growth_star_attainment',      1.2,  'fraction',  'performance', 'seed 004: 120 % of the month''s or quarter''s sales target makes a person eligible for 成长之星', 'shipped'),
    ('missed_periods_review',       2,    'periods',   'performance', 'seed 003: two periods in a row below target start a transfer review (连续两周期未达标者启动转岗评估)', 'shipped'),
    ('roi_alert_min',               0,    'ratio',     'performance', 'ours: a channel''s daily ROI (revenue − spend) / spend below this is low (seed 003 names no number)', 'shipped'),
    ('roi_alert_days',              3,    'days',      'performance', 'seed 003: ROI below the threshold 3 days in a row (某渠道ROI连续3天低于阈值)', 'shipped'),
    ('spend_day_over_plan',         0.3,  'fraction',  'performance', 'seed 003: a single day''s spend more than 30 % over plan (单日超计划支出30%)', 'shipped'),
    ('dynamic_alert_periods',       6,    'periods',   'performance', 'ours: dynamic thresholds look at the last 6 periods (seed 003: 动态阈值)', 'shipped'),
    ('dynamic_alert_sigma',         2,    'sigma',     'performance', 'ours: dynamic thresholds are the mean ± 2 standard deviations of those periods', 'shipped'),
    ('score_attainment_cap',        1.5,  'fraction',  'performance', 'ours: an indicator adds at most 150 % of its weight to a score (overshooting one indicator cannot hide another)', 'shipped');

-- Periods -----------------------------------------------------------------------------------------

CREATE FUNCTION gm.period_end(kind text, start date) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF kind NOT IN ('month', 'quarter', 'year') THEN
        RAISE EXCEPTION 'unknown period kind "%"', kind USING ERRCODE = '22023',
            HINT = 'Periods are month, quarter or year.';
    END IF;
    IF start IN ('infinity'::date, '-infinity'::date) OR date_trunc(kind, start)::date <> start THEN
        RAISE EXCEPTION '% is not the first day of a %', start, kind USING ERRCODE = '22023';
    END IF;
    RETURN (start + CASE kind WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months'
                              ELSE interval '1 year' END)::date;
END $$;
COMMENT ON FUNCTION gm.period_end(text, date) IS
    'The first day after a period (month / quarter / year starting on start); unknown kind or a start that is not the period''s first day: 22023';

CREATE FUNCTION gm.period_shift(kind text, start date, n integer) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (start + n * CASE kind WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months'
                                 WHEN 'year' THEN interval '1 year' END)::date
$$;
COMMENT ON FUNCTION gm.period_shift(text, date, integer) IS
    'The start of the period n periods after (n < 0: before) the period of that kind (month / quarter / year) starting on start; NULL for another kind (it does not check start: gm.period_end does)';

-- The KPI catalogue -------------------------------------------------------------------------------

CREATE TABLE gm.kpi (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name_zh      text NOT NULL,
    name_en      text NOT NULL,
    unit         text NOT NULL,
    direction    text NOT NULL CHECK (direction IN ('higher', 'lower')),
    kind         text NOT NULL CHECK (kind IN ('result', 'process')),
    feed         text NOT NULL CHECK (feed IN ('computed', 'external')),
    actual_fn    text CHECK (actual_fn ~ '^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$'),
    additive     boolean NOT NULL,
    decimals     integer NOT NULL DEFAULT 0 CHECK (decimals BETWEEN 0 AND 10),
    target_param text REFERENCES gm.parameter(name) ON UPDATE CASCADE,
    on_edit      text NOT NULL DEFAULT 'rebalance' CHECK (on_edit IN ('rebalance', 'flag')),
    enabled      boolean NOT NULL DEFAULT true,
    note         text,
    origin       gm.origin NOT NULL DEFAULT 'user',
    CHECK ((feed = 'computed') = (actual_fn IS NOT NULL))
);
COMMENT ON TABLE gm.kpi IS
    'KPI catalogue (指标库): one row per indicator — names, unit, direction, how its actual is obtained, whether it splits and rolls up by sum, its default target; shipped rows from the seeds, your own rows beside them';
COMMENT ON COLUMN gm.kpi.code IS 'Indicator code (lower-case identifier), e.g. revenue, nps, cac';
COMMENT ON COLUMN gm.kpi.name_zh IS 'Chinese name';
COMMENT ON COLUMN gm.kpi.name_en IS 'English name';
COMMENT ON COLUMN gm.kpi.unit IS 'Unit of the actual and the target (yuan, customers, score, fraction, hours, ...)';
COMMENT ON COLUMN gm.kpi.direction IS 'higher or lower is better: decides attainment, light, rank and alerts';
COMMENT ON COLUMN gm.kpi.kind IS 'result (结果) or process (过程) indicator: scorecards weigh both';
COMMENT ON COLUMN gm.kpi.feed IS 'computed by actual_fn from the operational tables, or external (values recorded with gm.record_actual)';
COMMENT ON COLUMN gm.kpi.actual_fn IS 'schema.function(period_from date, period_to date) returning TABLE(grid_id bigint, person name, product text, num numeric, den numeric): the actual is sum(num) (additive) or sum(num) / sum(den) at every level';
COMMENT ON COLUMN gm.kpi.additive IS 'Parts sum to the whole: targets split top-down and roll up by sum (counts, money); false for rates and scores';
COMMENT ON COLUMN gm.kpi.decimals IS 'Whole units of a split target: 0 households, 2 yuan to the fen';
COMMENT ON COLUMN gm.kpi.target_param IS 'gm.parameter holding the default target, used where no target row is set (NULL: none)';
COMMENT ON COLUMN gm.kpi.on_edit IS 'A hand-edited part of a split target: rebalance its siblings so they still sum to the parent, or flag them';
COMMENT ON COLUMN gm.kpi.enabled IS 'Switched off indicators are neither computed nor alerted';
COMMENT ON COLUMN gm.kpi.note IS 'Where the indicator and its default come from';
COMMENT ON COLUMN gm.kpi.origin IS 'shipped, edited or user (gm.origin)';
CREATE INDEX kpi_target_param_idx ON gm.kpi (target_param);
SELECT pg_catalog.pg_extension_config_dump('gm.kpi', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER kpi_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.kpi
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('code');

-- Operational tables a CRM writes to ------------------------------------------------------------

CREATE TABLE gm.sale (
    sale_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_key  text COLLATE "C" NOT NULL,
    grid_id       bigint REFERENCES gm.grid(grid_id) ON DELETE SET NULL,
    person        name,
    product       text NOT NULL,
    channel       text,
    amount        numeric(14, 2) NOT NULL CHECK (amount >= 0),
    sold_on       date NOT NULL,
    new_customer  boolean NOT NULL DEFAULT false,
    campaign_id   bigint
);
COMMENT ON TABLE gm.sale IS
    'Sales (订单) as the CRM writes them: customer, the grid the customer was in on the day (kept when the customer moves later), the seller, product, channel, amount to the fen; the source of revenue, sales, new customers, CAC, ROI and commission';
COMMENT ON COLUMN gm.sale.customer_key IS 'The customer''s key in the CRM';
COMMENT ON COLUMN gm.sale.grid_id IS 'The customer''s grid on sold_on (with a tracked customer table: gm.grid_on(table, key, sold_on)); never rewritten when the customer moves';
COMMENT ON COLUMN gm.sale.person IS 'The seller (a role name of gm.grid_member); NULL: no person credited';
COMMENT ON COLUMN gm.sale.product IS 'Product line (broadband, mobile, tv, ...): commission rules are per product';
COMMENT ON COLUMN gm.sale.channel IS 'Sales channel (visit, store, online, ...), for the per-channel ROI alert';
COMMENT ON COLUMN gm.sale.amount IS 'Sale amount in yuan, to the fen';
COMMENT ON COLUMN gm.sale.new_customer IS 'The sale won a new customer (counts for new_customers and CAC)';
COMMENT ON COLUMN gm.sale.campaign_id IS 'The campaign (gm.campaign) the sale converts, if any';
SELECT pg_catalog.pg_extension_config_dump('gm.sale', '');
SELECT pg_catalog.pg_extension_config_dump('gm.sale_sale_id_seq', '');
CREATE INDEX sale_day_idx ON gm.sale (sold_on);
CREATE INDEX sale_grid_idx ON gm.sale (grid_id);
CREATE INDEX sale_person_idx ON gm.sale (person, sold_on);
CREATE INDEX sale_campaign_idx ON gm.sale (campaign_id) WHERE campaign_id IS NOT NULL;

CREATE TABLE gm.survey (
    survey_id     bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_key  text COLLATE "C" NOT NULL,
    grid_id       bigint REFERENCES gm.grid(grid_id) ON DELETE SET NULL,
    person        name,
    answered_on   date NOT NULL,
    nps_score     smallint CHECK (nps_score BETWEEN 0 AND 10),
    csat_score    smallint CHECK (csat_score BETWEEN 1 AND 5)
);
COMMENT ON TABLE gm.survey IS
    'Survey answers (满意度调研) as the CRM writes them: the 0-10 recommendation score (NPS) and the 1-5 satisfaction score (CSAT) of a customer of a grid on a day';
COMMENT ON COLUMN gm.survey.grid_id IS 'The customer''s grid on the day of the answer';
COMMENT ON COLUMN gm.survey.person IS 'The person who served the customer, if known';
COMMENT ON COLUMN gm.survey.nps_score IS 'How likely to recommend, 0-10 (NULL: not asked)';
COMMENT ON COLUMN gm.survey.csat_score IS 'Satisfaction 1-5 (NULL: not asked)';
SELECT pg_catalog.pg_extension_config_dump('gm.survey', '');
SELECT pg_catalog.pg_extension_config_dump('gm.survey_survey_id_seq', '');
CREATE INDEX survey_day_idx ON gm.survey (answered_on);
CREATE INDEX survey_grid_idx ON gm.survey (grid_id);

CREATE TABLE gm.spend (
    spend_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    grid_id   bigint REFERENCES gm.grid(grid_id) ON DELETE SET NULL,
    channel   text,
    day       date NOT NULL,
    amount    numeric(14, 2) NOT NULL CHECK (amount >= 0),
    planned   numeric(14, 2) CHECK (planned >= 0)
);
COMMENT ON TABLE gm.spend IS
    'Marketing spend (营销费用) per grid, channel and day with the day''s plan: the source of spend, CAC and ROI and of the budget and single-day alerts';
COMMENT ON COLUMN gm.spend.grid_id IS 'The grid the money was spent for (NULL: company-wide)';
COMMENT ON COLUMN gm.spend.channel IS 'Channel (visit, store, online, ads, ...)';
COMMENT ON COLUMN gm.spend.amount IS 'Spent that day, yuan';
COMMENT ON COLUMN gm.spend.planned IS 'Planned for that day, yuan (NULL: no day plan)';
SELECT pg_catalog.pg_extension_config_dump('gm.spend', '');
SELECT pg_catalog.pg_extension_config_dump('gm.spend_spend_id_seq', '');
CREATE INDEX spend_day_idx ON gm.spend (day);
CREATE INDEX spend_grid_idx ON gm.spend (grid_id);

-- Monthly summaries (月汇总) of sales and surveys ---------------------------------------------------
-- The indicator functions read whole months from these and only the days of part months from the
-- operational tables.  Statement-level triggers with transition tables keep them in step with
-- every INSERT, UPDATE, DELETE, COPY and TRUNCATE of gm.sale and gm.survey in the same transaction
-- (one grouped upsert per statement, keys in order); they are derived and not dumped: a restore
-- fills them as it loads gm.sale and gm.survey, gm.refresh_summaries() rebuilds them.

CREATE FUNCTION gm._month_floor(day date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT pg_catalog.date_trunc('month', $1::pg_catalog.timestamp)::pg_catalog.date $$;
COMMENT ON FUNCTION gm._month_floor(date) IS 'Internal: the first day of the month of a day';

CREATE FUNCTION gm._whole_months(period_from date, period_to date, OUT month_from date, OUT month_to date)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN f < t THEN f ELSE $2 END, CASE WHEN f < t THEN t ELSE $2 END
      FROM (SELECT CASE WHEN gm._month_floor($1) = $1 THEN $1 ELSE (gm._month_floor($1) + 31)::date END AS f0,
                   gm._month_floor($2) AS t) x
      CROSS JOIN LATERAL (SELECT gm._month_floor(x.f0) AS f) y
$$;
COMMENT ON FUNCTION gm._whole_months(date, date) IS
    'Internal: the whole months [month_from, month_to) inside [period_from, period_to) (both period_to when there is none): read from the monthly summaries, the days outside from the operational tables';

CREATE TABLE gm.sale_month (
    month           date NOT NULL,
    grid_id         bigint,
    person          name,
    product         text NOT NULL,
    amount          numeric NOT NULL,
    sales           bigint NOT NULL,
    new_customers   bigint NOT NULL,
    campaign_sales  bigint NOT NULL,
    CONSTRAINT sale_month_key UNIQUE NULLS NOT DISTINCT (month, grid_id, person, product)
);
COMMENT ON TABLE gm.sale_month IS
    'Monthly summary of gm.sale per grid, seller and product, kept in step by triggers on gm.sale (derived: not dumped; gm.refresh_summaries() rebuilds it)';
COMMENT ON COLUMN gm.sale_month.month IS 'First day of the month of sold_on';
COMMENT ON COLUMN gm.sale_month.grid_id IS 'gm.sale.grid_id (NULL: no grid)';
COMMENT ON COLUMN gm.sale_month.person IS 'gm.sale.person (NULL: no person credited)';
COMMENT ON COLUMN gm.sale_month.product IS 'gm.sale.product';
COMMENT ON COLUMN gm.sale_month.amount IS 'Sum of the amounts, yuan';
COMMENT ON COLUMN gm.sale_month.sales IS 'Number of sales';
COMMENT ON COLUMN gm.sale_month.new_customers IS 'Number of sales that won a new customer';
COMMENT ON COLUMN gm.sale_month.campaign_sales IS 'Number of sales converting a campaign';
-- rows whose count fell to zero are removed right after the upsert that emptied them
CREATE INDEX sale_month_empty_idx ON gm.sale_month (month) WHERE sales = 0;

CREATE TABLE gm.survey_month (
    month           date NOT NULL,
    grid_id         bigint,
    person          name,
    answers         bigint NOT NULL,
    nps_answers     bigint NOT NULL,
    nps_promoters   bigint NOT NULL,
    nps_detractors  bigint NOT NULL,
    csat_answers    bigint NOT NULL,
    csat_satisfied  bigint NOT NULL,
    CONSTRAINT survey_month_key UNIQUE NULLS NOT DISTINCT (month, grid_id, person)
);
COMMENT ON TABLE gm.survey_month IS
    'Monthly summary of gm.survey per grid and person, kept in step by triggers on gm.survey (derived: not dumped; gm.refresh_summaries() rebuilds it)';
COMMENT ON COLUMN gm.survey_month.month IS 'First day of the month of answered_on';
COMMENT ON COLUMN gm.survey_month.grid_id IS 'gm.survey.grid_id';
COMMENT ON COLUMN gm.survey_month.person IS 'gm.survey.person';
COMMENT ON COLUMN gm.survey_month.answers IS 'Number of survey rows';
COMMENT ON COLUMN gm.survey_month.nps_answers IS 'Answers with an NPS score';
COMMENT ON COLUMN gm.survey_month.nps_promoters IS 'NPS scores 9-10';
COMMENT ON COLUMN gm.survey_month.nps_detractors IS 'NPS scores 0-6';
COMMENT ON COLUMN gm.survey_month.csat_answers IS 'Answers with a CSAT score';
COMMENT ON COLUMN gm.survey_month.csat_satisfied IS 'CSAT scores 4-5';
CREATE INDEX survey_month_empty_idx ON gm.survey_month (month) WHERE answers = 0;

-- one statement's change, as signed monthly deltas grouped and upserted in key order (concurrent
-- writers of the same month, grid and person queue on its row; rows emptied are removed)
CREATE FUNCTION gm._sale_month_apply() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    v_old constant text := 'SELECT o.sold_on, o.grid_id, o.person, o.product, -o.amount AS amount, -1 AS s, o.new_customer, o.campaign_id FROM gm_old o';
    v_new constant text := 'SELECT n.sold_on, n.grid_id, n.person, n.product, n.amount, 1 AS s, n.new_customer, n.campaign_id FROM gm_new n';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM gm.sale_month;   -- not TRUNCATE: the statement may be truncating it too
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN        -- the CRM's everyday statement: a static plan, cached per session
        INSERT INTO gm.sale_month AS m (month, grid_id, person, product, amount, sales, new_customers, campaign_sales)
        SELECT gm._month_floor(n.sold_on), n.grid_id, n.person, n.product, sum(n.amount), count(*),
               count(*) FILTER (WHERE n.new_customer), count(*) FILTER (WHERE n.campaign_id IS NOT NULL)
          FROM gm_new n
         GROUP BY 1, 2, 3, 4
         ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT sale_month_key DO UPDATE
           SET amount = m.amount + excluded.amount, sales = m.sales + excluded.sales,
               new_customers = m.new_customers + excluded.new_customers, campaign_sales = m.campaign_sales + excluded.campaign_sales;
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        INSERT INTO gm.sale_month AS m (month, grid_id, person, product, amount, sales, new_customers, campaign_sales)
        SELECT gm._month_floor(d.sold_on), d.grid_id, d.person, d.product, sum(d.amount), sum(d.s),
               coalesce(sum(d.s) FILTER (WHERE d.new_customer), 0), coalesce(sum(d.s) FILTER (WHERE d.campaign_id IS NOT NULL), 0)
          FROM (%s) d
         GROUP BY 1, 2, 3, 4
        HAVING sum(d.amount) <> 0 OR sum(d.s) <> 0 OR sum(d.s) FILTER (WHERE d.new_customer) <> 0
            OR sum(d.s) FILTER (WHERE d.campaign_id IS NOT NULL) <> 0
         ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT sale_month_key DO UPDATE
           SET amount = m.amount + excluded.amount, sales = m.sales + excluded.sales,
               new_customers = m.new_customers + excluded.new_customers, campaign_sales = m.campaign_sales + excluded.campaign_sales$q$,
        CASE TG_OP WHEN 'DELETE' THEN v_old ELSE v_old || ' UNION ALL ' || v_new END);
    DELETE FROM gm.sale_month m WHERE m.sales = 0;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION gm._sale_month_apply() IS 'Internal: trigger keeping gm.sale_month in step with a statement on gm.sale';

CREATE FUNCTION gm._survey_month_apply() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    v_old constant text := 'SELECT o.answered_on, o.grid_id, o.person, -1 AS s, o.nps_score AS nps, o.csat_score AS csat FROM gm_old o';
    v_new constant text := 'SELECT n.answered_on, n.grid_id, n.person, 1 AS s, n.nps_score AS nps, n.csat_score AS csat FROM gm_new n';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM gm.survey_month;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO gm.survey_month AS m (month, grid_id, person, answers, nps_answers, nps_promoters, nps_detractors, csat_answers, csat_satisfied)
        SELECT gm._month_floor(n.answered_on), n.grid_id, n.person, count(*), count(n.nps_score),
               count(*) FILTER (WHERE n.nps_score >= 9), count(*) FILTER (WHERE n.nps_score <= 6),
               count(n.csat_score), count(*) FILTER (WHERE n.csat_score >= 4)
          FROM gm_new n
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT survey_month_key DO UPDATE
           SET answers = m.answers + excluded.answers, nps_answers = m.nps_answers + excluded.nps_answers,
               nps_promoters = m.nps_promoters + excluded.nps_promoters, nps_detractors = m.nps_detractors + excluded.nps_detractors,
               csat_answers = m.csat_answers + excluded.csat_answers, csat_satisfied = m.csat_satisfied + excluded.csat_satisfied;
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        INSERT INTO gm.survey_month AS m (month, grid_id, person, answers, nps_answers, nps_promoters, nps_detractors, csat_answers, csat_satisfied)
        SELECT gm._month_floor(d.answered_on), d.grid_id, d.person, sum(d.s),
               coalesce(sum(d.s) FILTER (WHERE d.nps IS NOT NULL), 0), coalesce(sum(d.s) FILTER (WHERE d.nps >= 9), 0),
               coalesce(sum(d.s) FILTER (WHERE d.nps <= 6), 0), coalesce(sum(d.s) FILTER (WHERE d.csat IS NOT NULL), 0),
               coalesce(sum(d.s) FILTER (WHERE d.csat >= 4), 0)
          FROM (%s) d
         GROUP BY 1, 2, 3
        HAVING sum(d.s) <> 0 OR sum(d.s) FILTER (WHERE d.nps IS NOT NULL) <> 0 OR sum(d.s) FILTER (WHERE d.nps >= 9) <> 0
            OR sum(d.s) FILTER (WHERE d.nps <= 6) <> 0 OR sum(d.s) FILTER (WHERE d.csat IS NOT NULL) <> 0
            OR sum(d.s) FILTER (WHERE d.csat >= 4) <> 0
         ORDER BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT survey_month_key DO UPDATE
           SET answers = m.answers + excluded.answers, nps_answers = m.nps_answers + excluded.nps_answers,
               nps_promoters = m.nps_promoters + excluded.nps_promoters, nps_detractors = m.nps_detractors + excluded.nps_detractors,
               csat_answers = m.csat_answers + excluded.csat_answers, csat_satisfied = m.csat_satisfied + excluded.csat_satisfied$q$,
        CASE TG_OP WHEN 'DELETE' THEN v_old ELSE v_old || ' UNION ALL ' || v_new END);
    DELETE FROM gm.survey_month m WHERE m.answers = 0;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION gm._survey_month_apply() IS 'Internal: trigger keeping gm.survey_month in step with a statement on gm.survey';

CREATE TRIGGER sale_month_ins AFTER INSERT ON gm.sale REFERENCING NEW TABLE AS gm_new
    FOR EACH STATEMENT EXECUTE FUNCTION gm._sale_month_apply();
CREATE TRIGGER sale_month_upd AFTER UPDATE ON gm.sale REFERENCING OLD TABLE AS gm_old NEW TABLE AS gm_new
    FOR EACH STATEMENT EXECUTE FUNCTION gm._sale_month_apply();
CREATE TRIGGER sale_month_del AFTER DELETE ON gm.sale REFERENCING OLD TABLE AS gm_old
    FOR EACH STATEMENT EXECUTE FUNCTION gm._sale_month_apply();
CREATE TRIGGER sale_month_trunc AFTER TRUNCATE ON gm.sale
    FOR EACH STATEMENT EXECUTE FUNCTION gm._sale_month_apply();
CREATE TRIGGER survey_month_ins AFTER INSERT ON gm.survey REFERENCING NEW TABLE AS gm_new
    FOR EACH STATEMENT EXECUTE FUNCTION gm._survey_month_apply();
CREATE TRIGGER survey_month_upd AFTER UPDATE ON gm.survey REFERENCING OLD TABLE AS gm_old NEW TABLE AS gm_new
    FOR EACH STATEMENT EXECUTE FUNCTION gm._survey_month_apply();
CREATE TRIGGER survey_month_del AFTER DELETE ON gm.survey REFERENCING OLD TABLE AS gm_old
    FOR EACH STATEMENT EXECUTE FUNCTION gm._survey_month_apply();
CREATE TRIGGER survey_month_trunc AFTER TRUNCATE ON gm.survey
    FOR EACH STATEMENT EXECUTE FUNCTION gm._survey_month_apply();

CREATE FUNCTION gm.refresh_summaries() RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    v_a bigint;
    v_b bigint;
BEGIN
    LOCK TABLE gm.sale, gm.survey IN SHARE MODE;
    TRUNCATE gm.sale_month, gm.survey_month;
    INSERT INTO gm.sale_month (month, grid_id, person, product, amount, sales, new_customers, campaign_sales)
    SELECT gm._month_floor(s.sold_on), s.grid_id, s.person, s.product, sum(s.amount), count(*),
           count(*) FILTER (WHERE s.new_customer), count(*) FILTER (WHERE s.campaign_id IS NOT NULL)
      FROM gm.sale s GROUP BY 1, 2, 3, 4;
    GET DIAGNOSTICS v_a = ROW_COUNT;
    INSERT INTO gm.survey_month (month, grid_id, person, answers, nps_answers, nps_promoters, nps_detractors, csat_answers, csat_satisfied)
    SELECT gm._month_floor(v.answered_on), v.grid_id, v.person, count(*), count(v.nps_score),
           count(*) FILTER (WHERE v.nps_score >= 9), count(*) FILTER (WHERE v.nps_score <= 6),
           count(v.csat_score), count(*) FILTER (WHERE v.csat_score >= 4)
      FROM gm.survey v GROUP BY 1, 2, 3;
    GET DIAGNOSTICS v_b = ROW_COUNT;
    RETURN v_a + v_b;
END $$;
COMMENT ON FUNCTION gm.refresh_summaries() IS
    'Rebuilds the monthly summaries gm.sale_month and gm.survey_month from gm.sale and gm.survey (after a data-only restore with --disable-triggers, or to check them); returns the summary rows written';

-- One function per computed indicator: (period_from, period_to) -> rows (grid, person, product,
-- numerator, denominator) at the finest grain; gm.compute_actuals rolls them up.

CREATE FUNCTION gm.actual_revenue(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, x.person, x.product, sum(x.v), NULL::numeric
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT m.grid_id, m.person, m.product, m.amount AS v FROM gm.sale_month m
             WHERE m.month >= w.month_from AND m.month < w.month_to
            UNION ALL
            SELECT s.grid_id, s.person, s.product, s.amount FROM gm.sale s
             WHERE (s.sold_on >= $1 AND s.sold_on < w.month_from OR s.sold_on >= w.month_to AND s.sold_on < $2)) x
     GROUP BY x.grid_id, x.person, x.product
$$;
COMMENT ON FUNCTION gm.actual_revenue(date, date) IS
    'Actual of revenue: the amount of gm.sale per grid, seller and product sold in [period_from, period_to) (whole months from gm.sale_month)';

CREATE FUNCTION gm.actual_sales(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, x.person, x.product, sum(x.v), NULL::numeric
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT m.grid_id, m.person, m.product, m.sales::numeric AS v FROM gm.sale_month m
             WHERE m.month >= w.month_from AND m.month < w.month_to
            UNION ALL
            SELECT s.grid_id, s.person, s.product, 1::numeric FROM gm.sale s
             WHERE (s.sold_on >= $1 AND s.sold_on < w.month_from OR s.sold_on >= w.month_to AND s.sold_on < $2)) x
     GROUP BY x.grid_id, x.person, x.product
$$;
COMMENT ON FUNCTION gm.actual_sales(date, date) IS
    'Actual of sales: the number of gm.sale rows per grid, seller and product in [period_from, period_to) (whole months from gm.sale_month)';

CREATE FUNCTION gm.actual_new_customers(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, x.person, x.product, sum(x.v), NULL::numeric
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT m.grid_id, m.person, m.product, m.new_customers::numeric AS v FROM gm.sale_month m
             WHERE m.month >= w.month_from AND m.month < w.month_to AND m.new_customers::numeric > 0
            UNION ALL
            SELECT s.grid_id, s.person, s.product, 1::numeric FROM gm.sale s
             WHERE (s.sold_on >= $1 AND s.sold_on < w.month_from OR s.sold_on >= w.month_to AND s.sold_on < $2) AND s.new_customer) x
     GROUP BY x.grid_id, x.person, x.product
$$;
COMMENT ON FUNCTION gm.actual_new_customers(date, date) IS
    'Actual of new_customers: sales that won a new customer, per grid, seller and product in [period_from, period_to) (whole months from gm.sale_month)';

CREATE FUNCTION gm.actual_spend(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT p.grid_id, NULL::name, NULL::text, sum(p.amount), NULL::numeric
      FROM gm.spend p WHERE p.day >= $1 AND p.day < $2
     GROUP BY p.grid_id
$$;
COMMENT ON FUNCTION gm.actual_spend(date, date) IS
    'Actual of spend: gm.spend per grid in [period_from, period_to) (the budget is the spend target)';

CREATE FUNCTION gm.actual_cac(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, NULL::name, NULL::text, sum(x.spent), sum(x.won)
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT p.grid_id, p.amount AS spent, 0 AS won FROM gm.spend p WHERE p.day >= $1 AND p.day < $2
            UNION ALL
            SELECT m.grid_id, 0, m.new_customers FROM gm.sale_month m
             WHERE m.month >= w.month_from AND m.month < w.month_to AND m.new_customers > 0
            UNION ALL
            SELECT s.grid_id, 0, 1 FROM gm.sale s
             WHERE (s.sold_on >= $1 AND s.sold_on < w.month_from OR s.sold_on >= w.month_to AND s.sold_on < $2) AND s.new_customer) x
     GROUP BY x.grid_id
$$;
COMMENT ON FUNCTION gm.actual_cac(date, date) IS
    'Actual of cac: spend / new customers per grid in [period_from, period_to) (as gm.cac); grid level and above only';

CREATE FUNCTION gm.actual_roi(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, NULL::name, NULL::text, sum(x.revenue) - sum(x.cost), sum(x.cost)
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT p.grid_id, 0 AS revenue, p.amount AS cost FROM gm.spend p WHERE p.day >= $1 AND p.day < $2
            UNION ALL
            SELECT m.grid_id, m.amount, 0 FROM gm.sale_month m WHERE m.month >= w.month_from AND m.month < w.month_to
            UNION ALL
            SELECT s.grid_id, s.amount, 0 FROM gm.sale s
             WHERE s.sold_on >= $1 AND s.sold_on < w.month_from OR s.sold_on >= w.month_to AND s.sold_on < $2) x
     GROUP BY x.grid_id
$$;
COMMENT ON FUNCTION gm.actual_roi(date, date) IS
    'Actual of roi: (revenue − spend) / spend per grid in [period_from, period_to) (as gm.roi); grid level and above only';

CREATE FUNCTION gm.actual_nps(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, x.person, NULL::text, 100 * sum(x.pro - x.det)::numeric, sum(x.n)::numeric
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT m.grid_id, m.person, m.nps_promoters AS pro, m.nps_detractors AS det, m.nps_answers AS n FROM gm.survey_month m
             WHERE m.month >= w.month_from AND m.month < w.month_to AND m.nps_answers > 0
            UNION ALL
            SELECT v.grid_id, v.person, (v.nps_score >= 9)::int, (v.nps_score <= 6)::int, 1 FROM gm.survey v
             WHERE (v.answered_on >= $1 AND v.answered_on < w.month_from OR v.answered_on >= w.month_to AND v.answered_on < $2)
               AND v.nps_score IS NOT NULL) x
     GROUP BY x.grid_id, x.person
$$;
COMMENT ON FUNCTION gm.actual_nps(date, date) IS
    'Actual of nps: 100 × (promoters 9-10 − detractors 0-6) / answers of gm.survey in [period_from, period_to) (as gm.nps; whole months from gm.survey_month)';

CREATE FUNCTION gm.actual_csat(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, x.person, NULL::text, 100 * sum(x.hi)::numeric, sum(x.n)::numeric
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT m.grid_id, m.person, m.csat_satisfied AS hi, m.csat_answers AS n FROM gm.survey_month m
             WHERE m.month >= w.month_from AND m.month < w.month_to AND m.csat_answers > 0
            UNION ALL
            SELECT v.grid_id, v.person, (v.csat_score >= 4)::int, 1 FROM gm.survey v
             WHERE (v.answered_on >= $1 AND v.answered_on < w.month_from OR v.answered_on >= w.month_to AND v.answered_on < $2)
               AND v.csat_score IS NOT NULL) x
     GROUP BY x.grid_id, x.person
$$;
COMMENT ON FUNCTION gm.actual_csat(date, date) IS
    'Actual of csat: percent of 4-5 answers on the 5-point scale of gm.survey in [period_from, period_to) (as gm.csat; whole months from gm.survey_month)';

-- ontime_rate and response_hours read one period's responses: by this index, not by a scan of every
-- work order (a million open orders cost a second a year of months without it).  Partial: open
-- orders (no response yet), which planning writes by the hundred thousand, are not in it.
CREATE INDEX followup_responded_idx ON gm.followup (responded_at) WHERE responded_at IS NOT NULL;

CREATE FUNCTION gm.actual_ontime_rate(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT f.grid_id, f.assignee, NULL::text, count(*) FILTER (WHERE f.light <> 'red')::numeric, count(*)::numeric
      FROM gm.followup_status f
     WHERE f.responded_at >= $1 AND f.responded_at < $2
     GROUP BY f.grid_id, f.assignee
$$;
COMMENT ON FUNCTION gm.actual_ontime_rate(date, date) IS
    'Actual of ontime_rate: share of the work orders responded to in [period_from, period_to) (server time zone days) that were not overdue, per grid and assignee';

CREATE FUNCTION gm.actual_response_hours(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT f.grid_id, f.assignee, NULL::text,
           sum(extract(epoch FROM f.responded_at - f.opened_at) / 3600), count(*)::numeric
      FROM gm.followup f
     WHERE f.responded_at >= $1 AND f.responded_at < $2
     GROUP BY f.grid_id, f.assignee
$$;
COMMENT ON FUNCTION gm.actual_response_hours(date, date) IS
    'Actual of response_hours: mean hours from opening to first response of the work orders responded to in [period_from, period_to)';

CREATE FUNCTION gm.actual_campaign_conversions(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, person name, product text, num numeric, den numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT x.grid_id, x.person, x.product, sum(x.v), NULL::numeric
      FROM gm._whole_months($1, $2) w
      CROSS JOIN LATERAL (
            SELECT m.grid_id, m.person, m.product, m.campaign_sales::numeric AS v FROM gm.sale_month m
             WHERE m.month >= w.month_from AND m.month < w.month_to AND m.campaign_sales::numeric > 0
            UNION ALL
            SELECT s.grid_id, s.person, s.product, 1::numeric FROM gm.sale s
             WHERE (s.sold_on >= $1 AND s.sold_on < w.month_from OR s.sold_on >= w.month_to AND s.sold_on < $2) AND s.campaign_id IS NOT NULL) x
     GROUP BY x.grid_id, x.person, x.product
$$;
COMMENT ON FUNCTION gm.actual_campaign_conversions(date, date) IS
    'Actual of campaign_conversions: sales converting a campaign (gm.sale.campaign_id) in [period_from, period_to) (whole months from gm.sale_month)';

INSERT INTO gm.kpi(code, name_zh, name_en, unit, direction, kind, feed, actual_fn, additive, decimals, target_param, note, origin) VALUES
    ('revenue',        '销售额',         'revenue',                  'yuan',      'higher', 'result',  'computed', 'gm.actual_revenue', true, 2, NULL, 'seed 000 §3.4: sales target per grid and person', 'shipped'),
    ('sales',          '成交单数',       'sales',                    'orders',    'higher', 'result',  'computed', 'gm.actual_sales', true, 0, NULL, 'seed 004: sales completion (销售业绩完成率)', 'shipped'),
    ('new_customers',  '新增客户数',     'new customers',            'customers', 'higher', 'result',  'computed', 'gm.actual_new_customers', true, 0, NULL, 'seed 000 §3.3', 'shipped'),
    ('spend',          '营销费用',       'marketing spend',          'yuan',      'lower',  'process', 'computed', 'gm.actual_spend', true, 2, NULL, 'seed 003: the budget is the spend target', 'shipped'),
    ('cac',            '获客成本',       'customer acquisition cost', 'yuan',     'lower',  'result',  'computed', 'gm.actual_cac', false, 2, 'cac_target', 'seed 000 §3.3: 1,000 → 700 yuan, −5 % a month', 'shipped'),
    ('roi',            '投资回报率',     'return on investment',     'ratio',     'higher', 'result',  'computed', 'gm.actual_roi', false, 4, NULL, 'seed 003', 'shipped'),
    ('nps',            '净推荐值',       'net promoter score',       'score',     'higher', 'result',  'computed', 'gm.actual_nps', false, 1, 'nps_target', 'seed 000 §3.3', 'shipped'),
    ('csat',           '客户满意度',     'customer satisfaction',    'points',    'higher', 'result',  'computed', 'gm.actual_csat', false, 1, 'csat_target', 'seed 000 §3.3', 'shipped'),
    ('ontime_rate',    '跟进及时率',     'on-time follow-up rate',   'fraction',  'higher', 'process', 'computed', 'gm.actual_ontime_rate', false, 4, 'ontime_rate_target', 'seed 000 §3.3', 'shipped'),
    ('response_hours', '响应时长',       'response time',            'hours',     'lower',  'process', 'computed', 'gm.actual_response_hours', false, 2, 'response_hours_target', 'seed 000 §3.2', 'shipped'),
    ('campaign_conversions', '派单转化数', 'campaign conversions',   'sales',     'higher', 'result',  'computed', 'gm.actual_campaign_conversions', true, 0, NULL, 'ours: campaign results feed the actuals', 'shipped'),
    ('customers_per_grid', '网格客户密度', 'customers per grid',     'customers', 'higher', 'process', 'external', NULL, false, 0, 'grid_density_target', 'seed 000 §3.3', 'shipped'),
    ('utilisation',    '资源利用率',     'resource utilisation',     'fraction',  'higher', 'process', 'external', NULL, false, 4, 'utilisation_target', 'seed 000 §3.3', 'shipped'),
    ('leads_per_person_day', '人均日线索处理量', 'leads per person per day', 'leads', 'higher', 'process', 'external', NULL, false, 1, 'leads_per_person_day_target', 'seed 000 §3.4', 'shipped'),
    ('high_value_repurchase', '高价值客户复购率', 'high-value repurchase rate', 'fraction', 'higher', 'result', 'external', NULL, false, 4, 'high_value_repurchase_target', 'seed 000 §3.2', 'shipped'),
    ('profile_completeness', '客户画像完整度', 'profile completeness', 'fraction', 'higher', 'process', 'external', NULL, false, 4, 'profile_completeness_target', 'seed 000 §3.2', 'shipped'),
    ('penetration',    '渗透率',         'penetration',              'fraction',  'higher', 'result',  'external', NULL, false, 4, NULL, 'seed 002: penetration of the grid''s households', 'shipped'),
    ('lead_to_deal',   '线索转化率',     'lead to deal conversion',  'fraction',  'higher', 'result',  'external', NULL, false, 4, 'lead_to_deal_target', 'seed 000 §3.3 (gm.funnel computes it from a lead table)', 'shipped'),
    ('collaboration',  '协同评分',       'collaboration score',      'points',    'higher', 'process', 'external', NULL, false, 1, NULL, 'seed 000 §4.4: collaboration, 20 % of every scorecard; a 0-100 peer rating', 'shipped');

-- Levels and the tree of a split ------------------------------------------------------------------

CREATE FUNCTION gm._check_kpi(kpi text) RETURNS gm.kpi
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
DECLARE k gm.kpi;
BEGIN
    SELECT * INTO k FROM gm.kpi x WHERE x.code = kpi;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown indicator "%"', kpi USING ERRCODE = '42704',
            HINT = 'Indicators are the rows of gm.kpi.';
    END IF;
    RETURN k;
END $$;
COMMENT ON FUNCTION gm._check_kpi(text) IS 'Internal: the catalogue row of an indicator, 42704 for an unknown code';

CREATE FUNCTION gm._split_tree(total numeric, parents integer[], weights numeric[], decimals integer)
    RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'gm_split_tree'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._split_tree(numeric, integer[], numeric[], integer) IS
    'Internal: splits total over a tree in topological order (node 1 the root; parents[i] the position of node i''s parent) by weights, every node''s children summing exactly to it in units of 10^-decimals (the largest-remainder rule of gm.split_target at each node); arrays of different lengths 2202E, a NULL weight 22004, other bad numbers 22003';

-- the nodes of a split: company, regions (grids without parent), grids below them, people of the
-- leaf grids with a quota-carrying duty on the period's first day
CREATE FUNCTION gm.target_tree(period_start date, duties text[] DEFAULT '{manager,marketer}')
    RETURNS TABLE(node integer, parent integer, level text, grid_id bigint, person name, depth integer)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    WITH RECURSIVE g(grid_id, parent_id, depth, path) AS (
        SELECT x.grid_id, NULL::bigint, 1, ARRAY[x.grid_id]
          FROM gm.grid x WHERE x.parent_id IS NULL AND x.valid_from <= $1 AND $1 < x.valid_to
        UNION ALL
        SELECT x.grid_id, x.parent_id, g.depth + 1, g.path || x.grid_id
          FROM gm.grid x JOIN g ON x.parent_id = g.grid_id
         WHERE x.valid_from <= $1 AND $1 < x.valid_to AND g.depth < 64
    ), nodes AS (
        SELECT 'company'::text AS level, NULL::bigint AS grid_id, NULL::bigint AS parent_grid, NULL::name AS person,
               0 AS depth, ARRAY[]::bigint[] AS path, ''::text AS pkey
        UNION ALL
        SELECT CASE WHEN g.parent_id IS NULL THEN 'region' ELSE 'grid' END, g.grid_id, g.parent_id, NULL, g.depth, g.path, ''
          FROM g
        UNION ALL
        SELECT 'person', m.grid_id, m.grid_id, m.role_name, g.depth + 1, g.path, m.role_name::text
          FROM gm.grid_member m JOIN g ON g.grid_id = m.grid_id
         WHERE m.duty = ANY ($2) AND m.valid_from <= $1 AND $1 < m.valid_to
           AND NOT EXISTS (SELECT 1 FROM gm.grid c WHERE c.parent_id = m.grid_id AND c.valid_from <= $1 AND $1 < c.valid_to)
    ), numbered AS MATERIALIZED (
        SELECT n.*, (row_number() OVER (ORDER BY n.depth, n.path, n.pkey))::integer AS node FROM nodes n
    )
    SELECT c.node,
           CASE WHEN c.level = 'company' THEN 0 WHEN c.level = 'region' THEN 1 ELSE p.node END,
           c.level, c.grid_id, c.person, c.depth
      FROM numbered c
      LEFT JOIN numbered p ON c.level IN ('grid', 'person') AND p.level IN ('region', 'grid') AND p.grid_id = c.parent_grid
     ORDER BY c.node
$$;
COMMENT ON FUNCTION gm.target_tree(date, text[]) IS
    'The tree a target splits over on a day: node 1 the company, then regions (grids without parent), the grids below them, and the people of the leaf grids whose duty is one of duties; each node with the position of its parent';

-- Targets -----------------------------------------------------------------------------------------

CREATE TABLE gm.target (
    target_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kpi          text NOT NULL REFERENCES gm.kpi(code) ON UPDATE CASCADE,
    period_kind  text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start date NOT NULL,
    level        text NOT NULL CHECK (level IN ('company', 'region', 'grid', 'person')),
    grid_id      bigint REFERENCES gm.grid(grid_id) ON DELETE CASCADE,
    person       name,
    product      text NOT NULL DEFAULT '',
    value        numeric NOT NULL,
    how          text NOT NULL DEFAULT 'set' CHECK (how IN ('set', 'split', 'rollup', 'rebalanced', 'proposal')),
    hand_edited  boolean NOT NULL DEFAULT false,
    flag         text,
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by   name NOT NULL DEFAULT gm.actor(),
    CHECK ((level = 'company') = (grid_id IS NULL)),
    CHECK ((level = 'person') = (person IS NOT NULL)),
    CONSTRAINT target_key UNIQUE NULLS NOT DISTINCT (kpi, period_kind, period_start, level, grid_id, person, product)
);
COMMENT ON TABLE gm.target IS
    'Targets (目标) per indicator × period (month / quarter / year) × level (company, region, grid, person), optionally per product; split top-down by gm.split_targets, rolled up by gm.rollup_targets, edited by gm.set_target';
COMMENT ON COLUMN gm.target.kpi IS 'The indicator (gm.kpi)';
COMMENT ON COLUMN gm.target.period_kind IS 'month, quarter or year';
COMMENT ON COLUMN gm.target.period_start IS 'First day of the period';
COMMENT ON COLUMN gm.target.level IS 'company, region (a grid without parent), grid, or person';
COMMENT ON COLUMN gm.target.grid_id IS 'The region or grid; for a person the grid they carry the target in; NULL for the company';
COMMENT ON COLUMN gm.target.person IS 'The person (role name) of a person target';
COMMENT ON COLUMN gm.target.product IS 'Product line, '''' for all products';
COMMENT ON COLUMN gm.target.value IS 'The target, in the indicator''s unit';
COMMENT ON COLUMN gm.target.how IS 'set by hand, split from the parent, rollup of the children, rebalanced after a sibling''s edit, or an applied recalibration proposal';
COMMENT ON COLUMN gm.target.hand_edited IS 'Set by hand below the top: kept when the siblings are rebalanced';
COMMENT ON COLUMN gm.target.flag IS 'Why the part no longer sums with its siblings to the parent (indicators with on_edit = flag); NULL when consistent';
COMMENT ON COLUMN gm.target.updated_by IS 'The acting person (gm.actor()) who last wrote it';
SELECT pg_catalog.pg_extension_config_dump('gm.target', '');
SELECT pg_catalog.pg_extension_config_dump('gm.target_target_id_seq', '');
CREATE INDEX target_grid_idx ON gm.target (grid_id);

CREATE FUNCTION gm._target_level(grid_id bigint, person name) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT CASE WHEN $2 IS NOT NULL THEN 'person' WHEN $1 IS NULL THEN 'company'
                WHEN (SELECT g.parent_id FROM gm.grid g WHERE g.grid_id = $1) IS NULL THEN 'region' ELSE 'grid' END
$$;
COMMENT ON FUNCTION gm._target_level(bigint, name) IS 'Internal: the level of a subject: company (no grid), region (grid without parent), grid, person';

CREATE FUNCTION gm.split_targets(kpi text, period_kind text, period_start date, total numeric,
                                 weight text DEFAULT 'equal', product text DEFAULT '',
                                 duties text[] DEFAULT '{manager,marketer}')
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    k gm.kpi := gm._check_kpi(kpi);
    v_parents integer[];
    v_weights numeric[];
    v_levels text[];
    v_grids bigint[];
    v_people name[];
    v_parts numeric[];
    v_prev date;
    v_n bigint;
BEGIN
    IF period_kind IS NULL OR period_start IS NULL OR total IS NULL OR weight IS NULL OR product IS NULL OR duties IS NULL THEN
        RAISE EXCEPTION 'gm.split_targets: no argument may be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM gm.period_end(period_kind, period_start);
    IF NOT k.additive THEN
        RAISE EXCEPTION 'indicator % is not additive: its parts do not sum to the whole', k.code USING ERRCODE = '55000',
            HINT = 'Set a target per level with gm.set_target, or leave the default of its target_param.';
    END IF;
    IF weight NOT IN ('equal', 'last_actual') AND weight !~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid weight "%"', weight USING ERRCODE = '42602',
            HINT = 'Use equal, last_actual, capacity or the name of a numeric key of gm.grid.attrs (e.g. value_index).';
    END IF;
    v_prev := gm.period_shift(period_kind, period_start, -1);
    SELECT array_agg(t.parent ORDER BY t.node), array_agg(t.level ORDER BY t.node),
           array_agg(t.grid_id ORDER BY t.node), array_agg(t.person ORDER BY t.node),
           array_agg(greatest(0, coalesce(CASE
                WHEN weight = 'equal' THEN 1
                WHEN weight = 'last_actual' THEN a.value
                WHEN t.level = 'person' THEN 1
                WHEN weight = 'capacity' THEN g.capacity
                ELSE (g.attrs ->> weight)::numeric END, 0)) ORDER BY t.node)
      INTO v_parents, v_levels, v_grids, v_people, v_weights
      FROM gm.target_tree(period_start, duties) t
      LEFT JOIN gm.grid g ON g.grid_id = t.grid_id
      LEFT JOIN gm.actual a ON weight = 'last_actual' AND a.kpi = k.code AND a.period_kind = split_targets.period_kind
                           AND a.period_start = v_prev AND a.level = t.level AND coalesce(a.grid_id, 0) = coalesce(t.grid_id, 0)
                           AND coalesce(a.person, '') = coalesce(t.person, '') AND a.product = split_targets.product;
    v_parts := gm._split_tree(total, v_parents, v_weights, k.decimals);
    INSERT INTO gm.target AS x (kpi, period_kind, period_start, level, grid_id, person, product, value, how, hand_edited, flag)
    SELECT k.code, split_targets.period_kind, split_targets.period_start, u.level, u.grid_id, u.person,
           split_targets.product, u.value, CASE WHEN u.i = 1 THEN 'set' ELSE 'split' END, false, NULL
      FROM unnest(v_levels, v_grids, v_people, v_parts) WITH ORDINALITY AS u(level, grid_id, person, value, i)
    ON CONFLICT ON CONSTRAINT target_key
    DO UPDATE SET value = EXCLUDED.value, how = EXCLUDED.how, hand_edited = false, flag = NULL,
                  updated_at = pg_catalog.now(), updated_by = gm.actor();
    GET DIAGNOSTICS v_n = ROW_COUNT;
    -- parts of a former split that are no longer in the tree (a grid closed, a person left)
    DELETE FROM gm.target x
     WHERE x.kpi = k.code AND x.period_kind = split_targets.period_kind AND x.period_start = split_targets.period_start
       AND x.product = split_targets.product AND x.level <> 'company'
       AND (x.level, coalesce(x.grid_id, 0), coalesce(x.person, '')) NOT IN        -- a hashed sub-plan
           (SELECT u.level, coalesce(u.grid_id, 0), coalesce(u.person, '') FROM unnest(v_levels, v_grids, v_people) u(level, grid_id, person));
    RETURN v_n;
END $$;
COMMENT ON FUNCTION gm.split_targets(text, text, date, numeric, text, text, text[]) IS
    'Sets the company target of an additive indicator for a period and splits it exactly (whole units of the indicator''s decimals) down to regions, grids and the people of the leaf grids, by weight: equal, last_actual (last period''s actuals), capacity or a numeric gm.grid.attrs key (value_index); people share their grid''s part equally (last_actual: by their own); replaces the period''s former split; returns the rows written';

-- split a node's value again over its existing children, keeping hand-edited children as they are
CREATE FUNCTION gm._resplit_children(p_target bigint) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    p gm.target;
    k gm.kpi;
    v_ids bigint[];
    v_w numeric[];
    v_rest numeric;
    v_parts numeric[];
    v_child bigint;
BEGIN
    SELECT * INTO p FROM gm.target t WHERE t.target_id = p_target;
    IF p.level = 'person' THEN RETURN; END IF;
    k := gm._check_kpi(p.kpi);
    SELECT array_agg(c.target_id ORDER BY c.target_id), array_agg(c.value ORDER BY c.target_id) INTO v_ids, v_w
      FROM gm.target c
     WHERE c.kpi = p.kpi AND c.period_kind = p.period_kind AND c.period_start = p.period_start AND c.product = p.product
       AND NOT c.hand_edited AND gm._is_child(p, c);
    IF v_ids IS NULL THEN RETURN; END IF;
    SELECT p.value - coalesce(sum(c.value), 0) INTO v_rest
      FROM gm.target c
     WHERE c.kpi = p.kpi AND c.period_kind = p.period_kind AND c.period_start = p.period_start AND c.product = p.product
       AND c.hand_edited AND gm._is_child(p, c);
    IF v_rest < 0 OR (SELECT sum(w) FROM unnest(v_w) w) = 0 THEN
        v_w := array_fill(1::numeric, ARRAY[cardinality(v_ids)]);
    END IF;
    IF v_rest < 0 THEN
        -- the hand-edited children alone exceed the parent: the others get nothing, and the
        -- parts are flagged (gm.set_target) until the parent or the edits change
        v_rest := 0;
    END IF;
    v_parts := gm.split_target(v_rest, v_w, k.decimals);
    UPDATE gm.target c SET value = v_parts[array_position(v_ids, c.target_id)], how = 'rebalanced', flag = NULL,
                           updated_at = pg_catalog.now(), updated_by = gm.actor()
     WHERE c.target_id = ANY (v_ids);
    FOREACH v_child IN ARRAY v_ids LOOP
        PERFORM gm._resplit_children(v_child);
    END LOOP;
END $$;
COMMENT ON FUNCTION gm._resplit_children(bigint) IS
    'Internal: splits a target again over its children (by their current values, exactly), keeping hand-edited children, and so on down; when the hand-edited children alone exceed the parent the others get 0';

CREATE FUNCTION gm._is_child(p gm.target, c gm.target) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT CASE
        WHEN p.level = 'company' THEN c.level = 'region'
        WHEN c.level = 'person' THEN p.level IN ('region', 'grid') AND c.grid_id = p.grid_id
        WHEN c.level IN ('region', 'grid') THEN
             EXISTS (SELECT 1 FROM gm.grid g WHERE g.grid_id = c.grid_id AND g.parent_id = p.grid_id)
        ELSE false END
$$;
COMMENT ON FUNCTION gm._is_child(gm.target, gm.target) IS 'Internal: whether target c is a direct part of target p (region of the company, grid of its parent grid, person of their grid)';

CREATE FUNCTION gm.set_target(kpi text, period_kind text, period_start date, grid_id bigint, person name,
                              value numeric, product text DEFAULT '')
    RETURNS gm.target
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    k gm.kpi := gm._check_kpi(kpi);
    v_level text;
    t gm.target;
    p gm.target;
    v_sum numeric;
BEGIN
    IF period_kind IS NULL OR period_start IS NULL OR value IS NULL OR product IS NULL THEN
        RAISE EXCEPTION 'gm.set_target: period_kind, period_start, value and product must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM gm.period_end(period_kind, period_start);
    IF value < 0 OR value = 'NaN'::numeric OR value = 'Infinity'::numeric THEN
        RAISE EXCEPTION 'a target must be a finite number >= 0, not %', value USING ERRCODE = '22003';
    END IF;
    IF k.additive AND round(value, k.decimals) <> value THEN
        RAISE EXCEPTION 'target % of % has more than % decimals', value, k.code, k.decimals USING ERRCODE = '22003';
    END IF;
    IF grid_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM gm.grid g WHERE g.grid_id = set_target.grid_id) THEN
        RAISE EXCEPTION 'grid % does not exist', grid_id USING ERRCODE = '42704';
    END IF;
    IF person IS NOT NULL AND grid_id IS NULL THEN
        RAISE EXCEPTION 'a person''s target needs the grid they carry it in' USING ERRCODE = '22004';
    END IF;
    v_level := gm._target_level(grid_id, person);
    INSERT INTO gm.target AS x (kpi, period_kind, period_start, level, grid_id, person, product, value, how, hand_edited, flag)
    VALUES (k.code, period_kind, period_start, v_level, grid_id, person, product, value, 'set', v_level <> 'company', NULL)
    ON CONFLICT ON CONSTRAINT target_key
    DO UPDATE SET value = EXCLUDED.value, how = 'set', hand_edited = EXCLUDED.hand_edited, flag = NULL,
                  updated_at = pg_catalog.now(), updated_by = gm.actor()
    RETURNING * INTO t;
    IF NOT k.additive THEN
        RETURN t;
    END IF;
    -- the parts below follow the new value
    PERFORM gm._resplit_children(t.target_id);
    -- the siblings: rebalanced to keep the parent, or flagged
    SELECT * INTO p FROM gm.target x
     WHERE x.kpi = t.kpi AND x.period_kind = t.period_kind AND x.period_start = t.period_start AND x.product = t.product
       AND x.level <> 'person' AND gm._is_child(x, t);
    IF FOUND THEN
        IF k.on_edit = 'rebalance' THEN
            PERFORM gm._resplit_children(p.target_id);
        END IF;
        SELECT sum(c.value) INTO v_sum FROM gm.target c
         WHERE c.kpi = p.kpi AND c.period_kind = p.period_kind AND c.period_start = p.period_start AND c.product = p.product
           AND gm._is_child(p, c);
        UPDATE gm.target c SET flag = CASE WHEN v_sum = p.value THEN NULL
                                           ELSE format('parts sum to %s, the parent target is %s', v_sum, p.value) END
         WHERE c.kpi = p.kpi AND c.period_kind = p.period_kind AND c.period_start = p.period_start AND c.product = p.product
           AND gm._is_child(p, c) AND c.flag IS DISTINCT FROM (CASE WHEN v_sum = p.value THEN NULL
                                           ELSE format('parts sum to %s, the parent target is %s', v_sum, p.value) END);
    END IF;
    SELECT * INTO t FROM gm.target x WHERE x.target_id = t.target_id;
    RETURN t;
END $$;
COMMENT ON FUNCTION gm.set_target(text, text, date, bigint, name, numeric, text) IS
    'Sets one target by hand (grid_id NULL: the company; person with the grid they carry it in): the parts below are split again; the siblings are rebalanced so they still sum to the parent (hand-edited siblings kept), or flagged when the indicator''s on_edit is flag; returns the row';

CREATE FUNCTION gm.rollup_targets(kpi text, period_kind text, period_start date, product text DEFAULT '')
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    k gm.kpi := gm._check_kpi(kpi);
    v_n bigint := 0;
    v_c bigint;
    d integer;
BEGIN
    PERFORM gm.period_end(period_kind, period_start);
    IF NOT k.additive THEN
        RAISE EXCEPTION 'indicator % is not additive: its parts do not sum to the whole', k.code USING ERRCODE = '55000',
            HINT = 'Set a target per level with gm.set_target, or leave the default of its target_param.';
    END IF;
    -- deepest grids first, then regions, then the company
    FOR d IN SELECT DISTINCT t.depth FROM gm.target_tree(period_start) t WHERE t.level IN ('region', 'grid') ORDER BY 1 DESC LOOP
        INSERT INTO gm.target AS x (kpi, period_kind, period_start, level, grid_id, person, product, value, how)
        SELECT k.code, rollup_targets.period_kind, rollup_targets.period_start, t.level, t.grid_id, NULL, rollup_targets.product,
               s.total, 'rollup'
          FROM gm.target_tree(rollup_targets.period_start) t
          CROSS JOIN LATERAL (
                SELECT sum(c.value) AS total FROM gm.target c
                 WHERE c.kpi = k.code AND c.period_kind = rollup_targets.period_kind
                   AND c.period_start = rollup_targets.period_start AND c.product = rollup_targets.product
                   AND ((c.level = 'person' AND c.grid_id = t.grid_id)
                        OR (c.level = 'grid' AND c.grid_id IN (SELECT g.grid_id FROM gm.grid g WHERE g.parent_id = t.grid_id)))) s
         WHERE t.depth = d AND t.level IN ('region', 'grid') AND s.total IS NOT NULL
        ON CONFLICT ON CONSTRAINT target_key
        DO UPDATE SET value = EXCLUDED.value, how = 'rollup', flag = NULL, updated_at = pg_catalog.now(), updated_by = gm.actor()
         WHERE x.value IS DISTINCT FROM EXCLUDED.value OR x.flag IS NOT NULL;
        GET DIAGNOSTICS v_c = ROW_COUNT;
        v_n := v_n + v_c;
    END LOOP;
    INSERT INTO gm.target AS x (kpi, period_kind, period_start, level, grid_id, person, product, value, how)
    SELECT k.code, rollup_targets.period_kind, rollup_targets.period_start, 'company', NULL, NULL, rollup_targets.product,
           sum(c.value), 'rollup'
      FROM gm.target c
     WHERE c.kpi = k.code AND c.period_kind = rollup_targets.period_kind AND c.period_start = rollup_targets.period_start
       AND c.product = rollup_targets.product AND c.level = 'region'
    HAVING count(*) > 0
    ON CONFLICT ON CONSTRAINT target_key
    DO UPDATE SET value = EXCLUDED.value, how = 'rollup', flag = NULL, updated_at = pg_catalog.now(), updated_by = gm.actor()
     WHERE x.value IS DISTINCT FROM EXCLUDED.value OR x.flag IS NOT NULL;
    GET DIAGNOSTICS v_c = ROW_COUNT;
    UPDATE gm.target x SET flag = NULL
     WHERE x.kpi = k.code AND x.period_kind = rollup_targets.period_kind AND x.period_start = rollup_targets.period_start
       AND x.product = rollup_targets.product AND x.flag IS NOT NULL;
    RETURN v_n + v_c;
END $$;
COMMENT ON FUNCTION gm.rollup_targets(text, text, date, text) IS
    'Rolls the targets of an additive indicator up bottom-up: every grid gets the sum of its people''s (or its child grids'') targets, every region its grids'', the company its regions''; returns the rows changed';

-- The default target of an indicator where no row is set
CREATE FUNCTION gm.target_value(kpi text, period_kind text, period_start date, grid_id bigint DEFAULT NULL,
                                person name DEFAULT NULL, product text DEFAULT '')
    RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT coalesce(
        (SELECT t.value FROM gm.target t
          WHERE t.kpi = $1 AND t.period_kind = $2 AND t.period_start = $3 AND t.grid_id IS NOT DISTINCT FROM $4
            AND t.person IS NOT DISTINCT FROM $5 AND t.product = $6),
        (SELECT p.value FROM gm.kpi k JOIN gm.parameter p ON p.name = k.target_param WHERE k.code = $1 AND NOT k.additive))
$$;
COMMENT ON FUNCTION gm.target_value(text, text, date, bigint, name, text) IS
    'The target of a subject for a period: its gm.target row, else (rates and scores only) the indicator''s default from gm.parameter; NULL when neither';

-- Actuals -----------------------------------------------------------------------------------------

CREATE TABLE gm.actual (
    kpi          text NOT NULL REFERENCES gm.kpi(code) ON UPDATE CASCADE,
    period_kind  text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start date NOT NULL,
    level        text NOT NULL CHECK (level IN ('company', 'region', 'grid', 'person')),
    grid_id      bigint REFERENCES gm.grid(grid_id) ON DELETE CASCADE,
    person       name,
    product      text NOT NULL DEFAULT '',
    num          numeric,
    den          numeric,
    value        numeric,
    source       text NOT NULL CHECK (source IN ('computed', 'external')),
    recorded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by  name NOT NULL DEFAULT gm.actor(),
    CHECK ((level = 'company') = (grid_id IS NULL)),
    CHECK ((level = 'person') = (person IS NOT NULL)),
    -- period and grid first: the key's comparisons are settled on integers, not on the text codes
    CONSTRAINT actual_key UNIQUE NULLS NOT DISTINCT (period_start, grid_id, person, kpi, period_kind, level, product)
);
COMMENT ON TABLE gm.actual IS
    'Actuals (实际值) per indicator × period × level (company, region, grid, person) × product: computed by gm.compute_actuals from the operational tables, or recorded from outside by gm.record_actual; a closed period''s rows never change';
COMMENT ON COLUMN gm.actual.kpi IS 'The indicator (gm.kpi)';
COMMENT ON COLUMN gm.actual.period_kind IS 'month, quarter or year';
COMMENT ON COLUMN gm.actual.period_start IS 'First day of the period';
COMMENT ON COLUMN gm.actual.level IS 'company, region, grid or person';
COMMENT ON COLUMN gm.actual.grid_id IS 'Region or grid (with everything below it); for a person the grid the results were made in; NULL for the company';
COMMENT ON COLUMN gm.actual.person IS 'The person (role name) of a person row';
COMMENT ON COLUMN gm.actual.product IS 'Product line, '''' for all products';
COMMENT ON COLUMN gm.actual.num IS 'Numerator as the indicator''s function returned it, summed (computed rows)';
COMMENT ON COLUMN gm.actual.den IS 'Denominator, summed (NULL for additive indicators)';
COMMENT ON COLUMN gm.actual.value IS 'The actual: num for additive indicators, num / den otherwise (NULL when den is 0)';
COMMENT ON COLUMN gm.actual.source IS 'computed (gm.compute_actuals) or external (gm.record_actual)';
COMMENT ON COLUMN gm.actual.recorded_by IS 'The acting person (gm.actor()) who computed or recorded it';
SELECT pg_catalog.pg_extension_config_dump('gm.actual', '');
-- the foreign keys' columns (deleting a grid or an indicator finds its actuals by index)
CREATE INDEX actual_grid_idx ON gm.actual (grid_id);
CREATE INDEX actual_kpi_idx ON gm.actual (kpi);

CREATE TABLE gm.period_close (
    period_kind  text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start date NOT NULL,
    closed_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    closed_by    name NOT NULL DEFAULT gm.actor(),
    PRIMARY KEY (period_kind, period_start)
);
COMMENT ON TABLE gm.period_close IS
    'Closed periods (已结账期间): their actuals are a snapshot that gm.compute_actuals and gm.record_actual no longer change (55000), whatever happens to the operational rows afterwards';
COMMENT ON COLUMN gm.period_close.closed_by IS 'The acting person (gm.actor()) who closed it';
SELECT pg_catalog.pg_extension_config_dump('gm.period_close', '');

CREATE FUNCTION gm._check_open(period_kind text, period_start date) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gm.period_close c WHERE c.period_kind = $1 AND c.period_start = $2) THEN
        RAISE EXCEPTION 'the % starting % is closed', $1, $2 USING ERRCODE = '55000',
            HINT = 'A closed period''s actuals are a snapshot; gm.reopen_period opens it again.';
    END IF;
END $$;
COMMENT ON FUNCTION gm._check_open(text, date) IS 'Internal: 55000 when the period is closed';

-- The roll-up and the merge, in C (src/actuals.c): the indicators' rows are added to every figure
-- they belong to in one pass and one hash table, then compared with the period's current rows.
CREATE FUNCTION gm._actuals_merge(raw_query text, period_kind text, period_start date, period_end date, kpis text[],
                                  OUT figures bigint, OUT written bigint)
    RETURNS record
    AS 'MODULE_PATHNAME', 'gm_actuals_merge'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gm._actuals_merge(text, text, date, date, text[]) IS
    'Internal (gm.compute_actuals): runs raw_query ($1 period_start, $2 period_end; rows kpi, additive, grid_id, person, product, num, den), rolls its rows up to person, grid, region and company, per product and for all products, and merges the figures into gm.actual for the period and indicators (unchanged rows untouched, changed updated, vanished deleted, new inserted); returns the figures and the rows written; a NULL argument 22004, raw rows of other columns 42804';

CREATE FUNCTION gm.compute_actuals(period_kind text, period_start date, kpis text[] DEFAULT NULL)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm SET jit = off AS $$
DECLARE
    v_end date;
    v_codes text[];
    v_raw text;
    v_n bigint;
    v_written bigint;
BEGIN
    IF period_kind IS NULL OR period_start IS NULL THEN
        RAISE EXCEPTION 'gm.compute_actuals: period_kind and period_start must not be NULL' USING ERRCODE = '22004';
    END IF;
    v_end := gm.period_end(period_kind, period_start);
    PERFORM gm._check_open(period_kind, period_start);
    IF kpis IS NOT NULL THEN
        PERFORM gm._check_kpi(c) FROM unnest(kpis) c;
    END IF;
    -- one computation of a period at a time (a second one waits, then sees the first's rows)
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gm.compute_actuals'), pg_catalog.hashtext(period_kind || ' ' || period_start));
    -- the indicators' rows, one branch per indicator function
    SELECT array_agg(x.code ORDER BY x.code),
           string_agg(format('SELECT %L::text AS kpi, %L::boolean AS additive, r.grid_id::bigint, r.person::name, coalesce(r.product, '''')::text AS product, r.num::numeric, r.den::numeric FROM %s($1, $2) r',
                             x.code, x.additive, x.actual_fn), ' UNION ALL ' ORDER BY x.code)
      INTO v_codes, v_raw
      FROM gm.kpi x WHERE x.feed = 'computed' AND x.enabled AND (kpis IS NULL OR x.code = ANY (kpis));
    IF v_codes IS NULL THEN
        RETURN 0;
    END IF;
    -- rolled up and merged with the period's former rows: rows whose figures did not change are
    -- left as they are (no write, no WAL, no foreign-key check), changed ones updated, new ones
    -- inserted, vanished ones deleted
    SELECT m.figures, m.written INTO v_n, v_written
      FROM gm._actuals_merge(v_raw, compute_actuals.period_kind, compute_actuals.period_start, v_end, v_codes) m;
    RAISE DEBUG 'gm.compute_actuals(%, %): % rows, % written', period_kind, period_start, v_n, v_written;
    RETURN v_n;
END $$;
COMMENT ON FUNCTION gm.compute_actuals(text, date, text[]) IS
    'Computes the actuals of the computed indicators (all enabled ones, or those named) for a period from their functions, at person, grid, region and company level, per product and for all products, as a merge with the period''s former rows (unchanged rows are not rewritten and keep recorded_at, changed ones are updated, vanished ones deleted); a closed period: 55000; returns the rows of the period''s actuals';

CREATE FUNCTION gm.record_actual(kpi text, period_kind text, period_start date, grid_id bigint, person name,
                                 value numeric, product text DEFAULT '')
    RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    k gm.kpi := gm._check_kpi(kpi);
BEGIN
    IF period_kind IS NULL OR period_start IS NULL OR product IS NULL THEN
        RAISE EXCEPTION 'gm.record_actual: period_kind, period_start and product must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM gm.period_end(period_kind, period_start);
    IF k.feed <> 'external' THEN
        RAISE EXCEPTION 'indicator % is computed by %, not recorded', k.code, k.actual_fn USING ERRCODE = '55000',
            HINT = 'gm.compute_actuals computes it.';
    END IF;
    IF value = 'NaN'::numeric THEN
        RAISE EXCEPTION 'an actual must be a number, not NaN' USING ERRCODE = '22003';
    END IF;
    IF person IS NOT NULL AND grid_id IS NULL THEN
        RAISE EXCEPTION 'a person''s actual needs the grid it was made in' USING ERRCODE = '22004';
    END IF;
    IF grid_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM gm.grid g WHERE g.grid_id = record_actual.grid_id) THEN
        RAISE EXCEPTION 'grid % does not exist', grid_id USING ERRCODE = '42704';
    END IF;
    PERFORM gm._check_open(period_kind, period_start);
    INSERT INTO gm.actual AS a (kpi, period_kind, period_start, level, grid_id, person, product, num, den, value, source)
    VALUES (k.code, period_kind, period_start, gm._target_level(grid_id, person), grid_id, person, product, value, NULL, value, 'external')
    ON CONFLICT ON CONSTRAINT actual_key
    DO UPDATE SET num = EXCLUDED.num, value = EXCLUDED.value, recorded_at = pg_catalog.now(), recorded_by = gm.actor();
END $$;
COMMENT ON FUNCTION gm.record_actual(text, text, date, bigint, name, numeric, text) IS
    'Records the actual of an externally fed indicator (feed = external) for a subject and period (grid_id NULL: company; a person with their grid); a computed indicator or a closed period: 55000';

CREATE FUNCTION gm.close_period(period_kind text, period_start date) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE v_n bigint;
BEGIN
    v_n := gm.compute_actuals(period_kind, period_start);
    INSERT INTO gm.period_close(period_kind, period_start) VALUES (period_kind, period_start);
    RETURN v_n;
END $$;
COMMENT ON FUNCTION gm.close_period(text, date) IS
    'Computes a period''s actuals one last time and closes it: from then on they are a snapshot (a customer who moves grid later, a corrected sale, change nothing); already closed: 55000; returns the rows computed';

CREATE FUNCTION gm.reopen_period(period_kind text, period_start date) RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
    WITH d AS (DELETE FROM gm.period_close c WHERE c.period_kind = $1 AND c.period_start = $2 RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM d)
$$;
COMMENT ON FUNCTION gm.reopen_period(text, date) IS
    'Opens a closed period again (its actuals can then be recomputed); false when it was not closed';

-- Attainment, light, rank, month on month, year on year -------------------------------------------

CREATE FUNCTION gm.kpi_attainment(direction text, actual numeric, target numeric) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF direction IS NULL OR direction NOT IN ('higher', 'lower') THEN
        RAISE EXCEPTION 'direction must be higher or lower, not %', coalesce(direction, 'NULL') USING ERRCODE = '22023',
            HINT = 'higher: more is better (sales); lower: less is better (complaints).';
    END IF;
    IF direction = 'higher' THEN
        RETURN gm.attainment(actual, target);
    END IF;
    IF actual IS NULL OR target IS NULL OR target = 0 THEN
        PERFORM gm.attainment(actual, target);      -- same argument checks
        RETURN NULL;
    END IF;
    PERFORM gm.attainment(actual, target);
    RETURN greatest(0, 2 - actual / target);
END $$;
COMMENT ON FUNCTION gm.kpi_attainment(text, numeric, numeric) IS
    'Direction-aware attainment (fraction, 1 = on target): actual / target when higher is better; 2 − actual / target (at least 0) when lower is better (CAC 800 against 700: 0.857); NULL for a NULL or zero target; negative target 22003, unknown direction 22023';

CREATE FUNCTION gm.kpi_light(direction text, actual numeric, target numeric, tolerance numeric DEFAULT 0.15)
    RETURNS gm.light
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE short numeric;
BEGIN
    IF direction IS NULL OR direction NOT IN ('higher', 'lower') THEN
        RAISE EXCEPTION 'direction must be higher or lower, not %', coalesce(direction, 'NULL') USING ERRCODE = '22023',
            HINT = 'higher: more is better (sales); lower: less is better (complaints).';
    END IF;
    IF tolerance < 0 OR tolerance = 'NaN'::numeric THEN
        RAISE EXCEPTION 'tolerance must not be negative: %', tolerance USING ERRCODE = '22003';
    END IF;
    IF target < 0 OR target = 'NaN'::numeric OR actual = 'NaN'::numeric THEN
        RAISE EXCEPTION 'bad actual % or target %', actual, target USING ERRCODE = '22003';
    END IF;
    IF actual IS NULL OR target IS NULL OR tolerance IS NULL OR target = 0 THEN
        RETURN NULL;
    END IF;
    short := CASE WHEN direction = 'higher' THEN (target - actual) / target ELSE (actual - target) / target END;
    RETURN CASE WHEN short <= 0 THEN 'green' WHEN short <= tolerance THEN 'yellow' ELSE 'red' END::gm.light;
END $$;
COMMENT ON FUNCTION gm.kpi_light(text, numeric, numeric, numeric) IS
    '红绿灯 of an actual against its target respecting direction: green on or better than target, yellow short of it by at most tolerance (fraction of the target), red beyond; NULL for a NULL or zero target';

CREATE VIEW gm.kpi_result AS
SELECT a.kpi, k.name_zh AS kpi_name_zh, k.name_en AS kpi_name_en, k.unit, k.direction, k.kind,
       a.period_kind, a.period_start, a.level, a.grid_id, g.code AS grid_code, g.name AS grid_name, a.person, a.product,
       a.value AS actual, r.target, r.attainment,
       gm.kpi_light(k.direction, a.value, r.target, tol.value) AS light,
       rank() OVER (PARTITION BY a.kpi, a.period_kind, a.period_start, a.level, a.product
                    ORDER BY r.attainment DESC NULLS LAST,
                             CASE WHEN k.direction = 'higher' THEN a.value ELSE -a.value END DESC NULLS LAST) AS rank,
       count(*) OVER (PARTITION BY a.kpi, a.period_kind, a.period_start, a.level, a.product) AS ranked_of,
       prev.value AS previous_actual,
       (a.value - prev.value) / nullif(abs(prev.value), 0) AS mom,
       ly.value AS last_year_actual,
       (a.value - ly.value) / nullif(abs(ly.value), 0) AS yoy,
       a.source
FROM gm.actual a
JOIN gm.kpi k ON k.code = a.kpi
CROSS JOIN (SELECT p.value FROM gm.parameter p WHERE p.name = 'deviation_tolerance') tol
LEFT JOIN gm.grid g ON g.grid_id = a.grid_id
LEFT JOIN gm.target t ON t.kpi = a.kpi AND t.period_kind = a.period_kind AND t.period_start = a.period_start
                     AND t.level = a.level AND coalesce(t.grid_id, 0) = coalesce(a.grid_id, 0)
                     AND coalesce(t.person, '') = coalesce(a.person, '') AND t.product = a.product
LEFT JOIN gm.parameter dp ON dp.name = k.target_param AND NOT k.additive
CROSS JOIN LATERAL (SELECT coalesce(t.value, dp.value) AS target,
                           gm.kpi_attainment(k.direction, a.value, coalesce(t.value, dp.value)) AS attainment) r
LEFT JOIN gm.actual prev ON prev.kpi = a.kpi AND prev.period_kind = a.period_kind
                        AND prev.period_start = gm.period_shift(a.period_kind, a.period_start, -1)
                        AND prev.level = a.level AND coalesce(prev.grid_id, 0) = coalesce(a.grid_id, 0)
                        AND coalesce(prev.person, '') = coalesce(a.person, '') AND prev.product = a.product
LEFT JOIN gm.actual ly ON ly.kpi = a.kpi AND ly.period_kind = a.period_kind
                      AND ly.period_start = (a.period_start - interval '1 year')::date
                      AND ly.level = a.level AND coalesce(ly.grid_id, 0) = coalesce(a.grid_id, 0)
                      AND coalesce(ly.person, '') = coalesce(a.person, '') AND ly.product = a.product;
COMMENT ON VIEW gm.kpi_result IS
    'Every actual with its target (the gm.target row, else the indicator''s default), direction-aware attainment and light, rank within indicator × period × level × product (1 = best), month-on-month (previous period of the same kind) and year-on-year change';
COMMENT ON COLUMN gm.kpi_result.kpi IS 'Indicator code (gm.kpi)';
COMMENT ON COLUMN gm.kpi_result.kpi_name_zh IS 'Indicator name, Chinese';
COMMENT ON COLUMN gm.kpi_result.kpi_name_en IS 'Indicator name, English';
COMMENT ON COLUMN gm.kpi_result.unit IS 'Unit of actual and target';
COMMENT ON COLUMN gm.kpi_result.direction IS 'higher or lower is better';
COMMENT ON COLUMN gm.kpi_result.kind IS 'result or process indicator';
COMMENT ON COLUMN gm.kpi_result.period_kind IS 'month, quarter or year';
COMMENT ON COLUMN gm.kpi_result.period_start IS 'First day of the period';
COMMENT ON COLUMN gm.kpi_result.level IS 'company, region, grid or person';
COMMENT ON COLUMN gm.kpi_result.grid_id IS 'Region or grid (a person''s grid); NULL for the company';
COMMENT ON COLUMN gm.kpi_result.grid_code IS 'Code of the region or grid';
COMMENT ON COLUMN gm.kpi_result.grid_name IS 'Name of the region or grid';
COMMENT ON COLUMN gm.kpi_result.person IS 'The person (role name) of a person row';
COMMENT ON COLUMN gm.kpi_result.product IS 'Product line, '''' for all products';
COMMENT ON COLUMN gm.kpi_result.actual IS 'The actual (gm.actual.value)';
COMMENT ON COLUMN gm.kpi_result.previous_actual IS 'The actual of the previous period of the same kind';
COMMENT ON COLUMN gm.kpi_result.last_year_actual IS 'The actual of the same period a year before';
COMMENT ON COLUMN gm.kpi_result.source IS 'computed or external';
COMMENT ON COLUMN gm.kpi_result.target IS 'The target: the gm.target row, else for rates and scores the default of the indicator''s target_param';
COMMENT ON COLUMN gm.kpi_result.attainment IS 'gm.kpi_attainment: fraction, 1 = on target, direction-aware';
COMMENT ON COLUMN gm.kpi_result.light IS 'gm.kpi_light with deviation_tolerance: green, yellow, red';
COMMENT ON COLUMN gm.kpi_result.rank IS 'Rank among the same level for the indicator, period and product: best attainment first (then best actual)';
COMMENT ON COLUMN gm.kpi_result.ranked_of IS 'How many were ranked';
COMMENT ON COLUMN gm.kpi_result.mom IS 'Change against the previous period of the same kind, fraction (period on period)';
COMMENT ON COLUMN gm.kpi_result.yoy IS 'Change against the same period a year before, fraction';

CREATE FUNCTION gm.periods_in_a_row(kpi text, period_kind text, period_start date, grid_id bigint DEFAULT NULL,
                                    person name DEFAULT NULL, condition text DEFAULT 'missed', product text DEFAULT '')
    RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    n integer := 0;
    r record;
    d date := period_start;
BEGIN
    IF condition IS NULL OR condition NOT IN ('missed', 'met', 'growth', 'decline') THEN
        RAISE EXCEPTION 'unknown condition "%"', coalesce(condition, 'NULL') USING ERRCODE = '22023',
            HINT = 'Conditions: missed (attainment < 1), met, growth (period on period above review_up_growth), decline (below −review_up_growth).';
    END IF;
    PERFORM gm.period_end(period_kind, period_start);
    LOOP
        SELECT x.attainment, x.mom INTO r FROM gm.kpi_result x
         WHERE x.kpi = periods_in_a_row.kpi AND x.period_kind = periods_in_a_row.period_kind AND x.period_start = d
           AND x.grid_id IS NOT DISTINCT FROM periods_in_a_row.grid_id AND x.person IS NOT DISTINCT FROM periods_in_a_row.person
           AND x.product = periods_in_a_row.product;
        EXIT WHEN NOT FOUND OR NOT coalesce(CASE condition
                  WHEN 'missed' THEN r.attainment < 1
                  WHEN 'met' THEN r.attainment >= 1
                  WHEN 'growth' THEN r.mom > gm.param('review_up_growth')
                  ELSE r.mom < -gm.param('review_up_growth') END, false);
        n := n + 1;
        d := gm.period_shift(period_kind, d, -1);
        EXIT WHEN n >= 1000;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION gm.periods_in_a_row(text, text, date, bigint, name, text, text) IS
    'How many periods in a row, ending with the given one, a subject (grid_id NULL: company; person with their grid) met a condition: missed (attainment < 1), met, growth or decline (period on period beyond review_up_growth); unknown condition 22023';

-- Recalibration (seed 003: ±15 % proposes a new target, never applied silently) ------------------

CREATE TABLE gm.target_proposal (
    proposal_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    target_id     bigint NOT NULL REFERENCES gm.target(target_id) ON DELETE CASCADE,
    for_start     date NOT NULL,
    actual        numeric NOT NULL,
    target        numeric NOT NULL,
    deviation     numeric NOT NULL,
    proposed      numeric NOT NULL,
    rule          text NOT NULL,
    proposed_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    decision      text CHECK (decision IN ('applied', 'rejected')),
    decided_at    timestamptz,
    decided_by    name,
    CHECK ((decision IS NULL) = (decided_at IS NULL))
);
COMMENT ON TABLE gm.target_proposal IS
    'Recalibration proposals (目标校准): a target whose actual deviates beyond ±deviation_tolerance proposes a new target for the next period with the rule that produced it; applied only by gm.apply_proposal, or rejected';
COMMENT ON COLUMN gm.target_proposal.target_id IS 'The target that deviated';
COMMENT ON COLUMN gm.target_proposal.for_start IS 'The period (same kind) the proposed value is for: the next one';
COMMENT ON COLUMN gm.target_proposal.deviation IS '(actual − target) / target';
COMMENT ON COLUMN gm.target_proposal.proposed IS 'The proposed target for the next period';
COMMENT ON COLUMN gm.target_proposal.rule IS 'The rule and numbers that produced the proposal';
COMMENT ON COLUMN gm.target_proposal.decision IS 'NULL while open; applied or rejected';
SELECT pg_catalog.pg_extension_config_dump('gm.target_proposal', '');
SELECT pg_catalog.pg_extension_config_dump('gm.target_proposal_proposal_id_seq', '');
CREATE UNIQUE INDEX target_proposal_open_key ON gm.target_proposal (target_id) WHERE decision IS NULL;
CREATE INDEX target_proposal_target_idx ON gm.target_proposal (target_id);

CREATE FUNCTION gm.propose_recalibration(period_kind text, period_start date) RETURNS SETOF gm.target_proposal
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    tol numeric := gm.param('deviation_tolerance');
BEGIN
    PERFORM gm.period_end(period_kind, period_start);
    RETURN QUERY
    INSERT INTO gm.target_proposal AS x (target_id, for_start, actual, target, deviation, proposed, rule)
    SELECT t.target_id, gm.period_shift(t.period_kind, t.period_start, 1), a.value, t.value,
           round((a.value - t.value) / t.value, 4),
           round(coalesce(nx.value, t.value) * a.value / t.value, k.decimals),
           format('deviation_tolerance: actual %s against target %s is %s %% off (beyond ±%s %%); next period''s target %s scaled by actual / target',
                  a.value, t.value, round(100 * (a.value - t.value) / t.value, 1), round(100 * tol, 1), coalesce(nx.value, t.value))
      FROM gm.target t
      JOIN gm.kpi k ON k.code = t.kpi AND k.enabled
      JOIN gm.actual a ON a.kpi = t.kpi AND a.period_kind = t.period_kind AND a.period_start = t.period_start
                      AND a.level = t.level AND a.grid_id IS NOT DISTINCT FROM t.grid_id
                      AND a.person IS NOT DISTINCT FROM t.person AND a.product = t.product
      LEFT JOIN gm.target nx ON nx.kpi = t.kpi AND nx.period_kind = t.period_kind
                            AND nx.period_start = gm.period_shift(t.period_kind, t.period_start, 1)
                            AND nx.level = t.level AND nx.grid_id IS NOT DISTINCT FROM t.grid_id
                            AND nx.person IS NOT DISTINCT FROM t.person AND nx.product = t.product
     WHERE t.period_kind = propose_recalibration.period_kind AND t.period_start = propose_recalibration.period_start
       AND t.value > 0 AND a.value IS NOT NULL AND abs(a.value - t.value) / t.value > tol
    ON CONFLICT (target_id) WHERE decision IS NULL DO NOTHING
    RETURNING x.*;
END $$;
COMMENT ON FUNCTION gm.propose_recalibration(text, date) IS
    'Proposes, for every target of the period whose actual deviates beyond ±deviation_tolerance, the next period''s target scaled by actual / target, with the rule in words; never changes a target; one open proposal per target; returns the new proposals';

CREATE FUNCTION gm.apply_proposal(proposal_id bigint) RETURNS gm.target
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    p gm.target_proposal;
    t gm.target;
    r gm.target;
BEGIN
    SELECT * INTO p FROM gm.target_proposal x WHERE x.proposal_id = apply_proposal.proposal_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'proposal % does not exist', proposal_id USING ERRCODE = 'no_data_found';
    END IF;
    IF p.decision IS NOT NULL THEN
        RAISE EXCEPTION 'proposal % was already %', proposal_id, p.decision USING ERRCODE = '55000';
    END IF;
    SELECT * INTO t FROM gm.target x WHERE x.target_id = p.target_id;
    r := gm.set_target(t.kpi, t.period_kind, p.for_start, t.grid_id, t.person, p.proposed, t.product);
    UPDATE gm.target x SET how = 'proposal' WHERE x.target_id = r.target_id RETURNING * INTO r;
    UPDATE gm.target_proposal x SET decision = 'applied', decided_at = pg_catalog.now(), decided_by = gm.actor()
     WHERE x.proposal_id = p.proposal_id;
    RETURN r;
END $$;
COMMENT ON FUNCTION gm.apply_proposal(bigint) IS
    'Applies a recalibration proposal: sets the next period''s target to the proposed value through gm.set_target (siblings rebalanced or flagged); unknown proposal P0002, already decided 55000';

CREATE FUNCTION gm.reject_proposal(proposal_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
BEGIN
    UPDATE gm.target_proposal x SET decision = 'rejected', decided_at = pg_catalog.now(), decided_by = gm.actor()
     WHERE x.proposal_id = reject_proposal.proposal_id AND x.decision IS NULL;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM gm.target_proposal x WHERE x.proposal_id = reject_proposal.proposal_id) THEN
            RAISE EXCEPTION 'proposal % was already decided', proposal_id USING ERRCODE = '55000';
        END IF;
        RAISE EXCEPTION 'proposal % does not exist', proposal_id USING ERRCODE = 'no_data_found';
    END IF;
END $$;
COMMENT ON FUNCTION gm.reject_proposal(bigint) IS
    'Rejects a recalibration proposal (kept with who and when); unknown P0002, already decided 55000';

-- Scorecards per role (考核) ---------------------------------------------------------------------

CREATE TABLE gm.scorecard_item (
    role_kind  text NOT NULL,
    kpi        text NOT NULL REFERENCES gm.kpi(code) ON UPDATE CASCADE,
    part       text NOT NULL CHECK (part IN ('result', 'process', 'collaboration')),
    weight     numeric NOT NULL CHECK (weight > 0 AND weight <= 1),
    scope      text NOT NULL DEFAULT 'person' CHECK (scope IN ('person', 'grid')),
    origin     gm.origin NOT NULL DEFAULT 'user',
    PRIMARY KEY (role_kind, kpi)
);
COMMENT ON TABLE gm.scorecard_item IS
    'Scorecard items per role (region_manager, grid_manager, account_manager, channel, community_manager, or a duty of your own): indicator, part (result / process / collaboration), weight, and whether the person''s own actual or their grid''s counts; shipped with the seeds'' 20 % collaboration weight';
COMMENT ON COLUMN gm.scorecard_item.role_kind IS 'region_manager (manager of a grid without parent), grid_manager (manager of another grid), account_manager (marketer), or a gm.grid_member.duty as it is';
COMMENT ON COLUMN gm.scorecard_item.kpi IS 'The indicator (gm.kpi)';
COMMENT ON COLUMN gm.scorecard_item.part IS 'result (结果), process (过程) or collaboration (协同)';
COMMENT ON COLUMN gm.scorecard_item.weight IS 'Weight in the score (a role''s weights sum to 1; the score divides by their sum)';
COMMENT ON COLUMN gm.scorecard_item.scope IS 'person: the person''s own actual and target; grid: those of the grid they serve';
COMMENT ON COLUMN gm.scorecard_item.origin IS 'shipped, edited or user (gm.origin)';
CREATE INDEX scorecard_item_kpi_idx ON gm.scorecard_item (kpi);
SELECT pg_catalog.pg_extension_config_dump('gm.scorecard_item', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER scorecard_item_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.scorecard_item
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('role_kind', 'kpi');
-- seed 000 §4.4: collaboration 20 % of every scorecard; the rest ours, result before process
INSERT INTO gm.scorecard_item(role_kind, kpi, part, weight, scope, origin) VALUES
    ('region_manager',    'revenue',         'result',        0.30, 'grid',   'shipped'),
    ('region_manager',    'new_customers',   'result',        0.20, 'grid',   'shipped'),
    ('region_manager',    'nps',             'result',        0.15, 'grid',   'shipped'),
    ('region_manager',    'ontime_rate',     'process',       0.15, 'grid',   'shipped'),
    ('region_manager',    'collaboration',   'collaboration', 0.20, 'person', 'shipped'),
    ('grid_manager',      'revenue',         'result',        0.25, 'grid',   'shipped'),
    ('grid_manager',      'new_customers',   'result',        0.20, 'grid',   'shipped'),
    ('grid_manager',      'nps',             'result',        0.10, 'grid',   'shipped'),
    ('grid_manager',      'ontime_rate',     'process',       0.15, 'grid',   'shipped'),
    ('grid_manager',      'response_hours',  'process',       0.10, 'grid',   'shipped'),
    ('grid_manager',      'collaboration',   'collaboration', 0.20, 'person', 'shipped'),
    ('account_manager',   'revenue',         'result',        0.30, 'person', 'shipped'),
    ('account_manager',   'new_customers',   'result',        0.25, 'person', 'shipped'),
    ('account_manager',   'ontime_rate',     'process',       0.15, 'person', 'shipped'),
    ('account_manager',   'leads_per_person_day', 'process',  0.10, 'person', 'shipped'),
    ('account_manager',   'collaboration',   'collaboration', 0.20, 'person', 'shipped'),
    ('channel',           'sales',           'result',        0.40, 'person', 'shipped'),
    ('channel',           'revenue',         'result',        0.30, 'person', 'shipped'),
    ('channel',           'csat',            'process',       0.10, 'grid',   'shipped'),
    ('channel',           'collaboration',   'collaboration', 0.20, 'person', 'shipped'),
    ('community_manager', 'new_customers',   'result',        0.30, 'grid',   'shipped'),
    ('community_manager', 'penetration',     'result',        0.15, 'grid',   'shipped'),
    ('community_manager', 'csat',            'process',       0.20, 'grid',   'shipped'),
    ('community_manager', 'profile_completeness', 'process',  0.15, 'grid',   'shipped'),
    ('community_manager', 'collaboration',   'collaboration', 0.20, 'person', 'shipped');

-- the rule once, as an expression the planner inlines (gm.period_people applies it per member)
CREATE FUNCTION gm._role_kind(duty text, top_level boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN $1 OPERATOR(pg_catalog.=) 'manager' THEN CASE WHEN $2 THEN 'region_manager' ELSE 'grid_manager' END
                WHEN $1 OPERATOR(pg_catalog.=) 'marketer' THEN 'account_manager'
                WHEN $1 OPERATOR(pg_catalog.=) 'community' THEN 'community_manager'
                ELSE $1 END
$$;
COMMENT ON FUNCTION gm._role_kind(text, boolean) IS
    'Internal: the scorecard role of a duty in a grid with (false) or without (true) a parent: the rule of gm.role_kind';

CREATE FUNCTION gm.role_kind(duty text, grid_id bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT gm._role_kind($1, (SELECT g.parent_id FROM gm.grid g WHERE g.grid_id = $2) IS NULL)
$$;
COMMENT ON FUNCTION gm.role_kind(text, bigint) IS
    'The scorecard role of a team member: manager of a grid without parent region_manager, other managers grid_manager, marketer account_manager, community community_manager, any other duty as it is';

-- the people of a period: members valid on any day of it, with their grid and scorecard role
CREATE FUNCTION gm.period_people(period_kind text, period_start date)
    RETURNS TABLE(person name, grid_id bigint, duty text, role_kind text)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 5000 SET search_path = pg_catalog, gm AS $$
    -- gm.role_kind with the grid joined once, not looked up per member
    SELECT m.role_name, m.grid_id, m.duty, gm._role_kind(m.duty, g.parent_id IS NULL)
      FROM (SELECT DISTINCT ON (m.role_name, m.grid_id) m.role_name, m.grid_id, m.duty
              FROM gm.grid_member m
             WHERE m.valid_from < (SELECT gm.period_end($1, $2)) AND $2 < m.valid_to   -- the end once, not per member
             ORDER BY m.role_name, m.grid_id, m.valid_from DESC) m
      LEFT JOIN gm.grid g ON g.grid_id = m.grid_id
$$;
COMMENT ON FUNCTION gm.period_people(text, date) IS
    'The grid team members of a period (valid on any of its days), each with the grid, the duty and the scorecard role';

CREATE FUNCTION gm.scorecard_lines(period_kind text, period_start date)
    RETURNS TABLE(person name, grid_id bigint, role_kind text, kpi text, part text, weight numeric, scope text,
                  actual numeric, target numeric, attainment numeric, item_score numeric, contribution numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm SET enable_mergejoin = off AS $$
    -- every line wanted, with the key of the actual and target it reads; then the period's
    -- actuals and targets are hash-joined on those keys (codes compared bytewise)
    WITH want AS MATERIALIZED (
        SELECT pp.person, pp.grid_id, pp.role_kind, i.kpi, i.part, i.weight, i.scope, k.direction, k.additive, k.target_param,
               CASE WHEN i.scope = 'person' THEN 'person' WHEN g.parent_id IS NULL THEN 'region' ELSE 'grid' END AS level,
               CASE WHEN i.scope = 'person' THEN pp.person ELSE ''::name END AS person_key
          FROM gm.period_people($1, $2) pp
          JOIN gm.grid g ON g.grid_id = pp.grid_id
          JOIN gm.scorecard_item i ON i.role_kind = pp.role_kind
          JOIN gm.kpi k ON k.code = i.kpi AND k.enabled
    ), act AS MATERIALIZED (
        SELECT a.kpi, a.level, a.grid_id, coalesce(a.person, ''::name) AS person_key, a.value FROM gm.actual a
         WHERE a.period_start = $2 AND a.period_kind = $1 AND a.product = '' AND a.grid_id IS NOT NULL
    ), tgt AS MATERIALIZED (
        SELECT t.kpi, t.level, t.grid_id, coalesce(t.person, ''::name) AS person_key, t.value FROM gm.target t
         WHERE t.period_start = $2 AND t.period_kind = $1 AND t.product = '' AND t.grid_id IS NOT NULL
    ), cap AS MATERIALIZED (SELECT gm.param('score_attainment_cap') AS v)   -- once, not per line
    SELECT w.person, w.grid_id, w.role_kind, w.kpi, w.part, w.weight, w.scope, r.actual, r.target, r.attainment,
           round(100 * CASE WHEN r.attainment IS NOT NULL THEN least(r.attainment, cap.v) END, 2),
           round(w.weight * 100 * CASE WHEN r.attainment IS NOT NULL THEN least(r.attainment, cap.v) ELSE 0 END, 4)
      FROM want w
      CROSS JOIN cap
      LEFT JOIN act a ON a.kpi COLLATE "C" = w.kpi COLLATE "C" AND a.level COLLATE "C" = w.level COLLATE "C"
                     AND a.grid_id = w.grid_id AND a.person_key = w.person_key
      LEFT JOIN tgt t ON t.kpi COLLATE "C" = w.kpi COLLATE "C" AND t.level COLLATE "C" = w.level COLLATE "C"
                     AND t.grid_id = w.grid_id AND t.person_key = w.person_key
      LEFT JOIN gm.parameter dp ON dp.name = w.target_param AND NOT w.additive
      CROSS JOIN LATERAL (SELECT a.value AS actual, coalesce(t.value, dp.value) AS target) v
      -- gm.kpi_attainment, written out (it is called only for the values it rejects, to raise its error)
      CROSS JOIN LATERAL (SELECT v.actual, v.target,
                                 CASE WHEN v.target < 0 OR v.target = 'NaN'::numeric OR v.actual = 'NaN'::numeric
                                           THEN gm.kpi_attainment(w.direction, v.actual, v.target)
                                      WHEN v.actual IS NULL OR v.target IS NULL OR v.target = 0 THEN NULL
                                      WHEN w.direction = 'higher' THEN v.actual / v.target
                                      ELSE greatest(0, 2 - v.actual / v.target) END AS attainment) r
$$;
COMMENT ON FUNCTION gm.scorecard_lines(text, date) IS
    'The lines of every person''s scorecard for a period: each item of their role with the actual and target used (their own or their grid''s), attainment, item score 100 × min(attainment, score_attainment_cap) and contribution weight × item score (0 without actual or target)';

-- The lines of a scorecard as one jsonb array, in C (src/scorecard.c): jsonb_agg(jsonb_build_object(...))
-- would turn every numeric into text and back.
CREATE FUNCTION gm._score_lines_trans(internal, text, text, numeric, text, numeric, numeric, numeric, numeric) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_score_lines_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._score_lines_trans(internal, text, text, numeric, text, numeric, numeric, numeric, numeric) IS
    'Internal: transition function of gm._score_lines';
CREATE FUNCTION gm._score_lines_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_score_lines_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._score_lines_combine(internal, internal) IS 'Internal: combine function of gm._score_lines';
CREATE FUNCTION gm._score_lines_serial(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gm_score_lines_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._score_lines_serial(internal) IS 'Internal: serialisation of the gm._score_lines state';
CREATE FUNCTION gm._score_lines_deserial(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'gm_score_lines_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._score_lines_deserial(bytea, internal) IS 'Internal: deserialisation of the gm._score_lines state';
CREATE FUNCTION gm._score_lines_final(internal) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'gm_score_lines_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._score_lines_final(internal) IS
    'Internal: final function of gm._score_lines (sorts the lines in place, leaving the state valid: READ_ONLY)';
CREATE AGGREGATE gm._score_lines(kpi text, part text, weight numeric, scope text, actual numeric, target numeric,
                                 attainment numeric, contribution numeric) (
    SFUNC = gm._score_lines_trans, STYPE = internal,
    FINALFUNC = gm._score_lines_final,
    COMBINEFUNC = gm._score_lines_combine, SERIALFUNC = gm._score_lines_serial, DESERIALFUNC = gm._score_lines_deserial,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gm._score_lines(text, text, numeric, text, numeric, numeric, numeric, numeric) IS
    'Internal (gm.scorecard): the lines as a jsonb array of {kpi, part, weight, scope, actual, target, attainment rounded to 4, contribution rounded to 2}, largest contribution first, ties by kpi; equal to jsonb_agg(jsonb_build_object(...) ORDER BY contribution DESC, kpi)';

CREATE FUNCTION gm.scorecard(period_kind text, period_start date)
    RETURNS TABLE(person name, grid_id bigint, role_kind text, score numeric, result_score numeric, process_score numeric,
                  collaboration_score numeric, rank bigint, ranked_of bigint, lines jsonb)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    WITH s AS (
        SELECT l.person, l.grid_id, l.role_kind,
               round(sum(l.contribution) / sum(l.weight), 2) AS score,
               round(sum(l.contribution) FILTER (WHERE l.part = 'result') / sum(l.weight) FILTER (WHERE l.part = 'result'), 2) AS result_score,
               round(sum(l.contribution) FILTER (WHERE l.part = 'process') / sum(l.weight) FILTER (WHERE l.part = 'process'), 2) AS process_score,
               round(sum(l.contribution) FILTER (WHERE l.part = 'collaboration') / sum(l.weight) FILTER (WHERE l.part = 'collaboration'), 2) AS collaboration_score,
               gm._score_lines(l.kpi, l.part, l.weight, l.scope, l.actual, l.target, l.attainment, l.contribution) AS lines
          FROM gm.scorecard_lines($1, $2) l
         GROUP BY l.person, l.grid_id, l.role_kind
    )
    SELECT s.person, s.grid_id, s.role_kind, s.score, s.result_score, s.process_score, s.collaboration_score,
           rank() OVER (PARTITION BY s.role_kind ORDER BY s.score DESC), count(*) OVER (PARTITION BY s.role_kind), s.lines
      FROM s
$$;
COMMENT ON FUNCTION gm.scorecard(text, date) IS
    'Every person''s score for a period: sum of contributions / sum of weights (0-100, 100 = every indicator on target), its result, process and collaboration parts, rank within the role, and the lines that explain it (jsonb, largest contribution first)';

-- Commission (佣金) ------------------------------------------------------------------------------

CREATE TABLE gm.commission_rule (
    product        text NOT NULL,
    role_kind      text NOT NULL DEFAULT '*',
    base_per_sale  numeric(12, 2) NOT NULL DEFAULT 0 CHECK (base_per_sale >= 0),
    rate           numeric NOT NULL DEFAULT 0 CHECK (rate >= 0 AND rate <= 1),
    cap_rate       numeric CHECK (cap_rate > 0 AND cap_rate <= 1),
    note           text,
    origin         gm.origin NOT NULL DEFAULT 'user',
    PRIMARY KEY (product, role_kind)
);
COMMENT ON TABLE gm.commission_rule IS
    'Commission rules (佣金规则) per product and role (''*'': any role): a base amount per sale plus a conversion commission (rate × amount), the whole capped at cap_rate × amount; a role''s own rule wins over ''*''';
COMMENT ON COLUMN gm.commission_rule.product IS 'Product line of gm.sale';
COMMENT ON COLUMN gm.commission_rule.role_kind IS 'Scorecard role (gm.role_kind) or * for every role';
COMMENT ON COLUMN gm.commission_rule.base_per_sale IS 'Base commission per sale, yuan';
COMMENT ON COLUMN gm.commission_rule.rate IS 'Conversion commission, fraction of the sale amount';
COMMENT ON COLUMN gm.commission_rule.cap_rate IS 'The line may not exceed this fraction of the sale amount (broadband: 17 %, seed 004); NULL: no cap';
COMMENT ON COLUMN gm.commission_rule.note IS 'Where the rule comes from';
COMMENT ON COLUMN gm.commission_rule.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.commission_rule', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER commission_rule_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.commission_rule
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('product', 'role_kind');
INSERT INTO gm.commission_rule(product, role_kind, base_per_sale, rate, cap_rate, note, origin) VALUES
    ('broadband', '*', 20.00, 0.10, 0.17, 'seed 004: broadband commission within 17 % of the sale (宽带业务提成应控制在客户产品销售金额的17%以内); base and rate ours', 'shipped'),
    ('mobile',    '*', 10.00, 0.05, NULL, 'ours: base plus conversion (底薪+转化提成, seed 000 §7.3)', 'shipped'),
    ('tv',        '*', 10.00, 0.05, NULL, 'ours', 'shipped');

CREATE FUNCTION gm.commission_lines(period_kind text, period_start date, person name DEFAULT NULL)
    RETURNS TABLE(person name, role_kind text, line bigint, sale_id bigint, sold_on date, customer_key text, product text,
                  amount numeric, rule text, base numeric, conversion numeric, cap numeric, commission numeric)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    WITH s AS (
        SELECT s.*, coalesce(
                   (SELECT gm.role_kind(m.duty, m.grid_id) FROM gm.grid_member m
                     WHERE m.role_name = s.person AND m.valid_from <= s.sold_on AND s.sold_on < m.valid_to
                     ORDER BY (m.grid_id = s.grid_id) DESC, m.valid_from DESC LIMIT 1), '*') AS rk
          FROM gm.sale s
         WHERE s.sold_on >= $2 AND s.sold_on < gm.period_end($1, $2) AND s.person IS NOT NULL
           AND ($3 IS NULL OR s.person = $3)
    )
    SELECT s.person, s.rk, row_number() OVER (PARTITION BY s.person ORDER BY s.sold_on, s.sale_id),
           s.sale_id, s.sold_on, s.customer_key::text, s.product, s.amount,
           CASE WHEN r.product IS NOT NULL THEN format('%s/%s', r.product, r.role_kind) END,
           coalesce(r.base_per_sale, 0), coalesce(round(s.amount * r.rate, 2), 0),
           trunc(s.amount * r.cap_rate, 2),
           CASE WHEN r.product IS NULL THEN 0
                ELSE least(r.base_per_sale + round(s.amount * r.rate, 2), coalesce(trunc(s.amount * r.cap_rate, 2), 'Infinity'::numeric)) END
      FROM s
      LEFT JOIN LATERAL (SELECT * FROM gm.commission_rule c
                          WHERE c.product = s.product AND c.role_kind IN (s.rk, '*')
                          ORDER BY (c.role_kind = '*') LIMIT 1) r ON true
$$;
COMMENT ON FUNCTION gm.commission_lines(text, date, name) IS
    'Commission statement lines (佣金明细) of a period, one per sale of the person (NULL: everybody): the rule used, base, conversion (rate × amount to the fen), cap (cap_rate × amount, rounded down to the fen) and the line''s commission = least(base + conversion, cap); sales of a product without rule: 0';

CREATE FUNCTION gm.commission_statement(period_kind text, period_start date, sales_kpi text DEFAULT 'revenue')
    RETURNS TABLE(person name, role_kind text, sales bigint, amount numeric, commission numeric,
                  attainment numeric, growth_star boolean)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    WITH l AS (
        SELECT l.person, min(l.role_kind) AS role_kind, count(*) AS sales, sum(l.amount) AS amount, sum(l.commission) AS commission
          FROM gm.commission_lines($1, $2) l GROUP BY l.person
    ), att AS (
        SELECT a.person, sum(a.value) AS actual, sum(t.value) AS target
          FROM gm.actual a
          JOIN gm.target t ON t.kpi = a.kpi AND t.period_kind = a.period_kind AND t.period_start = a.period_start
                          AND t.level = 'person' AND t.grid_id = a.grid_id AND t.person = a.person AND t.product = a.product
         WHERE a.kpi = $3 AND a.period_kind = $1 AND a.period_start = $2 AND a.level = 'person' AND a.product = ''
         GROUP BY a.person
    )
    SELECT l.person, l.role_kind, l.sales, l.amount, l.commission,
           round(gm.attainment(att.actual, att.target), 4),
           coalesce(gm.attainment(att.actual, att.target) >= gm.param('growth_star_attainment'), false)
      FROM l LEFT JOIN att ON att.person = l.person
$$;
COMMENT ON FUNCTION gm.commission_statement(text, date, text) IS
    'Commission per person for a period: sales, amount, commission (exactly the sum of the person''s gm.commission_lines, to the fen), attainment of the sales indicator (default revenue) against the person''s target and 成长之星 eligibility (attainment >= growth_star_attainment, 120 %)';

-- Alerts (预警) ----------------------------------------------------------------------------------

CREATE TABLE gm.alert (
    alert_id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    rule            text NOT NULL,
    level           smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
    kpi             text REFERENCES gm.kpi(code) ON UPDATE CASCADE ON DELETE CASCADE,
    subject_level   text NOT NULL CHECK (subject_level IN ('company', 'region', 'grid', 'person', 'channel')),
    grid_id         bigint REFERENCES gm.grid(grid_id) ON DELETE CASCADE,
    person          name,
    item            text NOT NULL DEFAULT '',
    period_kind     text CHECK (period_kind IN ('month', 'quarter', 'year', 'day')),
    period_start    date,
    value           numeric,
    threshold       numeric,
    detail          text NOT NULL,
    condition_key   text NOT NULL,
    first_seen      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_seen       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    acknowledged_by name,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    resolved_by     name,
    CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL))
);
COMMENT ON TABLE gm.alert IS
    'Alerts remembered (预警): rule, level 1-3, subject, period, value and threshold, when first and last seen, who acknowledged it when, when it was resolved; at most one open alert per condition (condition_key)';
COMMENT ON COLUMN gm.alert.rule IS 'deviation, budget_consumed, budget_pace, yoy, spend_day, dynamic, transfer_review, upgrade_review, roi_low';
COMMENT ON COLUMN gm.alert.level IS '1 notice, 2 warning, 3 serious';
COMMENT ON COLUMN gm.alert.kpi IS 'The indicator concerned (NULL for rules on raw spend or channels)';
COMMENT ON COLUMN gm.alert.subject_level IS 'company, region, grid, person or channel';
COMMENT ON COLUMN gm.alert.grid_id IS 'The region or grid (a person''s grid); NULL for the company or a channel';
COMMENT ON COLUMN gm.alert.person IS 'The person, for person alerts';
COMMENT ON COLUMN gm.alert.item IS 'Product or channel the alert is about ('''' for none)';
COMMENT ON COLUMN gm.alert.period_kind IS 'month, quarter, year, or day for daily rules';
COMMENT ON COLUMN gm.alert.period_start IS 'First day of the period (the day for daily rules)';
COMMENT ON COLUMN gm.alert.value IS 'The value that tripped the rule';
COMMENT ON COLUMN gm.alert.threshold IS 'The threshold it crossed';
COMMENT ON COLUMN gm.alert.detail IS 'The rule and numbers in words';
COMMENT ON COLUMN gm.alert.condition_key IS 'rule|kpi|subject|item|period: one open alert per key';
COMMENT ON COLUMN gm.alert.first_seen IS 'When gm.evaluate_alerts first raised it (and pushed it on channel gm_alert)';
COMMENT ON COLUMN gm.alert.last_seen IS 'The last evaluation that still found the condition';
COMMENT ON COLUMN gm.alert.acknowledged_by IS 'Who acknowledged it (gm.acknowledge_alert)';
COMMENT ON COLUMN gm.alert.resolved_at IS 'When it was resolved: by hand (gm.resolve_alert) or by an evaluation that no longer finds the condition';
COMMENT ON COLUMN gm.alert.resolved_by IS 'Who resolved it (gm.evaluate_alerts when the condition went away)';
SELECT pg_catalog.pg_extension_config_dump('gm.alert', '');
SELECT pg_catalog.pg_extension_config_dump('gm.alert_alert_id_seq', '');
CREATE UNIQUE INDEX alert_open_key ON gm.alert (condition_key) WHERE resolved_at IS NULL;
CREATE INDEX alert_kpi_idx ON gm.alert (kpi);
CREATE INDEX alert_grid_idx ON gm.alert (grid_id);
CREATE INDEX alert_period_idx ON gm.alert (period_kind, period_start);

-- the conditions of a period, as rows of the alert table (not stored)
CREATE FUNCTION gm.alert_conditions(period_kind text, period_start date, at date DEFAULT CURRENT_DATE)
    RETURNS TABLE(rule text, level smallint, kpi text, subject_level text, grid_id bigint, person name, item text,
                  period_kind_ text, period_start_ date, value numeric, threshold numeric, detail text, condition_key text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    v_end date := gm.period_end(period_kind, period_start);
    v_tol numeric := gm.param('deviation_tolerance');
    v_yoy numeric := gm.param('yoy_threshold');
    v_elapsed numeric;
    v_n integer := gm.param('missed_periods_review')::integer;
    v_q integer := gm.param('review_quarters')::integer;
    v_up numeric := gm.param('review_up_growth');
    v_dn integer := gm.param('dynamic_alert_periods')::integer;
    v_k numeric := gm.param('dynamic_alert_sigma');
    v_over numeric := gm.param('spend_day_over_plan');
    v_roi numeric := gm.param('roi_alert_min');
    v_days integer := gm.param('roi_alert_days')::integer;
BEGIN
    IF at IS NULL THEN
        RAISE EXCEPTION 'gm.alert_conditions: at must not be NULL' USING ERRCODE = '22004';
    END IF;
    v_elapsed := least(1, greatest(0, (least(at + 1, v_end) - period_start)::numeric / (v_end - period_start)));
    RETURN QUERY
    WITH hist AS MATERIALIZED (
        SELECT r.* FROM gm.kpi_result r JOIN gm.kpi k ON k.code = r.kpi AND k.enabled
         WHERE r.period_kind = alert_conditions.period_kind
           AND r.period_start > gm.period_shift(alert_conditions.period_kind, alert_conditions.period_start, -greatest(v_n, v_q, 1))
           AND r.period_start <= alert_conditions.period_start
    ), res AS (
        SELECT h.*, coalesce(s.missed, 0) AS missed, coalesce(s.grew, 0) AS grew
          FROM hist h
          LEFT JOIN (SELECT x.kpi, x.level, coalesce(x.grid_id, 0) AS g, coalesce(x.person, '') AS p, x.product,
                            count(*) FILTER (WHERE x.attainment < 1
                                               AND x.period_start > gm.period_shift(alert_conditions.period_kind, alert_conditions.period_start, -v_n)) AS missed,
                            count(*) FILTER (WHERE x.mom > v_up
                                               AND x.period_start > gm.period_shift(alert_conditions.period_kind, alert_conditions.period_start, -v_q)) AS grew
                       FROM hist x GROUP BY 1, 2, 3, 4, 5) s
            ON s.kpi = h.kpi AND s.level = h.level AND s.g = coalesce(h.grid_id, 0) AND s.p = coalesce(h.person, '') AND s.product = h.product
         WHERE h.period_start = alert_conditions.period_start
    ), dyn AS (
        SELECT x.kpi, x.level, coalesce(x.grid_id, 0) AS g, coalesce(x.person, '') AS p, x.product,
               avg(x.value) AS mean, stddev_samp(x.value) AS sd, count(*) AS n
          FROM gm.actual x
         WHERE x.period_kind = alert_conditions.period_kind AND x.value IS NOT NULL
           AND x.period_start >= gm.period_shift(alert_conditions.period_kind, alert_conditions.period_start, -v_dn)
           AND x.period_start < alert_conditions.period_start
         GROUP BY 1, 2, 3, 4, 5
    ), c AS (
        -- ±deviation_tolerance against target (seed 003): behind is a warning, ahead a notice to recalibrate
        SELECT 'deviation'::text AS rule, (CASE WHEN r.light = 'red' THEN 2 ELSE 1 END)::smallint AS level, r.kpi, r.level AS subject_level,
               r.grid_id, r.person, r.product AS item, r.actual AS value, r.target AS threshold,
               format('%s %s against target %s: %s %% off, beyond ±%s %%', r.kpi, round(r.actual, 2), round(r.target, 2),
                      round(100 * (r.actual - r.target) / r.target, 1), round(100 * v_tol, 1)) AS detail
          FROM res r
         WHERE r.kpi <> 'spend' AND r.target > 0 AND r.actual IS NOT NULL AND abs(r.actual - r.target) / r.target > v_tol
        UNION ALL
        -- budget: 80 % consumed (level 1), spending 20 % ahead of the period's pace (level 2)
        SELECT CASE b.lvl WHEN 2 THEN 'budget_pace' ELSE 'budget_consumed' END, b.lvl::smallint, r.kpi, r.level, r.grid_id, r.person, r.product,
               r.actual, r.target,
               format('spent %s of budget %s (%s %%) with %s %% of the period gone', r.actual, r.target,
                      round(100 * r.actual / r.target, 1), round(100 * v_elapsed, 1))
          FROM res r CROSS JOIN LATERAL (SELECT gm.budget_alert(r.actual, r.target, v_elapsed,
                                                                gm.param('budget_consumed_level'), gm.param('budget_pace_factor')) AS lvl) b
         WHERE r.kpi = 'spend' AND r.target > 0 AND b.lvl > 0
        UNION ALL
        -- year on year beyond ±yoy_threshold
        SELECT 'yoy', 1::smallint, r.kpi, r.level, r.grid_id, r.person, r.product, r.actual, r.last_year_actual,
               format('%s %s against %s a year before: %s %%', r.kpi, round(r.actual, 2), round(r.last_year_actual, 2), round(100 * r.yoy, 1))
          FROM res r WHERE gm.yoy_alert(r.actual, r.last_year_actual, v_yoy) <> 0
        UNION ALL
        -- dynamic threshold: outside mean ± k sigma of the last N periods (at least 3 of them)
        SELECT 'dynamic', 1::smallint, r.kpi, r.level, r.grid_id, r.person, r.product, r.actual,
               CASE WHEN r.actual > h.mean THEN h.mean + v_k * h.sd ELSE h.mean - v_k * h.sd END,
               format('%s %s outside %s ± %s × %s (last %s periods)', r.kpi, round(r.actual, 2), round(h.mean, 2), v_k, round(h.sd, 2), h.n)
          FROM res r
          JOIN dyn h ON h.kpi = r.kpi AND h.level = r.level AND h.g = coalesce(r.grid_id, 0) AND h.p = coalesce(r.person, '')
                    AND h.product = r.product
         WHERE h.n >= 3 AND h.sd > 0 AND abs(r.actual - h.mean) > v_k * h.sd
        UNION ALL
        -- N periods in a row below target: transfer review (seed 003: 连续两周期未达标者启动转岗评估)
        SELECT 'transfer_review', 3::smallint, r.kpi, r.level, r.grid_id, r.person, r.product, r.attainment, 1::numeric,
               format('%s below target %s periods in a row', r.kpi, v_n)
          FROM res r
         WHERE r.level IN ('person', 'grid') AND r.attainment < 1 AND v_n >= 1 AND r.missed = v_n
        UNION ALL
        -- quarters in a row growing beyond +20 %: upgrade review (seed 000 §5.1)
        SELECT 'upgrade_review', 1::smallint, r.kpi, r.level, r.grid_id, r.person, r.product, r.mom, v_up,
               format('%s grew more than %s %% %s quarters in a row', r.kpi, round(100 * v_up), v_q)
          FROM res r
         WHERE r.period_kind = 'quarter' AND r.level = 'grid' AND r.mom > v_up AND v_q >= 1 AND r.grew = v_q
    ), daily AS (
        -- a single day's spend more than 30 % over its plan
        SELECT 'spend_day'::text AS rule, 2::smallint AS level, 'spend'::text AS kpi,
               CASE WHEN p.grid_id IS NULL THEN 'company' ELSE gm._target_level(p.grid_id, NULL) END AS subject_level,
               p.grid_id, NULL::name AS person, coalesce(p.channel, '') AS item, p.day, sum(p.amount) AS value,
               round(sum(p.planned) * (1 + v_over), 2) AS threshold,
               format('spent %s on %s against a plan of %s (more than %s %% over)', sum(p.amount), p.day, sum(p.planned), round(100 * v_over)) AS detail
          FROM gm.spend p
         WHERE p.day >= alert_conditions.period_start AND p.day < v_end AND p.day <= at AND p.planned IS NOT NULL
         GROUP BY p.grid_id, coalesce(p.channel, ''), p.day
        HAVING sum(p.amount) > sum(p.planned) * (1 + v_over)
        UNION ALL
        -- a channel's ROI below roi_alert_min roi_alert_days days in a row (ending at)
        SELECT 'roi_low', 2::smallint, 'roi', 'channel', NULL, NULL, d.channel, at, max(d.roi), v_roi,
               format('channel %s: ROI below %s on each of the %s days up to %s (last %s)', d.channel, v_roi, v_days, at,
                      round(max(d.roi) FILTER (WHERE d.day = at), 4))
          FROM (SELECT x.channel, x.day, (sum(x.revenue) - sum(x.cost)) / nullif(sum(x.cost), 0) AS roi
                  FROM (SELECT s.channel, s.sold_on AS day, s.amount AS revenue, 0 AS cost FROM gm.sale s
                         WHERE s.sold_on > at - v_days AND s.sold_on <= at AND s.channel IS NOT NULL
                        UNION ALL
                        SELECT p.channel, p.day, 0, p.amount FROM gm.spend p
                         WHERE p.day > at - v_days AND p.day <= at AND p.channel IS NOT NULL) x
                 GROUP BY x.channel, x.day) d
         WHERE at >= alert_conditions.period_start AND at < v_end
         GROUP BY d.channel
        HAVING count(*) FILTER (WHERE d.roi < v_roi) = v_days
    )
    SELECT c.rule, c.level, c.kpi, c.subject_level, c.grid_id, c.person, c.item,
           alert_conditions.period_kind, alert_conditions.period_start, c.value, c.threshold, c.detail,
           concat_ws('|', c.rule, c.kpi, c.subject_level, c.grid_id, c.person, c.item, alert_conditions.period_kind, alert_conditions.period_start)
      FROM c
    UNION ALL
    SELECT d.rule, d.level, d.kpi, d.subject_level, d.grid_id, d.person, d.item, 'day', d.day, d.value, d.threshold, d.detail,
           concat_ws('|', d.rule, d.kpi, d.subject_level, d.grid_id, d.person, d.item, 'day', d.day)
      FROM daily d;
END $$;
COMMENT ON FUNCTION gm.alert_conditions(text, date, date) IS
    'The alert conditions that hold for a period as of a day (not stored): deviation beyond ±deviation_tolerance, budget 80 % consumed / pace +20 %, year on year beyond ±yoy_threshold, dynamic mean ± k sigma, missed_periods_review periods in a row (transfer review), review_quarters quarters above review_up_growth (upgrade review), a day''s spend beyond spend_day_over_plan, a channel''s ROI below roi_alert_min roi_alert_days days in a row';

CREATE FUNCTION gm.evaluate_alerts(period_kind text, period_start date, at date DEFAULT CURRENT_DATE)
    RETURNS SETOF gm.alert
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    a gm.alert;
    v_id bigint;
    v_new boolean;
    v_keys text[];
BEGIN
    IF period_kind IS NULL OR period_start IS NULL OR at IS NULL THEN
        RAISE EXCEPTION 'gm.evaluate_alerts: no argument may be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM gm.period_end(period_kind, period_start);
    SELECT array_agg(DISTINCT c.condition_key) INTO v_keys FROM gm.alert_conditions(period_kind, period_start, at) c;
    FOR v_id, v_new IN
        INSERT INTO gm.alert AS x (rule, level, kpi, subject_level, grid_id, person, item, period_kind, period_start,
                                   value, threshold, detail, condition_key)
        SELECT DISTINCT ON (c.condition_key) c.rule, c.level, c.kpi, c.subject_level, c.grid_id, c.person, c.item,
               c.period_kind_, c.period_start_, c.value, c.threshold, c.detail, c.condition_key
          FROM gm.alert_conditions(evaluate_alerts.period_kind, evaluate_alerts.period_start, evaluate_alerts.at) c
         ORDER BY c.condition_key, c.level DESC
        ON CONFLICT (condition_key) WHERE resolved_at IS NULL
        DO UPDATE SET last_seen = pg_catalog.now(), value = EXCLUDED.value, threshold = EXCLUDED.threshold,
                      level = EXCLUDED.level, detail = EXCLUDED.detail
        RETURNING x.alert_id, x.xmax = 0
    LOOP
        IF v_new THEN
            SELECT * INTO a FROM gm.alert x WHERE x.alert_id = v_id;
            PERFORM pg_catalog.pg_notify('gm_alert', pg_catalog.json_build_object(
                'alert_id', a.alert_id, 'rule', a.rule, 'level', a.level, 'kpi', a.kpi, 'subject_level', a.subject_level,
                'grid_id', a.grid_id, 'grid_code', (SELECT g.code FROM gm.grid g WHERE g.grid_id = a.grid_id),
                'person', a.person, 'item', a.item, 'period_kind', a.period_kind, 'period_start', a.period_start,
                'value', a.value, 'threshold', a.threshold, 'detail', a.detail, 'first_seen', a.first_seen)::text);
            RETURN NEXT a;
        END IF;
    END LOOP;
    -- open alerts of this period whose condition went away
    UPDATE gm.alert x SET resolved_at = pg_catalog.now(), resolved_by = 'gm.evaluate_alerts'
     WHERE x.resolved_at IS NULL
       AND ((x.period_kind = evaluate_alerts.period_kind AND x.period_start = evaluate_alerts.period_start)
            OR (x.period_kind = 'day' AND x.period_start >= evaluate_alerts.period_start
                AND x.period_start < gm.period_end(evaluate_alerts.period_kind, evaluate_alerts.period_start)
                AND x.period_start <= evaluate_alerts.at))
       AND x.condition_key <> ALL (coalesce(v_keys, '{}'));
END $$;
COMMENT ON FUNCTION gm.evaluate_alerts(text, date, date) IS
    'Evaluates every alert rule for a period as of a day: a condition without open alert raises one and sends it with pg_notify on channel gm_alert (JSON payload: alert_id, rule, level, kpi, subject, grid_code, period, value, threshold, detail); a condition already open is only marked seen (idempotent, also between concurrent sessions: unique open condition_key); open alerts of the period whose condition went away are resolved; returns the new alerts';

CREATE FUNCTION gm.acknowledge_alert(alert_id bigint, note text DEFAULT NULL) RETURNS gm.alert
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE a gm.alert;
BEGIN
    SELECT * INTO a FROM gm.alert x WHERE x.alert_id = acknowledge_alert.alert_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert % does not exist', alert_id USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT (gm._grid_admin() OR (a.grid_id IS NOT NULL AND gm._may_act_on_grid(a.grid_id))) THEN
        RAISE EXCEPTION 'permission denied for alert %: % may not act on its grid', alert_id, gm.actor()
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF a.acknowledged_at IS NOT NULL THEN
        RETURN a;
    END IF;
    UPDATE gm.alert x SET acknowledged_by = gm.actor(), acknowledged_at = pg_catalog.now(),
                          detail = CASE WHEN note IS NULL THEN x.detail ELSE x.detail || ' — ' || note END
     WHERE x.alert_id = a.alert_id RETURNING * INTO a;
    RETURN a;
END $$;
COMMENT ON FUNCTION gm.acknowledge_alert(bigint, text) IS
    'Acknowledges an alert as the acting person (once: a second call changes nothing), with an optional note; unknown P0002; an alert outside the caller''s grids 42501';

CREATE FUNCTION gm.resolve_alert(alert_id bigint) RETURNS gm.alert
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE a gm.alert;
BEGIN
    SELECT * INTO a FROM gm.alert x WHERE x.alert_id = resolve_alert.alert_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert % does not exist', alert_id USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT (gm._grid_admin() OR (a.grid_id IS NOT NULL AND gm._may_act_on_grid(a.grid_id))) THEN
        RAISE EXCEPTION 'permission denied for alert %: % may not act on its grid', alert_id, gm.actor()
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF a.resolved_at IS NOT NULL THEN
        RAISE EXCEPTION 'alert % is already resolved', alert_id USING ERRCODE = '55000';
    END IF;
    UPDATE gm.alert x SET resolved_at = pg_catalog.now(), resolved_by = gm.actor()
     WHERE x.alert_id = a.alert_id RETURNING * INTO a;
    RETURN a;
END $$;
COMMENT ON FUNCTION gm.resolve_alert(bigint) IS
    'Resolves an alert by hand (a later evaluation that finds the condition again raises a new one); unknown P0002, already resolved 55000, outside the caller''s grids 42501';

-- Campaigns (派单) -------------------------------------------------------------------------------

CREATE TABLE gm.campaign (
    campaign_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    event        text NOT NULL DEFAULT 'visit' REFERENCES gm.followup_event(event) ON UPDATE CASCADE,
    tier         text NOT NULL DEFAULT 'standard',
    starts_on    date NOT NULL DEFAULT CURRENT_DATE,
    deadline     timestamptz NOT NULL,
    created_by   name NOT NULL DEFAULT gm.actor(),
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CHECK (deadline > starts_on)
);
COMMENT ON TABLE gm.campaign IS
    'Campaigns (营销活动/派单): a name, the work-order event and tier its orders carry, start and deadline; customers picked with gm.campaign_pick, dispatched with gm.campaign_dispatch, measured by gm.campaign_result';
COMMENT ON COLUMN gm.campaign.event IS 'Follow-up event of its work orders (gm.followup_event)';
COMMENT ON COLUMN gm.campaign.tier IS 'Customer tier of its work orders (gm.followup_tier)';
COMMENT ON COLUMN gm.campaign.deadline IS 'Every work order of the campaign is due then';
COMMENT ON COLUMN gm.campaign.created_by IS 'The acting person (gm.actor()) who created it';
SELECT pg_catalog.pg_extension_config_dump('gm.campaign', '');
SELECT pg_catalog.pg_extension_config_dump('gm.campaign_campaign_id_seq', '');
CREATE INDEX campaign_event_idx ON gm.campaign (event);

CREATE TABLE gm.campaign_customer (
    campaign_id  bigint NOT NULL REFERENCES gm.campaign(campaign_id) ON DELETE CASCADE,
    customer_key text COLLATE "C" NOT NULL,
    grid_id      bigint REFERENCES gm.grid(grid_id) ON DELETE SET NULL,
    followup_id  bigint,
    picked_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (campaign_id, customer_key)
);
COMMENT ON TABLE gm.campaign_customer IS
    'The customers a campaign picked, with their grid and, once dispatched, their work order (gm.followup)';
COMMENT ON COLUMN gm.campaign_customer.grid_id IS 'The customer''s grid when picked';
COMMENT ON COLUMN gm.campaign_customer.followup_id IS 'The work order gm.campaign_dispatch opened (NULL: not dispatched yet)';
SELECT pg_catalog.pg_extension_config_dump('gm.campaign_customer', '');
CREATE INDEX campaign_customer_grid_idx ON gm.campaign_customer (grid_id);
CREATE INDEX campaign_customer_followup_idx ON gm.campaign_customer (followup_id);

CREATE FUNCTION gm.create_campaign(name text, deadline timestamptz, event text DEFAULT 'visit', tier text DEFAULT 'standard',
                                   starts_on date DEFAULT CURRENT_DATE)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE v_id bigint;
BEGIN
    IF name IS NULL OR deadline IS NULL OR event IS NULL OR tier IS NULL OR starts_on IS NULL THEN
        RAISE EXCEPTION 'gm.create_campaign: no argument may be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM gm.followup_event e WHERE e.event = create_campaign.event) THEN
        RAISE EXCEPTION 'unknown follow-up event "%"', event USING ERRCODE = '42704';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM gm.followup_tier t WHERE t.tier = create_campaign.tier) THEN
        RAISE EXCEPTION 'unknown customer tier "%"', tier USING ERRCODE = '42704';
    END IF;
    IF deadline <= starts_on THEN
        RAISE EXCEPTION 'deadline % is not after the start %', deadline, starts_on USING ERRCODE = '22000';
    END IF;
    INSERT INTO gm.campaign(name, event, tier, starts_on, deadline) VALUES (name, event, tier, starts_on, deadline)
    RETURNING campaign_id INTO v_id;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION gm.create_campaign(text, timestamptz, text, text, date) IS
    'Creates a campaign whose work orders carry event and tier and are due at deadline; unknown event or tier 42704; returns its id';

CREATE FUNCTION gm.campaign_pick(campaign_id bigint, customers regclass, condition text DEFAULT 'true',
                                 key_column text DEFAULT 'customer_id', grid_column text DEFAULT 'grid_id')
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    v_n bigint;
    v_col text;
BEGIN
    IF campaign_id IS NULL OR customers IS NULL OR condition IS NULL OR key_column IS NULL OR grid_column IS NULL THEN
        RAISE EXCEPTION 'gm.campaign_pick: no argument may be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM gm.campaign c WHERE c.campaign_id = campaign_pick.campaign_id) THEN
        RAISE EXCEPTION 'campaign % does not exist', campaign_id USING ERRCODE = 'no_data_found';
    END IF;
    FOREACH v_col IN ARRAY ARRAY[key_column, grid_column] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = customers AND a.attname = v_col
                          AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" of % does not exist', v_col, customers USING ERRCODE = '42703';
        END IF;
    END LOOP;
    -- the condition is SQL run with the caller's rights (this function is not SECURITY DEFINER)
    EXECUTE format('INSERT INTO gm.campaign_customer(campaign_id, customer_key, grid_id)
                    SELECT $1, c.%I::text, c.%I FROM %s c WHERE (%s)
                    ON CONFLICT (campaign_id, customer_key) DO NOTHING', key_column, grid_column, customers, condition)
    USING campaign_id;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;
COMMENT ON FUNCTION gm.campaign_pick(bigint, regclass, text, text, text) IS
    'Adds to a campaign the customers of a table (as gm.plan_followups takes it: key and grid column names) that meet a condition (SQL over the table''s columns: segment, tier, grid, a sub-query ...), run with the caller''s rights; a customer already picked is kept once; returns the customers added';

CREATE FUNCTION gm.campaign_dispatch(campaign_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    c gm.campaign;
    r record;
    v_id bigint;
    v_n bigint := 0;
BEGIN
    SELECT * INTO c FROM gm.campaign x WHERE x.campaign_id = campaign_dispatch.campaign_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'campaign % does not exist', campaign_id USING ERRCODE = 'no_data_found';
    END IF;
    FOR r IN SELECT cc.customer_key, cc.grid_id FROM gm.campaign_customer cc
              WHERE cc.campaign_id = c.campaign_id AND cc.followup_id IS NULL
              ORDER BY cc.grid_id, cc.customer_key FOR UPDATE LOOP
        v_id := gm.open_followup(r.customer_key, r.grid_id, c.event, c.tier, pg_catalog.now(),
                                 format('campaign %s: %s', c.campaign_id, c.name));
        PERFORM gm._campaign_due(v_id, c.deadline);
        UPDATE gm.campaign_customer cc SET followup_id = v_id
         WHERE cc.campaign_id = c.campaign_id AND cc.customer_key = r.customer_key;
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END $$;
COMMENT ON FUNCTION gm.campaign_dispatch(bigint) IS
    'Dispatches the campaign''s picked customers not yet dispatched as work orders through gm.open_followup (routed to the grid team, grid scope checked: 42501), each due at the campaign''s deadline; returns the orders opened';

CREATE FUNCTION gm._campaign_due(followup_id bigint, due timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
BEGIN
    UPDATE gm.followup f SET planned_due = due
     WHERE f.followup_id = _campaign_due.followup_id AND f.planned_due IS NULL
       AND (f.grid_id IS NULL OR gm._may_act_on_grid(f.grid_id))
       AND f.note LIKE 'campaign %';
END $$;
COMMENT ON FUNCTION gm._campaign_due(bigint, timestamptz) IS
    'Internal: sets the due time of a campaign''s work order (only an order a campaign opened, in the caller''s grids, without a due time yet)';

CREATE VIEW gm.campaign_result AS
SELECT c.campaign_id, c.name AS campaign_name, cc.grid_id, g.code AS grid_code, g.name AS grid_name, f.assignee AS person,
       count(*) AS customers,
       count(cc.followup_id) AS dispatched,
       count(*) FILTER (WHERE f.responded_at IS NOT NULL) AS reached,
       count(*) FILTER (WHERE f.responded_at IS NOT NULL AND f.responded_at <= c.deadline) AS reached_in_time,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM gm.sale s WHERE s.campaign_id = c.campaign_id AND s.customer_key = cc.customer_key)) AS converted,
       round(count(*) FILTER (WHERE f.responded_at IS NOT NULL)::numeric / count(*), 4) AS reach_rate,
       round(count(*) FILTER (WHERE EXISTS (SELECT 1 FROM gm.sale s WHERE s.campaign_id = c.campaign_id AND s.customer_key = cc.customer_key))::numeric
             / count(*), 4) AS conversion_rate
FROM gm.campaign c
JOIN gm.campaign_customer cc ON cc.campaign_id = c.campaign_id
LEFT JOIN gm.followup f ON f.followup_id = cc.followup_id
LEFT JOIN gm.grid g ON g.grid_id = cc.grid_id
GROUP BY c.campaign_id, c.name, cc.grid_id, g.code, g.name, f.assignee;
COMMENT ON VIEW gm.campaign_result IS
    'Reach and conversion of every campaign per grid and person (the work order''s assignee): customers picked, dispatched, reached (responded), reached by the deadline, converted (a gm.sale with the campaign''s id), rates';
COMMENT ON COLUMN gm.campaign_result.campaign_id IS 'The campaign';
COMMENT ON COLUMN gm.campaign_result.campaign_name IS 'Its name';
COMMENT ON COLUMN gm.campaign_result.grid_id IS 'The customers'' grid when picked';
COMMENT ON COLUMN gm.campaign_result.grid_code IS 'Code of the grid';
COMMENT ON COLUMN gm.campaign_result.grid_name IS 'Name of the grid';
COMMENT ON COLUMN gm.campaign_result.customers IS 'Customers picked';
COMMENT ON COLUMN gm.campaign_result.dispatched IS 'Customers with a work order';
COMMENT ON COLUMN gm.campaign_result.reached_in_time IS 'Work orders responded to by the campaign''s deadline';
COMMENT ON COLUMN gm.campaign_result.person IS 'The assignee of the work orders (NULL: not dispatched or not routed)';
COMMENT ON COLUMN gm.campaign_result.reached IS 'Work orders responded to';
COMMENT ON COLUMN gm.campaign_result.converted IS 'Customers with a sale carrying the campaign''s id';
COMMENT ON COLUMN gm.campaign_result.reach_rate IS 'reached / customers';
COMMENT ON COLUMN gm.campaign_result.conversion_rate IS 'converted / customers';

-- Views for BI -----------------------------------------------------------------------------------

CREATE VIEW gm.grid_performance AS
SELECT r.period_kind, r.period_start, r.grid_id, r.grid_code, r.grid_name, r.level,
       p.code AS parent_code, p.name AS parent_name,
       max(r.target) FILTER (WHERE r.kpi = 'revenue') AS revenue_target,
       max(r.actual) FILTER (WHERE r.kpi = 'revenue') AS revenue_actual,
       max(r.attainment) FILTER (WHERE r.kpi = 'revenue') AS revenue_attainment,
       max(r.light::text) FILTER (WHERE r.kpi = 'revenue') AS revenue_light,
       max(r.rank) FILTER (WHERE r.kpi = 'revenue') AS revenue_rank,
       max(r.mom) FILTER (WHERE r.kpi = 'revenue') AS revenue_mom,
       max(r.yoy) FILTER (WHERE r.kpi = 'revenue') AS revenue_yoy,
       max(r.target) FILTER (WHERE r.kpi = 'new_customers') AS new_customers_target,
       max(r.actual) FILTER (WHERE r.kpi = 'new_customers') AS new_customers_actual,
       max(r.light::text) FILTER (WHERE r.kpi = 'new_customers') AS new_customers_light,
       max(r.actual) FILTER (WHERE r.kpi = 'nps') AS nps_actual,
       max(r.light::text) FILTER (WHERE r.kpi = 'nps') AS nps_light,
       count(*) FILTER (WHERE r.light = 'red') AS red_lights,
       (SELECT count(*) FROM gm.alert al WHERE al.grid_id = r.grid_id AND al.resolved_at IS NULL AND al.person IS NULL) AS open_alerts,
       jsonb_object_agg(r.kpi, jsonb_build_object('target', r.target, 'actual', r.actual, 'attainment', round(r.attainment, 4),
                                                  'light', r.light, 'rank', r.rank, 'mom', round(r.mom, 4), 'yoy', round(r.yoy, 4))) AS kpis
FROM gm.kpi_result r
JOIN gm.grid g ON g.grid_id = r.grid_id
LEFT JOIN gm.grid p ON p.grid_id = g.parent_id
WHERE r.level IN ('region', 'grid') AND r.product = ''
GROUP BY r.period_kind, r.period_start, r.grid_id, r.grid_code, r.grid_name, r.level, p.code, p.name;
COMMENT ON VIEW gm.grid_performance IS
    'BI: one row per region or grid × period: revenue, new customers and NPS with target, actual, attainment, light, rank and change, the number of red lights and open alerts, and every indicator in kpis (jsonb)';
COMMENT ON COLUMN gm.grid_performance.period_kind IS 'month, quarter or year';
COMMENT ON COLUMN gm.grid_performance.period_start IS 'First day of the period';
COMMENT ON COLUMN gm.grid_performance.grid_id IS 'The region or grid';
COMMENT ON COLUMN gm.grid_performance.grid_code IS 'Code of the region or grid';
COMMENT ON COLUMN gm.grid_performance.grid_name IS 'Name of the region or grid';
COMMENT ON COLUMN gm.grid_performance.level IS 'region or grid';
COMMENT ON COLUMN gm.grid_performance.parent_code IS 'Code of the region above the grid';
COMMENT ON COLUMN gm.grid_performance.parent_name IS 'Name of the region above the grid';
COMMENT ON COLUMN gm.grid_performance.revenue_target IS 'Revenue target, yuan';
COMMENT ON COLUMN gm.grid_performance.revenue_actual IS 'Revenue, yuan';
COMMENT ON COLUMN gm.grid_performance.revenue_attainment IS 'Revenue attainment, fraction';
COMMENT ON COLUMN gm.grid_performance.revenue_light IS 'Revenue light: green, yellow, red';
COMMENT ON COLUMN gm.grid_performance.revenue_rank IS 'Rank by revenue attainment among the same level (1 = best)';
COMMENT ON COLUMN gm.grid_performance.revenue_mom IS 'Revenue change against the previous period, fraction';
COMMENT ON COLUMN gm.grid_performance.revenue_yoy IS 'Revenue change against a year before, fraction';
COMMENT ON COLUMN gm.grid_performance.new_customers_target IS 'New customers target';
COMMENT ON COLUMN gm.grid_performance.new_customers_actual IS 'New customers won';
COMMENT ON COLUMN gm.grid_performance.new_customers_light IS 'New customers light';
COMMENT ON COLUMN gm.grid_performance.nps_actual IS 'NPS';
COMMENT ON COLUMN gm.grid_performance.nps_light IS 'NPS light against the target (default nps_target 70)';
COMMENT ON COLUMN gm.grid_performance.red_lights IS 'Indicators with a red light';
COMMENT ON COLUMN gm.grid_performance.open_alerts IS 'Open alerts of the grid (not of its people)';
COMMENT ON COLUMN gm.grid_performance.kpis IS 'Every indicator: {kpi: {target, actual, attainment, light, rank, mom, yoy}}';

CREATE FUNCTION gm.person_performance(period_kind text, period_start date)
    RETURNS TABLE(person name, grid_id bigint, grid_code text, grid_name text, role_kind text, score numeric,
                  result_score numeric, process_score numeric, collaboration_score numeric, score_rank bigint,
                  revenue_target numeric, revenue_actual numeric, revenue_attainment numeric,
                  commission numeric, growth_star boolean, open_alerts bigint, lines jsonb)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
    SELECT s.person, s.grid_id, g.code, g.name, s.role_kind, s.score, s.result_score, s.process_score, s.collaboration_score,
           s.rank, t.value, a.value, round(gm.attainment(a.value, t.value), 4), coalesce(cs.commission, 0),
           coalesce(cs.growth_star, false),
           (SELECT count(*) FROM gm.alert al WHERE al.person = s.person AND al.resolved_at IS NULL), s.lines
      FROM gm.scorecard($1, $2) s
      JOIN gm.grid g ON g.grid_id = s.grid_id
      LEFT JOIN gm.target t ON t.kpi = 'revenue' AND t.period_kind = $1 AND t.period_start = $2 AND t.level = 'person'
                           AND t.grid_id = s.grid_id AND t.person = s.person AND t.product = ''
      LEFT JOIN gm.actual a ON a.kpi = 'revenue' AND a.period_kind = $1 AND a.period_start = $2 AND a.level = 'person'
                           AND a.grid_id = s.grid_id AND a.person = s.person AND a.product = ''
      LEFT JOIN gm.commission_statement($1, $2) cs ON cs.person = s.person
$$;
COMMENT ON FUNCTION gm.person_performance(text, date) IS
    'BI: one row per person × grid for a period: scorecard (score, parts, rank within the role, lines), revenue target, actual and attainment, commission and 成长之星 eligibility, open alerts';

CREATE VIEW gm.person_performance AS
SELECT p.period_kind, p.period_start, x.*
FROM (SELECT DISTINCT a.period_kind, a.period_start FROM gm.actual a WHERE a.level = 'person') p
CROSS JOIN LATERAL gm.person_performance(p.period_kind, p.period_start) x;
COMMENT ON VIEW gm.person_performance IS
    'BI: one row per person × grid × period with actuals (gm.person_performance(period_kind, period_start) for every period): scorecard, revenue, commission, 成长之星, open alerts';
COMMENT ON COLUMN gm.person_performance.period_kind IS 'month, quarter or year';
COMMENT ON COLUMN gm.person_performance.period_start IS 'First day of the period';
COMMENT ON COLUMN gm.person_performance.grid_id IS 'The person''s grid';
COMMENT ON COLUMN gm.person_performance.result_score IS 'Score of the result indicators';
COMMENT ON COLUMN gm.person_performance.process_score IS 'Score of the process indicators';
COMMENT ON COLUMN gm.person_performance.collaboration_score IS 'Score of collaboration';
COMMENT ON COLUMN gm.person_performance.revenue_attainment IS 'Revenue attainment, fraction';
COMMENT ON COLUMN gm.person_performance.person IS 'The person (role name)';
COMMENT ON COLUMN gm.person_performance.grid_code IS 'Code of the person''s grid';
COMMENT ON COLUMN gm.person_performance.grid_name IS 'Name of the person''s grid';
COMMENT ON COLUMN gm.person_performance.role_kind IS 'Scorecard role';
COMMENT ON COLUMN gm.person_performance.score IS 'Score 0-100+ (100: every indicator on target)';
COMMENT ON COLUMN gm.person_performance.score_rank IS 'Rank of the score within the role (1 = best)';
COMMENT ON COLUMN gm.person_performance.revenue_target IS 'The person''s revenue target, yuan';
COMMENT ON COLUMN gm.person_performance.revenue_actual IS 'The person''s revenue, yuan';
COMMENT ON COLUMN gm.person_performance.commission IS 'Commission of the period, yuan';
COMMENT ON COLUMN gm.person_performance.growth_star IS '成长之星 eligibility (revenue attainment >= 120 %)';
COMMENT ON COLUMN gm.person_performance.open_alerts IS 'Open alerts of the person';
COMMENT ON COLUMN gm.person_performance.lines IS 'The scorecard lines explaining the score';

-- Privileges, consistent with section 60: configuration readable by all; operational rows
-- grid-scoped for reading; writes by gm_admin members (and the CRM role gm_app for sales,
-- surveys and spend); alerts acknowledged and resolved through the SECURITY DEFINER API.
GRANT SELECT ON gm.kpi, gm.scorecard_item, gm.commission_rule, gm.period_close, gm.campaign, gm.kpi_result,
                gm.grid_performance, gm.campaign_result TO PUBLIC;
GRANT SELECT ON gm.target, gm.actual, gm.alert, gm.sale, gm.survey, gm.spend, gm.target_proposal, gm.campaign_customer TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON gm.kpi, gm.scorecard_item, gm.commission_rule, gm.target, gm.actual, gm.period_close,
                gm.target_proposal, gm.sale, gm.survey, gm.spend, gm.campaign, gm.campaign_customer TO gm_admin;
GRANT SELECT, INSERT, UPDATE ON gm.alert TO gm_admin;
GRANT INSERT ON gm.sale, gm.survey, gm.spend TO gm_app;
GRANT USAGE ON SEQUENCE gm.sale_sale_id_seq, gm.survey_survey_id_seq, gm.spend_spend_id_seq TO gm_app, gm_admin;
GRANT USAGE ON SEQUENCE gm.target_target_id_seq, gm.target_proposal_proposal_id_seq, gm.alert_alert_id_seq,
                gm.campaign_campaign_id_seq TO gm_admin;
ALTER TABLE gm.target ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.target AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
CREATE POLICY gm_admin_all ON gm.target AS PERMISSIVE FOR ALL TO gm_admin USING (true) WITH CHECK (true);
ALTER TABLE gm.actual ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.actual AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
CREATE POLICY gm_admin_all ON gm.actual AS PERMISSIVE FOR ALL TO gm_admin USING (true) WITH CHECK (true);
ALTER TABLE gm.alert ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.alert AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
CREATE POLICY gm_admin_all ON gm.alert AS PERMISSIVE FOR ALL TO gm_admin USING (true) WITH CHECK (true);
ALTER TABLE gm.sale ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.sale AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
CREATE POLICY gm_write ON gm.sale AS PERMISSIVE FOR INSERT TO gm_app, gm_admin WITH CHECK (true);
CREATE POLICY gm_admin_all ON gm.sale AS PERMISSIVE FOR ALL TO gm_admin USING (true) WITH CHECK (true);
ALTER TABLE gm.survey ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.survey AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
CREATE POLICY gm_write ON gm.survey AS PERMISSIVE FOR INSERT TO gm_app, gm_admin WITH CHECK (true);
CREATE POLICY gm_admin_all ON gm.survey AS PERMISSIVE FOR ALL TO gm_admin USING (true) WITH CHECK (true);
ALTER TABLE gm.spend ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.spend AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
CREATE POLICY gm_write ON gm.spend AS PERMISSIVE FOR INSERT TO gm_app, gm_admin WITH CHECK (true);
CREATE POLICY gm_admin_all ON gm.spend AS PERMISSIVE FOR ALL TO gm_admin USING (true) WITH CHECK (true);
-- the monthly summaries: read like the tables they summarise, written only by their triggers
GRANT SELECT ON gm.sale_month, gm.survey_month TO PUBLIC;
ALTER TABLE gm.sale_month ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.sale_month AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
ALTER TABLE gm.survey_month ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.survey_month AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
REVOKE ALL ON FUNCTION gm.refresh_summaries(), gm._sale_month_apply(), gm._survey_month_apply() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gm.refresh_summaries() TO gm_admin;
ALTER VIEW gm.kpi_result SET (security_invoker = true);
ALTER VIEW gm.grid_performance SET (security_invoker = true);
ALTER VIEW gm.campaign_result SET (security_invoker = true);
ALTER VIEW gm.person_performance SET (security_invoker = true);
-- the functions that write targets, actuals, alerts and campaigns: gm_admin members (and owners)
REVOKE ALL ON FUNCTION gm.split_targets(text, text, date, numeric, text, text, text[]),
                       gm.set_target(text, text, date, bigint, name, numeric, text),
                       gm.rollup_targets(text, text, date, text),
                       gm._resplit_children(bigint),
                       gm.compute_actuals(text, date, text[]),
                       gm.record_actual(text, text, date, bigint, name, numeric, text),
                       gm.close_period(text, date), gm.reopen_period(text, date),
                       gm.propose_recalibration(text, date), gm.apply_proposal(bigint), gm.reject_proposal(bigint),
                       gm.evaluate_alerts(text, date, date),
                       gm.create_campaign(text, timestamptz, text, text, date),
                       gm.campaign_pick(bigint, regclass, text, text, text),
                       gm.campaign_dispatch(bigint), gm._campaign_due(bigint, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gm.split_targets(text, text, date, numeric, text, text, text[]),
                          gm.set_target(text, text, date, bigint, name, numeric, text),
                          gm.rollup_targets(text, text, date, text),
                          gm._resplit_children(bigint),
                          gm.compute_actuals(text, date, text[]),
                          gm.record_actual(text, text, date, bigint, name, numeric, text),
                          gm.close_period(text, date), gm.reopen_period(text, date),
                          gm.propose_recalibration(text, date), gm.apply_proposal(bigint), gm.reject_proposal(bigint),
                          gm.evaluate_alerts(text, date, date),
                          gm.create_campaign(text, timestamptz, text, text, date),
                          gm.campaign_pick(bigint, regclass, text, text, text),
                          gm.campaign_dispatch(bigint), gm._campaign_due(bigint, timestamptz) TO gm_admin;
