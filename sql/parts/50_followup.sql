-------------------------------------------------------------------------------
-- Section 50: follow-up work orders (跟进工单): routing to the grid team, states,
-- escalation, cadence plans, complaints, KPIs, daily work logs
-------------------------------------------------------------------------------

-- states ----------------------------------------------------------------------------------------
CREATE TYPE gm.followup_state AS ENUM
    ('new', 'dispatched', 'responded', 'resolved', 'verified', 'closed', 'cancelled', 'reopened');
COMMENT ON TYPE gm.followup_state IS
    'State of a follow-up work order: new -> dispatched -> responded -> resolved -> verified -> closed, plus cancelled and reopened';

CREATE FUNCTION gm.followup_transition_allowed(from_state gm.followup_state, to_state gm.followup_state)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_followup_transition_allowed_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.followup_transition_allowed(gm.followup_state, gm.followup_state) IS
    'Whether a follow-up work order may go from one state to the other (the transition table, in C)';

CREATE FUNCTION gm._followup_check_transition(followup_id bigint, from_state gm.followup_state, to_state gm.followup_state)
    RETURNS gm.followup_state
    AS 'MODULE_PATHNAME', 'gm_followup_check_transition'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_check_transition(bigint, gm.followup_state, gm.followup_state) IS
    'Internal: returns to_state when the transition is allowed, else raises 55000 naming the order and both states';

CREATE VIEW gm.followup_transition AS
SELECT f AS from_state, t AS to_state
FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::gm.followup_state)) f,
     pg_catalog.unnest(pg_catalog.enum_range(NULL::gm.followup_state)) t
WHERE gm.followup_transition_allowed(f, t);
COMMENT ON VIEW gm.followup_transition IS
    'The allowed state transitions of follow-up work orders (every pair not listed is refused with 55000)';
COMMENT ON COLUMN gm.followup_transition.from_state IS 'State an order is in';
COMMENT ON COLUMN gm.followup_transition.to_state IS 'State it may move to';

-- gm.escalation_level and gm._followup_light (C, src/sla.c) are declared in the SLA section (25),
-- where gm.followup_escalation and gm.followup_light wrap them.

-- configuration ---------------------------------------------------------------------------------
-- The configuration model of section 00: every row has an origin (gm.origin), one row per key.
-- The rows written here are shipped (recreated by CREATE EXTENSION, not dumped); an UPDATE of one
-- makes it edited, an INSERT is a user row; edited and user rows are dumped and kept by upgrades.
CREATE TABLE gm.followup_event (
    event           text PRIMARY KEY,
    duty            text NOT NULL,
    sla_event       text,
    warn_fraction   float8 NOT NULL DEFAULT 0.75 CHECK (warn_fraction > 0 AND warn_fraction <= 1),
    escalation_step interval NOT NULL DEFAULT '48 hours' CHECK (escalation_step > interval '0'),
    default_due     interval NOT NULL DEFAULT '24 hours' CHECK (default_due >= interval '0'),
    note            text,
    origin          gm.origin NOT NULL DEFAULT 'user'
);
COMMENT ON TABLE gm.followup_event IS
    'Follow-up events: duty of the team member an order is routed to, the event of gm.sla_policy that sets its deadline, and the deadline, warn fraction and escalation step used when no SLA policy applies';
COMMENT ON COLUMN gm.followup_event.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.followup_event', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER followup_event_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.followup_event
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('event');
CREATE TRIGGER followup_event_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.followup_event
    FOR EACH STATEMENT EXECUTE FUNCTION gm._config_changed();
INSERT INTO gm.followup_event(event, duty, sla_event, default_due, note, origin) VALUES
    ('first_contact',         'marketer',  'first_contact',         '24 hours', 'seed 000 §5.3: first contact within 24 h', 'shipped'),
    ('needs_discovery',       'marketer',  'needs_discovery',       '7 days',   'seed 000 §5.3: needs discovery weekly', 'shipped'),
    ('proposal',              'marketer',  'proposal',              '3 days',   'seed 000 §5.3: proposal within 3 working days', 'shipped'),
    ('post_signing_callback', 'marketer',  'post_signing_callback', '48 hours', 'seed 000 §5.3: call-back within 48 h of signing', 'shipped'),
    ('renewal',               'marketer',  NULL,                    '15 days',  'seed 000 §5.3: renewal reminder 15 days before expiry (planned: due at expiry)', 'shipped'),
    ('churn_warning',         'manager',   'churn_intervention',    '48 hours', 'seed 000 §5.3: churn warning after 30 days without interaction, intervention within 48 h', 'shipped'),
    ('churn_intervention',    'manager',   'churn_intervention',    '48 hours', 'seed 000 §5.3: churn-risk intervention within 48 h', 'shipped'),
    ('complaint',             'manager',   'complaint_response',    '2 days',   'seed 003: complaint first response within 2 working days, escalation after 48 h', 'shipped'),
    ('satisfaction_callback', 'marketer',  NULL,                    '2 days',   'seed 003: satisfaction call-back 30 days after closing a complaint', 'shipped'),
    ('visit',                 'marketer',  'visit',                 '1 day',    'seed 004: visits by the tier''s cadence', 'shipped'),
    ('arrears',               'marketer',  NULL,                    '3 days',   'arrears reminder', 'shipped'),
    ('install',               'installer', NULL,                    '2 days',   'installation / repair', 'shipped'),
    ('insight_report',        'marketer',  NULL,                    '3 days',   'monthly insight report for potential customers', 'shipped'),
    ('upgrade_proposal',      'marketer',  NULL,                    '3 days',   'quarterly upgrade proposal for mature customers', 'shipped');

CREATE TABLE gm.followup_tier (
    tier    text PRIMARY KEY,
    note    text,
    origin  gm.origin NOT NULL DEFAULT 'user'
);
COMMENT ON TABLE gm.followup_tier IS 'Customer tiers a follow-up work order may carry';
COMMENT ON COLUMN gm.followup_tier.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.followup_tier', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER followup_tier_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.followup_tier
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('tier');
CREATE TRIGGER followup_tier_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.followup_tier
    FOR EACH STATEMENT EXECUTE FUNCTION gm._config_changed();
INSERT INTO gm.followup_tier(tier, note, origin) VALUES
    ('standard',   'every customer without a special tier', 'shipped'),
    ('key',        'key customers: visits twice a week', 'shipped'),
    ('high_value', 'high-value customers: visits three times a week', 'shipped'),
    ('gold',       'gold customers: a visit every half month (seed 004)', 'shipped'),
    ('new_group',  'new group customers: weekly in their first month (seed 004)', 'shipped'),
    ('potential',  'potential customers: monthly insight report', 'shipped'),
    ('mature',     'mature customers: quarterly upgrade proposal', 'shipped'),
    ('at_risk',    'at-risk customers (30 days without interaction)', 'shipped');

CREATE TABLE gm.followup_cadence (
    tier             text NOT NULL REFERENCES gm.followup_tier ON UPDATE CASCADE ON DELETE CASCADE,
    event            text NOT NULL REFERENCES gm.followup_event ON UPDATE CASCADE ON DELETE CASCADE,
    period           text NOT NULL CHECK (period IN ('week', 'half_month', 'month', 'quarter')),
    times            integer NOT NULL DEFAULT 1 CHECK (times BETWEEN 1 AND 5),
    first_month_only boolean NOT NULL DEFAULT false,
    origin           gm.origin NOT NULL DEFAULT 'user',
    PRIMARY KEY (tier, event)
);
CREATE INDEX followup_cadence_event_idx ON gm.followup_cadence (event);   -- the foreign key to gm.followup_event
COMMENT ON TABLE gm.followup_cadence IS
    'Cadence plans by tier: so many follow-ups of an event per week / half month / month / quarter (optionally only in the first month)';
COMMENT ON COLUMN gm.followup_cadence.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.followup_cadence', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER followup_cadence_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.followup_cadence
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('tier', 'event');
INSERT INTO gm.followup_cadence(tier, event, period, times, first_month_only, origin) VALUES
    ('key',        'visit',            'week',       2, false, 'shipped'),
    ('high_value', 'visit',            'week',       3, false, 'shipped'),
    ('gold',       'visit',            'half_month', 1, false, 'shipped'),
    ('new_group',  'visit',            'week',       1, true,  'shipped'),
    ('potential',  'insight_report',   'month',      1, false, 'shipped'),
    ('mature',     'upgrade_proposal', 'quarter',    1, false, 'shipped');

-- The settings: one row, shipped with the defaults (an UPDATE of it is an edit, kept by pg_dump
-- and by upgrades); the numbers are parameters (gm.parameter, read with gm.param).
CREATE TABLE gm.followup_setting (
    one               boolean PRIMARY KEY DEFAULT true CHECK (one),
    calendar          text,
    time_zone         text NOT NULL,
    top_role          name,
    origin            gm.origin NOT NULL DEFAULT 'user'
);
COMMENT ON TABLE gm.followup_setting IS
    'Follow-up settings (one row, shipped with the defaults): business calendar, time zone, top escalation role; the numbers are rows of gm.parameter (domain followup)';
COMMENT ON COLUMN gm.followup_setting.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.followup_setting', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER followup_setting_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.followup_setting
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('one');
CREATE TRIGGER followup_setting_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.followup_setting
    FOR EACH STATEMENT EXECUTE FUNCTION gm._config_changed();
INSERT INTO gm.followup_setting(one, calendar, time_zone, top_role, origin) VALUES
    (true, NULL, 'Asia/Shanghai', NULL, 'shipped');

INSERT INTO gm.parameter(name, value, unit, domain, source, origin) VALUES
    ('followup_callback_after_days', 30, 'days',   'followup', 'seed 003: 对已处理的投诉客户进行30天后的满意度回访 (satisfaction call-back order opened this long after a complaint is closed)', 'shipped'),
    ('followup_repeat_window_days',  30, 'days',   'followup', 'ours: a complaint within this many days after the customer''s previous one is a repeat (seed 003 counts the repeat rate 重复投诉率 without a window)', 'shipped'),
    ('followup_renewal_lead_days',   15, 'days',   'followup', 'seed 000 §5.3: 到期前15天推送 (renewal reminder this long before the contract expires)', 'shipped'),
    ('followup_top_level',           3,  'levels', 'followup', 'seed 003: 三级问题解决路径 (执行层协商→总监级协调→VP级决策): the highest escalation level', 'shipped');
-- the churn warning's silence is tiering's at-risk threshold, lifecycle_at_risk_days: one row
-- for both, shipped by the tiering section

-- the settings in force: the row of gm.followup_setting
CREATE FUNCTION gm.followup_settings() RETURNS gm.followup_setting
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s FROM gm.followup_setting s
$$;
COMMENT ON FUNCTION gm.followup_settings() IS
    'The follow-up settings in force: the row of gm.followup_setting';

-- the work orders ------------------------------------------------------------------------------
CREATE TABLE gm.followup (
    followup_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_key  text COLLATE "C" NOT NULL,     -- keys: byte order, cheap to index
    grid_id       bigint,
    event         text COLLATE "C" NOT NULL,
    tier          text COLLATE "C" NOT NULL,
    state         gm.followup_state NOT NULL DEFAULT 'new',
    assignee      name,
    assignee_duty text,
    opened_at     timestamptz NOT NULL,
    dispatched_at timestamptz,
    responded_at  timestamptz,
    resolved_at   timestamptz,
    verified_at   timestamptz,
    closed_at     timestamptz,
    cancelled_at  timestamptz,
    reopened_at   timestamptz,
    due_slot      date,
    planned_due   timestamptz,
    parent_id     bigint,
    repeat_of     bigint,
    outcome       text,
    satisfaction  smallint CHECK (satisfaction BETWEEN 1 AND 5),
    note          text
);
COMMENT ON TABLE gm.followup IS
    'Follow-up work orders (跟进工单): customer key, grid, event, tier, state, assignee and the time of each state; changed only through gm.open_followup, gm.dispatch, gm.respond, gm.resolve, gm.verify, gm.close, gm.cancel, gm.reopen';
SELECT pg_catalog.pg_extension_config_dump('gm.followup', '');
SELECT pg_catalog.pg_extension_config_dump('gm.followup_followup_id_seq', '');
-- one order per customer, event and planned slot (NULL slots never conflict); also serves
-- the look-ups by customer and event (repeat complaints)
CREATE UNIQUE INDEX followup_slot_key ON gm.followup (customer_key, event, due_slot);
CREATE INDEX followup_grid_idx ON gm.followup (grid_id);

CREATE TABLE gm.followup_history (
    history_id  bigint GENERATED ALWAYS AS IDENTITY,   -- unique by construction; no index to keep bulk planning fast
    followup_id bigint NOT NULL,
    at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    by_role     name NOT NULL,
    from_state  gm.followup_state,
    to_state    gm.followup_state NOT NULL,
    assignee    name,
    note        text
);
COMMENT ON TABLE gm.followup_history IS
    'Permanent history of every state change of a follow-up work order: who, when, from, to, assignee, note (append-only)';
SELECT pg_catalog.pg_extension_config_dump('gm.followup_history', '');
SELECT pg_catalog.pg_extension_config_dump('gm.followup_history_history_id_seq', '');
CREATE INDEX followup_history_order_idx ON gm.followup_history (followup_id, history_id);

CREATE FUNCTION gm._followup_history_append_only() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gm AS $$
BEGIN
    RAISE EXCEPTION 'gm.followup_history is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
COMMENT ON FUNCTION gm._followup_history_append_only() IS
    'Internal: trigger keeping gm.followup_history append-only';
CREATE TRIGGER followup_history_append_only BEFORE UPDATE OR DELETE ON gm.followup_history
    FOR EACH ROW EXECUTE FUNCTION gm._followup_history_append_only();
CREATE TRIGGER followup_history_no_truncate BEFORE TRUNCATE ON gm.followup_history
    FOR EACH STATEMENT EXECUTE FUNCTION gm._followup_history_append_only();

-- who acts: the person named by gm.set_actor for this transaction, else the login (gm.actor)
CREATE FUNCTION gm.followup_actor() RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT gm.actor() $$;
COMMENT ON FUNCTION gm.followup_actor() IS
    'Who acts on follow-up orders and work logs: gm.actor() (the person named by gm.set_actor in this transaction, else the login)';

CREATE FUNCTION gm._followup_tz() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT (gm.followup_settings()).time_zone $$;
COMMENT ON FUNCTION gm._followup_tz() IS 'Internal: time zone of the follow-up settings';

-- deadlines: the SLA policies and business calendars of section 20 ----------------------------
-- The follow-up calendar: the setting's calendar, by default the official mainland calendar 'cn'
-- with plain Mon-Fri weeks outside the years it has official data for (so that an order of next
-- year gets a due time instead of an error).  Read from the calendar section's table of compiled
-- calendars (the by-name lookup gm.calendar() is PARALLEL RESTRICTED; this runs in workers too).
CREATE FUNCTION gm._followup_calendar() RETURNS gm.calendar
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    v_name text := (gm.followup_settings()).calendar;
    v_text text;
BEGIN
    SELECT c.value INTO v_text FROM gm.calendar_compiled c WHERE c.name = COALESCE(v_name, 'cn');
    IF NOT FOUND THEN
        RETURN gm.calendar(COALESCE(v_name, 'cn'));   -- raises 42704 naming the unknown calendar
    END IF;
    IF v_name IS NULL AND pg_catalog.strpos(v_text, '|outside=') = 0 THEN
        v_text := v_text || '|outside=plain';
    END IF;
    RETURN v_text::gm.calendar;
END $$;
COMMENT ON FUNCTION gm._followup_calendar() IS
    'Internal: the business calendar of follow-ups (setting calendar; NULL: cn with plain weeks outside its official years)';

-- the policy in force for every follow-up event and tier, resolved once per query by
-- gm.sla_policy_for (the tier's own row, else tier '*'); events without a policy use the
-- deadline of gm.followup_event (calendar time)
CREATE FUNCTION gm.followup_policy()
    RETURNS TABLE(event text, tier text, sla_event text, sla_tier text, unit text, amount interval,
                  days integer, times_per_period integer, warn_fraction numeric, escalation_step interval,
                  calendar gm.calendar, unit_code integer, per_time interval, warn_float float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gm AS $$
DECLARE
    e gm.followup_event;
    t text;
    p record;
    v_cal gm.calendar := gm._followup_calendar();
    v_specific text[];
    v_has_base boolean;
    v_found boolean;
    base record;
BEGIN
    -- (event, tier) pairs with rows of their own; every other tier takes the event's '*' policy,
    -- which gm.sla_policy_for resolves the same way for any tier without rows of its own
    SELECT pg_catalog.array_agg(DISTINCT q.event || '|' || q.tier) INTO v_specific
    FROM gm.sla_policy q WHERE q.tier <> '*';
    FOR e IN SELECT * FROM gm.followup_event x ORDER BY x.event LOOP
        v_has_base := e.sla_event IS NOT NULL AND EXISTS (
            SELECT 1 FROM gm.sla_policy q WHERE q.event = e.sla_event AND q.tier = '*' AND q.enabled);
        IF v_has_base THEN
            base := gm.sla_policy_for(e.sla_event, NULL);
        END IF;
        FOR t IN SELECT x.tier FROM gm.followup_tier x ORDER BY x.tier LOOP
            v_found := false;
            IF e.sla_event IS NOT NULL AND (e.sla_event || '|' || t) = ANY (v_specific) THEN
                IF v_has_base OR EXISTS (
                       SELECT 1 FROM gm.sla_policy q WHERE q.event = e.sla_event AND q.tier = t AND q.enabled) THEN
                    p := gm.sla_policy_for(e.sla_event, t);
                    v_found := true;
                END IF;
            ELSIF v_has_base THEN
                p := base;
                v_found := true;
            END IF;
            IF v_found THEN
                event := e.event; tier := t; sla_event := p.event; sla_tier := p.tier; unit := p.unit;
                amount := p.amount; days := pg_catalog.date_part('day', p.amount)::integer;
                times_per_period := p.times_per_period; warn_fraction := p.warn_fraction;
                escalation_step := p.escalation_step;
            ELSE
                event := e.event; tier := t; sla_event := NULL; sla_tier := NULL; unit := 'calendar_time';
                amount := e.default_due; days := NULL; times_per_period := 1;
                warn_fraction := e.warn_fraction::numeric; escalation_step := e.escalation_step;
            END IF;
            calendar := v_cal;
            -- for the view: the unit as a small number, the calendar-time allowance per occurrence
            unit_code := CASE unit WHEN 'calendar_time' THEN 1 WHEN 'working_days' THEN 2
                                   WHEN 'working_time' THEN 3 WHEN 'before_date' THEN 4 END;
            per_time := amount / times_per_period;
            warn_float := warn_fraction::float8;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END $$;
ALTER FUNCTION gm.followup_policy() ROWS 120;
COMMENT ON FUNCTION gm.followup_policy() IS
    'The deadline policy in force for every follow-up event and tier: the SLA policy of gm.sla_policy (via gm.sla_policy_for), else the event''s own default; with the follow-up calendar';


CREATE FUNCTION gm._followup_workday(day date, n integer) RETURNS date
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT gm.add_working_days($1, $2, gm._followup_calendar())
$$;
COMMENT ON FUNCTION gm._followup_workday(date, integer) IS
    'Internal: gm.add_working_days on the follow-up calendar (n = 0: the day if a workday, else the next one)';

-- routing ---------------------------------------------------------------------------------------
-- candidates of a grid's team for an event on a day: the members whose duty fits the event
-- (in member_id order) and the grid manager
CREATE FUNCTION gm.followup_route_candidates(grid_id bigint, event text, day date,
                                             OUT members name[], OUT manager name)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (SELECT pg_catalog.array_agg(m.role_name ORDER BY m.member_id)
            FROM gm.grid_member m JOIN gm.followup_event e ON e.duty = m.duty
            WHERE e.event = $2 AND m.grid_id = $1 AND $3 >= m.valid_from AND $3 < m.valid_to),
           (SELECT m.role_name FROM gm.grid_member m
            WHERE m.grid_id = $1 AND m.duty = 'manager' AND $3 >= m.valid_from AND $3 < m.valid_to
            ORDER BY m.member_id LIMIT 1)
$$;
COMMENT ON FUNCTION gm.followup_route_candidates(bigint, text, date) IS
    'Routing candidates on a day: the grid members whose duty fits the event (gm.followup_event.duty), and the grid manager';

-- one member among several fitting ones: always the same for a customer (客户经理负责制)
CREATE FUNCTION gm._followup_pick(members name[], customer_key text) RETURNS name
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT $1[1 + ((pg_catalog.hashtext($2)::bigint & 2147483647) % pg_catalog.cardinality($1))::int]
$$;
COMMENT ON FUNCTION gm._followup_pick(name[], text) IS
    'Internal: the member of a non-empty list who serves a customer (stable hash of the customer key)';

CREATE FUNCTION gm.followup_route(grid_id bigint, event text, customer_key text, day date,
                                  OUT assignee name, OUT assignee_duty text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN r.members IS NOT NULL THEN gm._followup_pick(r.members, $3) ELSE r.manager END,
           CASE WHEN r.members IS NOT NULL THEN (SELECT e.duty FROM gm.followup_event e WHERE e.event = $2)
                WHEN r.manager IS NOT NULL THEN 'manager' END
    FROM gm.followup_route_candidates($1, $2, $4) r
$$;
COMMENT ON FUNCTION gm.followup_route(bigint, text, text, date) IS
    'Who gets a follow-up: the grid member whose duty fits the event on that day (several: the same one for a customer), else the grid manager, else NULL';

-- the manager responsible at an escalation level: 1 the grid manager, 2 the nearest manager up
-- the grid tree (region), 3 the top role of the settings (default: the manager of the tree's root)
CREATE FUNCTION gm.followup_escalation_target(grid_id bigint, level integer, day date) RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE up AS (
        SELECT g.grid_id, g.parent_id, 0 AS depth FROM gm.grid g WHERE g.grid_id = $1
        UNION ALL
        SELECT g.grid_id, g.parent_id, up.depth + 1 FROM gm.grid g JOIN up ON g.grid_id = up.parent_id
        WHERE up.depth < 100
    ), mgr AS (
        SELECT up.depth, up.parent_id IS NULL AS is_root,
               (SELECT m.role_name FROM gm.grid_member m
                WHERE m.grid_id = up.grid_id AND m.duty = 'manager' AND $3 >= m.valid_from AND $3 < m.valid_to
                ORDER BY m.member_id LIMIT 1) AS role_name
        FROM up
    )
    SELECT CASE
        WHEN $2 IS NULL OR $2 <= 0 THEN NULL
        WHEN $2 = 1 THEN (SELECT role_name FROM mgr WHERE depth = 0)
        WHEN $2 = 2 THEN (SELECT role_name FROM mgr WHERE depth > 0 AND role_name IS NOT NULL ORDER BY depth LIMIT 1)
        ELSE COALESCE((gm.followup_settings()).top_role,
                      (SELECT role_name FROM mgr WHERE is_root))
    END
$$;
COMMENT ON FUNCTION gm.followup_escalation_target(bigint, integer, date) IS
    'Who an order escalates to: level 1 the grid manager, 2 the region manager (nearest up the tree), 3 the top role (setting, default the root manager)';

-- status at query time ----------------------------------------------------------------------------
-- One C call per row (src/followup_status.c) computes an order's due time, light or escalation level
-- from the policy of its event and tier as gm.followup_policy() resolves it, kept in a per-backend
-- cache rebuilt when a table behind it changes: no join, the calendar compiled once.
CREATE FUNCTION gm._followup_due_of(event text, tier text, started timestamptz, planned_due timestamptz)
    RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gm_followup_due_of'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_due_of(text, text, timestamptz, timestamptz) IS
    'Internal: due time of a follow-up from the policy of its event and tier (gm.followup_policy()): its planned due, else the policy applied from started on the follow-up calendar';
CREATE FUNCTION gm._followup_light_of(state gm.followup_state, event text, tier text, opened_at timestamptz,
                                      reopened_at timestamptz, planned_due timestamptz, responded_at timestamptz)
    RETURNS gm.light
    AS 'MODULE_PATHNAME', 'gm_followup_light_of'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_light_of(gm.followup_state, text, text, timestamptz, timestamptz, timestamptz, timestamptz) IS
    'Internal: light of a follow-up (NULL when cancelled) now or when it was responded to (gm.followup_light from its start, reopened_at else opened_at, to responded_at else now(), of its due time from gm._followup_due_of, with the policy''s warn fraction)';
CREATE FUNCTION gm._followup_level_of(state gm.followup_state, event text, tier text, opened_at timestamptz,
                                      reopened_at timestamptz, planned_due timestamptz, responded_at timestamptz,
                                      top integer)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_followup_level_of'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_level_of(gm.followup_state, text, text, timestamptz, timestamptz, timestamptz, timestamptz, integer) IS
    'Internal: escalation level of a follow-up (0 when cancelled) now or when it was responded to (gm.escalation_level of its due time from gm._followup_due_of at responded_at else now(), with the policy''s step)';
CREATE FUNCTION gm._followup_sla_event_of(event text, tier text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_followup_sla_event_of'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_sla_event_of(text, text) IS
    'Internal: the SLA event whose policy a follow-up event and tier follow (NULL: the event''s own default)';
CREATE FUNCTION gm._followup_warn_fraction_of(event text, tier text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'gm_followup_warn_fraction_of'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_warn_fraction_of(text, text) IS
    'Internal: the warn fraction of the policy of a follow-up event and tier';
CREATE FUNCTION gm._followup_escalation_step_of(event text, tier text) RETURNS interval
    AS 'MODULE_PATHNAME', 'gm_followup_escalation_step_of'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gm._followup_escalation_step_of(text, text) IS
    'Internal: the escalation step of the policy of a follow-up event and tier';

CREATE VIEW gm._followup_status_rows WITH (security_invoker = true) AS
SELECT f.followup_id, f.customer_key, f.grid_id, f.event, f.tier, f.state, f.assignee, f.assignee_duty,
       COALESCE(f.reopened_at, f.opened_at) AS started_at,
       gm._followup_due_of(f.event, f.tier, COALESCE(f.reopened_at, f.opened_at), f.planned_due) AS due,
       f.responded_at AS done_at,
       gm._followup_light_of(f.state, f.event, f.tier, f.opened_at, f.reopened_at, f.planned_due,
                             f.responded_at) AS light,
       gm._followup_level_of(f.state, f.event, f.tier, f.opened_at, f.reopened_at, f.planned_due,
                             f.responded_at, (SELECT gm.param('followup_top_level')::integer)) AS escalation_level,
       gm._followup_sla_event_of(f.event, f.tier) COLLATE pg_catalog."default" AS sla_event,
       gm._followup_warn_fraction_of(f.event, f.tier) AS warn_fraction,
       gm._followup_escalation_step_of(f.event, f.tier) AS escalation_step,
       f.state IN ('new', 'dispatched', 'responded', 'reopened') AS is_open,
       f.opened_at, f.responded_at, f.resolved_at, f.closed_at, f.repeat_of, f.parent_id,
       pg_catalog.round(EXTRACT(epoch FROM gm._followup_escalation_step_of(f.event, f.tier)) / 3600, 2) AS escalation_step_hours
FROM gm.followup f;
COMMENT ON VIEW gm._followup_status_rows IS
    'Internal: the rows of gm.followup_status (read that view)';
GRANT SELECT ON gm._followup_status_rows TO PUBLIC;

-- The view is those rows and an empty branch.  A GROUP BY on the light (an expression over the
-- order's times) is estimated by PostgreSQL as one group per order, which makes a parallel plan
-- look useless; over a UNION ALL it estimates the output column like any column without statistics
-- (a few hundred groups), so grouped reads run in parallel.  The planner drops the empty branch;
-- the rows are read by one scan of gm.followup with the filters pushed into it.
CREATE VIEW gm.followup_status AS
SELECT * FROM gm._followup_status_rows
UNION ALL
SELECT * FROM gm._followup_status_rows WHERE false;
COMMENT ON VIEW gm.followup_status IS
    'Every follow-up order with its due time, light and escalation level computed now from the SLA policies and the business calendar';
COMMENT ON COLUMN gm.followup_status.followup_id IS 'The order';
COMMENT ON COLUMN gm.followup_status.customer_key IS 'The customer (key of the CRMs customer table, as text)';
COMMENT ON COLUMN gm.followup_status.grid_id IS 'The grid the order belongs to';
COMMENT ON COLUMN gm.followup_status.event IS 'Follow-up event (gm.followup_event)';
COMMENT ON COLUMN gm.followup_status.tier IS 'Customer tier (gm.followup_tier)';
COMMENT ON COLUMN gm.followup_status.state IS 'Work-order state';
COMMENT ON COLUMN gm.followup_status.assignee IS 'The role the order is routed to';
COMMENT ON COLUMN gm.followup_status.assignee_duty IS 'The duty it was routed by (or manager)';
COMMENT ON COLUMN gm.followup_status.started_at IS 'Start of the current deadline: reopened_at, else opened_at';
COMMENT ON COLUMN gm.followup_status.due IS 'Due time: the planned due time, else the SLA policy applied from started_at on the follow-up calendar';
COMMENT ON COLUMN gm.followup_status.done_at IS 'When it was responded to (NULL while not)';
COMMENT ON COLUMN gm.followup_status.light IS 'green / yellow / red against the due time, now or at the response; NULL when cancelled';
COMMENT ON COLUMN gm.followup_status.escalation_level IS '0 on time, 1 overdue, +1 per further escalation step, capped at the parameter followup_top_level; 0 when cancelled';
COMMENT ON COLUMN gm.followup_status.sla_event IS 'The SLA event whose policy applies (NULL: the events own default)';
COMMENT ON COLUMN gm.followup_status.warn_fraction IS 'Share of the allowed time after which the light turns yellow';
COMMENT ON COLUMN gm.followup_status.escalation_step IS 'Overdue time per further escalation level';
COMMENT ON COLUMN gm.followup_status.is_open IS 'true for new, dispatched, responded and reopened orders';
COMMENT ON COLUMN gm.followup_status.opened_at IS 'When the order was opened';
COMMENT ON COLUMN gm.followup_status.responded_at IS 'When it was responded to';
COMMENT ON COLUMN gm.followup_status.resolved_at IS 'When it was resolved';
COMMENT ON COLUMN gm.followup_status.closed_at IS 'When it was closed';
COMMENT ON COLUMN gm.followup_status.repeat_of IS 'The earlier order this one repeats (complaints)';
COMMENT ON COLUMN gm.followup_status.parent_id IS 'The order this one was split from';
COMMENT ON COLUMN gm.followup_status.escalation_step_hours IS 'escalation_step in hours (numeric)';

CREATE VIEW gm.followup_escalated AS
SELECT s.followup_id, s.customer_key, s.grid_id, s.event, s.state, s.assignee, s.due, s.escalation_level,
       gm.followup_escalation_target(s.grid_id, s.escalation_level,
                                     (pg_catalog.now() AT TIME ZONE gm._followup_tz())::date) AS escalate_to,
       g.code AS grid_code, g.name AS grid_name
FROM gm.followup_status s LEFT JOIN gm.grid g ON g.grid_id = s.grid_id
WHERE s.escalation_level > 0 AND s.state IN ('new', 'dispatched', 'reopened');
COMMENT ON VIEW gm.followup_escalated IS
    'Open orders not yet responded to and overdue, with their escalation level and the manager they escalate to';
COMMENT ON COLUMN gm.followup_escalated.followup_id IS 'The order';
COMMENT ON COLUMN gm.followup_escalated.customer_key IS 'The customer';
COMMENT ON COLUMN gm.followup_escalated.grid_id IS 'Its grid';
COMMENT ON COLUMN gm.followup_escalated.event IS 'Follow-up event';
COMMENT ON COLUMN gm.followup_escalated.state IS 'Work-order state';
COMMENT ON COLUMN gm.followup_escalated.assignee IS 'Who has it';
COMMENT ON COLUMN gm.followup_escalated.due IS 'Its due time';
COMMENT ON COLUMN gm.followup_escalated.escalation_level IS 'Its escalation level (1 grid manager, 2 region manager, 3 top)';
COMMENT ON COLUMN gm.followup_escalated.escalate_to IS 'The manager it escalates to today';
COMMENT ON COLUMN gm.followup_escalated.grid_code IS 'Code of the grid';
COMMENT ON COLUMN gm.followup_escalated.grid_name IS 'Name of the grid';

CREATE VIEW gm.followup_unrouted AS
SELECT f.followup_id, f.customer_key, f.grid_id, f.event, f.tier, f.state, f.opened_at,
       CASE WHEN f.grid_id IS NULL THEN 'no grid'
            WHEN g.grid_id IS NULL THEN 'grid does not exist'
            ELSE 'no fitting member and no grid manager' END AS reason,
       g.code AS grid_code, g.name AS grid_name
FROM gm.followup f LEFT JOIN gm.grid g ON g.grid_id = f.grid_id
WHERE f.state IN ('new', 'reopened') AND f.assignee IS NULL;
COMMENT ON VIEW gm.followup_unrouted IS
    'Orders no one could be routed to (no grid, no fitting member and no grid manager): kept in state new and reported here';
COMMENT ON COLUMN gm.followup_unrouted.followup_id IS 'The order';
COMMENT ON COLUMN gm.followup_unrouted.customer_key IS 'The customer';
COMMENT ON COLUMN gm.followup_unrouted.grid_id IS 'Its grid (NULL: none)';
COMMENT ON COLUMN gm.followup_unrouted.event IS 'Follow-up event';
COMMENT ON COLUMN gm.followup_unrouted.tier IS 'Customer tier';
COMMENT ON COLUMN gm.followup_unrouted.state IS 'Work-order state (new or reopened)';
COMMENT ON COLUMN gm.followup_unrouted.opened_at IS 'When it was opened';
COMMENT ON COLUMN gm.followup_unrouted.reason IS 'Why no one has it: no grid, grid does not exist, no fitting member and no grid manager';
COMMENT ON COLUMN gm.followup_unrouted.grid_code IS 'Code of the grid';
COMMENT ON COLUMN gm.followup_unrouted.grid_name IS 'Name of the grid';

-- state changes ---------------------------------------------------------------------------------
CREATE FUNCTION gm._followup_fail_null(what text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION '% must not be NULL', what USING ERRCODE = 'null_value_not_allowed';
END $$;
COMMENT ON FUNCTION gm._followup_fail_null(text) IS 'Internal: raises 22004 naming the NULL argument';

-- lock the order, check the transition, record it, set the state and its time
CREATE FUNCTION gm._followup_move(p_id bigint, p_to gm.followup_state, p_at timestamptz, p_note text,
                                  p_assignee name DEFAULT NULL, p_duty text DEFAULT NULL)
    RETURNS gm.followup
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    f gm.followup;
BEGIN
    IF p_id IS NULL THEN PERFORM gm._followup_fail_null('followup_id'); END IF;
    IF p_at IS NULL THEN PERFORM gm._followup_fail_null('at'); END IF;
    SELECT * INTO f FROM gm.followup WHERE followup_id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'follow-up % does not exist', p_id USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT gm._may_act_on_grid(f.grid_id) THEN
        RAISE EXCEPTION 'permission denied for follow-up %: it belongs to grid %, outside the grids of %', p_id, f.grid_id, gm.actor()
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Work orders are grid-scoped: members act on their grids, region managers on the grids below the region, gm_admin on all.';
    END IF;
    PERFORM gm._followup_check_transition(p_id, f.state, p_to);
    INSERT INTO gm.followup_history(followup_id, at, by_role, from_state, to_state, assignee, note)
    VALUES (p_id, p_at, gm.followup_actor(), f.state, p_to, COALESCE(p_assignee, f.assignee), p_note);
    UPDATE gm.followup u SET
        state         = p_to,
        assignee      = COALESCE(p_assignee, u.assignee),
        assignee_duty = CASE WHEN p_assignee IS NOT NULL THEN p_duty ELSE u.assignee_duty END,
        dispatched_at = CASE WHEN p_to = 'dispatched' THEN p_at ELSE u.dispatched_at END,
        responded_at  = CASE WHEN p_to = 'responded' THEN p_at WHEN p_to = 'reopened' THEN NULL ELSE u.responded_at END,
        resolved_at   = CASE WHEN p_to = 'resolved' THEN p_at WHEN p_to = 'reopened' THEN NULL ELSE u.resolved_at END,
        verified_at   = CASE WHEN p_to = 'verified' THEN p_at WHEN p_to = 'reopened' THEN NULL ELSE u.verified_at END,
        closed_at     = CASE WHEN p_to = 'closed' THEN p_at WHEN p_to = 'reopened' THEN NULL ELSE u.closed_at END,
        cancelled_at  = CASE WHEN p_to = 'cancelled' THEN p_at WHEN p_to = 'reopened' THEN NULL ELSE u.cancelled_at END,
        reopened_at   = CASE WHEN p_to = 'reopened' THEN p_at ELSE u.reopened_at END
    WHERE u.followup_id = p_id
    RETURNING u.* INTO f;
    RETURN f;
END $$;
COMMENT ON FUNCTION gm._followup_move(bigint, gm.followup_state, timestamptz, text, name, text) IS
    'Internal: locks a follow-up (FOR UPDATE), checks the transition (55000), records the history and sets the state and its time';
REVOKE ALL ON FUNCTION gm._followup_move(bigint, gm.followup_state, timestamptz, text, name, text) FROM PUBLIC;

-- create an order and route it (no privilege checks: called by the public functions)
CREATE FUNCTION gm._followup_create(p_customer text, p_grid bigint, p_event text, p_tier text,
                                    p_opened timestamptz, p_note text, p_parent bigint DEFAULT NULL)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    v_id bigint;
    v_repeat bigint;
    v_set gm.followup_setting := gm.followup_settings();
    r record;
BEGIN
    IF p_customer IS NULL THEN PERFORM gm._followup_fail_null('customer_key'); END IF;
    IF p_event IS NULL THEN PERFORM gm._followup_fail_null('event'); END IF;
    IF p_tier IS NULL THEN PERFORM gm._followup_fail_null('tier'); END IF;
    IF p_opened IS NULL THEN PERFORM gm._followup_fail_null('opened_at'); END IF;
    IF NOT EXISTS (SELECT 1 FROM gm.followup_event e WHERE e.event = p_event) THEN
        RAISE EXCEPTION 'unknown follow-up event "%"', p_event USING ERRCODE = 'undefined_object',
            HINT = 'Events are the rows of gm.followup_event.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM gm.followup_tier t WHERE t.tier = p_tier) THEN
        RAISE EXCEPTION 'unknown customer tier "%"', p_tier USING ERRCODE = 'undefined_object',
            HINT = 'Tiers are the rows of gm.followup_tier.';
    END IF;
    IF p_grid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM gm.grid g WHERE g.grid_id = p_grid) THEN
        RAISE EXCEPTION 'grid % does not exist', p_grid USING ERRCODE = 'undefined_object';
    END IF;
    -- an order without grid goes to the unrouted queue; one of a grid needs that grid's scope
    IF p_grid IS NOT NULL AND NOT gm._may_act_on_grid(p_grid) THEN
        RAISE EXCEPTION 'permission denied for grid %: % may not open work orders there', p_grid, gm.actor()
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Work orders are grid-scoped: members act on their grids, region managers on the grids below the region, gm_admin on all.';
    END IF;
    IF p_event = 'complaint' THEN
        -- a repeat complaint: the same customer complained within the repeat window before
        SELECT f.followup_id INTO v_repeat FROM gm.followup f
        WHERE f.customer_key = p_customer AND f.event = 'complaint' AND f.state <> 'cancelled'
          AND f.opened_at <= p_opened AND f.opened_at > p_opened - gm.param('followup_repeat_window_days') * interval '1 day'
        ORDER BY f.opened_at DESC, f.followup_id DESC LIMIT 1;
    END IF;
    INSERT INTO gm.followup(customer_key, grid_id, event, tier, state, opened_at, parent_id, repeat_of, note)
    VALUES (p_customer, p_grid, p_event, p_tier, 'new', p_opened, p_parent, v_repeat, p_note)
    RETURNING followup_id INTO v_id;
    INSERT INTO gm.followup_history(followup_id, at, by_role, from_state, to_state, note)
    VALUES (v_id, p_opened, gm.followup_actor(), NULL, 'new',
            CASE WHEN v_repeat IS NOT NULL THEN 'repeat complaint of ' || v_repeat ELSE p_note END);
    SELECT * INTO r FROM gm.followup_route(p_grid, p_event, p_customer, (p_opened AT TIME ZONE v_set.time_zone)::date);
    IF r.assignee IS NOT NULL THEN
        PERFORM gm._followup_move(v_id, 'dispatched', p_opened,
                                  format('routed to %s (%s)', r.assignee, r.assignee_duty), r.assignee, r.assignee_duty);
    END IF;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION gm._followup_create(text, bigint, text, text, timestamptz, text, bigint) IS
    'Internal: creates a follow-up in state new, flags repeat complaints, routes and dispatches it when someone fits';
REVOKE ALL ON FUNCTION gm._followup_create(text, bigint, text, text, timestamptz, text, bigint) FROM PUBLIC;

CREATE FUNCTION gm.open_followup(customer_key text, grid_id bigint, event text, tier text DEFAULT 'standard',
                                 opened_at timestamptz DEFAULT pg_catalog.now(), note text DEFAULT NULL)
    RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
    SELECT gm._followup_create($1, $2, $3, $4, $5, $6)
$$;
COMMENT ON FUNCTION gm.open_followup(text, bigint, text, text, timestamptz, text) IS
    'Opens a follow-up work order for a customer of a grid and dispatches it to the team member whose duty fits the event (else the grid manager; else it stays new and shows in gm.followup_unrouted); returns its id';

CREATE FUNCTION gm.open_followup(customer_key text, location geometry, event text, tier text DEFAULT 'standard',
                                 opened_at timestamptz DEFAULT pg_catalog.now(), note text DEFAULT NULL)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    v_grid bigint;
BEGIN
    IF location IS NOT NULL THEN
        v_grid := gm.assign_grid(location);
    END IF;
    RETURN gm._followup_create(customer_key, v_grid, event, tier, opened_at, note);
END $$;
COMMENT ON FUNCTION gm.open_followup(text, geometry, text, text, timestamptz, text) IS
    'Opens a follow-up for a customer at a location: the grid comes from gm.assign_grid (no grid: the order stays new and shows in gm.followup_unrouted)';

CREATE FUNCTION gm.dispatch(followup_id bigint, assignee name DEFAULT NULL, note text DEFAULT NULL,
                            at timestamptz DEFAULT pg_catalog.now())
    RETURNS gm.followup_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    f gm.followup;
    v_assignee name;
    v_duty text;
BEGIN
    IF dispatch.followup_id IS NULL THEN PERFORM gm._followup_fail_null('followup_id'); END IF;
    IF dispatch.at IS NULL THEN PERFORM gm._followup_fail_null('at'); END IF;
    SELECT * INTO f FROM gm.followup x WHERE x.followup_id = dispatch.followup_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'follow-up % does not exist', dispatch.followup_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM gm._followup_check_transition(f.followup_id, f.state, 'dispatched');
    IF dispatch.assignee IS NOT NULL THEN
        v_assignee := dispatch.assignee;
        SELECT m.duty INTO v_duty FROM gm.grid_member m
        WHERE m.grid_id = f.grid_id AND m.role_name = dispatch.assignee ORDER BY m.valid_to DESC, m.member_id LIMIT 1;
    ELSE
        SELECT r.assignee, r.assignee_duty INTO v_assignee, v_duty
        FROM gm.followup_route(f.grid_id, f.event, f.customer_key, (dispatch.at AT TIME ZONE gm._followup_tz())::date) r;
        IF v_assignee IS NULL THEN
            RAISE EXCEPTION 'no one to dispatch follow-up % to: grid % has no member for event "%" and no manager',
                f.followup_id, COALESCE(f.grid_id::text, '(none)'), f.event
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
    END IF;
    RETURN (gm._followup_move(f.followup_id, 'dispatched', dispatch.at,
                              COALESCE(dispatch.note, format('routed to %s (%s)', v_assignee, COALESCE(v_duty, 'no duty in the grid'))),
                              v_assignee, v_duty)).state;
END $$;
COMMENT ON FUNCTION gm.dispatch(bigint, name, text, timestamptz) IS
    'Dispatches a new or reopened follow-up: to the given role, else by routing; 55000 when the state does not allow it or no one fits';

CREATE FUNCTION gm.respond(followup_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT pg_catalog.now())
    RETURNS gm.followup_state
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
    SELECT (gm._followup_move($1, 'responded', $3, $2)).state
$$;
COMMENT ON FUNCTION gm.respond(bigint, text, timestamptz) IS
    'Records the first response (contact, visit) of a dispatched follow-up; this is the time the SLA measures';

CREATE FUNCTION gm.resolve(followup_id bigint, outcome text DEFAULT NULL, note text DEFAULT NULL,
                           at timestamptz DEFAULT pg_catalog.now())
    RETURNS gm.followup_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE s gm.followup_state;
BEGIN
    s := (gm._followup_move(followup_id, 'resolved', at, note)).state;
    UPDATE gm.followup f SET outcome = resolve.outcome WHERE f.followup_id = resolve.followup_id;
    RETURN s;
END $$;
COMMENT ON FUNCTION gm.resolve(bigint, text, text, timestamptz) IS
    'Marks a responded follow-up resolved, with its outcome';

CREATE FUNCTION gm.verify(followup_id bigint, satisfaction integer DEFAULT NULL, note text DEFAULT NULL,
                          at timestamptz DEFAULT pg_catalog.now())
    RETURNS gm.followup_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE s gm.followup_state;
BEGIN
    IF satisfaction IS NOT NULL AND satisfaction NOT BETWEEN 1 AND 5 THEN
        RAISE EXCEPTION 'satisfaction must be between 1 and 5, not %', satisfaction
            USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    s := (gm._followup_move(followup_id, 'verified', at, note)).state;
    UPDATE gm.followup f SET satisfaction = verify.satisfaction WHERE f.followup_id = verify.followup_id;
    RETURN s;
END $$;
COMMENT ON FUNCTION gm.verify(bigint, integer, text, timestamptz) IS
    'Verifies a resolved follow-up (the customer confirms), with a satisfaction score 1-5';

CREATE FUNCTION gm.close(followup_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT pg_catalog.now())
    RETURNS gm.followup_state
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    f gm.followup;
BEGIN
    f := gm._followup_move(followup_id, 'closed', at, note);
    -- a closed complaint gets its satisfaction call-back (seed 003: 30 days after closing), once
    IF f.event = 'complaint' AND NOT EXISTS (SELECT 1 FROM gm.followup c
                                             WHERE c.parent_id = f.followup_id AND c.event = 'satisfaction_callback') THEN
        PERFORM gm._followup_create(f.customer_key, f.grid_id, 'satisfaction_callback', f.tier,
                                    at + gm.param('followup_callback_after_days') * interval '1 day',
                                    'satisfaction call-back of complaint ' || f.followup_id, f.followup_id);
    END IF;
    RETURN f.state;
END $$;
COMMENT ON FUNCTION gm.close(bigint, text, timestamptz) IS
    'Closes a verified follow-up; a closed complaint gets a satisfaction call-back order opened 30 days later (parameter followup_callback_after_days)';

CREATE FUNCTION gm.cancel(followup_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT pg_catalog.now())
    RETURNS gm.followup_state
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
    SELECT (gm._followup_move($1, 'cancelled', $3, $2)).state
$$;
COMMENT ON FUNCTION gm.cancel(bigint, text, timestamptz) IS 'Cancels a follow-up that is not closed';

CREATE FUNCTION gm.reopen(followup_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT pg_catalog.now())
    RETURNS gm.followup_state
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
    SELECT (gm._followup_move($1, 'reopened', $3, $2)).state
$$;
COMMENT ON FUNCTION gm.reopen(bigint, text, timestamptz) IS
    'Reopens a resolved, verified, closed or cancelled follow-up: its SLA clock restarts at the reopening; dispatch it again';

CREATE FUNCTION gm.reroute_followups(grid_id bigint DEFAULT NULL, at timestamptz DEFAULT pg_catalog.now())
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    f gm.followup;
    r record;
    n integer := 0;
    v_day date := (at AT TIME ZONE gm._followup_tz())::date;
BEGIN
    IF at IS NULL THEN PERFORM gm._followup_fail_null('at'); END IF;
    FOR f IN SELECT * FROM gm.followup x
             WHERE x.state IN ('new', 'dispatched', 'responded', 'reopened')
               AND (reroute_followups.grid_id IS NULL OR x.grid_id = reroute_followups.grid_id)
             ORDER BY x.followup_id FOR UPDATE
    LOOP
        SELECT * INTO r FROM gm.followup_route(f.grid_id, f.event, f.customer_key, v_day);
        CONTINUE WHEN r.assignee IS NULL OR r.assignee IS NOT DISTINCT FROM f.assignee;
        IF f.state IN ('new', 'reopened') THEN
            PERFORM gm._followup_move(f.followup_id, 'dispatched', at,
                                      format('routed to %s (%s)', r.assignee, r.assignee_duty), r.assignee, r.assignee_duty);
        ELSE
            INSERT INTO gm.followup_history(followup_id, at, by_role, from_state, to_state, assignee, note)
            VALUES (f.followup_id, at, gm.followup_actor(), f.state, f.state, r.assignee,
                    format('re-routed from %s to %s (%s)', COALESCE(f.assignee::text, '(nobody)'), r.assignee, r.assignee_duty));
            UPDATE gm.followup x SET assignee = r.assignee, assignee_duty = r.assignee_duty
            WHERE x.followup_id = f.followup_id;
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION gm.reroute_followups(bigint, timestamptz) IS
    'Re-routes the open orders (of one grid or all) after team changes: new/reopened ones are dispatched, others change assignee; returns how many changed';

-- cadence plans ---------------------------------------------------------------------------------
-- nominal slot days of a cadence in [from, to]: week: `times` days spread over Mon-Fri
-- (2: Mon, Thu; 3: Mon, Wed, Thu); half_month: the 1st and the 16th; month: the 1st (more
-- times: spread over 30 days); quarter: the quarter's first day (more: spread over 91 days)
CREATE FUNCTION gm.followup_cadence_slots(period text, times integer, period_from date, period_to date)
    RETURNS SETOF date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT s.slot FROM (
        SELECT CASE $1
                 WHEN 'week' THEN p.start + pg_catalog.round(k * 5.0 / $2)::int
                 WHEN 'half_month' THEN CASE WHEN k % 2 = 0 THEN p.start ELSE p.start + 15 END
                 WHEN 'month' THEN p.start + pg_catalog.round(k * 30.0 / $2)::int
                 WHEN 'quarter' THEN p.start + pg_catalog.round(k * 91.0 / $2)::int
               END AS slot
        FROM (SELECT g::date AS start
              FROM pg_catalog.generate_series(pg_catalog.date_trunc(CASE WHEN $1 IN ('week', 'quarter') THEN $1 ELSE 'month' END, $3::timestamp),
                                              $4::timestamp,
                                              CASE $1 WHEN 'week' THEN interval '1 week' WHEN 'quarter' THEN interval '3 months'
                                                      ELSE interval '1 month' END) g) p,
             pg_catalog.generate_series(0, CASE WHEN $1 = 'half_month' THEN 2 * $2 - 1 ELSE $2 - 1 END) k
        WHERE $1 IN ('week', 'half_month', 'month', 'quarter') AND $2 BETWEEN 1 AND 5
    ) s
    WHERE s.slot BETWEEN $3 AND $4
    ORDER BY 1
$$;
COMMENT ON FUNCTION gm.followup_cadence_slots(text, integer, date, date) IS
    'Nominal slot days of a cadence (week / half_month / month / quarter, so many times) between two days';

CREATE FUNCTION gm.plan_followups(customers regclass, period_from date, period_to date,
                                  key_column text DEFAULT 'customer_id', tier_column text DEFAULT 'tier',
                                  grid_column text DEFAULT 'grid_id', joined_column text DEFAULT 'joined_on',
                                  contract_end_column text DEFAULT 'contract_end',
                                  last_contact_column text DEFAULT 'last_contact',
                                  batch_size integer DEFAULT 100000)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm
    SET jit = off SET enable_mergejoin = off AS $$
DECLARE
    v_set gm.followup_setting := gm.followup_settings();
    v_cols text[] := ARRAY[key_column, tier_column, grid_column];
    v_col text;
    v_keytype text;
    v_joined text := 'NULL::date';
    v_end text := 'NULL::date';
    v_last text := 'NULL::timestamptz';
    v_bad text;
    v_lo text;
    v_hi text;
    v_n bigint;
    v_total bigint := 0;
    v_sql text;
    v_fresh boolean;
    v_run bigint;
    v_batches integer := 0;
BEGIN
    IF customers IS NULL THEN PERFORM gm._followup_fail_null('customers'); END IF;
    IF period_from IS NULL THEN PERFORM gm._followup_fail_null('period_from'); END IF;
    IF period_to IS NULL THEN PERFORM gm._followup_fail_null('period_to'); END IF;
    IF period_to < period_from THEN
        RAISE EXCEPTION 'period_to % is before period_from %', period_to, period_from USING ERRCODE = '22000';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be positive, not %', batch_size USING ERRCODE = '22003';
    END IF;
    -- the caller must be able to read what we read for them
    FOREACH v_col IN ARRAY v_cols LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = customers AND a.attname = v_col
                       AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" of % does not exist', v_col, customers USING ERRCODE = 'undefined_column';
        END IF;
        IF NOT pg_catalog.has_column_privilege(SESSION_USER, customers, v_col, 'SELECT') THEN
            RAISE EXCEPTION 'permission denied for column "%" of %', v_col, customers USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = customers AND a.attname = joined_column AND a.attnum > 0 AND NOT a.attisdropped)
       AND pg_catalog.has_column_privilege(SESSION_USER, customers, joined_column, 'SELECT') THEN
        v_joined := format('(t.%I)::date', joined_column);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = customers AND a.attname = contract_end_column AND a.attnum > 0 AND NOT a.attisdropped)
       AND pg_catalog.has_column_privilege(SESSION_USER, customers, contract_end_column, 'SELECT') THEN
        v_end := format('(t.%I)::date', contract_end_column);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = customers AND a.attname = last_contact_column AND a.attnum > 0 AND NOT a.attisdropped)
       AND pg_catalog.has_column_privilege(SESSION_USER, customers, last_contact_column, 'SELECT') THEN
        v_last := format('(t.%I)::timestamptz', last_contact_column);
    END IF;
    SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO v_keytype
    FROM pg_catalog.pg_attribute a WHERE a.attrelid = customers AND a.attname = key_column;

    -- bad input first, before anything is written: NULL keys, unknown tiers
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s t WHERE t.%I IS NULL)', customers, key_column) INTO STRICT v_bad;
    IF v_bad::boolean THEN
        RAISE EXCEPTION 'customer key column "%" of % holds NULL', key_column, customers USING ERRCODE = 'null_value_not_allowed';
    END IF;
    EXECUTE format('SELECT t.%I::text FROM %s t WHERE t.%I IS NOT NULL AND NOT EXISTS (SELECT 1 FROM gm.followup_tier x WHERE x.tier = t.%I::text) LIMIT 1',
                   tier_column, customers, tier_column, tier_column) INTO v_bad;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown customer tier "%" in %', v_bad, customers USING ERRCODE = 'undefined_object',
            HINT = 'Tiers are the rows of gm.followup_tier.';
    END IF;

    v_sql := format($q$
        WITH c AS (
            SELECT (t.%1$I)::text AS customer_key, COALESCE((t.%2$I)::text, 'standard') AS tier, (t.%3$I)::bigint AS grid_id,
                   %4$s AS joined_on, %5$s AS contract_end, %6$s AS last_contact
            FROM %7$s t WHERE ($1 IS NULL OR t.%1$I > $1::%8$s) AND t.%1$I <= $2::%8$s
        ), rs AS (
            SELECT r.tier, r.event, r.first_month_only, x.slot
            FROM gm.followup_cadence r, gm.followup_cadence_slots(r.period, r.times, $3, $4) x(slot)
        ), s AS (
            SELECT c.customer_key, c.tier, c.grid_id, rs.event, rs.slot, 'cadence' AS kind, NULL::date AS fixed
            FROM c JOIN rs ON rs.tier = c.tier
            WHERE NOT rs.first_month_only OR (rs.slot >= c.joined_on AND rs.slot < c.joined_on + interval '1 month')
            UNION ALL
            SELECT c.customer_key, c.tier, c.grid_id, 'renewal', (c.contract_end - $5)::date, 'renewal', c.contract_end
            FROM c WHERE (c.contract_end - $5)::date BETWEEN $3 AND $4
            UNION ALL
            SELECT c.customer_key, c.tier, c.grid_id, 'churn_warning', ((c.last_contact AT TIME ZONE $6) + $7)::date, 'churn', NULL
            FROM c WHERE ((c.last_contact AT TIME ZONE $6) + $7)::date BETWEEN $3 AND $4
        ), w AS (
            SELECT d.slot, gm._followup_workday(d.slot, 0) AS day FROM (SELECT DISTINCT s.slot FROM s) d
        ), rt AS (
            SELECT x.grid_id, x.event, x.day, r.members, r.manager
            FROM (SELECT DISTINCT s.grid_id, s.event, w.day FROM s JOIN w ON w.slot = s.slot) x,
                 gm.followup_route_candidates(x.grid_id, x.event, x.day) r
        ), o AS (
            SELECT s.*, w.day,
                   CASE WHEN rt.members IS NOT NULL THEN gm._followup_pick(rt.members, s.customer_key) ELSE rt.manager END AS assignee,
                   CASE WHEN rt.members IS NOT NULL THEN e.duty WHEN rt.manager IS NOT NULL THEN 'manager' END AS duty
            FROM s JOIN w ON w.slot = s.slot
                 JOIN gm.followup_event e ON e.event = s.event
                 LEFT JOIN rt ON rt.grid_id = s.grid_id AND rt.event = s.event AND rt.day = w.day
        ), ins AS (
            INSERT INTO gm.followup AS f (customer_key, grid_id, event, tier, state, assignee, assignee_duty,
                                          opened_at, dispatched_at, due_slot, planned_due, note)
            SELECT o.customer_key, o.grid_id, o.event, o.tier,
                   CASE WHEN o.assignee IS NULL THEN 'new' ELSE 'dispatched' END::gm.followup_state,
                   o.assignee, o.duty, (o.day::timestamp AT TIME ZONE $6),
                   CASE WHEN o.assignee IS NOT NULL THEN pg_catalog.now() END, o.slot,
                   CASE o.kind WHEN 'cadence' THEN ((o.day + 1)::timestamp AT TIME ZONE $6)
                               WHEN 'renewal' THEN (o.fixed::timestamp AT TIME ZONE $6) END,
                   'planned'
            FROM o
            WHERE $9 OR NOT EXISTS (SELECT 1 FROM gm.followup x
                                    WHERE x.customer_key = o.customer_key AND x.event = o.event AND x.due_slot = o.slot)
            ORDER BY o.customer_key COLLATE "C", o.event COLLATE "C", o.slot   -- the order of followup_slot_key
            RETURNING f.followup_id, f.state, f.assignee
        )
        INSERT INTO gm.followup_history(followup_id, by_role, from_state, to_state, assignee, note)
        SELECT ins.followup_id, $8, NULL, ins.state, ins.assignee,
               CASE WHEN ins.assignee IS NULL THEN 'planned; no one to route to' ELSE 'planned and routed' END
        FROM ins
    $q$, key_column, tier_column, grid_column, v_joined, v_end, v_last, customers, v_keytype);

    -- one planner at a time (so the NOT EXISTS test above cannot race; the unique index stays
    -- the last guard), then batches of batch_size customers in key order
    PERFORM pg_catalog.pg_advisory_xact_lock(1196445776, 1);
    -- nothing planned in the period yet (the first run): no need to look for existing slots
    v_fresh := NOT EXISTS (SELECT 1 FROM gm.followup x WHERE x.due_slot BETWEEN period_from AND period_to);
    -- a function runs in its caller's transaction: the run row is seen by others at its commit
    v_run := gm._run_start('plan_followups', pg_catalog.jsonb_build_object('customers', customers::text,
                           'period_from', period_from, 'period_to', period_to, 'batch_size', batch_size));
    PERFORM gm._run_enter(v_run);
    LOOP
        EXECUTE format('SELECT max(k)::text FROM (SELECT t.%1$I AS k FROM %2$s t WHERE ($1 IS NULL OR t.%1$I > $1::%3$s) ORDER BY t.%1$I LIMIT $2) s',
                       key_column, customers, v_keytype) INTO v_hi USING v_lo, batch_size;
        EXIT WHEN v_hi IS NULL;
        EXECUTE v_sql USING v_lo, v_hi, period_from, period_to, gm.param('followup_renewal_lead_days') * interval '1 day',
                            v_set.time_zone, gm.param('lifecycle_at_risk_days') * interval '1 day',
                            gm.followup_actor(), v_fresh;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_total := v_total + v_n;
        RAISE DEBUG 'gm.plan_followups: customers up to %: % orders', v_hi, v_n;
        v_lo := v_hi;
        v_batches := v_batches + 1;
    END LOOP;
    UPDATE gm.run r SET batches = v_batches, rows_changed = v_total, updated_at = pg_catalog.clock_timestamp()
     WHERE r.run_id = v_run;
    PERFORM gm._run_finish(v_run);
    RETURN v_total;
END $$;
COMMENT ON FUNCTION gm.plan_followups(regclass, date, date, text, text, text, text, text, text, integer) IS
    'Creates the due follow-ups of a period for a customer table by tier (gm.followup_cadence), renewal reminders and churn warnings, in batches, on the business calendar; idempotent; returns the number created';

-- complaints and KPIs ---------------------------------------------------------------------------
CREATE VIEW gm.complaint_stats AS
SELECT c.grid_id, c.complaints, c.repeat_complaints, c.repeat_rate, c.closed, c.mean_handling_time, c.p90_handling_time,
       g.code AS grid_code, g.name AS grid_name,
       pg_catalog.round(EXTRACT(epoch FROM c.mean_handling_time) / 3600, 2) AS mean_handling_hours,
       pg_catalog.round(EXTRACT(epoch FROM c.p90_handling_time) / 3600, 2) AS p90_handling_hours
FROM (SELECT f.grid_id,
             pg_catalog.count(*) AS complaints,
             pg_catalog.count(*) FILTER (WHERE f.repeat_of IS NOT NULL) AS repeat_complaints,
             pg_catalog.round(pg_catalog.count(*) FILTER (WHERE f.repeat_of IS NOT NULL)::numeric / pg_catalog.count(*), 4) AS repeat_rate,
             pg_catalog.count(*) FILTER (WHERE f.closed_at IS NOT NULL) AS closed,
             pg_catalog.avg(f.closed_at - f.opened_at) AS mean_handling_time,
             pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY f.closed_at - f.opened_at) AS p90_handling_time
      FROM gm.followup f
      WHERE f.event = 'complaint' AND f.state <> 'cancelled'
      GROUP BY f.grid_id) c
LEFT JOIN gm.grid g ON g.grid_id = c.grid_id;
COMMENT ON VIEW gm.complaint_stats IS
    'Complaints by grid: count, repeat complaints (same customer within the repeat window) and their rate, handling time (opened to closed) mean and 90th percentile';
COMMENT ON COLUMN gm.complaint_stats.grid_id IS 'The grid';
COMMENT ON COLUMN gm.complaint_stats.complaints IS 'Complaints (not cancelled)';
COMMENT ON COLUMN gm.complaint_stats.repeat_complaints IS 'Complaints repeating an earlier one of the same customer';
COMMENT ON COLUMN gm.complaint_stats.repeat_rate IS 'repeat_complaints / complaints (4 decimals)';
COMMENT ON COLUMN gm.complaint_stats.closed IS 'Complaints closed';
COMMENT ON COLUMN gm.complaint_stats.mean_handling_time IS 'Mean time from opened to closed';
COMMENT ON COLUMN gm.complaint_stats.p90_handling_time IS '90th percentile of the time from opened to closed';
COMMENT ON COLUMN gm.complaint_stats.grid_code IS 'Code of the grid';
COMMENT ON COLUMN gm.complaint_stats.grid_name IS 'Name of the grid';
COMMENT ON COLUMN gm.complaint_stats.mean_handling_hours IS 'mean_handling_time in hours (numeric, 2 decimals)';
COMMENT ON COLUMN gm.complaint_stats.p90_handling_hours IS 'p90_handling_time in hours (numeric, 2 decimals)';

CREATE VIEW gm.followup_kpi AS
SELECT k.grid_id, k.orders, k.open_orders, k.on_time_rate, k.mean_response_time, k.p50_response_time, k.p90_response_time,
       k.green, k.yellow, k.red, k.escalated,
       g.code AS grid_code, g.name AS grid_name,
       pg_catalog.round(EXTRACT(epoch FROM k.mean_response_time) / 3600, 2) AS mean_response_hours,
       pg_catalog.round(EXTRACT(epoch FROM k.p50_response_time) / 3600, 2) AS p50_response_hours,
       pg_catalog.round(EXTRACT(epoch FROM k.p90_response_time) / 3600, 2) AS p90_response_hours
FROM (SELECT s.grid_id,
             pg_catalog.count(*) AS orders,
             pg_catalog.count(*) FILTER (WHERE s.is_open) AS open_orders,
             pg_catalog.round(gm.on_time_rate(s.due, s.done_at)::numeric, 4) AS on_time_rate,
             pg_catalog.avg(s.responded_at - s.opened_at) AS mean_response_time,
             pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.responded_at - s.opened_at) AS p50_response_time,
             pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY s.responded_at - s.opened_at) AS p90_response_time,
             pg_catalog.count(*) FILTER (WHERE s.light = 'green' AND s.is_open) AS green,
             pg_catalog.count(*) FILTER (WHERE s.light = 'yellow' AND s.is_open) AS yellow,
             pg_catalog.count(*) FILTER (WHERE s.light = 'red' AND s.is_open) AS red,
             pg_catalog.count(*) FILTER (WHERE s.escalation_level > 0 AND s.state IN ('new', 'dispatched', 'reopened')) AS escalated
      FROM gm.followup_status s
      WHERE s.state <> 'cancelled'
      GROUP BY s.grid_id) k
LEFT JOIN gm.grid g ON g.grid_id = k.grid_id;
COMMENT ON VIEW gm.followup_kpi IS
    'Follow-up KPIs by grid: orders, on-time rate (not yet responded and past due counts late), response time mean / median / 90th percentile, open orders by light, escalated orders';
COMMENT ON COLUMN gm.followup_kpi.grid_id IS 'The grid';
COMMENT ON COLUMN gm.followup_kpi.orders IS 'Orders (not cancelled)';
COMMENT ON COLUMN gm.followup_kpi.open_orders IS 'Orders open now';
COMMENT ON COLUMN gm.followup_kpi.on_time_rate IS 'gm.on_time_rate: orders done by their due time / orders counted (open and past due counts late), 4 decimals';
COMMENT ON COLUMN gm.followup_kpi.mean_response_time IS 'Mean time from opened to responded';
COMMENT ON COLUMN gm.followup_kpi.p50_response_time IS 'Median time from opened to responded';
COMMENT ON COLUMN gm.followup_kpi.p90_response_time IS '90th percentile of the time from opened to responded';
COMMENT ON COLUMN gm.followup_kpi.green IS 'Open orders with a green light';
COMMENT ON COLUMN gm.followup_kpi.yellow IS 'Open orders with a yellow light';
COMMENT ON COLUMN gm.followup_kpi.red IS 'Open orders past due';
COMMENT ON COLUMN gm.followup_kpi.escalated IS 'Orders not yet responded to and escalated';
COMMENT ON COLUMN gm.followup_kpi.grid_code IS 'Code of the grid';
COMMENT ON COLUMN gm.followup_kpi.grid_name IS 'Name of the grid';
COMMENT ON COLUMN gm.followup_kpi.mean_response_hours IS 'mean_response_time in hours (numeric, 2 decimals)';
COMMENT ON COLUMN gm.followup_kpi.p50_response_hours IS 'p50_response_time in hours (numeric, 2 decimals)';
COMMENT ON COLUMN gm.followup_kpi.p90_response_hours IS 'p90_response_time in hours (numeric, 2 decimals)';

CREATE VIEW gm.followup_daily_output AS
SELECT o.grid_id, o.assignee, o.day, o.orders, g.code AS grid_code, g.name AS grid_name
FROM (SELECT f.grid_id, f.assignee, (f.resolved_at AT TIME ZONE gm._followup_tz())::date AS day, pg_catalog.count(*) AS orders
      FROM gm.followup f
      WHERE f.resolved_at IS NOT NULL AND f.assignee IS NOT NULL
      GROUP BY 1, 2, 3) o
LEFT JOIN gm.grid g ON g.grid_id = o.grid_id;
COMMENT ON VIEW gm.followup_daily_output IS
    'Orders resolved per assignee per day (in the follow-up time zone), by grid';
COMMENT ON COLUMN gm.followup_daily_output.grid_id IS 'The grid';
COMMENT ON COLUMN gm.followup_daily_output.assignee IS 'The role that resolved the orders';
COMMENT ON COLUMN gm.followup_daily_output.day IS 'Day of resolution in the follow-up time zone';
COMMENT ON COLUMN gm.followup_daily_output.orders IS 'Orders resolved that day';
COMMENT ON COLUMN gm.followup_daily_output.grid_code IS 'Code of the grid';
COMMENT ON COLUMN gm.followup_daily_output.grid_name IS 'Name of the grid';

CREATE FUNCTION gm.followup_orders_per_person_day(period_from date, period_to date)
    RETURNS TABLE(grid_id bigint, persons bigint, workdays integer, orders bigint, orders_per_person_day numeric)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH wd AS (
        SELECT pg_catalog.count(*)::int AS n FROM pg_catalog.generate_series(0, $2 - $1) k
        WHERE gm._followup_workday($1 + k, 0) = $1 + k
    )
    SELECT o.grid_id, pg_catalog.count(DISTINCT o.assignee), wd.n, pg_catalog.sum(o.orders)::bigint,
           pg_catalog.round(pg_catalog.sum(o.orders) / NULLIF(pg_catalog.count(DISTINCT o.assignee) * wd.n, 0), 2)
    FROM gm.followup_daily_output o, wd
    WHERE o.day BETWEEN $1 AND $2
    GROUP BY o.grid_id, wd.n
    ORDER BY o.grid_id
$$;
COMMENT ON FUNCTION gm.followup_orders_per_person_day(date, date) IS
    'Orders resolved per person per working day in a period, by grid (persons: assignees who resolved at least one order)';

CREATE FUNCTION gm.followup_coverage(customers regclass, period_from date, period_to date,
                                     key_column text DEFAULT 'customer_id', grid_column text DEFAULT 'grid_id')
    RETURNS TABLE(grid_id bigint, n_customers bigint, covered bigint, coverage numeric)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm SET jit = off AS $$
DECLARE
    v_col text;
BEGIN
    IF followup_coverage.customers IS NULL OR period_from IS NULL OR period_to IS NULL THEN
        PERFORM gm._followup_fail_null('customers, period_from and period_to');
    END IF;
    FOREACH v_col IN ARRAY ARRAY[key_column, grid_column] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = followup_coverage.customers
                       AND a.attname = v_col AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" of % does not exist', v_col, followup_coverage.customers USING ERRCODE = 'undefined_column';
        END IF;
        IF NOT pg_catalog.has_column_privilege(SESSION_USER, followup_coverage.customers, v_col, 'SELECT') THEN
            RAISE EXCEPTION 'permission denied for column "%" of %', v_col, followup_coverage.customers
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    RETURN QUERY EXECUTE format($q$
        WITH done AS (
            SELECT DISTINCT f.customer_key FROM gm.followup f
            WHERE f.resolved_at IS NOT NULL
              AND (f.resolved_at AT TIME ZONE $3)::date BETWEEN $1 AND $2
        )
        SELECT (t.%2$I)::bigint, pg_catalog.count(*), pg_catalog.count(d.customer_key),
               pg_catalog.round(pg_catalog.count(d.customer_key)::numeric / pg_catalog.count(*), 4)
        FROM %3$s t LEFT JOIN done d ON d.customer_key = (t.%1$I)::text
        GROUP BY 1 ORDER BY 1
    $q$, key_column, grid_column, followup_coverage.customers) USING period_from, period_to, gm._followup_tz();
END $$;
COMMENT ON FUNCTION gm.followup_coverage(regclass, date, date, text, text) IS
    'Coverage (客户全触及) by grid: share of a customer table''s customers with a follow-up resolved in the period (target 100 %)';

-- daily work log (工作日志) ----------------------------------------------------------------------
CREATE TABLE gm.work_log (
    log_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    role_name    name NOT NULL,
    grid_id      bigint NOT NULL,
    day          date NOT NULL,
    content      text NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    reviewed_by  name,
    reviewed_at  timestamptz,
    review_note  text,
    UNIQUE (role_name, grid_id, day)
);
COMMENT ON TABLE gm.work_log IS
    'Daily work log of a grid team member (按日填写工作日志) and the grid manager''s review (网格经理每天审核)';
SELECT pg_catalog.pg_extension_config_dump('gm.work_log', '');
SELECT pg_catalog.pg_extension_config_dump('gm.work_log_log_id_seq', '');

CREATE FUNCTION gm.submit_work_log(grid_id bigint, day date, content text)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    v_me name := gm.followup_actor();
    v_id bigint;
BEGIN
    IF grid_id IS NULL THEN PERFORM gm._followup_fail_null('grid_id'); END IF;
    IF day IS NULL THEN PERFORM gm._followup_fail_null('day'); END IF;
    IF content IS NULL THEN PERFORM gm._followup_fail_null('content'); END IF;
    IF NOT EXISTS (SELECT 1 FROM gm.grid_member m WHERE m.grid_id = submit_work_log.grid_id AND m.role_name = v_me
                   AND submit_work_log.day >= m.valid_from AND submit_work_log.day < m.valid_to) THEN
        RAISE EXCEPTION '% is not a member of grid % on %', v_me, submit_work_log.grid_id, submit_work_log.day
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO gm.work_log AS w (role_name, grid_id, day, content)
    VALUES (v_me, submit_work_log.grid_id, submit_work_log.day, submit_work_log.content)
    ON CONFLICT ON CONSTRAINT work_log_role_name_grid_id_day_key DO UPDATE SET content = EXCLUDED.content, submitted_at = pg_catalog.now()
        WHERE w.reviewed_at IS NULL
    RETURNING w.log_id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'the work log of % for grid % on % is already reviewed', v_me, submit_work_log.grid_id, submit_work_log.day
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN v_id;
END $$;
COMMENT ON FUNCTION gm.submit_work_log(bigint, date, text) IS
    'Submits (or replaces, until reviewed) the acting member''s work log of a day for a grid; returns its id';

CREATE FUNCTION gm.review_work_log(log_id bigint, note text DEFAULT NULL)
    RETURNS timestamptz
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gm AS $$
DECLARE
    v_me name := gm.followup_actor();
    w gm.work_log;
BEGIN
    IF log_id IS NULL THEN PERFORM gm._followup_fail_null('log_id'); END IF;
    SELECT * INTO w FROM gm.work_log x WHERE x.log_id = review_work_log.log_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'work log % does not exist', review_work_log.log_id USING ERRCODE = 'no_data_found';
    END IF;
    IF w.reviewed_at IS NOT NULL THEN
        RAISE EXCEPTION 'work log % is already reviewed by %', w.log_id, w.reviewed_by
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF v_me IS DISTINCT FROM gm.followup_escalation_target(w.grid_id, 1, w.day) THEN
        RAISE EXCEPTION '% is not the manager of grid % on %', v_me, w.grid_id, w.day
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE gm.work_log x SET reviewed_by = v_me, reviewed_at = pg_catalog.now(), review_note = note
    WHERE x.log_id = w.log_id;
    RETURN pg_catalog.now();
END $$;
COMMENT ON FUNCTION gm.review_work_log(bigint, text) IS
    'The grid manager (of the log''s grid on its day) reviews a work log';

CREATE VIEW gm.work_log_unreviewed AS
SELECT w.log_id, w.role_name, w.grid_id, w.day, w.submitted_at,
       gm.followup_escalation_target(w.grid_id, 1, w.day) AS reviewer,
       gm._followup_workday(w.day, 1) AS review_due,
       g.code AS grid_code, g.name AS grid_name
FROM gm.work_log w LEFT JOIN gm.grid g ON g.grid_id = w.grid_id
WHERE w.reviewed_at IS NULL
  AND (pg_catalog.now() AT TIME ZONE gm._followup_tz())::date > gm._followup_workday(w.day, 1);
COMMENT ON VIEW gm.work_log_unreviewed IS
    'Work logs not reviewed by the end of the next working day after their day';
COMMENT ON COLUMN gm.work_log_unreviewed.log_id IS 'The work log';
COMMENT ON COLUMN gm.work_log_unreviewed.role_name IS 'Who wrote it';
COMMENT ON COLUMN gm.work_log_unreviewed.grid_id IS 'Their grid';
COMMENT ON COLUMN gm.work_log_unreviewed.day IS 'The day it reports';
COMMENT ON COLUMN gm.work_log_unreviewed.submitted_at IS 'When it was submitted';
COMMENT ON COLUMN gm.work_log_unreviewed.reviewer IS 'The grid manager who reviews it';
COMMENT ON COLUMN gm.work_log_unreviewed.review_due IS 'The working day by which it was due for review';
COMMENT ON COLUMN gm.work_log_unreviewed.grid_code IS 'Code of the grid';
COMMENT ON COLUMN gm.work_log_unreviewed.grid_name IS 'Name of the grid';

-- privileges: CRM roles get EXECUTE on the API functions by an explicit GRANT
REVOKE EXECUTE ON FUNCTION gm.open_followup(text, bigint, text, text, timestamptz, text),
                           gm.open_followup(text, geometry, text, text, timestamptz, text),
                           gm.dispatch(bigint, name, text, timestamptz), gm.respond(bigint, text, timestamptz),
                           gm.resolve(bigint, text, text, timestamptz), gm.verify(bigint, integer, text, timestamptz),
                           gm.close(bigint, text, timestamptz), gm.cancel(bigint, text, timestamptz),
                           gm.reopen(bigint, text, timestamptz), gm.reroute_followups(bigint, timestamptz),
                           gm.plan_followups(regclass, date, date, text, text, text, text, text, text, integer),
                           gm.followup_coverage(regclass, date, date, text, text),
                           gm.submit_work_log(bigint, date, text), gm.review_work_log(bigint, text),
                           gm._followup_create(text, bigint, text, text, timestamptz, text, bigint)
       FROM PUBLIC;
