-- demo step: Customer tiering
\echo
\echo '---- Customer tiering ----'
-- recency (days since the last order), frequency (orders) and monetary (spend) per customer as of
-- 2026-11-20, from the sample city's orders; customers without orders are prospects (no RFM)
CREATE TEMP TABLE demo_rfm AS
SELECT c.customer_id, c.grid_id, c.group_class,
       (date '2026-11-20' - max(o.ordered_on))::float8 AS r, nullif(count(o.order_id), 0)::float8 AS f, sum(o.amount)::float8 AS m,
       min(o.ordered_on) AS first_order, max(o.ordered_on) AS last_order
FROM city.customer c LEFT JOIN city.orders o ON o.customer_id = c.customer_id
GROUP BY c.customer_id;
\echo 'RFM cut points (values at 20/40/60/80 % of recency, frequency, monetary):'
SELECT gm.rfm_breaks(r, f, m) AS cut_points FROM demo_rfm \gset
SELECT :'cut_points' AS cut_points;
CREATE TEMP TABLE demo_scored AS
SELECT d.*, gm.rfm_score(d.r, d.f, d.m, :'cut_points') AS score, reg.code AS region
FROM demo_rfm d JOIN gm.grid g ON g.grid_id = d.grid_id JOIN gm.grid reg ON reg.grid_id = g.parent_id;

\echo 'RFM segments per region (customers with orders):'
SELECT gm.rfm_segment(score) AS segment,
       count(*) FILTER (WHERE region = 'R1') AS "R1", count(*) FILTER (WHERE region = 'R2') AS "R2",
       count(*) FILTER (WHERE region = 'R3') AS "R3", count(*) AS total
FROM demo_scored WHERE score IS NOT NULL
GROUP BY 1 ORDER BY total DESC, segment;

\echo 'Grids with the largest share of Champions (segment counts per grid, top 5):'
SELECT g.code AS grid, count(*) AS scored,
       count(*) FILTER (WHERE gm.rfm_segment(score) = 'Champions') AS champions,
       count(*) FILTER (WHERE gm.rfm_segment(score) = 'Loyal Customers') AS loyal,
       count(*) FILTER (WHERE gm.rfm_segment(score) IN ('At Risk', 'Can''t Lose Them')) AS at_risk,
       count(*) FILTER (WHERE gm.rfm_segment(score) = 'Lost') AS lost,
       round(100.0 * count(*) FILTER (WHERE gm.rfm_segment(score) = 'Champions') / count(*), 1) AS champions_pct
FROM demo_scored s JOIN gm.grid g ON g.grid_id = s.grid_id
WHERE score IS NOT NULL GROUP BY g.code ORDER BY champions_pct DESC, g.code LIMIT 5;

\echo 'Chinese 8-class model (high/low against the means):'
SELECT gm.rfm_means(r, f, m) AS means FROM demo_rfm \gset
SELECT (c).name AS class, (c).code, (c).bits AS "RFM", count(*) AS customers
FROM (SELECT gm.rfm_class_cn(r, f, m, (:'means'::float8[])[1], (:'means'::float8[])[2], (:'means'::float8[])[3]) AS c
      FROM demo_rfm WHERE r IS NOT NULL) x
GROUP BY 1, 2, 3 ORDER BY 3 DESC;

\echo 'Lifecycle and value tier (thresholds: parameters lifecycle_*_days, value_* of gm.parameter):'
WITH li AS (SELECT customer_id, max(at)::date AS last_interaction FROM city.interaction GROUP BY customer_id),
     intent AS (SELECT DISTINCT customer_id FROM city.lead WHERE stage >= 2)
SELECT gm.lifecycle(s.first_order, s.last_order, li.last_interaction, i.customer_id IS NOT NULL,
                    s.group_class IN ('A', 'B'), '2026-11-20') AS lifecycle,
       count(*) AS customers,
       count(*) FILTER (WHERE gm.value_tier(s.score) = 'high') AS high_value,
       count(*) FILTER (WHERE gm.value_tier(s.score) = 'at_risk') AS value_at_risk
FROM demo_scored s LEFT JOIN li USING (customer_id) LEFT JOIN intent i USING (customer_id)
GROUP BY 1 ORDER BY 1;
\echo 'Simple LTV of the Champions (average yearly spend x 3 expected years - 200 service cost):'
SELECT count(*) AS champions,
       round(avg(gm.ltv((m / greatest(1, (date '2026-11-20' - first_order) / 365.0))::numeric, 3, 200)), 2) AS avg_ltv
FROM demo_scored WHERE gm.rfm_segment(score) = 'Champions';
DROP TABLE demo_scored, demo_rfm;
