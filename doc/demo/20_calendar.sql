-- demo step: Calendars and deadlines
\echo
\echo '---- Calendars and deadlines ----'
\echo 'The official calendar cn ships with the extension (State Council notices 2010-2026):'
SELECT y.first_year || '-' || y.last_year AS official_years,
       (SELECT count(*) FROM gm.calendar_days('cn') WHERE NOT is_workday) AS days_off,
       (SELECT count(*) FROM gm.calendar_days('cn') WHERE is_workday) AS make_up_days,
       gm.working_days_between('2026-01-01', '2026-12-31', 'cn') AS working_days_2026
FROM (SELECT (gm.calendar_years(gm.calendar('cn')))[1] AS first_year, (gm.calendar_years(gm.calendar('cn')))[2] AS last_year) y;

\echo 'A lead created on Friday 2026-02-13 (before the Spring Festival): proposal due in 3 working days'
SELECT gm.create_calendar('demo_mon_fri', 'Asia/Shanghai', 'Mon-Fri 09:00-18:00') \gset
SELECT c.calendar, to_char(gm.followup_due('proposal', '2026-02-13 10:00+08', NULL, c.calendar) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD Dy HH24:MI') AS proposal_due,
       gm.working_days_between('2026-02-14', '2026-02-28', c.calendar) AS working_days_feb14_28
FROM (VALUES ('cn'), ('demo_mon_fri')) c(calendar);
SELECT d::date AS day, i.kind, i.holiday
FROM generate_series('2026-02-13'::date, '2026-02-25', '1 day') d, gm.day_info(d::date, 'cn') i
WHERE i.kind <> 'working day' OR d IN ('2026-02-13', '2026-02-24', '2026-02-25');

\echo 'Open follow-ups of the sample city as of 2026-11-20 18:00: due time on cn and traffic light, per region'
WITH now AS (SELECT timestamptz '2026-11-20 18:00+08' AS t),
open_items AS (
    SELECT 'lead first contact' AS item, l.customer_id, l.created_at AS started,
           gm.followup_due('first_contact', l.created_at, NULL, 'cn') AS due
    FROM city.lead l WHERE l.first_contact_at IS NULL
    UNION ALL
    SELECT 'complaint response', c.customer_id, c.opened_at, gm.followup_due('complaint_response', c.opened_at, NULL, 'cn')
    FROM city.complaint c WHERE c.responded_at IS NULL
)
SELECT r.code AS region, o.item,
       count(*) FILTER (WHERE gm.followup_light(o.started, o.due, now.t) = 'green') AS green,
       count(*) FILTER (WHERE gm.followup_light(o.started, o.due, now.t) = 'yellow') AS yellow,
       count(*) FILTER (WHERE gm.followup_light(o.started, o.due, now.t) = 'red') AS red,
       to_char(min(o.due) FILTER (WHERE o.due >= now.t) AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') AS next_due
FROM open_items o CROSS JOIN now
JOIN city.customer cu ON cu.customer_id = o.customer_id
JOIN gm.grid g ON g.grid_id = cu.grid_id
JOIN gm.grid r ON r.grid_id = g.parent_id
GROUP BY r.code, o.item ORDER BY r.code, o.item;

\echo 'Complaint response on-time rate (跟进及时率, target 95 %), 2 working days on cn, by region; the five grids most behind'
SELECT r.code AS region,
       round(100 * gm.on_time_rate(gm.followup_due('complaint_response', c.opened_at, NULL, 'cn'), c.responded_at,
                                    timestamptz '2026-11-20 18:00+08')::numeric, 1) AS on_time_pct,
       count(*) AS complaints
FROM city.complaint c JOIN city.customer cu USING (customer_id)
JOIN gm.grid g ON g.grid_id = cu.grid_id JOIN gm.grid r ON r.grid_id = g.parent_id
GROUP BY r.code ORDER BY r.code;
SELECT g.code AS grid,
       round(100 * gm.on_time_rate(gm.followup_due('complaint_response', c.opened_at, NULL, 'cn'), c.responded_at,
                                    timestamptz '2026-11-20 18:00+08')::numeric, 1) AS on_time_pct,
       count(*) AS complaints
FROM city.complaint c JOIN city.customer cu USING (customer_id) JOIN gm.grid g ON g.grid_id = cu.grid_id
GROUP BY g.code HAVING count(*) >= 10 ORDER BY on_time_pct, g.code LIMIT 5;
SELECT gm.drop_calendar('demo_mon_fri') \gset
