-- cn_official_data: the shipped official calendar gm.cn_official_day (State Council notices 2010-2026),
-- checked on the table alone: shape, consistency, festival lengths, full 2024-2026 lists
-- written from the notices, and the number of working days of every year.
BEGIN;
SELECT plan(30);

-- shape, privileges, dump behaviour --------------------------------------------------------
SELECT has_table('gm', 'cn_official_day', 'gm.cn_official_day exists');
SELECT col_is_pk('gm', 'cn_official_day', 'day', 'one row per day');
SELECT columns_are('gm', 'cn_official_day', ARRAY['day', 'is_workday', 'holiday', 'holiday_en', 'notice'],
                   'columns day, is_workday, holiday, holiday_en, notice');
SELECT table_privs_are('gm', 'cn_official_day', 'public', ARRAY['SELECT'], 'PUBLIC may read the official calendar');
SELECT ok(EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = 'gm.cn_official_day'::regclass
                     AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'),
          'the table belongs to the extension');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e, pg_catalog.unnest(e.extconfig) c
                       WHERE e.extname = 'grid_marketing' AND c = 'gm.cn_official_day'::regclass),
          'shipped rows are not registered for pg_dump (no duplicates on restore)');

-- coverage and consistency ------------------------------------------------------------------
SELECT is((SELECT array_agg(DISTINCT extract(year FROM day)::int ORDER BY extract(year FROM day)::int)
             FROM gm.cn_official_day WHERE NOT is_workday),
          (SELECT array_agg(y) FROM generate_series(2010, 2026) y),
          'every year 2010-2026 has official days off, and no other year has');
SELECT is((SELECT count(*)::int FROM gm.cn_official_day WHERE day < '2010-01-01' OR day > '2026-12-31'), 0,
          'no row outside 2010-2026 (2010''s New Year holiday starts 2010-01-01)');
SELECT is_empty($$SELECT day FROM gm.cn_official_day WHERE is_workday AND extract(isodow FROM day) < 6$$,
                'every make-up working day is a Saturday or a Sunday');
-- (day is the primary key, so a day cannot be listed both ways; what remains to check is that
-- no row leaves its status open)
SELECT col_not_null('gm', 'cn_official_day', 'is_workday',
                    'every official day is either off or a make-up working day (is_workday NOT NULL)');
SELECT is_empty($$SELECT w.day FROM gm.cn_official_day w
                   WHERE w.is_workday
                     AND NOT EXISTS (SELECT 1 FROM gm.cn_official_day o
                                      WHERE NOT o.is_workday AND o.holiday = w.holiday
                                        AND o.day BETWEEN w.day - 14 AND w.day + 14)$$,
                'every make-up day names a festival with days off within two weeks of it');
SELECT is_empty($$SELECT day FROM gm.cn_official_day WHERE notice >= day OR notice < '2009-12-01'$$,
                'every day was announced before it happened');
SELECT is_empty($$SELECT holiday FROM gm.cn_official_day GROUP BY holiday HAVING count(DISTINCT holiday_en) <> 1$$,
                'each Chinese festival name has one English name');
SELECT is((SELECT array_agg(h ORDER BY h COLLATE "C") FROM (SELECT DISTINCT holiday FROM gm.cn_official_day) s(h)),
          ARRAY['中秋节', '中秋节、国庆节', '元旦', '劳动节', '国庆节', '国庆节、中秋节', '抗战胜利70周年纪念日', '春节', '清明节', '端午节'],
          'only the festivals of the notices (and the 2015 Victory Day)');
SELECT is_empty($$SELECT d.day FROM gm.cn_official_day d
                   WHERE NOT d.is_workday
                     AND NOT EXISTS (SELECT 1 FROM gm.cn_official_day n
                                      WHERE NOT n.is_workday AND n.holiday = d.holiday
                                        AND n.day IN (d.day - 1, d.day + 1))
                     AND d.day NOT IN ('2014-01-01', '2015-09-27', '2020-01-01', '2023-04-05', '2025-01-01')$$,
                'holiday periods are contiguous; single days off only where the notice gives one day');

-- festival lengths --------------------------------------------------------------------------
SELECT results_eq(
  $$SELECT extract(year FROM day)::int, count(*)::int FROM gm.cn_official_day
     WHERE NOT is_workday AND holiday_en LIKE '%National Day%' GROUP BY 1 ORDER BY 1$$,
  $$VALUES (2010, 7), (2011, 7), (2012, 8), (2013, 7), (2014, 7), (2015, 7), (2016, 7), (2017, 8), (2018, 7),
           (2019, 7), (2020, 8), (2021, 7), (2022, 7), (2023, 8), (2024, 7), (2025, 8), (2026, 7)$$,
  'National Day: 7 days, 8 where merged with the Mid-Autumn Festival (2012, 2017, 2020, 2023, 2025)');
SELECT results_eq(
  $$SELECT extract(year FROM day)::int, count(*)::int FROM gm.cn_official_day
     WHERE NOT is_workday AND holiday = '春节' GROUP BY 1 ORDER BY 1$$,
  $$VALUES (2010, 7), (2011, 7), (2012, 7), (2013, 7), (2014, 7), (2015, 7), (2016, 7), (2017, 7), (2018, 7),
           (2019, 7), (2020, 10), (2021, 7), (2022, 7), (2023, 7), (2024, 8), (2025, 8), (2026, 9)$$,
  'Spring Festival: 7 days; 2020 extended to 10; 8 in 2024 and 2025; 9 in 2026');
SELECT results_eq(
  $$SELECT extract(year FROM day)::int, count(*)::int FROM gm.cn_official_day
     WHERE NOT is_workday AND holiday = '劳动节' GROUP BY 1 ORDER BY 1$$,
  $$VALUES (2010, 3), (2011, 3), (2012, 3), (2013, 3), (2014, 3), (2015, 3), (2016, 2), (2017, 3), (2018, 3),
           (2019, 4), (2020, 5), (2021, 5), (2022, 5), (2023, 5), (2024, 5), (2025, 5), (2026, 5)$$,
  'Labour Day: 3 days; 2016 "5月1日放假，5月2日补休"; 2019 amended to 4; 5 since 2020');
SELECT results_eq(
  $$SELECT extract(year FROM day + 7)::int, count(*)::int FROM gm.cn_official_day
     WHERE NOT is_workday AND holiday = '元旦' GROUP BY 1 ORDER BY 1$$,
  $$VALUES (2010, 3), (2011, 3), (2012, 3), (2013, 3), (2014, 1), (2015, 3), (2016, 3), (2017, 2), (2018, 3),
           (2019, 3), (2020, 1), (2021, 3), (2022, 3), (2023, 3), (2024, 3), (2025, 1), (2026, 3)$$,
  'New Year''s Day: days off per New Year (a period starting in late December counted with the year it opens)');
SELECT is((SELECT array_agg(day ORDER BY day) FROM gm.cn_official_day WHERE NOT is_workday AND extract(month FROM day) = 12),
          ARRAY['2017-12-30', '2017-12-31', '2018-12-30', '2018-12-31', '2022-12-31', '2023-12-30', '2023-12-31']::date[],
          'New Year periods starting in December: 2018 (12-30/31), 2019 (12-30/31), 2023 (12-31), 2024 (12-30/31)');
SELECT is((SELECT array_agg(day ORDER BY day) FROM gm.cn_official_day WHERE is_workday AND extract(month FROM day) = 12),
          ARRAY['2011-12-31', '2018-12-29']::date[], 'December make-up days for the next New Year: 2011-12-31 and 2018-12-29');

-- full lists of 2024, 2025 and 2026, written from the notices -------------------------------
SELECT is((SELECT array_agg(day ORDER BY day) FROM gm.cn_official_day WHERE NOT is_workday AND notice = '2023-10-25'),
          ARRAY['2023-12-30', '2023-12-31', '2024-01-01',
                '2024-02-10', '2024-02-11', '2024-02-12', '2024-02-13', '2024-02-14', '2024-02-15', '2024-02-16', '2024-02-17',
                '2024-04-04', '2024-04-05', '2024-04-06',
                '2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05',
                '2024-06-08', '2024-06-09', '2024-06-10',
                '2024-09-15', '2024-09-16', '2024-09-17',
                '2024-10-01', '2024-10-02', '2024-10-03', '2024-10-04', '2024-10-05', '2024-10-06', '2024-10-07']::date[],
          '2024 days off (notice of 2023-10-25)');
SELECT results_eq(
  $$SELECT day, holiday FROM gm.cn_official_day WHERE is_workday AND notice = '2023-10-25' ORDER BY day$$,
  $$VALUES ('2024-02-04'::date, '春节'), ('2024-02-18', '春节'), ('2024-04-07', '清明节'), ('2024-04-28', '劳动节'),
           ('2024-05-11', '劳动节'), ('2024-09-14', '中秋节'), ('2024-09-29', '国庆节'), ('2024-10-12', '国庆节')$$,
  '2024 make-up working days and the festivals they make up for');
SELECT is((SELECT array_agg(day ORDER BY day) FROM gm.cn_official_day WHERE NOT is_workday AND notice = '2024-11-12'),
          ARRAY['2025-01-01',
                '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04',
                '2025-04-04', '2025-04-05', '2025-04-06',
                '2025-05-01', '2025-05-02', '2025-05-03', '2025-05-04', '2025-05-05',
                '2025-05-31', '2025-06-01', '2025-06-02',
                '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06', '2025-10-07', '2025-10-08']::date[],
          '2025 days off (notice of 2024-11-12)');
SELECT results_eq(
  $$SELECT day, holiday FROM gm.cn_official_day WHERE is_workday AND notice = '2024-11-12' ORDER BY day$$,
  $$VALUES ('2025-01-26'::date, '春节'), ('2025-02-08', '春节'), ('2025-04-27', '劳动节'),
           ('2025-09-28', '国庆节、中秋节'), ('2025-10-11', '国庆节、中秋节')$$,
  '2025 make-up working days and the festivals they make up for');
SELECT is((SELECT array_agg(day ORDER BY day) FROM gm.cn_official_day WHERE NOT is_workday AND notice = '2025-11-04'),
          ARRAY['2026-01-01', '2026-01-02', '2026-01-03',
                '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
                '2026-04-04', '2026-04-05', '2026-04-06',
                '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
                '2026-06-19', '2026-06-20', '2026-06-21',
                '2026-09-25', '2026-09-26', '2026-09-27',
                '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07']::date[],
          '2026 days off (notice of 2025-11-04)');
SELECT results_eq(
  $$SELECT day, holiday FROM gm.cn_official_day WHERE is_workday AND notice = '2025-11-04' ORDER BY day$$,
  $$VALUES ('2026-01-04'::date, '元旦'), ('2026-02-14', '春节'), ('2026-02-28', '春节'), ('2026-05-09', '劳动节'),
           ('2026-09-20', '国庆节'), ('2026-10-10', '国庆节')$$,
  '2026 make-up working days and the festivals they make up for');
SELECT is((SELECT count(*)::int FROM gm.cn_official_day WHERE extract(year FROM day) BETWEEN 2024 AND 2026),
          (32 - 2) + 8 + 28 + 5 + 33 + 6,
          'no other row in 2024-2026 than those listed (2023-12-30/31 belong to 2023)');

-- amendments --------------------------------------------------------------------------------
SELECT results_eq(
  $$SELECT day, is_workday, notice FROM gm.cn_official_day
     WHERE day IN ('2015-09-03', '2015-09-06', '2019-04-28', '2019-05-04', '2019-05-05', '2020-01-31', '2020-02-01', '2020-02-02')
     ORDER BY day$$,
  $$VALUES ('2015-09-03'::date, false, '2015-05-13'::date), ('2015-09-06', true, '2015-05-13'),
           ('2019-04-28', true, '2019-03-22'), ('2019-05-04', false, '2019-03-22'), ('2019-05-05', true, '2019-03-22'),
           ('2020-01-31', false, '2020-01-27'), ('2020-02-01', false, '2020-01-27'), ('2020-02-02', false, '2020-01-27')$$,
  'amended arrangements: 2015 Victory Day, 2019 Labour Day, 2020 Spring Festival extension (2020-02-01 no longer a working day)');

-- working days per year ---------------------------------------------------------------------
-- Mon-Fri, minus official days off falling on Mon-Fri, plus make-up days.  Expected values
-- counted by hand from each notice (e.g. 2025: 261 weekdays - 18 weekdays off + 5 make-up = 248).
SELECT results_eq(
  $$SELECT extract(year FROM d)::int,
           count(*) FILTER (WHERE CASE WHEN o.day IS NOT NULL THEN o.is_workday
                                       ELSE extract(isodow FROM d) < 6 END)::int
      FROM generate_series('2010-01-01'::date, '2026-12-31', '1 day') g(d)
      LEFT JOIN gm.cn_official_day o ON o.day = g.d::date
     GROUP BY 1 ORDER BY 1$$,
  $$VALUES (2010, 250), (2011, 250), (2012, 249), (2013, 250), (2014, 250), (2015, 249), (2016, 250), (2017, 249),
           (2018, 250), (2019, 250), (2020, 249), (2021, 250), (2022, 249), (2023, 249), (2024, 251), (2025, 248),
           (2026, 248)$$,
  'working days per year match the count from each notice');

SELECT * FROM finish();
ROLLBACK;
