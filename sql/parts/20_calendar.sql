-------------------------------------------------------------------------------
-- Section 20: business calendars (工作日历) — see doc/calendar.md
-------------------------------------------------------------------------------

-- Configuration tables, one row per natural key (the configuration model of section 00):
-- rows the extension ships (the official calendar 'cn') have origin 'shipped' and are not
-- dumped; the user's change of such a row makes it 'edited', the user's own rows are 'user';
-- both are dumped, and upgrades never touch them.
CREATE TABLE gm.calendar_def (
    name          text NOT NULL CHECK (name <> '' AND strpos(name, '|') = 0),
    time_zone     text,
    working_hours text,
    based_on      text,
    outside_years text NOT NULL DEFAULT 'error' CHECK (outside_years IN ('error', 'plain')),
    note          text,
    origin        gm.origin NOT NULL DEFAULT 'user',
    CONSTRAINT calendar_def_pkey PRIMARY KEY (name),
    CHECK (based_on IS NOT NULL OR (time_zone IS NOT NULL AND working_hours IS NOT NULL)),
    CHECK (based_on IS DISTINCT FROM name)
);
COMMENT ON TABLE gm.calendar_def IS
    'Business calendars: time zone, weekly working hours, optional base calendar; one row per name (origin: shipped, edited or user)';
COMMENT ON COLUMN gm.calendar_def.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.calendar_def', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER calendar_def_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.calendar_def
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('name');
CREATE TRIGGER calendar_def_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.calendar_def
    FOR EACH STATEMENT EXECUTE FUNCTION gm._config_changed();

CREATE TABLE gm.calendar_day (
    calendar      text NOT NULL,
    day           date NOT NULL CHECK (pg_catalog.isfinite(day)),
    is_workday    boolean NOT NULL,
    note          text,
    working_hours text,
    holiday       text,
    holiday_en    text,
    notice        date,
    origin        gm.origin NOT NULL DEFAULT 'user',
    CONSTRAINT calendar_day_pkey PRIMARY KEY (calendar, day),
    CHECK (working_hours IS NULL OR is_workday)
);
COMMENT ON TABLE gm.calendar_day IS
    'Exceptional days of a calendar: holidays and closures (is_workday = false), make-up and extra working days (true, optional own windows); one row per calendar and day (origin: shipped, edited or user)';
COMMENT ON COLUMN gm.calendar_day.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.calendar_day', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER calendar_day_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.calendar_day
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('calendar', 'day');
CREATE TRIGGER calendar_day_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.calendar_day
    FOR EACH STATEMENT EXECUTE FUNCTION gm._config_changed();

CREATE TABLE gm.calendar_year (
    calendar  text NOT NULL,
    year      integer NOT NULL CHECK (year BETWEEN 1 AND 9999),
    notice    date,
    source    text,
    origin    gm.origin NOT NULL DEFAULT 'user',
    CONSTRAINT calendar_year_pkey PRIMARY KEY (calendar, year)
);
COMMENT ON TABLE gm.calendar_year IS
    'Years for which a calendar has official holiday data; arithmetic outside them is refused unless the calendar allows plain weeks; one row per calendar and year (origin: shipped, edited or user)';
COMMENT ON COLUMN gm.calendar_year.origin IS 'shipped, edited or user (gm.origin)';
SELECT pg_catalog.pg_extension_config_dump('gm.calendar_year', $$WHERE origin <> 'shipped'$$);
CREATE TRIGGER calendar_year_origin BEFORE INSERT OR UPDATE OR DELETE ON gm.calendar_year
    FOR EACH ROW EXECUTE FUNCTION gm._config_row('calendar', 'year');
CREATE TRIGGER calendar_year_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.calendar_year
    FOR EACH STATEMENT EXECUTE FUNCTION gm._config_changed();

-- The compiled calendar value -------------------------------------------------
CREATE TYPE gm.calendar;
CREATE FUNCTION gm.calendar_in(cstring) RETURNS gm.calendar
    AS 'MODULE_PATHNAME', 'gm_calendar_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.calendar_in(cstring) IS 'Input function of type gm.calendar';
CREATE FUNCTION gm.calendar_out(gm.calendar) RETURNS cstring
    AS 'MODULE_PATHNAME', 'gm_calendar_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.calendar_out(gm.calendar) IS 'Output function of type gm.calendar (canonical text form)';
CREATE FUNCTION gm.calendar_recv(internal) RETURNS gm.calendar
    AS 'MODULE_PATHNAME', 'gm_calendar_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.calendar_recv(internal) IS 'Binary input function of type gm.calendar';
CREATE FUNCTION gm.calendar_send(gm.calendar) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gm_calendar_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.calendar_send(gm.calendar) IS 'Binary output function of type gm.calendar';
CREATE TYPE gm.calendar (
    INPUT = gm.calendar_in, OUTPUT = gm.calendar_out,
    RECEIVE = gm.calendar_recv, SEND = gm.calendar_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = int4, STORAGE = extended);
COMMENT ON TYPE gm.calendar IS
    'A compiled, self-contained business calendar: time zone, windows per weekday, exceptional days, official years';

-- validation helpers -----------------------------------------------------------
CREATE FUNCTION gm.normalize_working_hours(working_hours text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_normalize_working_hours' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.normalize_working_hours(text) IS
    'Validates working hours such as ''Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00'' (22P02 with the position) and returns them in canonical form';
CREATE FUNCTION gm._normalize_windows(windows text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_normalize_windows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._normalize_windows(text) IS
    'Internal: validates the windows of one day (''09:00-12:00,13:30-18:00'') and returns them in canonical form';

-- effective configuration ---------------------------------------------------------
CREATE FUNCTION gm._calendar_chain(calendar text)
RETURNS TABLE (name text, depth integer, time_zone text, working_hours text, based_on text, outside_years text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE chain AS (
        SELECT d.name, 0 AS depth, d.time_zone, d.working_hours, d.based_on, d.outside_years
        FROM gm.calendar_def d WHERE d.name = $1
        UNION ALL
        SELECT b.name, ch.depth + 1, b.time_zone, b.working_hours, b.based_on, b.outside_years
        FROM chain ch
        JOIN gm.calendar_def b ON b.name = ch.based_on
        WHERE ch.depth < 32
    )
    SELECT * FROM chain
$$;
COMMENT ON FUNCTION gm._calendar_chain(text) IS
    'Internal: the calendar and the calendars it is based on, nearest first';

CREATE FUNCTION gm.calendar_days(calendar text)
RETURNS TABLE (day date, is_workday boolean, note text, working_hours text, holiday text,
               holiday_en text, notice date, from_calendar text, origin gm.origin)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT DISTINCT ON (d.day) d.day, d.is_workday, d.note, d.working_hours, d.holiday,
           d.holiday_en, d.notice, d.calendar, d.origin
    FROM gm._calendar_chain($1) c
    JOIN gm.calendar_day d ON d.calendar = c.name
    ORDER BY d.day, c.depth
$$;
COMMENT ON FUNCTION gm.calendar_days(text) IS
    'Effective exceptional days of a calendar: its own rows over those of the calendars it is based on (nearest wins), with the calendar and origin of each';

CREATE FUNCTION gm._calendar_text(calendar text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH c AS (SELECT * FROM gm._calendar_chain($1)),
    def AS (
        SELECT (SELECT c.time_zone FROM c WHERE c.time_zone IS NOT NULL ORDER BY c.depth LIMIT 1) AS tz,
               (SELECT c.working_hours FROM c WHERE c.working_hours IS NOT NULL ORDER BY c.depth LIMIT 1) AS hours,
               (SELECT c.outside_years FROM c WHERE c.depth = 0) AS outside),
    yr AS (SELECT min(y.year) AS fy, max(y.year) AS ly
           FROM gm.calendar_year y WHERE y.calendar IN (SELECT c.name FROM c)),
    dd AS (SELECT * FROM gm.calendar_days($1))
    SELECT 'name=' || $1 || '|tz=' || def.tz || '|hours=' || def.hours
        || coalesce('|years=' || pg_catalog.lpad(yr.fy::text, 4, '0') || '-' || pg_catalog.lpad(yr.ly::text, 4, '0'), '')
        || CASE WHEN def.outside = 'plain' AND yr.fy IS NOT NULL THEN '|outside=plain' ELSE '' END
        || coalesce('|off=' || (SELECT pg_catalog.string_agg(pg_catalog.to_char(dd.day, 'YYYY-MM-DD'), ' ' ORDER BY dd.day)
                                FROM dd WHERE NOT dd.is_workday), '')
        || coalesce('|on=' || (SELECT pg_catalog.string_agg(pg_catalog.to_char(dd.day, 'YYYY-MM-DD')
                                                         || coalesce('@' || dd.working_hours, ''), ' ' ORDER BY dd.day)
                               FROM dd WHERE dd.is_workday), '')
    FROM def, yr
    WHERE EXISTS (SELECT FROM c)
$$;
COMMENT ON FUNCTION gm._calendar_text(text) IS
    'Internal: text form of a calendar assembled from the configuration tables (NULL when it does not exist)';

CREATE FUNCTION gm._calendar_must_exist(calendar text) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
#variable_conflict use_variable
BEGIN
    IF calendar IS NULL THEN
        RAISE EXCEPTION 'calendar name must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT FROM gm.calendar_def d WHERE d.name = calendar) THEN
        RAISE EXCEPTION 'calendar "%" does not exist', calendar USING ERRCODE = '42704',
            HINT = 'Create it with gm.create_calendar(name, time_zone, working_hours).';
    END IF;
END $$;
COMMENT ON FUNCTION gm._calendar_must_exist(text) IS 'Internal: raises 42704 for an unknown calendar';

-- Text form of every calendar, kept current by triggers on the calendar tables, so that a
-- backend compiles a calendar from one row (not dumped: it is derived, and rebuilt
-- when the restored configuration rows are loaded).
CREATE TABLE gm.calendar_compiled (
    name  text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE gm.calendar_compiled IS
    'Internal: text form of every calendar (gm._calendar_text), refreshed by triggers on the calendar tables';

CREATE FUNCTION gm._calendar_refresh() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
BEGIN
    -- serialise concurrent changes; each statement below then sees the committed rows of the others
    LOCK TABLE gm.calendar_compiled IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM gm.calendar_compiled;
    INSERT INTO gm.calendar_compiled (name, value)
    SELECT n.name, gm._calendar_text(n.name)
    FROM gm.calendar_def n;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION gm._calendar_refresh() IS
    'Internal: statement trigger that rebuilds gm.calendar_compiled after a change of the calendar tables (security definer: whoever may change a calendar table keeps the compiled copy current)';

-- Reading calendars and policies is open to every role (the arithmetic by name reads them);
-- changing them needs the privileges the DBA grants on the tables.
GRANT SELECT ON gm.calendar_def, gm.calendar_day, gm.calendar_year, gm.calendar_compiled TO PUBLIC;
CREATE TRIGGER calendar_def_refresh AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.calendar_def
    FOR EACH STATEMENT EXECUTE FUNCTION gm._calendar_refresh();
CREATE TRIGGER calendar_day_refresh AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.calendar_day
    FOR EACH STATEMENT EXECUTE FUNCTION gm._calendar_refresh();
CREATE TRIGGER calendar_year_refresh AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gm.calendar_year
    FOR EACH STATEMENT EXECUTE FUNCTION gm._calendar_refresh();

-- The value by name -------------------------------------------------------------
CREATE FUNCTION gm.calendar(name text) RETURNS gm.calendar
    AS 'MODULE_PATHNAME', 'gm_calendar_by_name' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.calendar(text) IS
    'The compiled calendar of that name (cached per backend, rebuilt after any committed change of the calendar tables); 42704 when unknown';
-- gm.calendar('cn') with a quoted literal would otherwise be read as the cast 'cn'::gm.calendar
-- (a one-argument call named like a type); an exact match on type unknown keeps it a lookup.
CREATE FUNCTION gm.calendar(name unknown) RETURNS gm.calendar
    AS 'MODULE_PATHNAME', 'gm_calendar_by_name_unknown' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.calendar(unknown) IS
    'gm.calendar(name) called with a quoted literal: the calendar of that name (not a cast)';

-- Managing calendars ----------------------------------------------------------------
CREATE FUNCTION gm.create_calendar(name text, time_zone text, working_hours text, based_on text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE
    hours text;
    tz text;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'calendar name must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF based_on IS NULL AND (time_zone IS NULL OR working_hours IS NULL) THEN
        RAISE EXCEPTION 'calendar "%" needs a time zone and working hours (or a base calendar to inherit them from)', name
            USING ERRCODE = '22004';
    END IF;
    IF based_on IS NOT NULL THEN
        PERFORM gm._calendar_must_exist(based_on);
        IF EXISTS (SELECT FROM gm._calendar_chain(based_on) c WHERE c.name = create_calendar.name) THEN
            RAISE EXCEPTION 'calendar "%" cannot be based on "%": that would make a cycle', name, based_on
                USING ERRCODE = '42P17',
                HINT = 'Choose a base calendar that is not itself based on this one.';
        END IF;
    END IF;
    hours := gm.normalize_working_hours(working_hours);
    IF time_zone IS NOT NULL THEN
        -- canonical name; 22023 when unknown
        tz := pg_catalog.split_part(pg_catalog.split_part(
                  gm.calendar_out(gm.calendar_in(('tz=' || time_zone || '|hours=')::cstring))::text, '|', 1), '=', 2);
    END IF;
    -- redefine: a known calendar keeps its days and years (a shipped one becomes edited: dumped,
    -- left alone by upgrades)
    UPDATE gm.calendar_def d SET time_zone = tz, working_hours = hours, based_on = create_calendar.based_on
    WHERE d.name = create_calendar.name;
    IF NOT FOUND THEN
        INSERT INTO gm.calendar_def(name, time_zone, working_hours, based_on)
        VALUES (name, tz, hours, based_on);
    END IF;
    PERFORM gm.calendar_in(gm._calendar_text(name)::cstring);  -- the whole calendar must compile
END $$;
COMMENT ON FUNCTION gm.create_calendar(text, text, text, text) IS
    'Creates a calendar, or redefines the time zone, working hours and base of an existing one keeping its days; NULL time zone / hours inherit from based_on';

CREATE FUNCTION gm.drop_calendar(name text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
BEGIN
    PERFORM gm._calendar_must_exist(name);
    IF EXISTS (SELECT FROM gm.calendar_def d WHERE d.based_on = drop_calendar.name AND d.name <> drop_calendar.name) THEN
        RAISE EXCEPTION 'calendar "%" cannot be dropped: other calendars are based on it', name
            USING ERRCODE = '2BP01',
                  DETAIL = (SELECT 'Based on it: ' || pg_catalog.string_agg(DISTINCT d.name, ', ')
                            FROM gm.calendar_def d WHERE d.based_on = drop_calendar.name);
    END IF;
    IF EXISTS (SELECT FROM gm.calendar_def d WHERE d.name = drop_calendar.name AND d.origin <> 'user') THEN
        RAISE EXCEPTION 'calendar "%" ships with the extension and cannot be dropped', name
            USING ERRCODE = '42501', HINT = 'gm.reset_calendar(name) removes your changes to it.';
    END IF;
    DELETE FROM gm.calendar_day d WHERE d.calendar = name;
    DELETE FROM gm.calendar_year y WHERE y.calendar = name;
    DELETE FROM gm.calendar_def d WHERE d.name = drop_calendar.name;
END $$;
COMMENT ON FUNCTION gm.drop_calendar(text) IS
    'Drops a user calendar with its days and years (2BP01 when others are based on it; shipped calendars cannot be dropped)';

CREATE FUNCTION gm.reset_calendar(name text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
BEGIN
    PERFORM gm._calendar_must_exist(name);
    IF NOT EXISTS (SELECT FROM gm.calendar_def d WHERE d.name = reset_calendar.name AND d.origin <> 'user') THEN
        RAISE EXCEPTION 'calendar "%" is not a shipped calendar', name USING ERRCODE = '55000',
            HINT = 'Use gm.drop_calendar for your own calendars.';
    END IF;
    DELETE FROM gm.calendar_day d WHERE d.calendar = name AND d.origin = 'user';
    DELETE FROM gm.calendar_year y WHERE y.calendar = name AND y.origin = 'user';
    -- the rows the user edited get the shipped values again ('cn' is the one shipped calendar)
    IF name = 'cn' THEN
        PERFORM gm._cn_unedit(NULL);
    END IF;
END $$;
COMMENT ON FUNCTION gm.reset_calendar(text) IS
    'Removes every user change to a shipped calendar: its own days and years are deleted, its edited definition, days and years get the shipped values again';

CREATE FUNCTION gm.set_calendar_outside_years(calendar text, mode text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
BEGIN
    PERFORM gm._calendar_must_exist(calendar);
    IF mode IS NULL OR mode NOT IN ('error', 'plain') THEN
        RAISE EXCEPTION 'outside-years mode must be ''error'' or ''plain'', not %', coalesce('''' || mode || '''', 'NULL')
            USING ERRCODE = '22023';
    END IF;
    UPDATE gm.calendar_def d SET outside_years = mode WHERE d.name = calendar;
END $$;
COMMENT ON FUNCTION gm.set_calendar_outside_years(text, text) IS
    'Outside the official years: ''error'' (default: arithmetic is refused) or ''plain'' (plain weeks are counted)';

CREATE FUNCTION gm.set_calendar_day(calendar text, day date, is_workday boolean, note text DEFAULT NULL,
                                    working_hours text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE w text;
BEGIN
    PERFORM gm._calendar_must_exist(calendar);
    IF day IS NULL OR is_workday IS NULL THEN
        RAISE EXCEPTION 'day and is_workday must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT pg_catalog.isfinite(day) THEN
        RAISE EXCEPTION 'calendar day must be finite, not %', day USING ERRCODE = '22008';
    END IF;
    IF working_hours IS NOT NULL AND NOT is_workday THEN
        RAISE EXCEPTION 'a closed day (%) cannot have working hours', day USING ERRCODE = '22023',
            HINT = 'Working hours belong to working days: pass is_workday true, or no hours.';
    END IF;
    w := gm._normalize_windows(working_hours);
    INSERT INTO gm.calendar_day AS c (calendar, day, is_workday, note, working_hours)
    VALUES (calendar, day, is_workday, note, w)
    ON CONFLICT ON CONSTRAINT calendar_day_pkey DO UPDATE
        SET is_workday = excluded.is_workday, note = excluded.note, working_hours = excluded.working_hours;
    -- the calendar must still compile (e.g. a working day on a calendar without hours needs its own)
    PERFORM gm.calendar_in(gm._calendar_text(calendar)::cstring);
END $$;
COMMENT ON FUNCTION gm.set_calendar_day(text, date, boolean, text, text) IS
    'Sets a holiday / closure (false) or a make-up / extra working day (true, with its own windows or those of the first working weekday)';

CREATE FUNCTION gm.unset_calendar_day(calendar text, day date) RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
BEGIN
    PERFORM gm._calendar_must_exist(calendar);
    DELETE FROM gm.calendar_day d WHERE d.calendar = unset_calendar_day.calendar
        AND d.day = unset_calendar_day.day AND d.origin = 'user';
    IF FOUND THEN
        RETURN true;
    END IF;
    -- an edited official day of 'cn' gets its official values again
    RETURN calendar = 'cn' AND day IS NOT NULL AND gm._cn_unedit(day) > 0;
END $$;
COMMENT ON FUNCTION gm.unset_calendar_day(text, date) IS
    'Removes the user''s exceptional day (the weekly pattern or a base calendar row applies again) or gives an edited shipped day its shipped values again; true when something changed';

CREATE FUNCTION gm.import_calendar_days(calendar text, days date[], is_workday boolean, note text DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE n integer;
BEGIN
    PERFORM gm._calendar_must_exist(calendar);
    IF is_workday IS NULL THEN
        RAISE EXCEPTION 'is_workday must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.unnest(days) d WHERE d IS NULL OR NOT pg_catalog.isfinite(d)) THEN
        RAISE EXCEPTION 'the list of days contains NULL or an infinite date' USING ERRCODE = '22004';
    END IF;
    INSERT INTO gm.calendar_day AS c (calendar, day, is_workday, note)
    SELECT DISTINCT calendar, d, is_workday, note FROM pg_catalog.unnest(days) d
    ON CONFLICT ON CONSTRAINT calendar_day_pkey DO UPDATE
        SET is_workday = excluded.is_workday, note = excluded.note, working_hours = NULL;
    -- every day is set (a shipped day's row is changed by its trigger, outside the row count)
    SELECT count(DISTINCT d) INTO n FROM pg_catalog.unnest(days) d;
    RETURN n;
END $$;
COMMENT ON FUNCTION gm.import_calendar_days(text, date[], boolean, text) IS
    'Sets a list of days at once (all holidays, or all working days); returns the number of days set';

-- iCalendar (RFC 5545) all-day events -> (day, is_workday, name)
CREATE FUNCTION gm.ics_days(ics text)
RETURNS TABLE (day date, is_workday boolean, name text)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    body text;
    ev text;
    s text; e text; summary text;
    d0 date; d1 date;
BEGIN
    -- unfold continuation lines, normalise line ends
    body := pg_catalog.regexp_replace(pg_catalog.replace(ics, E'\r\n', E'\n'), E'\n[ \t]', '', 'g');
    IF body !~ 'BEGIN:VCALENDAR' THEN
        RAISE EXCEPTION 'invalid iCalendar text: no BEGIN:VCALENDAR' USING ERRCODE = '22P02';
    END IF;
    FOR ev IN SELECT m[1] FROM pg_catalog.regexp_matches(body, 'BEGIN:VEVENT\n(.*?)END:VEVENT', 'g') m LOOP
        s := (pg_catalog.regexp_match(ev, '(?:^|\n)DTSTART[^:\n]*:(\d{8})'))[1];
        e := (pg_catalog.regexp_match(ev, '(?:^|\n)DTEND[^:\n]*:(\d{8})'))[1];
        summary := pg_catalog.btrim((pg_catalog.regexp_match(ev, '(?:^|\n)SUMMARY[^:\n]*:([^\n]*)'))[1]);
        IF s IS NULL THEN
            RAISE EXCEPTION 'invalid iCalendar text: an event has no DTSTART date' USING ERRCODE = '22P02',
                DETAIL = 'Event: ' || pg_catalog.left(ev, 200);
        END IF;
        d0 := pg_catalog.to_date(s, 'YYYYMMDD');
        d1 := coalesce(pg_catalog.to_date(e, 'YYYYMMDD'), d0 + 1);   -- DTEND is exclusive
        IF d1 <= d0 THEN
            RAISE EXCEPTION 'invalid iCalendar text: event "%" ends before it starts', summary USING ERRCODE = '22P02';
        END IF;
        RETURN QUERY
            SELECT g::date, coalesce(summary ~* '(补班|上班|（班）|\(班\)|make-?up|working ?day|workday)', false), summary
            FROM pg_catalog.generate_series(d0, d1 - 1, '1 day') g;
    END LOOP;
END $$;
COMMENT ON FUNCTION gm.ics_days(text) IS
    'Days of the all-day events of iCalendar text; an event whose SUMMARY says 补班 / 上班 / (班) / make-up / workday is a working day, any other is a day off';

CREATE FUNCTION gm.import_calendar_ics(calendar text, ics text) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE n integer;
BEGIN
    PERFORM gm._calendar_must_exist(calendar);
    IF EXISTS (SELECT FROM gm.ics_days(ics) x GROUP BY x.day HAVING count(DISTINCT x.is_workday) > 1) THEN
        RAISE EXCEPTION 'the iCalendar text makes % both a working day and a day off',
            (SELECT min(x.day) FROM gm.ics_days(ics) x GROUP BY x.day HAVING count(DISTINCT x.is_workday) > 1)
            USING ERRCODE = '22000',
            HINT = 'Keep one of the two events of that day.';
    END IF;
    INSERT INTO gm.calendar_day AS c (calendar, day, is_workday, note)
    SELECT DISTINCT ON (x.day) calendar, x.day, x.is_workday, x.name FROM gm.ics_days(ics) x ORDER BY x.day
    ON CONFLICT ON CONSTRAINT calendar_day_pkey DO UPDATE
        SET is_workday = excluded.is_workday, note = excluded.note, working_hours = NULL;
    -- every day is set (a shipped day's row is changed by its trigger, outside the row count)
    SELECT count(DISTINCT x.day) INTO n FROM gm.ics_days(ics) x;
    RETURN n;
END $$;
COMMENT ON FUNCTION gm.import_calendar_ics(text, text) IS
    'Imports the all-day events of iCalendar text as days off / working days (see gm.ics_days); returns the number of days set';

-- Next year's notice -----------------------------------------------------------------
CREATE FUNCTION gm.apply_holiday_notice(calendar text, year integer, holidays daterange[], make_up_days date[],
                                        holiday_names text[] DEFAULT NULL, notice date DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE
    known int4range;
    lo date := pg_catalog.make_date(year, 1, 1) - 31;
    hi date := pg_catalog.make_date(year, 12, 31) + 31;
    bad record;
    n integer;
BEGIN
    PERFORM gm._calendar_must_exist(calendar);
    IF year IS NULL OR year NOT BETWEEN 1 AND 9999 THEN
        RAISE EXCEPTION 'notice year must be between 1 and 9999, not %', coalesce(year::text, 'NULL') USING ERRCODE = '22008';
    END IF;
    holidays := coalesce(holidays, '{}');
    make_up_days := coalesce(make_up_days, '{}');
    IF holiday_names IS NOT NULL AND pg_catalog.cardinality(holiday_names) <> pg_catalog.cardinality(holidays) THEN
        RAISE EXCEPTION 'holiday_names has % names for % holiday ranges',
            pg_catalog.cardinality(holiday_names), pg_catalog.cardinality(holidays) USING ERRCODE = '2202E',
            HINT = 'Give one name per holiday range, in the same order.';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.unnest(holidays) r WHERE r IS NULL OR pg_catalog.isempty(r)
               OR pg_catalog.lower_inf(r) OR pg_catalog.upper_inf(r))
       OR EXISTS (SELECT FROM pg_catalog.unnest(make_up_days) d WHERE d IS NULL) THEN
        RAISE EXCEPTION 'holiday ranges must be finite and non-empty, make-up days not NULL' USING ERRCODE = '22004';
    END IF;
    SELECT pg_catalog.int4range(min(y.year), max(y.year), '[]') INTO known
    FROM gm.calendar_year y WHERE y.calendar IN (SELECT c.name FROM gm._calendar_chain(calendar) c);
    IF known IS NOT NULL AND year <@ known THEN
        RAISE EXCEPTION 'calendar "%" already has the holidays of %', calendar, year USING ERRCODE = '23505',
            HINT = 'Change single days with gm.set_calendar_day.';
    END IF;
    IF known IS NOT NULL AND year <> pg_catalog.upper(known) AND year <> pg_catalog.lower(known) - 1 THEN
        RAISE EXCEPTION 'calendar "%" has official data for % to %: a notice for % would leave a gap',
            calendar, pg_catalog.lower(known), pg_catalog.upper(known) - 1, year USING ERRCODE = '55000',
            HINT = 'Apply the notices of the years in between first.';
    END IF;
    SELECT r INTO bad FROM pg_catalog.unnest(holidays) r WHERE pg_catalog.lower(r) < lo OR pg_catalog.upper(r) - 1 > hi;
    IF FOUND THEN
        RAISE EXCEPTION 'holiday range % is not near the year %', bad.r, year USING ERRCODE = '22008';
    END IF;
    SELECT d INTO bad FROM pg_catalog.unnest(make_up_days) d WHERE d < lo OR d > hi;
    IF FOUND THEN
        RAISE EXCEPTION 'make-up day % is not near the year %', bad.d, year USING ERRCODE = '22008';
    END IF;
    SELECT a.r AS r1, b.r AS r2 INTO bad
    FROM pg_catalog.unnest(holidays) WITH ORDINALITY a(r, i)
    JOIN pg_catalog.unnest(holidays) WITH ORDINALITY b(r, i) ON a.i < b.i AND a.r && b.r LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'holiday ranges % and % overlap', bad.r1, bad.r2 USING ERRCODE = '23P01',
            HINT = 'Merge the overlapping ranges into one.';
    END IF;
    SELECT d, r INTO bad FROM pg_catalog.unnest(make_up_days) d JOIN pg_catalog.unnest(holidays) r ON d <@ r LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'make-up day % lies inside the holiday %', bad.d, bad.r USING ERRCODE = '22000',
            HINT = 'A make-up day is a working weekend day outside the holidays: correct the day or the range.';
    END IF;
    SELECT d INTO bad FROM pg_catalog.unnest(make_up_days) d GROUP BY d HAVING count(*) > 1;
    IF FOUND THEN
        RAISE EXCEPTION 'make-up day % is given twice', bad.d USING ERRCODE = '23505',
            HINT = 'List each make-up day once.';
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS gm_notice_tmp (day date, is_workday boolean, holiday text) ON COMMIT DROP;
    TRUNCATE pg_temp.gm_notice_tmp;
    INSERT INTO pg_temp.gm_notice_tmp
    SELECT g::date, false, holiday_names[r.i]
    FROM pg_catalog.unnest(holidays) WITH ORDINALITY r(r, i),
         pg_catalog.generate_series(pg_catalog.lower(r.r), pg_catalog.upper(r.r) - 1, '1 day') g;
    -- a make-up day makes up for the nearest holiday
    INSERT INTO pg_temp.gm_notice_tmp
    SELECT m.d, true,
           (SELECT holiday_names[r.i] FROM pg_catalog.unnest(holidays) WITH ORDINALITY r(r, i)
            ORDER BY least(abs(m.d - pg_catalog.lower(r.r)), abs(m.d - (pg_catalog.upper(r.r) - 1))), r.i LIMIT 1)
    FROM pg_catalog.unnest(make_up_days) m(d);
    SELECT t.day, e.is_workday AS was INTO bad FROM pg_temp.gm_notice_tmp t
    JOIN gm.calendar_days(calendar) e ON e.day = t.day AND e.is_workday <> t.is_workday LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the notice contradicts calendar "%": % is already a %', calendar, bad.day,
            CASE WHEN bad.was THEN 'working day' ELSE 'day off' END USING ERRCODE = '55000',
            HINT = 'Correct the notice, or change the day first with gm.set_calendar_day.';
    END IF;
    INSERT INTO gm.calendar_day AS c (calendar, day, is_workday, note, holiday, notice)
    SELECT calendar, t.day, t.is_workday,
           CASE WHEN t.is_workday THEN '调休 make-up working day' ELSE 'public holiday' END,
           t.holiday, notice
    FROM pg_temp.gm_notice_tmp t
    ON CONFLICT ON CONSTRAINT calendar_day_pkey DO UPDATE
        SET is_workday = excluded.is_workday, note = excluded.note, holiday = excluded.holiday,
            notice = excluded.notice, working_hours = NULL;
    -- every day of the notice is set (a shipped day's row is changed by its trigger, outside the row count)
    SELECT count(*) INTO n FROM pg_temp.gm_notice_tmp;
    INSERT INTO gm.calendar_year(calendar, year, notice, source)
    VALUES (calendar, year, notice, 'gm.apply_holiday_notice');
    TRUNCATE pg_temp.gm_notice_tmp;
    RETURN n;
END $$;
COMMENT ON FUNCTION gm.apply_holiday_notice(text, integer, daterange[], date[], text[], date) IS
    'Applies a year''s holiday notice (ranges off, make-up days on) to a calendar and makes the year official; refuses overlaps (23P01), make-up days inside a holiday (22000) or twice (23505), days away from the year (22008), contradictions and gaps (55000), known years (23505)';

CREATE FUNCTION gm.apply_holiday_notice_ics(calendar text, year integer, ics text, notice date DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE
    offs daterange[];
    names text[];
    ons date[];
BEGIN
    IF EXISTS (SELECT FROM gm.ics_days(ics) x GROUP BY x.day HAVING count(DISTINCT x.is_workday) > 1) THEN
        RAISE EXCEPTION 'the iCalendar text makes % both a working day and a day off',
            (SELECT min(x.day) FROM gm.ics_days(ics) x GROUP BY x.day HAVING count(DISTINCT x.is_workday) > 1)
            USING ERRCODE = '22000',
            HINT = 'Keep one of the two events of that day.';
    END IF;
    -- consecutive days off with the same name form one holiday range
    SELECT pg_catalog.array_agg(pg_catalog.daterange(s.a, s.b, '[]') ORDER BY s.a), pg_catalog.array_agg(s.name ORDER BY s.a)
    INTO offs, names
    FROM (SELECT min(x.day) AS a, max(x.day) AS b, x.name
          FROM (SELECT DISTINCT y.day, y.name, y.day - (pg_catalog.dense_rank() OVER (PARTITION BY y.name ORDER BY y.day))::int AS grp
                FROM gm.ics_days(ics) y WHERE NOT y.is_workday) x
          GROUP BY x.name, x.grp) s;
    SELECT pg_catalog.array_agg(DISTINCT x.day) INTO ons FROM gm.ics_days(ics) x WHERE x.is_workday;
    RETURN gm.apply_holiday_notice(calendar, year, offs, ons, names, notice);
END $$;
COMMENT ON FUNCTION gm.apply_holiday_notice_ics(text, integer, text, date) IS
    'gm.apply_holiday_notice with the year''s holidays and make-up days read from iCalendar text (see gm.ics_days)';

-- Arithmetic: IMMUTABLE on a value, STABLE on a name ---------------------------------
-- The by-name variants are PARALLEL RESTRICTED: each call is a few array reads once the
-- backend has compiled the calendar, so a parallel worker would spend more on starting and
-- compiling than it saves (measured: 3x slower under load).  For parallel plans over very
-- large tables pass the value, gm.calendar(name), computed once: the value variants are
-- IMMUTABLE and PARALLEL SAFE.
CREATE FUNCTION gm.is_workday(day date, calendar gm.calendar) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_is_workday' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.is_workday(date, gm.calendar) IS 'Whether the day is a working day of the calendar value';
CREATE FUNCTION gm.is_workday(day date, calendar text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_is_workday_name' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.is_workday(date, text) IS 'Whether the day is a working day of the named calendar';

CREATE FUNCTION gm.add_working_days(day date, n integer, calendar gm.calendar) RETURNS date
    AS 'MODULE_PATHNAME', 'gm_add_working_days' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.add_working_days(date, integer, gm.calendar) IS
    'n = 0: day if a working day, else the next one; n > 0: the n-th working day after day; n < 0: the n-th before it';
CREATE FUNCTION gm.add_working_days(day date, n integer, calendar text) RETURNS date
    AS 'MODULE_PATHNAME', 'gm_add_working_days_name' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.add_working_days(date, integer, text) IS
    'gm.add_working_days on the named calendar';

CREATE FUNCTION gm.working_days_between(a date, b date, calendar gm.calendar) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_working_days_between' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.working_days_between(date, date, gm.calendar) IS
    'Number of working days from a to b, both included (negative when b < a)';
CREATE FUNCTION gm.working_days_between(a date, b date, calendar text) RETURNS integer
    AS 'MODULE_PATHNAME', 'gm_working_days_between_name' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.working_days_between(date, date, text) IS
    'gm.working_days_between on the named calendar';

CREATE FUNCTION gm.add_working_time(ts timestamptz, amount interval, calendar gm.calendar) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gm_add_working_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.add_working_time(timestamptz, interval, gm.calendar) IS
    'The instant after amount of working time from ts, in the calendar''s time zone (negative amounts count back)';
CREATE FUNCTION gm.add_working_time(ts timestamptz, amount interval, calendar text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gm_add_working_time_name' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.add_working_time(timestamptz, interval, text) IS
    'gm.add_working_time on the named calendar';

CREATE FUNCTION gm.working_time_between(a timestamptz, b timestamptz, calendar gm.calendar) RETURNS interval
    AS 'MODULE_PATHNAME', 'gm_working_time_between' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.working_time_between(timestamptz, timestamptz, gm.calendar) IS
    'Working time between a and b (negative when b < a), as an interval in hours';
CREATE FUNCTION gm.working_time_between(a timestamptz, b timestamptz, calendar text) RETURNS interval
    AS 'MODULE_PATHNAME', 'gm_working_time_between_name' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.working_time_between(timestamptz, timestamptz, text) IS
    'gm.working_time_between on the named calendar';

CREATE FUNCTION gm.working_time_between(a timestamptz, b timestamptz, calendar gm.calendar, paused tstzmultirange)
RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN NULL
                WHEN $2 < $1 THEN -gm.working_time_between($2, $1, $3, $4)
                ELSE gm.working_time_between($1, $2, $3)
                     - coalesce((SELECT pg_catalog.sum(gm.working_time_between(
                                          greatest($1, coalesce(pg_catalog.lower(r), $1)),
                                          least($2, coalesce(pg_catalog.upper(r), $2)), $3))
                                 FROM pg_catalog.unnest($4) r
                                 WHERE coalesce(pg_catalog.lower(r), $1) < $2 AND coalesce(pg_catalog.upper(r), $2) > $1),
                                '0'::interval) END
$$;
COMMENT ON FUNCTION gm.working_time_between(timestamptz, timestamptz, gm.calendar, tstzmultirange) IS
    'Working time between a and b minus the working time inside the paused (on-hold) spans';
CREATE FUNCTION gm.working_time_between(a timestamptz, b timestamptz, calendar text, paused tstzmultirange)
RETURNS interval LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT gm.working_time_between($1, $2, gm.calendar($3), $4)
$$;
COMMENT ON FUNCTION gm.working_time_between(timestamptz, timestamptz, text, tstzmultirange) IS
    'Working time between a and b on the named calendar, minus the paused spans';
CREATE FUNCTION gm.working_time_between(a timestamptz, b timestamptz, calendar gm.calendar, paused tstzrange[])
RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT gm.working_time_between($1, $2, $3,
        (SELECT coalesce(pg_catalog.range_agg(r), '{}'::tstzmultirange) FROM pg_catalog.unnest($4) r WHERE r IS NOT NULL))
$$;
COMMENT ON FUNCTION gm.working_time_between(timestamptz, timestamptz, gm.calendar, tstzrange[]) IS
    'Working time between a and b minus the paused spans (an array of ranges; overlaps counted once)';
CREATE FUNCTION gm.working_time_between(a timestamptz, b timestamptz, calendar text, paused tstzrange[])
RETURNS interval LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT gm.working_time_between($1, $2, gm.calendar($3), $4)
$$;
COMMENT ON FUNCTION gm.working_time_between(timestamptz, timestamptz, text, tstzrange[]) IS
    'Working time between a and b on the named calendar, minus the paused spans';

CREATE FUNCTION gm.working_day_end(day date, calendar gm.calendar) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gm_working_day_end' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.working_day_end(date, gm.calendar) IS
    'End of the last working window of the day (close of business); NULL on a day off';
CREATE FUNCTION gm.working_day_end(day date, calendar text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'gm_working_day_end_name' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gm.working_day_end(date, text) IS 'gm.working_day_end on the named calendar';

CREATE FUNCTION gm.calendar_time_zone(calendar gm.calendar) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_calendar_time_zone' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.calendar_time_zone(gm.calendar) IS 'Time zone of a calendar value';
CREATE FUNCTION gm.calendar_years(calendar gm.calendar) RETURNS integer[]
    AS 'MODULE_PATHNAME', 'gm_calendar_years' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.calendar_years(gm.calendar) IS
    'First and last official year of a calendar value ({first,last}); NULL when it has none (plain weeks everywhere)';
CREATE FUNCTION gm._plain_workday(day date, calendar gm.calendar) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_plain_workday' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._plain_workday(date, gm.calendar) IS
    'Internal: whether the weekday of day has working hours (ignoring holidays and make-up days)';

CREATE FUNCTION gm.day_info(the_day date, calendar text,
    OUT day date, OUT is_workday boolean, OUT kind text, OUT holiday text, OUT holiday_en text,
    OUT note text, OUT from_calendar text)
RETURNS record LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $$
#variable_conflict use_variable
DECLARE
    cal gm.calendar;
    r record;
    plain boolean;
BEGIN
    IF $1 IS NULL THEN RETURN; END IF;
    cal := gm.calendar(calendar);       -- 42704 when unknown
    day := $1;
    is_workday := gm.is_workday($1, cal);  -- refuses years without official data
    plain := gm._plain_workday($1, cal);
    SELECT * INTO r FROM gm.calendar_days(calendar) x WHERE x.day = $1;
    IF FOUND THEN
        note := r.note;
        from_calendar := r.from_calendar;
        holiday_en := r.holiday_en;
        IF NOT is_workday THEN
            kind := CASE WHEN plain THEN 'holiday' ELSE 'holiday (on a weekend)' END;
            holiday := coalesce(r.holiday, r.note);
        ELSIF NOT plain THEN
            kind := '调休 make-up working day';
            holiday := coalesce(r.holiday, r.note);
        ELSE
            kind := 'working day (own hours)';
        END IF;
    ELSE
        kind := CASE WHEN is_workday THEN 'working day'
                     WHEN pg_catalog.date_part('isodow', $1) >= 6 THEN 'weekend' ELSE 'day off (weekly hours)' END;
    END IF;
    RETURN;
END $$;
COMMENT ON FUNCTION gm.day_info(date, text) IS
    'Whether a day is a working day of the named calendar and why: working day, weekend, holiday (with its name), 调休 make-up working day (with the holiday it makes up for)';
