-- demo step: KPI dashboard
\echo
\echo '---- KPI dashboard ----'
-- Report date of the sample city: 2026-11-20 18:00 (+08); the 2026 targets are pro-rated to it.
SET client_min_messages = warning;
\pset format aligned
\pset tuples_only off
DROP TABLE IF EXISTS pg_temp.kpi_grid_target, pg_temp.kpi_dash;

-- 1. target decomposition: each region's 2026 revenue target split over its grids by their
--    customer counts (largest remainder, whole yuan: the parts add up to the region's target)
CREATE TEMP TABLE kpi_grid_target AS
SELECT r.grid_id AS region_id, p.key AS grid_id, p.value AS revenue_target
FROM city.target t
JOIN gm.grid r ON r.code = t.area_code
CROSS JOIN LATERAL (
    SELECT array_agg(g.grid_id ORDER BY g.grid_id) AS ids,
           array_agg((SELECT count(*) FROM city.customer c WHERE c.grid_id = g.grid_id)::numeric ORDER BY g.grid_id) AS w
    FROM gm.grid g WHERE g.parent_id = r.grid_id) k
CROSS JOIN LATERAL gm.split_target_by(t.value, k.ids, k.w) p
WHERE t.year = 2026 AND t.metric = 'revenue';

\echo 'Revenue targets 2026: region -> grids (gm.split_target_by, weights = customers) and -> quarters (gm.split_year, Q4 peak)'
SELECT r.code AS region, t.value AS region_target, count(*) AS grids, sum(k.revenue_target) AS sum_of_grid_targets,
       (SELECT string_agg(q.v::text, ' / ' ORDER BY q.quarter)
        FROM (SELECT y.quarter, sum(y.value) v
              FROM gm.split_year(t.value, '{0.7,0.6,0.9,1,1,1,1,1,1,1.1,1.3,1.4}') y GROUP BY y.quarter) q) AS quarters
FROM kpi_grid_target k JOIN gm.grid r ON r.grid_id = k.region_id
JOIN city.target t ON t.area_code = r.code AND t.year = 2026 AND t.metric = 'revenue'
GROUP BY r.code, t.value ORDER BY r.code;

-- 2. the grid dashboard
CREATE TEMP TABLE kpi_dash AS
WITH team AS (
    SELECT m.grid_id, count(*) AS people
    FROM gm.grid_member m
    WHERE m.duty IN ('manager', 'marketer') AND m.valid_from <= date '2026-11-20' AND date '2026-11-20' < m.valid_to
    GROUP BY m.grid_id
), cust AS (
    SELECT c.grid_id, count(*) AS customers FROM city.customer c GROUP BY c.grid_id
), sat AS (
    SELECT c.grid_id, gm.nps(s.nps_score) AS nps, gm.csat(s.csat) AS csat
    FROM city.survey s JOIN city.customer c USING (customer_id) GROUP BY c.grid_id
), fun AS (
    SELECT c.grid_id, gm.funnel(l.stage) AS f,
           -- first contact within 24 clock hours; a lead never contacted is late once 24 h have passed
           gm.rate(coalesce(l.first_contact_at, timestamptz '2026-11-20 18:00+08') <= l.created_at + interval '24 hours') AS on_time
    FROM city.lead l JOIN city.customer c USING (customer_id) GROUP BY c.grid_id
), rev AS (
    SELECT c.grid_id, sum(o.amount) AS revenue
    FROM city.orders o JOIN city.customer c USING (customer_id)
    WHERE o.ordered_on BETWEEN date '2026-01-01' AND date '2026-11-20' GROUP BY c.grid_id
)
SELECT g.grid_id, g.code, g.parent_id, g.geom, cust.customers, team.people,
       gm.manager_load_light(cust.customers, team.people::int, g.capacity) AS load_light,
       round(sat.nps, 1) AS nps, round(sat.csat, 1) AS csat,
       (fun.f).leads, (fun.f).opportunities AS opps, (fun.f).deals,
       round(100 * (fun.f).lead_to_deal, 1) AS "lead→deal %",
       round(100 * fun.on_time, 1) AS "on-time %",
       rev.revenue,
       round(t.revenue_target * (date '2026-11-20' - date '2026-01-01' + 1) / 365.0) AS target_to_date,
       gm.deviation_light(rev.revenue, round(t.revenue_target * (date '2026-11-20' - date '2026-01-01' + 1) / 365.0)) AS target_light
FROM gm.grid g
JOIN cust USING (grid_id)
LEFT JOIN team USING (grid_id)
LEFT JOIN sat USING (grid_id)
LEFT JOIN fun USING (grid_id)
LEFT JOIN rev USING (grid_id)
LEFT JOIN kpi_grid_target t USING (grid_id)
WHERE g.parent_id IS NOT NULL;

\echo
\echo 'Grid dashboard: the five best and the five worst grids by NPS (bottom 10 % flagged by gm.bottom_flag)'
SELECT code AS grid, customers, people, load_light AS load, nps, csat, leads, opps, deals, "lead→deal %", "on-time %",
       round(100 * gm.attainment(revenue, target_to_date)) AS "attain %", target_light AS target,
       CASE WHEN gm.bottom_flag(rank() OVER (ORDER BY nps), count(*) OVER ()) THEN 'bottom 10%' ELSE '' END AS flag
FROM kpi_dash
ORDER BY nps DESC
LIMIT 5;
SELECT code AS grid, customers, people, load_light AS load, nps, csat, leads, opps, deals, "lead→deal %", "on-time %",
       round(100 * gm.attainment(revenue, target_to_date)) AS "attain %", target_light AS target, flag
FROM (SELECT d.*, CASE WHEN gm.bottom_flag(rank() OVER (ORDER BY nps), count(*) OVER ()) THEN 'bottom 10%' ELSE '' END AS flag
      FROM kpi_dash d) x
ORDER BY nps ASC
LIMIT 5;

\echo 'Regions: actuals rolled up the grid tree (gm.grid_closure), KPIs re-aggregated from the rows'
SELECT r.code AS region, sum(d.customers) AS customers,
       count(*) FILTER (WHERE d.load_light = 'red') AS "overloaded grids",
       (SELECT round(gm.nps(s.nps_score), 1) FROM city.survey s JOIN city.customer c USING (customer_id)
        JOIN gm.grid_closure k ON k.grid_id = c.grid_id WHERE k.ancestor_id = r.grid_id) AS nps,
       (SELECT round(gm.csat(s.csat), 1) FROM city.survey s JOIN city.customer c USING (customer_id)
        JOIN gm.grid_closure k ON k.grid_id = c.grid_id WHERE k.ancestor_id = r.grid_id) AS csat,
       sum(d.revenue) AS revenue, sum(d.target_to_date) AS target_to_date,
       round(100 * gm.attainment(sum(d.revenue), sum(d.target_to_date))) AS "attain %",
       gm.deviation_light(sum(d.revenue), sum(d.target_to_date)) AS target,
       count(*) FILTER (WHERE d.target_light = 'green') || '/' || count(*) FILTER (WHERE d.target_light = 'yellow')
           || '/' || count(*) FILTER (WHERE d.target_light = 'red') AS "grids g/y/r"
FROM kpi_dash d
JOIN gm.grid_closure k ON k.grid_id = d.grid_id AND k.depth = 1
JOIN gm.grid r ON r.grid_id = k.ancestor_id
GROUP BY r.grid_id, r.code ORDER BY r.code;

\echo 'Monitoring rules (seed 003): budget burn and year-on-year alerts'
SELECT gm.budget_alert(420000, 1000000, 0.5) AS "42% spent at half-time",
       gm.budget_alert(820000, 1000000, 0.75) AS "82% spent at 3/4",
       gm.budget_alert(700000, 1000000, 0.5) AS "70% spent at half-time",
       gm.yoy_alert(1250, 1000) AS "+25% YoY", gm.yoy_alert(900, 1000) AS "-10% YoY";

-- 3. the map: grids coloured by NPS, written to demo-map.svg in the current directory
\pset format unaligned
\pset tuples_only on
\o demo-map.svg
SELECT gm.svg_map(d.geom, d.nps, d.code, '{"title": "NPS by grid (sample city)", "legend": "NPS", "classes": "jenks"}' ORDER BY d.code) FROM kpi_dash d;
\o
\pset tuples_only off
\pset format aligned
SELECT count(*) AS grids_drawn, min(nps) AS nps_min, max(nps) AS nps_max FROM kpi_dash;
\echo 'wrote demo-map.svg (grids coloured by NPS in natural-breaks classes, colour-blind-safe viridis, labelled with their codes)'
RESET client_min_messages;
