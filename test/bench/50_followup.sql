-- test/bench/50_followup.sql — follow-up work orders:
--  1. gm.followup_status over 1,000,000 open orders grouped by grid and light, against the same
--     GROUP BY over the table alone (goal: at most 1.5x, issue #18), with counts identical to a plain-SQL
--     reference computation of due time and light (calendar table, no gm functions);
--  2. gm.plan_followups: a month of follow-ups for 200,000 customers (goal: under 30 s).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(0.5011);
SET timezone = 'Asia/Shanghai';

-- 60 grids under 3 regions (logical: no polygons needed here), each with a manager and marketers
INSERT INTO gm.grid(code, name, kind)
SELECT 'BR' || r, 'bench region ' || r, 'logical' FROM generate_series(1, 3) r;
INSERT INTO gm.grid(code, name, kind, parent_id)
SELECT 'BR' || r || '-G' || g, 'bench grid ' || r || '-' || g, 'logical', (SELECT grid_id FROM gm.grid WHERE code = 'BR' || r)
FROM generate_series(1, 3) r, generate_series(1, 20) g;
INSERT INTO gm.grid_member(grid_id, role_name, duty)
SELECT grid_id, 'bmgr_' || grid_id, 'manager' FROM gm.grid WHERE code LIKE 'BR%';
INSERT INTO gm.grid_member(grid_id, role_name, duty)
SELECT grid_id, 'bmkt_' || grid_id || '_' || k, 'marketer' FROM gm.grid, generate_series(1, 2) k WHERE code LIKE 'BR%-G%';
CREATE TEMP TABLE bgrid AS SELECT array_agg(grid_id ORDER BY grid_id) AS ids FROM gm.grid WHERE code LIKE 'BR%-G%';

-- 1,000,000 open orders of the last 12 days
CREATE TEMP TABLE bnow AS SELECT now() AS t;
INSERT INTO gm.followup(customer_key, grid_id, event, tier, state, assignee, opened_at, planned_due)
SELECT 'c' || (i % 200000), (SELECT ids[1 + (i % 60)] FROM bgrid),
       (ARRAY['complaint','visit','first_contact','proposal','install','churn_warning','visit','visit'])[1 + floor(random() * 8)::int],
       (ARRAY['standard','key','high_value','gold','standard'])[1 + floor(random() * 5)::int],
       (ARRAY['new','dispatched','dispatched','responded','reopened'])[1 + floor(random() * 5)::int]::gm.followup_state,
       'b', t0, CASE WHEN random() < 0.1 THEN t0 + interval '1 day' END
FROM (SELECT i, (SELECT t FROM bnow) - random() * interval '12 days' AS t0 FROM generate_series(1, 1000000) i) s;
UPDATE gm.followup SET responded_at = opened_at + random() * interval '3 days' WHERE state = 'responded';
VACUUM ANALYZE gm.followup;

-- the plain-SQL reference: a calendar table (from the calendar's own day list) and the policy
-- rules written out: working days end at 18:00 local, calendar time is amount / times per period
CREATE TEMP TABLE bcal AS
SELECT d::date AS day,
       coalesce((SELECT c.is_workday FROM gm.calendar_days('cn') c WHERE c.day = d::date), extract(isodow FROM d) < 6) AS wd
FROM generate_series(date '2026-10-01', date '2027-01-31', '1 day') d;
CREATE TEMP TABLE bpol AS SELECT * FROM gm.followup_policy();
BEGIN;   -- one transaction: the reference and the view see the same now()
CREATE TEMP TABLE bref AS
WITH o AS (
    SELECT f.grid_id, f.state, f.responded_at, coalesce(f.reopened_at, f.opened_at) AS st, f.planned_due, p.unit, p.amount,
           p.times_per_period, p.warn_fraction, pg_catalog.now() AS now
    FROM gm.followup f JOIN bpol p ON p.event = f.event AND p.tier = f.tier
    WHERE f.state IN ('new', 'dispatched', 'responded', 'reopened')
), d AS (
    SELECT o.*, CASE WHEN o.planned_due IS NOT NULL THEN o.planned_due
                     WHEN o.unit = 'calendar_time' THEN o.st + o.amount / o.times_per_period
                     WHEN o.unit = 'working_days' THEN
                          ((SELECT c.day FROM bcal c WHERE c.day > (o.st AT TIME ZONE 'Asia/Shanghai')::date AND c.wd
                            ORDER BY c.day OFFSET extract(day FROM o.amount)::int - 1 LIMIT 1) + time '18:00') AT TIME ZONE 'Asia/Shanghai'
                END AS due
    FROM o
)
SELECT grid_id,
       CASE WHEN coalesce(responded_at, now) > due THEN 'red'
            WHEN extract(epoch FROM coalesce(responded_at, now) - st) >= warn_fraction * extract(epoch FROM due - st) THEN 'yellow'
            ELSE 'green' END::gm.light AS light,
       count(*) AS n
FROM d GROUP BY 1, 2;

CREATE TEMP TABLE bgm AS
SELECT grid_id, light, count(*) AS n FROM gm.followup_status WHERE is_open GROUP BY 1, 2;
DO $$
BEGIN
    IF (SELECT sum(n) FROM bgm) <> 1000000 THEN
        RAISE EXCEPTION 'bench data: expected 1,000,000 open orders, the view counts %', (SELECT sum(n) FROM bgm);
    END IF;
    IF EXISTS (SELECT * FROM bgm EXCEPT SELECT * FROM bref) OR EXISTS (SELECT * FROM bref EXCEPT SELECT * FROM bgm) THEN
        RAISE EXCEPTION 'gm.followup_status and the plain-SQL reference disagree on % (grid, light) counts',
            (SELECT count(*) FROM (SELECT * FROM bgm EXCEPT SELECT * FROM bref) x);
    END IF;
    IF (SELECT count(DISTINCT light) FROM bgm) < 3 THEN
        RAISE EXCEPTION 'bench data: every light should occur';
    END IF;
END $$;
COMMIT;

SELECT bench.compare('followup status: 1M open orders by grid x light (view vs GROUP BY on the table)',
    $q$SELECT grid_id, state, count(*) FROM gm.followup WHERE state IN ('new', 'dispatched', 'responded', 'reopened') GROUP BY 1, 2$q$,
    $q$SELECT grid_id, light, count(*) FROM gm.followup_status WHERE is_open GROUP BY 1, 2$q$,
    1.5, 'cost', 3, 'GROUP BY on the table');

-- 2. a month of follow-ups for 200,000 customers ------------------------------------------------
CREATE TABLE bench_customer (customer_id int PRIMARY KEY, tier text, grid_id bigint, joined_on date,
                             contract_end date, last_contact timestamptz);
INSERT INTO bench_customer
SELECT i, (ARRAY['key','high_value','gold','new_group','potential','mature','standard','standard','key','potential'])[1 + (i % 10)],
       (SELECT ids[1 + (i % 60)] FROM bgrid), date '2026-11-15' + (random() * 30)::int,
       CASE WHEN random() < 0.3 THEN date '2026-12-01' + (random() * 400)::int END,
       timestamptz '2026-11-01 10:00+08' - random() * interval '30 days'
FROM generate_series(1, 200000) i;
ANALYZE bench_customer;
SELECT bench.measure('plan_followups: December for 200,000 customers',
    $q$SELECT gm.plan_followups('bench_customer', '2026-12-01', '2026-12-31')$q$, 30000, 1);
DO $$
DECLARE n bigint;
BEGIN
    -- idempotent: a second run creates nothing
    n := gm.plan_followups('bench_customer', '2026-12-01', '2026-12-31');
    IF n <> 0 THEN RAISE EXCEPTION 'planning twice created % more orders', n; END IF;
    IF (SELECT count(*) FROM gm.followup WHERE note = 'planned') < 500000 THEN
        RAISE EXCEPTION 'planning created only % orders', (SELECT count(*) FROM gm.followup WHERE note = 'planned');
    END IF;
END $$;
