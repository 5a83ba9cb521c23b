-- demo step: performance management — the month's targets, actuals, scorecards, commission, alerts
\echo
\echo '---- performance management (绩效管理): October 2026 ----'
SET client_min_messages = warning;
\pset format aligned
\pset tuples_only off

-- 1. the CRM's sales and survey answers of the sample city, as it writes them to gm.sale and
--    gm.survey: the customer's grid on the day, the seller one of the grid's team
INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer)
SELECT o.customer_id::text, c.grid_id, t.people[1 + o.order_id % cardinality(t.people)],
       (ARRAY['broadband', 'mobile', 'tv'])[1 + o.order_id % 3], (ARRAY['visit', 'store', 'online'])[1 + (o.order_id / 3) % 3],
       o.amount, o.ordered_on, c.joined_on >= date_trunc('month', o.ordered_on)
FROM city.orders o
JOIN city.customer c USING (customer_id)
JOIN (SELECT grid_id, array_agg(role_name ORDER BY role_name) AS people FROM gm.grid_member
      WHERE duty IN ('manager', 'marketer') GROUP BY grid_id) t ON t.grid_id = c.grid_id
WHERE o.ordered_on >= '2025-09-01';
INSERT INTO gm.survey(customer_key, grid_id, answered_on, nps_score, csat_score)
SELECT s.customer_id::text, c.grid_id, s.asked_on, s.nps_score, s.csat FROM city.survey s JOIN city.customer c USING (customer_id);
INSERT INTO gm.spend(grid_id, channel, day, amount, planned)
SELECT g.grid_id, 'visit', d::date, 300 + (g.grid_id * 37 + extract(day FROM d)::int * 11) % 200, 400
FROM gm.grid g, generate_series('2026-10-01'::date, '2026-10-31', '1 day') d WHERE g.parent_id IS NOT NULL;

-- 2. actuals of September (the weights of October's split) and October
SELECT gm.compute_actuals('month', '2026-09-01') AS september_rows, gm.compute_actuals('month', '2025-10-01') AS october_2025_rows;
\echo 'The monthly summary the actuals read (kept by triggers on gm.sale): sales per month'
SELECT month, count(*) AS grid_seller_product_rows, sum(sales) AS sales, sum(amount) AS revenue
FROM gm.sale_month GROUP BY month ORDER BY month DESC LIMIT 3;
\echo 'Recomputing a month whose sales did not change writes nothing (the rows keep their recorded_at):'
BEGIN;
SELECT gm.compute_actuals('month', '2026-09-01') AS september_rows;
SELECT count(*) AS rewritten_in_this_transaction FROM gm.actual WHERE period_start = '2026-09-01' AND recorded_at = now();
COMMIT;

-- 3. October's revenue target: the city's 2026 target / 12, split company -> regions -> grids ->
--    people by September's actuals, exactly to the fen (gm.split_targets, the tree split in C)
SELECT gm.split_targets('revenue', 'month', '2026-10-01', round((SELECT sum(value) FROM city.target WHERE year = 2026 AND metric = 'revenue') / 12, 2),
                        'last_actual') AS targets_written;
SELECT gm.split_targets('new_customers', 'month', '2026-10-01', 150, 'capacity') AS household_targets_written;
\echo 'October revenue targets by level: every level sums exactly to the company target'
SELECT level, count(*) AS targets, sum(value) AS total FROM gm.target
WHERE kpi = 'revenue' AND period_start = '2026-10-01' GROUP BY level ORDER BY min(CASE level WHEN 'company' THEN 0 WHEN 'region' THEN 1 WHEN 'grid' THEN 2 ELSE 3 END);
\echo 'A grid target raised by hand: its siblings are rebalanced, the region keeps its target'
SELECT (gm.set_target('revenue', 'month', '2026-10-01', (SELECT grid_id FROM gm.grid WHERE code = 'R1-G01'), NULL, 60000.00)).value AS r1_g01;
SELECT g.code AS region, t.value AS region_target, (SELECT sum(c.value) FROM gm.target c WHERE c.kpi = 'revenue' AND c.period_start = '2026-10-01'
                                                    AND c.level = 'grid' AND c.grid_id IN (SELECT grid_id FROM gm.grid WHERE parent_id = g.grid_id)) AS sum_of_grids
FROM gm.target t JOIN gm.grid g USING (grid_id) WHERE t.kpi = 'revenue' AND t.period_start = '2026-10-01' AND t.level = 'region' ORDER BY g.code;

-- 4. October computed and closed: a snapshot that stays what it is when customers move later
SELECT gm.close_period('month', '2026-10-01') AS october_rows_closed;

\echo 'Top five and bottom five grids of October by revenue attainment (gm.grid_performance)'
(SELECT 'top' AS "end", grid_code, grid_name, parent_name AS region, revenue_target, revenue_actual, round(100 * revenue_attainment, 1) AS "att %",
        revenue_light AS light, revenue_rank AS rank, round(100 * revenue_mom, 1) AS "mom %", round(nps_actual, 1) AS nps
   FROM gm.grid_performance WHERE period_kind = 'month' AND period_start = '2026-10-01' AND level = 'grid' ORDER BY revenue_rank LIMIT 5)
UNION ALL
(SELECT 'bottom', grid_code, grid_name, parent_name, revenue_target, revenue_actual, round(100 * revenue_attainment, 1),
        revenue_light, revenue_rank, round(100 * revenue_mom, 1), round(nps_actual, 1)
   FROM gm.grid_performance WHERE period_kind = 'month' AND period_start = '2026-10-01' AND level = 'grid' ORDER BY revenue_rank DESC LIMIT 5);

\echo 'October scorecards: the best three of each role, and what makes the best account manager''s score'
SELECT role_kind, person, score, result_score, process_score, collaboration_score, rank, ranked_of
FROM gm.scorecard('month', '2026-10-01') WHERE rank <= 3 ORDER BY role_kind, rank, person;
SELECT l.kpi, l.part, l.weight, l.actual, l.target, round(l.attainment, 3) AS attainment, l.contribution
FROM gm.scorecard_lines('month', '2026-10-01') l
WHERE l.person = (SELECT person FROM gm.scorecard('month', '2026-10-01') WHERE role_kind = 'account_manager' ORDER BY score DESC, person LIMIT 1)
ORDER BY l.contribution DESC;

\echo 'One commission statement (October, the best seller): lines traceable to the orders, broadband capped at 17 %'
SELECT person, role_kind, sales, amount, commission, round(100 * attainment, 1) AS "att %", growth_star AS "成长之星"
FROM gm.commission_statement('month', '2026-10-01') ORDER BY amount DESC LIMIT 1;
SELECT line, sale_id, sold_on, product, amount, rule, base, conversion, cap, commission
FROM gm.commission_lines('month', '2026-10-01', (SELECT person FROM gm.commission_statement('month', '2026-10-01') ORDER BY amount DESC LIMIT 1))
ORDER BY line LIMIT 8;
SELECT count(*) AS lines, sum(commission) AS sum_of_lines,
       (SELECT commission FROM gm.commission_statement('month', '2026-10-01') ORDER BY amount DESC LIMIT 1) AS statement
FROM gm.commission_lines('month', '2026-10-01', (SELECT person FROM gm.commission_statement('month', '2026-10-01') ORDER BY amount DESC LIMIT 1));
SELECT count(*) FILTER (WHERE growth_star) AS growth_stars, count(*) AS people_paid, sum(commission) AS total_commission
FROM gm.commission_statement('month', '2026-10-01');

-- 5. alerts: evaluated, remembered, pushed on channel gm_alert, acknowledged
\echo 'Alerts raised for October (as of 2026-10-31)'
SELECT rule, level, count(*) AS alerts FROM gm.evaluate_alerts('month', '2026-10-01', '2026-10-31') GROUP BY rule, level ORDER BY level DESC, rule;
SELECT count(*) AS new_on_second_evaluation FROM gm.evaluate_alerts('month', '2026-10-01', '2026-10-31');
\echo 'A day''s spend far over plan, evaluated with this session LISTENing on gm_alert: one new alert, pushed with its JSON payload'
INSERT INTO gm.spend(grid_id, channel, day, amount, planned)
SELECT grid_id, 'ads', '2026-10-30', 900.00, 500.00 FROM gm.grid WHERE code = 'R2-G05';
LISTEN gm_alert;
SELECT alert_id, rule, level, detail FROM gm.evaluate_alerts('month', '2026-10-01', '2026-10-31');
UNLISTEN gm_alert;
SELECT alert_id, rule, (gm.acknowledge_alert(alert_id, 'grid manager called')).acknowledged_at IS NOT NULL AS acknowledged
FROM gm.alert WHERE rule = 'spend_day' AND item = 'ads';
SELECT rule, level, grid_id, (SELECT code FROM gm.grid g WHERE g.grid_id = a.grid_id) AS grid, person, left(detail, 70) AS detail
FROM gm.alert a WHERE level = 3 ORDER BY alert_id LIMIT 5;

-- 6. a campaign (派单): individual customers of two grids who bought nothing since September
SELECT gm.create_campaign('宽带提速季', '2026-11-30 18:00+08', 'visit', 'standard', '2026-11-01') AS campaign_id \gset
SELECT gm.campaign_pick(:campaign_id, 'city.customer',
       $$segment = 'individual' AND grid_id IN (SELECT grid_id FROM gm.grid WHERE code IN ('R1-G02', 'R3-G07'))
         AND NOT EXISTS (SELECT 1 FROM city.orders o WHERE o.customer_id = c.customer_id AND o.ordered_on >= '2026-09-01')$$) AS picked;
SELECT gm.campaign_dispatch(:campaign_id) AS work_orders;
SELECT campaign_name, grid_code, person, customers, dispatched, reached, converted FROM gm.campaign_result ORDER BY grid_code, person;
RESET client_min_messages;
