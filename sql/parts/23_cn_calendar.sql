-------------------------------------------------------------------------------
-- Section 23: the official mainland China working calendar 'cn' (法定节假日与调休)
-- Built from gm.cn_official_day (section 21: every official day off and make-up
-- working day of the State Council notices).  Shipped rows are marked
-- shipped = true: pg_dump leaves them out (the extension script recreates them);
-- a user's changes to 'cn' are separate rows (shipped = false) that are dumped,
-- restored and left alone by upgrades.
-------------------------------------------------------------------------------
INSERT INTO gm.calendar_def (name, time_zone, working_hours, outside_years, note, shipped)
VALUES ('cn', 'Asia/Shanghai', 'Mon-Fri 09:00-18:00', 'error',
        'Mainland China working calendar: public holidays and 调休 make-up working days of the State Council notices', true);

-- (Re)builds the shipped rows of 'cn' from gm.cn_official_day: called here and by every upgrade
-- script that adds a year to gm.cn_official_day.  Never touches user rows.
CREATE FUNCTION gm._cn_sync_official() RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
DECLARE
    n integer;
    fy integer;
    ly integer;
BEGIN
    INSERT INTO gm.calendar_day AS c (calendar, day, is_workday, note, holiday, holiday_en, notice, shipped)
    SELECT 'cn', o.day, o.is_workday,
           CASE WHEN o.is_workday THEN '调休 make-up working day' ELSE 'public holiday' END,
           o.holiday, o.holiday_en, o.notice, true
    FROM gm.cn_official_day o
    ON CONFLICT ON CONSTRAINT calendar_day_pkey DO UPDATE
        SET is_workday = excluded.is_workday, note = excluded.note, holiday = excluded.holiday,
            holiday_en = excluded.holiday_en, notice = excluded.notice
        WHERE (c.is_workday, c.note, c.holiday, c.holiday_en, c.notice)
              IS DISTINCT FROM (excluded.is_workday, excluded.note, excluded.holiday, excluded.holiday_en, excluded.notice);
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM gm.calendar_day c
    WHERE c.calendar = 'cn' AND c.shipped AND NOT EXISTS (SELECT FROM gm.cn_official_day o WHERE o.day = c.day);
    -- official years: from the first to the last year with rows (a December row of the next
    -- year's notice does not open a year of its own)
    SELECT pg_catalog.date_part('year', min(o.day) + 31)::integer, pg_catalog.date_part('year', max(o.day))::integer
    INTO fy, ly FROM gm.cn_official_day o;
    DELETE FROM gm.calendar_year y WHERE y.calendar = 'cn' AND y.shipped AND NOT (y.year BETWEEN fy AND ly);
    INSERT INTO gm.calendar_year (calendar, year, notice, source, shipped)
    SELECT 'cn', y,
           (SELECT pg_catalog.mode() WITHIN GROUP (ORDER BY o.notice) FROM gm.cn_official_day o
            WHERE pg_catalog.date_part('year', o.day) = y),
           '国务院办公厅关于' || y || '年部分节假日安排的通知', true
    FROM pg_catalog.generate_series(fy, ly) y
    ON CONFLICT ON CONSTRAINT calendar_year_pkey DO NOTHING;
    RETURN n;
END $$;
COMMENT ON FUNCTION gm._cn_sync_official() IS
    'Internal: (re)builds the shipped rows of calendar cn from gm.cn_official_day (install and upgrade scripts); user rows are left alone; returns the number of days inserted or changed';

SELECT gm._cn_sync_official();
