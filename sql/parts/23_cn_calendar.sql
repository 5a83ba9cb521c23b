-------------------------------------------------------------------------------
-- Section 23: the official mainland China working calendar 'cn' (法定节假日与调休)
-- Built from gm.cn_official_day (section 21: every official day off and make-up
-- working day of the State Council notices 2010-2026).  Shipped rows are marked
-- shipped = true: pg_dump leaves them out (the extension script recreates them),
-- a user's changes to 'cn' are separate rows that are dumped and restored.
-------------------------------------------------------------------------------
INSERT INTO gm.calendar_def (name, time_zone, working_hours, outside_years, note, shipped)
VALUES ('cn', 'Asia/Shanghai', 'Mon-Fri 09:00-18:00', 'error',
        'Mainland China working calendar: public holidays and 调休 make-up working days of the State Council notices', true);

INSERT INTO gm.calendar_day (calendar, day, is_workday, note, holiday, holiday_en, notice, shipped)
SELECT 'cn', o.day, o.is_workday,
       CASE WHEN o.is_workday THEN '调休 make-up working day' ELSE 'public holiday' END,
       o.holiday, o.holiday_en, o.notice, true
FROM gm.cn_official_day o;

INSERT INTO gm.calendar_year (calendar, year, notice, source, shipped)
SELECT 'cn', y,
       (SELECT pg_catalog.mode() WITHIN GROUP (ORDER BY o.notice) FROM gm.cn_official_day o WHERE pg_catalog.date_part('year', o.day) = y),
       '国务院办公厅关于' || y || '年部分节假日安排的通知', true
FROM pg_catalog.generate_series(2010, 2026) y;
