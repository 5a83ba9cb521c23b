-------------------------------------------------------------------------------
-- Section 25: follow-up deadlines (跟进时限): SLA policies, due times, lights,
-- escalation, on-time rate — C in src/sla.c, doc/sla.md, tests test/pgtap/sla.sql
-------------------------------------------------------------------------------
CREATE TABLE gm.sla_policy (
    event            text NOT NULL,
    tier             text NOT NULL DEFAULT '*',
    variant          text NOT NULL DEFAULT 'standard',
    enabled          boolean NOT NULL DEFAULT true,
    unit             text NOT NULL CHECK (unit IN ('working_time', 'working_days', 'calendar_time', 'before_date')),
    amount           interval NOT NULL CHECK (amount > '0'),
    times_per_period integer NOT NULL DEFAULT 1 CHECK (times_per_period > 0),
    applies_for      interval CHECK (applies_for > '0'),
    warn_fraction    numeric NOT NULL DEFAULT 0.75 CHECK (warn_fraction > 0 AND warn_fraction <= 1),
    escalation_step  interval NOT NULL DEFAULT '48 hours' CHECK (escalation_step > '0'),
    seed             text,
    note             text,
    origin           gm.origin NOT NULL DEFAULT 'user',
    CONSTRAINT sla_policy_pkey PRIMARY KEY (event, tier, variant),
    CHECK (unit <> 'working_days' OR (pg_catalog.date_trunc('day', amount) = amount AND amount < '1 mon'))
);
COMMENT ON TABLE gm.sla_policy IS
    'Follow-up policies: event x customer tier (''*'' = any) -> allowed amount in working time, working days, calendar time or before a date; warn fraction, escalation step; one row per event, tier and variant (origin: shipped, edited or user)';
COMMENT ON COLUMN gm.sla_policy.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.sla_policy', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER sla_policy_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.sla_policy
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('event', 'tier', 'variant');
CREATE TRIGGER sla_policy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.sla_policy
    FOR EACH STATEMENT EXECUTE FUNCTION gm._config_changed();
GRANT SELECT ON gm.sla_policy TO PUBLIC;

INSERT INTO gm.sla_policy (event, tier, variant, enabled, unit, amount, times_per_period, applies_for, seed, note, origin) VALUES
 ('first_contact',         '*',          'standard', true,  'calendar_time', '24 hours', 1, NULL,      'seed 000 §5.3 初次接触24小时内响应', 'first contact of a new lead', 'shipped'),
 ('needs_discovery',       '*',          'standard', true,  'calendar_time', '7 days',   1, NULL,      'seed 000 §5.3 需求挖掘每周跟进', 'weekly follow-up while needs are discovered', 'shipped'),
 ('proposal',              '*',          'standard', true,  'working_days',  '3 days',   1, NULL,      'seed 000 §5.3 方案3个工作日内', 'proposal within 3 working days', 'shipped'),
 ('post_signing_callback', '*',          'standard', true,  'calendar_time', '48 hours', 1, NULL,      'seed 000 §5.3 签约后48小时内回访', 'call-back after signing', 'shipped'),
 ('renewal_reminder',      '*',          'standard', true,  'before_date',   '15 days',  1, NULL,      'seed 000 §5.3 到期前15天提醒', 'reminder before the contract expires (at = expiry)', 'shipped'),
 ('churn_warning',         '*',          'standard', true,  'calendar_time', '30 days',  1, NULL,      'seed 000 §5.3 连续30天无互动触发流失预警', 'warning 30 days after the last interaction (at = last interaction)', 'shipped'),
 ('churn_intervention',    '*',          'standard', true,  'calendar_time', '48 hours', 1, NULL,      'seed 000 §5.3 流失风险48小时内干预', 'intervention on a churn risk', 'shipped'),
 ('complaint_response',    '*',          'standard', true,  'working_days',  '2 days',   1, NULL,      'seed 003 投诉2个工作日内响应', 'complaint response: 2 working days (seed text)', 'shipped'),
 ('complaint_response',    '*',          'clock',    false, 'calendar_time', '48 hours', 1, NULL,      'seed 003 heading 投诉48小时响应', 'alternative: 48 clock hours (enable with gm.use_sla_variant)', 'shipped'),
 ('visit',                 '*',          'standard', true,  'calendar_time', '7 days',   2, NULL,      'seed 004 每周2次走访', 'visits twice a week', 'shipped'),
 ('visit',                 'high_value', 'standard', true,  'calendar_time', '7 days',   3, NULL,      'seed 004 高价值客户每周3次', 'high-value customers: three times a week', 'shipped'),
 ('visit',                 'gold',       'standard', true,  'calendar_time', '15 days',  1, NULL,      'seed 004 金牌客户每半月上门一次', 'gold customers: every half month', 'shipped'),
 ('visit',                 'new_group',  'standard', true,  'calendar_time', '7 days',   1, '1 mon',   'seed 004 新入网集团客户第一个月勤联系', 'new group customers: weekly during their first month', 'shipped');

CREATE FUNCTION gm.sla_policy_for(for_event text, for_tier text DEFAULT NULL,
    OUT event text, OUT tier text, OUT variant text, OUT unit text, OUT amount interval,
    OUT times_per_period integer, OUT applies_for interval, OUT warn_fraction numeric, OUT escalation_step interval)
RETURNS record LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    n integer;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'follow-up event must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT count(*) INTO n FROM gm.sla_policy p
    WHERE p.event = $1 AND p.tier = coalesce($2, '*') AND p.enabled;
    SELECT e.event, e.tier, e.variant, e.unit, e.amount, e.times_per_period, e.applies_for, e.warn_fraction, e.escalation_step
    INTO event, tier, variant, unit, amount, times_per_period, applies_for, warn_fraction, escalation_step
    FROM gm.sla_policy e
    WHERE e.event = $1 AND e.tier IN (coalesce($2, '*'), '*') AND e.enabled
    ORDER BY (e.tier = '*'), e.variant;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no follow-up policy for event "%" and tier "%"', $1, coalesce($2, '*')
            USING ERRCODE = '42704', HINT = 'Policies are rows of gm.sla_policy (see gm.set_sla_policy).';
    END IF;
    IF n > 1 OR (n = 0 AND (SELECT count(*) FROM gm.sla_policy p
                            WHERE p.event = $1 AND p.tier = '*' AND p.enabled) > 1) THEN
        RAISE EXCEPTION 'several policies are enabled for event "%" and tier "%"', $1, coalesce($2, '*')
            USING ERRCODE = '21000', HINT = 'Enable one variant with gm.use_sla_variant(event, tier, variant).';
    END IF;
END $$;
COMMENT ON FUNCTION gm.sla_policy_for(text, text) IS
    'The enabled policy for an event and tier (the tier''s own row, else tier ''*''); 42704 when none';

CREATE FUNCTION gm.set_sla_policy(event text, tier text, unit text, amount interval,
    warn_fraction numeric DEFAULT 0.75, escalation_step interval DEFAULT '48 hours',
    variant text DEFAULT 'standard', times_per_period integer DEFAULT 1, applies_for interval DEFAULT NULL,
    note text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
#variable_conflict use_variable
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'gm.set_sla_policy: event must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF coalesce($2, '*') <> '*' AND NOT EXISTS (SELECT 1 FROM gm.followup_tier t WHERE t.tier = $2) THEN
        RAISE EXCEPTION 'unknown customer tier "%"', $2 USING ERRCODE = '42704',
            HINT = 'Tiers are the rows of gm.followup_tier; ''*'' (or NULL) means every tier.';
    END IF;
    -- one policy change of an event and tier at a time, so two sessions cannot both enable a variant
    PERFORM pg_catalog.pg_advisory_xact_lock(1196443983, pg_catalog.hashtext($1 || '|' || coalesce($2, '*')));
    -- the policy's row: changed when it exists (a shipped one becomes edited), else a user row
    UPDATE gm.sla_policy p
       SET enabled = true, unit = $3, amount = $4, times_per_period = coalesce($8, 1), applies_for = $9,
           warn_fraction = coalesce($5, 0.75), escalation_step = coalesce($6, '48 hours'), note = $10
     WHERE p.event = $1 AND p.tier = coalesce($2, '*') AND p.variant = coalesce($7, 'standard');
    IF NOT FOUND THEN
        INSERT INTO gm.sla_policy (event, tier, variant, enabled, unit, amount, times_per_period, applies_for,
                                   warn_fraction, escalation_step, note)
        VALUES ($1, coalesce($2, '*'), coalesce($7, 'standard'), true, $3, $4, coalesce($8, 1), $9,
                coalesce($5, 0.75), coalesce($6, '48 hours'), $10);
    END IF;
    -- the variant just set is the one in force: the others of the event and tier are switched off
    -- in the same transaction, so the configuration never has two enabled variants
    PERFORM gm.use_sla_variant($1, coalesce($2, '*'), coalesce($7, 'standard'));
END $$;
COMMENT ON FUNCTION gm.set_sla_policy(text, text, text, interval, numeric, interval, text, integer, interval, text) IS
    'Creates a policy (a user row) or changes the one of that event, tier and variant (a shipped one becomes edited; both are kept by pg_dump and upgrades) and makes its variant the one in force for the event and tier; 42704 for an unknown tier';

CREATE FUNCTION gm.use_sla_variant(event text, tier text, variant text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
BEGIN
    IF NOT EXISTS (SELECT FROM gm.sla_policy p WHERE p.event = $1 AND p.tier = coalesce($2, '*') AND p.variant = $3) THEN
        RAISE EXCEPTION 'no follow-up policy "%" for event "%" and tier "%"', $3, $1, coalesce($2, '*') USING ERRCODE = '42704';
    END IF;
    -- only the rows whose switch changes (a shipped row switched becomes edited)
    UPDATE gm.sla_policy p SET enabled = (p.variant = $3)
    WHERE p.event = $1 AND p.tier = coalesce($2, '*') AND p.enabled <> (p.variant = $3);
END $$;
COMMENT ON FUNCTION gm.use_sla_variant(text, text, text) IS
    'Enables one variant of an event''s policy (e.g. complaint_response ''clock'' = 48 clock hours) and disables the others';

CREATE FUNCTION gm.followup_due(event text, at timestamptz, tier text, calendar gm.calendar) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE p record;
BEGIN
    IF at IS NULL OR calendar IS NULL THEN RETURN NULL; END IF;
    p := gm.sla_policy_for(event, tier);
    RETURN CASE p.unit
        WHEN 'working_time'  THEN gm.add_working_time(at, p.amount, calendar)
        WHEN 'working_days'  THEN gm.working_day_end(
                                      gm.add_working_days((at AT TIME ZONE gm.calendar_time_zone(calendar))::date,
                                                          pg_catalog.date_part('day', p.amount)::integer, calendar),
                                      calendar)
        WHEN 'calendar_time' THEN at + p.amount / p.times_per_period
        WHEN 'before_date'   THEN at - p.amount
    END;
END $$;
COMMENT ON FUNCTION gm.followup_due(text, timestamptz, text, gm.calendar) IS
    'Due time of a follow-up event that happened at (for before_date policies: the date it is due before) under the tier''s policy';
CREATE FUNCTION gm.followup_due(event text, at timestamptz, tier text, calendar text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT gm.followup_due($1, $2, $3, gm.calendar($4))
$$;
COMMENT ON FUNCTION gm.followup_due(text, timestamptz, text, text) IS 'gm.followup_due on the named calendar';

CREATE FUNCTION gm.next_visit(last_visit timestamptz, tier text, calendar gm.calendar,
                              customer_since timestamptz DEFAULT NULL) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE p record;
BEGIN
    IF last_visit IS NULL OR calendar IS NULL THEN RETURN NULL; END IF;
    p := gm.sla_policy_for('visit', tier);
    IF p.applies_for IS NOT NULL AND (customer_since IS NULL OR last_visit >= customer_since + p.applies_for) THEN
        p := gm.sla_policy_for('visit', '*');   -- e.g. new group customers after their first month
    END IF;
    RETURN CASE p.unit
        WHEN 'working_days' THEN gm.working_day_end(
                                     gm.add_working_days((last_visit AT TIME ZONE gm.calendar_time_zone(calendar))::date,
                                                         (pg_catalog.date_part('day', p.amount)::integer / p.times_per_period), calendar),
                                     calendar)
        WHEN 'working_time' THEN gm.add_working_time(last_visit, p.amount / p.times_per_period, calendar)
        ELSE gm.add_working_time(last_visit + p.amount / p.times_per_period, '0', calendar)
    END;
END $$;
COMMENT ON FUNCTION gm.next_visit(timestamptz, text, gm.calendar, timestamptz) IS
    'When the next visit is due: last visit + the tier''s visit period / times per period, moved to the next working time';
CREATE FUNCTION gm.next_visit(last_visit timestamptz, tier text, calendar text,
                              customer_since timestamptz DEFAULT NULL) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT gm.next_visit($1, $2, gm.calendar($3), $4)
$$;
COMMENT ON FUNCTION gm.next_visit(timestamptz, text, text, timestamptz) IS 'gm.next_visit on the named calendar';

CREATE FUNCTION gm.escalation_level(due timestamptz, at timestamptz, step interval, top integer DEFAULT 3)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_escalation_level'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.escalation_level(timestamptz, timestamptz, interval, integer) IS
    'Escalation level: 0 when at <= due, 1 overdue, 2 overdue by >= step, 3 by >= 2 steps ... capped at top (step as elapsed time: 1 day = 24 h)';

CREATE FUNCTION gm._followup_light(started timestamptz, due timestamptz, done_or_now timestamptz, warn_fraction float8)
    RETURNS gm.light
    AS 'MODULE_PATHNAME', 'gm_followup_light_c'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_light(timestamptz, timestamptz, timestamptz, float8) IS
    'Internal: gm.followup_light in C (one call per row of gm.followup_status)';

-- one implementation of the light and of the escalation level (C, src/sla.c); the
-- wrappers below are inlined by the planner
CREATE FUNCTION gm.followup_light(started timestamptz, due timestamptz, done_or_now timestamptz,
                                  warn_fraction numeric DEFAULT 0.75) RETURNS gm.light
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT gm._followup_light($1, $2, $3, $4::pg_catalog.float8)
$$;
COMMENT ON FUNCTION gm.followup_light(timestamptz, timestamptz, timestamptz, numeric) IS
    'Traffic light: red when done_or_now is past due, yellow once warn_fraction of the allowed time (started to due) is used, else green';


CREATE FUNCTION gm.followup_escalation(due timestamptz, done_or_now timestamptz, step interval DEFAULT '48 hours')
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT gm.escalation_level($1, $2, coalesce($3, '48 hours'::pg_catalog.interval), 100)
$$;
COMMENT ON FUNCTION gm.followup_escalation(timestamptz, timestamptz, interval) IS
    'Escalation level: 0 on time, 1 once overdue, +1 per further escalation step (default 48 h, the policy''s escalation_step)';

CREATE FUNCTION gm._on_time_accum(int8[], timestamptz, timestamptz) RETURNS int8[]
    AS 'MODULE_PATHNAME', 'gm_on_time_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._on_time_accum(int8[], timestamptz, timestamptz) IS
    'Internal: transition of gm.on_time_rate(due, done) (as of the transaction start)';
CREATE FUNCTION gm._on_time_accum(int8[], timestamptz, timestamptz, timestamptz) RETURNS int8[]
    AS 'MODULE_PATHNAME', 'gm_on_time_accum_asof' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._on_time_accum(int8[], timestamptz, timestamptz, timestamptz) IS
    'Internal: transition of gm.on_time_rate(due, done, as_of)';
CREATE FUNCTION gm._on_time_combine(int8[], int8[]) RETURNS int8[]
    AS 'MODULE_PATHNAME', 'gm_on_time_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._on_time_combine(int8[], int8[]) IS 'Internal: combine function of gm.on_time_rate';
CREATE FUNCTION gm._on_time_final(int8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'gm_on_time_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._on_time_final(int8[]) IS 'Internal: final function of gm.on_time_rate';

CREATE AGGREGATE gm.on_time_rate(due timestamptz, done timestamptz) (
    SFUNC = gm._on_time_accum, STYPE = int8[], INITCOND = '{0,0}',
    COMBINEFUNC = gm._on_time_combine, FINALFUNC = gm._on_time_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.on_time_rate(timestamptz, timestamptz) IS
    '跟进及时率: share of items done by their due time; open items past due at the transaction start count as late, open items not yet due are not counted';
CREATE AGGREGATE gm.on_time_rate(due timestamptz, done timestamptz, as_of timestamptz) (
    SFUNC = gm._on_time_accum, STYPE = int8[], INITCOND = '{0,0}',
    COMBINEFUNC = gm._on_time_combine, FINALFUNC = gm._on_time_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE gm.on_time_rate(timestamptz, timestamptz, timestamptz) IS
    '跟进及时率 as of a given instant: open items past due at as_of count as late';
