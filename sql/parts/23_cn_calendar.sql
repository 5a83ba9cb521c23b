-------------------------------------------------------------------------------
-- Section 23: the official mainland China working calendar 'cn' (法定节假日与调休)
-- Built from gm.cn_official_day (section 21: every official day off and make-up
-- working day of the State Council notices).  Its rows have origin 'shipped':
-- pg_dump leaves them out (the extension script recreates them).  A user's change
-- of one of them makes it 'edited', the user's own days of 'cn' are 'user' rows;
-- both are dumped, restored and left alone by upgrades.
-------------------------------------------------------------------------------
INSERT INTO gm.calendar_def (name, time_zone, working_hours, outside_years, note, origin)
VALUES ('cn', 'Asia/Shanghai', 'Mon-Fri 09:00-18:00', 'error',
        'Mainland China working calendar: public holidays and 调休 make-up working days of the State Council notices', 'shipped');

-- (Re)builds the shipped rows of 'cn' from gm.cn_official_day: called here and by every upgrade
-- script that adds a year to gm.cn_official_day.  Never changes the values of the user's rows: a
-- user's row on a day (or year) that becomes official is kept as the user's edit of it.
CREATE FUNCTION gm._cn_sync_official() RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
DECLARE
    n integer;
    m integer;
    fy integer;
    ly integer;
BEGIN
    UPDATE gm.calendar_day c SET origin = 'edited'
    WHERE c.calendar = 'cn' AND c.origin = 'user' AND EXISTS (SELECT FROM gm.cn_official_day o WHERE o.day = c.day);
    GET DIAGNOSTICS m = ROW_COUNT;
    INSERT INTO gm.calendar_day AS c (calendar, day, is_workday, note, holiday, holiday_en, notice, origin)
    SELECT 'cn', o.day, o.is_workday,
           CASE WHEN o.is_workday THEN '调休 make-up working day' ELSE 'public holiday' END,
           o.holiday, o.holiday_en, o.notice, 'shipped'
    FROM gm.cn_official_day o
    ON CONFLICT ON CONSTRAINT calendar_day_pkey DO UPDATE
        SET is_workday = excluded.is_workday, note = excluded.note, holiday = excluded.holiday,
            holiday_en = excluded.holiday_en, notice = excluded.notice
        WHERE c.origin = 'shipped'
          AND (c.is_workday, c.note, c.holiday, c.holiday_en, c.notice)
              IS DISTINCT FROM (excluded.is_workday, excluded.note, excluded.holiday, excluded.holiday_en, excluded.notice);
    GET DIAGNOSTICS n = ROW_COUNT;
    -- days no longer official: the shipped rows go, the user's edits stay as the user's own rows
    DELETE FROM gm.calendar_day c
    WHERE c.calendar = 'cn' AND c.origin = 'shipped' AND NOT EXISTS (SELECT FROM gm.cn_official_day o WHERE o.day = c.day);
    UPDATE gm.calendar_day c SET origin = 'user'
    WHERE c.calendar = 'cn' AND c.origin = 'edited' AND NOT EXISTS (SELECT FROM gm.cn_official_day o WHERE o.day = c.day);
    -- official years: from the first to the last year with rows (a December row of the next
    -- year's notice does not open a year of its own)
    SELECT pg_catalog.date_part('year', min(o.day) + 31)::integer, pg_catalog.date_part('year', max(o.day))::integer
    INTO fy, ly FROM gm.cn_official_day o;
    DELETE FROM gm.calendar_year y WHERE y.calendar = 'cn' AND y.origin = 'shipped' AND NOT (y.year BETWEEN fy AND ly);
    UPDATE gm.calendar_year y SET origin = 'user'
    WHERE y.calendar = 'cn' AND y.origin = 'edited' AND NOT (y.year BETWEEN fy AND ly);
    UPDATE gm.calendar_year y SET origin = 'edited'
    WHERE y.calendar = 'cn' AND y.origin = 'user' AND y.year BETWEEN fy AND ly;
    INSERT INTO gm.calendar_year (calendar, year, notice, source, origin)
    SELECT 'cn', y,
           (SELECT pg_catalog.mode() WITHIN GROUP (ORDER BY o.notice) FROM gm.cn_official_day o
            WHERE pg_catalog.date_part('year', o.day) = y),
           '国务院办公厅关于' || y || '年部分节假日安排的通知', 'shipped'
    FROM pg_catalog.generate_series(fy, ly) y
    ON CONFLICT ON CONSTRAINT calendar_year_pkey DO NOTHING;
    RETURN n + m;
END $$;
COMMENT ON FUNCTION gm._cn_sync_official() IS
    'Internal: (re)builds the shipped rows of calendar cn from gm.cn_official_day (install and upgrade scripts); the values of the user''s rows are left alone (a user''s row on a newly official day becomes its edit); returns the number of days inserted, changed or taken over as edits';

-- The shipped values again for the rows of 'cn' the user edited (gm.reset_calendar, and
-- gm.unset_calendar_day of one day).  They stay edited: only the extension's scripts write
-- shipped rows.
CREATE FUNCTION gm._cn_unedit(day date) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE n integer;
BEGIN
    UPDATE gm.calendar_day c
       SET is_workday = o.is_workday,
           note = CASE WHEN o.is_workday THEN '调休 make-up working day' ELSE 'public holiday' END,
           working_hours = NULL, holiday = o.holiday, holiday_en = o.holiday_en, notice = o.notice
      FROM gm.cn_official_day o
     WHERE c.calendar = 'cn' AND c.origin = 'edited' AND o.day = c.day AND (day IS NULL OR c.day = day)
       AND (c.is_workday, c.note, c.working_hours, c.holiday, c.holiday_en, c.notice)
           IS DISTINCT FROM (o.is_workday, CASE WHEN o.is_workday THEN '调休 make-up working day' ELSE 'public holiday' END,
                             NULL::text, o.holiday, o.holiday_en, o.notice);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF day IS NULL THEN
        -- the definition as shipped above
        UPDATE gm.calendar_def d
           SET time_zone = 'Asia/Shanghai', working_hours = 'Mon-Fri 09:00-18:00', based_on = NULL, outside_years = 'error',
               note = 'Mainland China working calendar: public holidays and 调休 make-up working days of the State Council notices'
         WHERE d.name = 'cn' AND d.origin = 'edited';
        UPDATE gm.calendar_year y
           SET notice = (SELECT pg_catalog.mode() WITHIN GROUP (ORDER BY o.notice) FROM gm.cn_official_day o
                         WHERE pg_catalog.date_part('year', o.day) = y.year),
               source = '国务院办公厅关于' || y.year || '年部分节假日安排的通知'
         WHERE y.calendar = 'cn' AND y.origin = 'edited';
    END IF;
    RETURN n;
END $$;
COMMENT ON FUNCTION gm._cn_unedit(date) IS
    'Internal: gives the edited rows of calendar cn their shipped values again (one day, or with NULL every day, the definition and the years); returns the number of days changed';

SELECT gm._cn_sync_official();
