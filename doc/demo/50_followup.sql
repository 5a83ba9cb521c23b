-- demo step: Follow-up work orders
\echo
\echo '---- Follow-up work orders ----'
SET timezone = 'Asia/Shanghai';
-- a tenth of the city (every customer whose id ends in 0), tiered by simple rules for the demo
CREATE OR REPLACE VIEW city.followup_customer AS
SELECT c.customer_id, c.grid_id, c.joined_on, c.contract_end, i.last_contact,
       CASE WHEN c.group_class = 'A' THEN 'gold'
            WHEN c.segment = 'group' AND c.joined_on >= date '2026-10-20' THEN 'new_group'
            WHEN c.monthly_fee >= 260 THEN 'high_value'
            WHEN c.monthly_fee >= 220 THEN 'key'
            WHEN c.joined_on >= date '2026-06-01' THEN 'potential'
            WHEN c.joined_on < date '2021-01-01' THEN 'mature'
            ELSE 'standard' END AS tier
FROM city.customer c
LEFT JOIN (SELECT customer_id, max(at) AS last_contact FROM city.interaction GROUP BY customer_id) i USING (customer_id)
WHERE c.customer_id % 10 = 0;

\echo 'Cadence plan 16 Nov - 15 Dec 2026 for 5,000 customers (visits 2x/3x a week, gold every half month, new group weekly,'
\echo 'monthly insight, quarterly upgrade, renewal 15 days before expiry, churn warning after 30 silent days), run twice:'
SELECT gm.plan_followups('city.followup_customer', '2026-11-16', '2026-12-15') AS created_first_run,
       gm.plan_followups('city.followup_customer', '2026-11-16', '2026-12-15') AS created_second_run;
SELECT event, count(*) AS orders, count(DISTINCT customer_key) AS customers, count(*) FILTER (WHERE state = 'new') AS unrouted,
       min(due_slot) AS first_slot, max(due_slot) AS last_slot
FROM gm.followup GROUP BY event ORDER BY orders DESC;

-- the team works: most orders due before 20 November were answered on their day, some late, some not at all
SELECT count(gm.respond(f.followup_id, 'visited',
                        f.opened_at + interval '10 hours' + CASE WHEN f.followup_id % 7 = 0 THEN interval '2 days' ELSE interval '0' END)) AS answered,
       count(gm.resolve(f.followup_id, 'ok', NULL, f.opened_at + interval '11 hours'
                        + CASE WHEN f.followup_id % 7 = 0 THEN interval '2 days' ELSE interval '0' END)) AS resolved
FROM gm.followup f
WHERE f.state = 'dispatched' AND f.due_slot < date '2026-11-20' AND f.followup_id % 5 <> 0;

\echo 'A complaint: routed to the grid manager, overdue (2 working days), escalating up the grid tree:'
SELECT gm.open_followup(c.customer_id::text, c.grid_id, 'complaint', 'key', now() - interval '6 days', 'billing complaint') AS complaint_id
FROM city.customer c WHERE c.customer_id = 4242 \gset
SELECT s.followup_id, s.customer_key, g.code AS grid, s.assignee, s.started_at::timestamp(0) AS opened, s.due::timestamp(0) AS due,
       s.light, e.escalation_level AS level, e.escalate_to
FROM gm.followup_status s JOIN gm.grid g USING (grid_id) JOIN gm.followup_escalated e USING (followup_id)
WHERE s.followup_id = :complaint_id;
SELECT l AS level, gm.followup_escalation_target(c.grid_id, l, current_date) AS who
FROM city.customer c, generate_series(1, 3) l WHERE c.customer_id = 4242;
\echo 'It is answered, resolved, verified (satisfaction 4) and closed; the call-back follows 30 days later:'
SELECT gm.respond(:complaint_id, 'called the customer'), gm.resolve(:complaint_id, 'bill corrected'),
       gm.verify(:complaint_id, 4), gm.close(:complaint_id);
SELECT followup_id, event, state, assignee, opened_at::date AS opens_on, parent_id
FROM gm.followup WHERE parent_id = :complaint_id;
SELECT from_state, to_state, by_role, assignee, note FROM gm.followup_history WHERE followup_id = :complaint_id ORDER BY at, to_state;

\echo 'Per grid (the 8 with most red lights, and all grids): open orders by light, escalated, on-time rate, coverage 16-19 Nov:'
WITH cov AS (SELECT * FROM gm.followup_coverage('city.followup_customer', '2026-11-16', '2026-11-19')),
k AS (SELECT * FROM gm.followup_kpi)
SELECT * FROM (
    SELECT g.code AS grid, k.open_orders AS open, k.green, k.yellow, k.red, k.escalated,
           round(k.on_time_rate * 100, 1) AS on_time_pct, cov.n_customers AS customers, round(cov.coverage * 100, 1) AS coverage_pct
    FROM k JOIN gm.grid g USING (grid_id) LEFT JOIN cov USING (grid_id)
    ORDER BY k.red DESC, g.code LIMIT 8) top
UNION ALL
SELECT 'all grids', sum(k.open_orders), sum(k.green), sum(k.yellow), sum(k.red), sum(k.escalated),
       (SELECT round(gm.on_time_rate(s.due, s.done_at)::numeric * 100, 1) FROM gm.followup_status s WHERE s.state <> 'cancelled'),
       (SELECT sum(n_customers) FROM cov), round((SELECT sum(covered)::numeric / sum(n_customers) FROM cov) * 100, 1)
FROM k;
RESET timezone;

-- the grids as web-map layers: GeoJSON for a BI map, vector tiles for pg_tileserv / Martin
\echo
\echo '-- web map layers: gm.grid_geojson() (GeoJSON, WGS 84) and gm.grid_tiles(z, x, y) (vector tiles)'
SELECT jsonb_array_length(gm.grid_geojson()->'features') AS geojson_features,
       (SELECT f->'properties' FROM jsonb_array_elements(gm.grid_geojson()->'features') f
         WHERE (f->'properties'->>'open_orders')::int > 0 ORDER BY f->'properties'->>'code' LIMIT 1) AS first_busy_grid;
SELECT z || '/' || x || '/' || y AS tile, length(gm.grid_tiles(z, x, y)) AS mvt_bytes
FROM (VALUES (10, 853, 421), (12, 3413, 1687)) v(z, x, y);

-- the dashboard: map and KPI table in one self-contained HTML page, written beside demo-map.svg
\pset format unaligned
\pset tuples_only on
\o demo-dashboard.html
SELECT gm.dashboard_html('Sample city: follow-up dashboard');
\o
\pset tuples_only off
\pset format aligned
\echo 'wrote demo-dashboard.html (open it in a browser: no network needed)'
