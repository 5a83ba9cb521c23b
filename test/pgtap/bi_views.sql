-- The views a BI tool reads (issue #21): a comment on every column, numbers as numbers (an interval
-- column has an hours twin in numeric), names beside grid ids, and the stable column lists that
-- doc/followup.md documents.
SET client_min_messages = warning;
SELECT plan(8);

CREATE TEMP VIEW bi_col AS
SELECT c.relname AS view, a.attname AS col, a.attnum, format_type(a.atttypid, a.atttypmod) AS type,
       col_description(c.oid, a.attnum) AS comment
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE n.nspname = 'gm' AND c.relkind = 'v' AND c.relname NOT LIKE '\_%' AND NOT a.attisdropped;

SELECT is((SELECT string_agg(view || '.' || col, ', ') FROM bi_col WHERE comment IS NULL OR comment = ''), NULL,
          'every column of every gm view has a comment');
SELECT is((SELECT string_agg(i.view || '.' || i.col, ', ') FROM bi_col i
           WHERE i.type = 'interval'
             AND NOT EXISTS (SELECT 1 FROM bi_col h WHERE h.view = i.view AND h.type = 'numeric'
                               AND h.col = regexp_replace(i.col, '_time$|$', '') || '_hours'
                                OR h.view = i.view AND h.type = 'numeric' AND h.col = regexp_replace(i.col, '_time$', '_hours'))),
          NULL, 'every interval column has an hours twin in numeric');
SELECT is((SELECT string_agg(DISTINCT g.view, ', ') FROM bi_col g
           WHERE g.col = 'grid_id' AND g.view NOT IN ('grid_closure', 'followup_status')
             AND NOT EXISTS (SELECT 1 FROM bi_col n WHERE n.view = g.view AND n.col = 'grid_name')),
          NULL, 'views with a grid id show the grid''s name beside it (the status view leaves it to a join: it is the hot path)');

-- the hours agree with the intervals
INSERT INTO gm.grid(code, name, kind) VALUES ('BI1', 'bi grid', 'logical');
INSERT INTO gm.followup(customer_key, grid_id, event, tier, state, opened_at, responded_at, closed_at)
SELECT 'bi' || i, (SELECT grid_id FROM gm.grid WHERE code = 'BI1'), 'complaint', 'standard', 'closed',
       timestamptz '2026-03-02 09:00+08', timestamptz '2026-03-02 09:00+08' + i * interval '90 minutes',
       timestamptz '2026-03-02 09:00+08' + i * interval '3 hours'
FROM generate_series(1, 4) i;
SELECT is((SELECT grid_code || ' ' || grid_name || ' ' || mean_response_hours || ' ' || p50_response_hours || ' ' || p90_response_hours
           FROM gm.followup_kpi WHERE grid_code = 'BI1'),
          'BI1 bi grid 3.75 3.75 5.55', 'followup_kpi: names and response hours (1.5, 3, 4.5, 6 h: mean 3.75, median 3.75, p90 5.55)');
SELECT is((SELECT mean_handling_hours::text || ' ' || p90_handling_hours::text || ' ' || pg_typeof(mean_handling_hours)::text
           FROM gm.complaint_stats WHERE grid_name = 'bi grid'),
          '7.50 11.10 numeric', 'complaint_stats: handling hours as numeric (3, 6, 9, 12 h: mean 7.5, p90 11.1)');
SELECT is((SELECT DISTINCT escalation_step_hours::text FROM gm.followup_status s JOIN gm.grid g USING (grid_id) WHERE g.code = 'BI1'),
          (SELECT round(extract(epoch FROM escalation_step) / 3600, 2)::text FROM gm.followup_status s JOIN gm.grid g USING (grid_id)
            WHERE g.code = 'BI1' LIMIT 1),
          'followup_status: the escalation step in hours too');

-- stable column lists (doc/followup.md, BI views): a change here is a change of the API
SELECT is((SELECT string_agg(col, ',' ORDER BY attnum) FROM bi_col WHERE view = 'followup_kpi'),
          'grid_id,orders,open_orders,on_time_rate,mean_response_time,p50_response_time,p90_response_time,green,yellow,red,escalated,grid_code,grid_name,mean_response_hours,p50_response_hours,p90_response_hours',
          'followup_kpi columns');
SELECT is((SELECT string_agg(col, ',' ORDER BY attnum) FROM bi_col WHERE view = 'complaint_stats'),
          'grid_id,complaints,repeat_complaints,repeat_rate,closed,mean_handling_time,p90_handling_time,grid_code,grid_name,mean_handling_hours,p90_handling_hours',
          'complaint_stats columns');
SELECT finish();
