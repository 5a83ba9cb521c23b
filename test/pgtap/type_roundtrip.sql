-- type_roundtrip: every type of schema gm reads back what it writes, as text (value::text::type,
-- what pg_dump / COPY text / literals inlined by postgres_fdw rely on) and as binary (send, then
-- receive: COPY ... (FORMAT binary) out to a file and back into a second table), on extreme
-- values: min/max, denormals, -0, empty and absent parts, long values, unicode names, every time
-- zone the server knows.  Equality is checked bit for bit where the type allows it: the send
-- function's bytes of the value read back equal those of the original.
-- Also: gm.rfm_breaks refuses the same values (NaN, infinities, negatives) with the same SQLSTATE
-- at construction (the aggregate) and at text and binary input, and a long gm.rfm_breaks
-- aggregate stops at statement_timeout.
BEGIN;
SELECT plan(46);

-- binary round trip of table src into a new table dst (same columns) through a server-side file;
-- the file is removed by the COPY that reads it
CREATE FUNCTION pg_temp.copy_round_trip(src text, dst text, fmt text DEFAULT 'binary') RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  f text := format('/tmp/gm_type_roundtrip_%s_%s.%s', pg_backend_pid(), src, fmt);
  n bigint;
BEGIN
  EXECUTE format('COPY %I TO %L (FORMAT %s)', src, f, fmt);
  EXECUTE format('CREATE TEMP TABLE %I (LIKE %I)', dst, src);
  EXECUTE format('COPY %I FROM PROGRAM %L (FORMAT %s)', dst, format('cat %s && rm -f %s', f, f), fmt);
  EXECUTE format('SELECT count(*) FROM %I', dst) INTO n;
  RETURN n;
END $$;

-- the types this file covers are all the types of schema gm (a new type must be added here) --
SELECT set_eq(
  $$SELECT t.oid::regtype::text FROM pg_type t
    WHERE t.typnamespace = 'gm'::regnamespace AND t.typcategory <> 'A'
      AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')$$,
  ARRAY['gm.rfm', 'gm.rfm_breaks', 'gm.calendar', 'gm.light', 'gm.lifecycle_class', 'gm.value_tier_class',
        'gm.followup_state', 'gm.rfm_cn_class', 'gm.funnel_stats', 'gm.origin', 'gm.address', 'gm.community_match'],
  'the types checked here are all the types of schema gm');

-- ================================================================ gm.rfm_breaks
-- the report of issue #17: a denormal cut point was printed but not read back (22P02)
SELECT lives_ok($$SELECT gm.rfm_breaks(x, x, x)::text::gm.rfm_breaks FROM (VALUES (5e-324::float8), (1), (2)) v(x)$$,
                'issue #17: breaks holding the denormal 5e-324 read back from their text');
SELECT is((SELECT gm.rfm_breaks(x, x, x)::text::gm.rfm_breaks::text FROM (VALUES (5e-324::float8), (1), (2)) v(x)),
          'r=[5e-324,1,1,2] f=[5e-324,1,1,2] m=[5e-324,1,1,2]', 'issue #17: and to the same value');

CREATE TEMP TABLE rt_breaks (id serial, v gm.rfm_breaks);
-- extremes through the aggregate: 0, -0, the smallest denormal, the largest denormal, the smallest
-- normal, the largest float8, values with 17 significant digits, powers of ten far out
INSERT INTO rt_breaks (v)
SELECT gm.rfm_breaks(x, x, x) FROM unnest(ARRAY[0, '-0', 5e-324, 2.225073858507201e-308, 2.2250738585072014e-308,
    1.7976931348623157e308, 0.1, 1.0 / 3, 1e22, 9007199254740993, 123456789.123456789, 1e-300, 4.9406564584124654e-324,
    1e308, 0.30000000000000004, 5e-310]::float8[]) WITH ORDINALITY u(x, k) GROUP BY k % 4;
INSERT INTO rt_breaks (v)
SELECT gm.rfm_breaks(a, b, c) FROM (VALUES (5e-324::float8, 1.7976931348623157e308::float8, 0::float8),
                                          (1e-320, 1e308, 2.2250738585072014e-308)) v(a, b, c);
-- every exponent: 2,000 groups of five random values per column, 16 significant digits, decimal
-- exponents -323 (denormals) to 307, written as text (float8 arithmetic refuses underflow)
SELECT setseed(0.1717);
INSERT INTO rt_breaks (v)
SELECT gm.rfm_breaks(x, y, z) FROM (
  SELECT g, format('%se%s', round((1 + random() * 8.999)::numeric, 15), floor(random() * 631) - 323)::float8 AS x,
            format('%se%s', round((1 + random() * 8.999)::numeric, 15), floor(random() * 631) - 323)::float8 AS y,
            format('%se%s', round((1 + random() * 8.999)::numeric, 15), floor(random() * 631) - 323)::float8 AS z
  FROM generate_series(1, 2000) g, generate_series(1, 5)) s GROUP BY g;
-- text literals: absent columns, all absent, every spelling of a number the input accepts
INSERT INTO rt_breaks (v) VALUES ('r=[] f=[] m=[]'), ('r=[] f=[0,0,0,0] m=[]'), ('r=[1,2,3,4] f=[] m=[]'),
  ('r=[-0,+0,1E0,1.] f=[.5,5e-1,0.5e0,1e+300] m=[0.0,1.5E-323,00001,1.7976931348623157e+308]'),
  ('  r = [ 1 , 2,3,4]f=[0,0,0,0]   m=[] ');
SELECT cmp_ok((SELECT count(*) FROM rt_breaks), '>=', 2000::bigint, 'gm.rfm_breaks: over 2,000 values to round-trip');
SELECT is((SELECT count(*) FROM rt_breaks WHERE gm.rfm_breaks_send(v::text::gm.rfm_breaks) <> gm.rfm_breaks_send(v)
                                            OR v::text::gm.rfm_breaks::text <> v::text), 0::bigint,
          'gm.rfm_breaks: text round trip is bit-identical');
SELECT is((SELECT count(*) FROM rt_breaks WHERE gm.rfm_cut_points(v, 'r') IS DISTINCT FROM gm.rfm_cut_points(v::text::gm.rfm_breaks, 'r')
             OR gm.rfm_cut_points(v, 'm') IS DISTINCT FROM gm.rfm_cut_points(v::text::gm.rfm_breaks, 'm')), 0::bigint,
          'gm.rfm_breaks: the cut points read back equal as float8');
SET LOCAL extra_float_digits = -15;
SELECT is((SELECT count(*) FROM rt_breaks WHERE gm.rfm_breaks_send(v::text::gm.rfm_breaks) <> gm.rfm_breaks_send(v)), 0::bigint,
          'gm.rfm_breaks: text round trip exact also with extra_float_digits = -15');
SET LOCAL extra_float_digits = 3;
SELECT is((SELECT count(*) FROM rt_breaks WHERE gm.rfm_breaks_send(v::text::gm.rfm_breaks) <> gm.rfm_breaks_send(v)), 0::bigint,
          'gm.rfm_breaks: text round trip exact with extra_float_digits = 3 (pg_dump)');
RESET extra_float_digits;
SELECT is((SELECT v::text FROM rt_breaks WHERE v::text LIKE 'r=[0,0,1,1]%'),
          'r=[0,0,1,1] f=[0.5,0.5,0.5,1e+300] m=[0,1.5e-323,1,1.7976931348623157e+308]',
          'gm.rfm_breaks: -0 reads as 0 and every spelling prints canonically');
SELECT is(pg_temp.copy_round_trip('rt_breaks', 'rt_breaks_bin'), (SELECT count(*) FROM rt_breaks), 'gm.rfm_breaks: binary COPY reads every row back');
SELECT is((SELECT count(*) FROM rt_breaks a JOIN rt_breaks_bin b USING (id) WHERE gm.rfm_breaks_send(a.v) <> gm.rfm_breaks_send(b.v)), 0::bigint,
          'gm.rfm_breaks: binary round trip (send, receive) is bit-identical');
SELECT is(pg_temp.copy_round_trip('rt_breaks', 'rt_breaks_txt', 'text'), (SELECT count(*) FROM rt_breaks), 'gm.rfm_breaks: text COPY (as pg_dump writes) reads every row back');
SELECT is((SELECT count(*) FROM rt_breaks a JOIN rt_breaks_txt b USING (id) WHERE gm.rfm_breaks_send(a.v) <> gm.rfm_breaks_send(b.v)), 0::bigint,
          'gm.rfm_breaks: text COPY round trip is bit-identical');

-- legal values: the same refusal (22023) at construction and at text and binary input
SELECT throws_ok($$SELECT gm.rfm_breaks(1, 1, 'NaN')$$, '22003', NULL, 'construction: a NaN value is refused (22003)');
SELECT throws_ok($$SELECT gm.rfm_breaks('-Infinity', 1, 1)$$, '22003', NULL, 'construction: an infinite value is refused (22003)');
SELECT throws_ok($$SELECT gm.rfm_breaks(1, '-5e-324', 1)$$, '22003', NULL, 'construction: a negative denormal is refused (22003)');
SELECT throws_ok($$SELECT 'r=[0,0,0,NaN] f=[] m=[]'::gm.rfm_breaks$$, '22003', 'recency cut point 4 value NaN is not allowed in gm.rfm_breaks',
                 'text input: NaN refused with the same SQLSTATE, naming column, cut point and value');
SELECT throws_ok($$SELECT 'r=[] f=[0,0,0,-infinity] m=[]'::gm.rfm_breaks$$, '22003', 'frequency cut point 4 value -infinity is not allowed in gm.rfm_breaks',
                 'text input: -infinity refused (22003)');
SELECT throws_ok($$SELECT 'r=[] f=[] m=[0,0,0,Infinity]'::gm.rfm_breaks$$, '22003', NULL, 'text input: Infinity refused (22003)');
SELECT throws_ok($$SELECT 'r=[-5e-324,0,0,0] f=[] m=[]'::gm.rfm_breaks$$, '22003', 'recency cut point 1 value -5e-324 is not allowed in gm.rfm_breaks',
                 'text input: a negative denormal refused (22003)');
SELECT throws_ok($$SELECT 'r=[0,0,0,1e309] f=[] m=[]'::gm.rfm_breaks$$, '22003', 'recency cut point 4 of gm.rfm_breaks "1e309" is out of range for type double precision',
                 'text input: a number beyond float8 is out of range (22003, as float8in)');
SELECT throws_ok($$SELECT 'r=[0,0,0,1e-400] f=[] m=[]'::gm.rfm_breaks$$, '22003', NULL, 'text input: a number that underflows to 0 is out of range (22003, as float8in)');
SELECT throws_ok($$SELECT 'r=[0,0,0,0x10] f=[] m=[]'::gm.rfm_breaks$$, '22P02', NULL, 'text input: hexadecimal is not a cut point (22P02)');
SELECT throws_ok($$SELECT 'r=[0,0,0,nan(1)] f=[] m=[]'::gm.rfm_breaks$$, '22P02', NULL, 'text input: nan(...) is not a cut point (22P02)');
-- binary input of illegal values: craft the files with COPY ... FROM a binary file written by COPY TO
CREATE TEMP TABLE rt_breaks_raw (b bytea);
INSERT INTO rt_breaks_raw VALUES
  (decode('00000001' || '7ff8000000000000' || repeat('0000000000000000', 11), 'hex')),   -- r1 NaN
  (decode('00000004' || repeat('0000000000000000', 8) || 'bff0000000000000' || repeat('0000000000000000', 3), 'hex')),  -- m1 -1
  (decode('00000002' || repeat('0000000000000000', 4) || repeat('0000000000000000', 3) || '7ff0000000000000' || repeat('0000000000000000', 4), 'hex')), -- f4 inf
  (decode('00000001' || '8000000000000000' || repeat('0000000000000000', 11), 'hex')),   -- r1 -0
  (decode('00000008' || repeat('0000000000000000', 12), 'hex')),                          -- bad flags
  (decode('00000001' || '3ff0000000000000' || repeat('0000000000000000', 11), 'hex'));   -- r decreasing
CREATE TEMP TABLE recv_in (b bytea);
CREATE TEMP TABLE recv_out (v gm.rfm_breaks);
CREATE FUNCTION pg_temp.recv_breaks(raw bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  f text := format('/tmp/gm_type_roundtrip_%s_recv.bin', pg_backend_pid());
  r text;
BEGIN
  -- a binary COPY file of one bytea column has the same framing as one gm.rfm_breaks column:
  -- write the raw bytes as a bytea, read them as gm.rfm_breaks (its receive function)
  TRUNCATE recv_in, recv_out;
  INSERT INTO recv_in VALUES (raw);
  EXECUTE format('COPY recv_in TO %L (FORMAT binary)', f);
  BEGIN
    EXECUTE format('COPY recv_out FROM PROGRAM %L (FORMAT binary)', format('cat %s && rm -f %s', f, f));
    SELECT v::text INTO r FROM recv_out;
  EXCEPTION WHEN OTHERS THEN
    r := SQLSTATE || ' ' || SQLERRM;
  END;
  RETURN r;
END $$;
SELECT is(array_agg(pg_temp.recv_breaks(b) ORDER BY ord), ARRAY[
    '22003 recency cut point 1 value NaN is not allowed in gm.rfm_breaks',
    '22003 monetary cut point 1 value -1 is not allowed in gm.rfm_breaks',
    '22003 frequency cut point 4 value Infinity is not allowed in gm.rfm_breaks',
    'r=[0,0,0,0] f=[] m=[]',
    '22P03 invalid binary gm.rfm_breaks value: column flags 8',
    '22P03 invalid binary gm.rfm_breaks value: the recency cut points decrease'],
  'binary input: NaN, negative, infinite cut points refused with 22003 as at construction; -0 read as 0; bad framing 22P03')
FROM (SELECT b, row_number() OVER () AS ord FROM rt_breaks_raw) x;

-- ================================================================ gm.rfm
CREATE TEMP TABLE rt_rfm (id serial, v gm.rfm);
INSERT INTO rt_rfm (v) SELECT (r * 100 + f * 10 + m)::gm.rfm FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m;
SELECT is((SELECT count(*) FROM rt_rfm WHERE v::text::gm.rfm IS DISTINCT FROM v OR gm.rfm_send(v::text::gm.rfm) <> gm.rfm_send(v)), 0::bigint,
          'gm.rfm: all 125 values round-trip as text');
SELECT is(pg_temp.copy_round_trip('rt_rfm', 'rt_rfm_bin'), 125::bigint, 'gm.rfm: binary COPY reads 125 rows back');
SELECT is((SELECT count(*) FROM rt_rfm a JOIN rt_rfm_bin b USING (id) WHERE a.v IS DISTINCT FROM b.v), 0::bigint, 'gm.rfm: binary round trip is exact');

-- ================================================================ enums
CREATE TEMP TABLE rt_enum (id serial, light gm.light, lc gm.lifecycle_class, vt gm.value_tier_class, fs gm.followup_state, og gm.origin);
INSERT INTO rt_enum (light, lc, vt, fs, og)
SELECT l, c, v, s, o FROM unnest(enum_range(NULL::gm.light)) l, unnest(enum_range(NULL::gm.lifecycle_class)) c,
       unnest(enum_range(NULL::gm.value_tier_class)) v, unnest(enum_range(NULL::gm.followup_state)) s, unnest(enum_range(NULL::gm.origin)) o;
INSERT INTO rt_enum (light) VALUES (NULL);
SELECT is((SELECT count(*) FROM rt_enum), (3 * 7 * 3 * 8 * 3 + 1)::bigint, 'enums: every label of every enum of gm combined');
SELECT is((SELECT count(*) FROM rt_enum WHERE light::text::gm.light IS DISTINCT FROM light OR lc::text::gm.lifecycle_class IS DISTINCT FROM lc
             OR vt::text::gm.value_tier_class IS DISTINCT FROM vt OR fs::text::gm.followup_state IS DISTINCT FROM fs
             OR og::text::gm.origin IS DISTINCT FROM og), 0::bigint,
          'enums: every label round-trips as text');
SELECT is(pg_temp.copy_round_trip('rt_enum', 'rt_enum_bin'), (SELECT count(*) FROM rt_enum), 'enums: binary COPY reads every row back');
SELECT is((SELECT count(*) FROM rt_enum a JOIN rt_enum_bin b USING (id) WHERE (a.light, a.lc, a.vt, a.fs, a.og) IS DISTINCT FROM (b.light, b.lc, b.vt, b.fs, b.og)), 0::bigint,
          'enums: binary round trip is exact');

-- ================================================================ composites
CREATE TEMP TABLE rt_comp (id serial, cn gm.rfm_cn_class, fu gm.funnel_stats);
INSERT INTO rt_comp (cn)
SELECT gm.rfm_class_cn(r, f, m, 10, 10, 10) FROM (VALUES (1, 1, 1), (1, 1, 20), (1, 20, 1), (1, 20, 20), (20, 1, 1), (20, 1, 20), (20, 20, 1), (20, 20, 20)) v(r, f, m);
INSERT INTO rt_comp (cn) VALUES (ROW('', '', '')), (ROW(NULL, NULL, NULL)), (NULL),
  (ROW(E'a,b"c\\d)(', E'tab\there\nnewline', '欧阳😀𠮷')), (ROW(' ', 'NULL', '""')), (ROW(repeat('重要价值客户', 20000), repeat('x', 100000), '111'));
INSERT INTO rt_comp (fu) SELECT gm.funnel(s) FROM (VALUES (1), (2), (3), (3), (1)) v(s);
INSERT INTO rt_comp (fu) VALUES
  (ROW(-9223372036854775808, 9223372036854775807, 0, 'NaN', 'Infinity', '-Infinity')),
  (ROW(NULL, NULL, NULL, NULL, NULL, NULL)),
  (ROW(1, 2, 3, ('1e131071')::numeric, ('-0.' || repeat('0', 16000) || '1')::numeric, 1.000000000000000000000000000000));
SELECT is((SELECT count(*) FROM rt_comp WHERE cn::text::gm.rfm_cn_class IS DISTINCT FROM cn OR cn::text::gm.rfm_cn_class::text IS DISTINCT FROM cn::text), 0::bigint,
          'gm.rfm_cn_class: every value (all 8 classes, empty, NULL fields, quotes, unicode, 100 kB) round-trips as text');
SELECT is((SELECT count(*) FROM rt_comp WHERE fu::text::gm.funnel_stats IS DISTINCT FROM fu OR fu::text::gm.funnel_stats::text IS DISTINCT FROM fu::text), 0::bigint,
          'gm.funnel_stats: every value (bigint extremes, NaN, infinities, huge and tiny numerics) round-trips as text');
SELECT is(pg_temp.copy_round_trip('rt_comp', 'rt_comp_bin'), (SELECT count(*) FROM rt_comp), 'composites: binary COPY reads every row back');
SELECT is((SELECT count(*) FROM rt_comp a JOIN rt_comp_bin b USING (id)
           WHERE a.cn IS DISTINCT FROM b.cn OR a.fu IS DISTINCT FROM b.fu OR a.cn::text IS DISTINCT FROM b.cn::text OR a.fu::text IS DISTINCT FROM b.fu::text), 0::bigint,
          'composites: binary round trip is exact (values and scales)');

-- gm.address and gm.community_match (composites of the address section): parsed values, every
-- field NULL, quotes, commas, backslashes and unicode in the text fields, real extremes
CREATE TEMP TABLE rt_addr (id serial, a gm.address, m gm.community_match);
INSERT INTO rt_addr (a, m)
SELECT gm.parse_address(s), ROW(k, -k, s, 1e-30::real, 'placed', s)::gm.community_match
  FROM unnest(ARRAY['广东省深圳市南山区粤海街道高新南七道18号', '北京市朝阳区建国路88号SOHO现代城2号楼1单元1203室', '', 'a"b,c\\d(e)',
                    ' 空 格 ', 'ＡＢＣ１２３', repeat('字', 600)]) WITH ORDINALITY u(s, k);
INSERT INTO rt_addr (a, m) VALUES (ROW(NULL, '', '"', ',', '\\', '()', NULL, NULL, NULL, NULL, NULL, NULL, 'NaN')::gm.address,
                                   ROW(9223372036854775807, -9223372036854775808, '', 'Infinity', NULL, NULL)::gm.community_match);
SELECT is((SELECT count(*) FROM rt_addr WHERE a::text::gm.address IS DISTINCT FROM a OR m::text::gm.community_match IS DISTINCT FROM m
             OR a::text::gm.address::text IS DISTINCT FROM a::text), 0::bigint,
          'gm.address and gm.community_match: parsed and extreme values round-trip as text');
SELECT is(pg_temp.copy_round_trip('rt_addr', 'rt_addr_back'), 8::bigint, 'gm.address and gm.community_match: binary COPY out and back');

-- ================================================================ gm.calendar
CREATE TEMP TABLE rt_cal (id serial, v gm.calendar);
-- the shipped official calendar; every time zone the server knows, under its own (odd) name
INSERT INTO rt_cal (v) SELECT gm.calendar('cn');
INSERT INTO rt_cal (v) SELECT format('name=%s|tz=%s|hours=Mon-Fri 09:00-18:00', name, name)::gm.calendar FROM pg_timezone_names;
-- hostile names, odd zones, empty and full weeks, the first and last dates, own windows, years
INSERT INTO rt_cal (v) VALUES
  ('name=欧阳😀 𠮷 x|tz=America/Argentina/ComodRivadavia|hours=Mon-Sun 00:00-24:00'),
  ('name=a=b c..d@e,f;g|tz=Etc/GMT+12|hours=Sat 23:59-24:00'),
  ('name= |tz=<+0530>-5:30|hours=Mon 00:00-00:01'),
  ('tz=UTC+05:30|hours=Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00'),
  ('name=edge|tz=Asia/Shanghai|hours=Mon 09:00-10:00|on=0001-01-02 9999-12-31'),
  ('name=y|tz=Europe/Kyiv|hours=Mon 00:00-00:01|years=1-9999'),
  ('name=p|tz=UTC|hours=Mon-Fri 09:00-18:00|years=2020-2020|outside=plain'),
  ('name=own|tz=EST5EDT|hours=Mon 00:00-00:01|on=2026-01-03@00:00-24:00 2026-01-04|off=2026-01-05'),
  ('name=empty|tz=UTC|hours=|on=2026-01-03@09:00-10:00'),
  (('name=' || repeat('长', 300) || '|tz=Pacific/Chatham|hours=Mon-Fri 09:00-18:00')::gm.calendar);
-- a long one: every third day off over 100 years
INSERT INTO rt_cal (v)
SELECT ('name=long|tz=Asia/Kathmandu|hours=Mon-Sun 08:00-20:00|off=' || string_agg(d::date::text, ' ' ORDER BY d))::gm.calendar
FROM generate_series('2000-01-01'::date, '2099-12-31', '3 days') d;
SELECT cmp_ok((SELECT count(*) FROM rt_cal), '>', 500::bigint, 'gm.calendar: hundreds of calendars, one per time zone');
SELECT is((SELECT count(*) FROM rt_cal WHERE v::text::gm.calendar::text IS DISTINCT FROM v::text), 0::bigint,
          'gm.calendar: every value round-trips as text');
SELECT is((SELECT count(*) FROM rt_cal WHERE gm.calendar_send(v::text::gm.calendar) <> gm.calendar_send(v)), 0::bigint,
          'gm.calendar: the value read back from its text sends the same bytes');
SELECT is(pg_temp.copy_round_trip('rt_cal', 'rt_cal_bin'), (SELECT count(*) FROM rt_cal), 'gm.calendar: binary COPY reads every row back');
SELECT is((SELECT count(*) FROM rt_cal a JOIN rt_cal_bin b USING (id) WHERE gm.calendar_send(a.v) <> gm.calendar_send(b.v) OR a.v::text <> b.v::text), 0::bigint,
          'gm.calendar: binary round trip is exact');
SELECT is((SELECT count(*) FROM rt_cal a JOIN rt_cal_bin b USING (id)
           WHERE a.id <= 1 + (SELECT count(*) FROM pg_timezone_names)
             AND (gm.add_working_days('2026-02-13', 3, a.v) IS DISTINCT FROM gm.add_working_days('2026-02-13', 3, b.v)
               OR gm.add_working_time('2026-03-07 12:00+00', '30 hours', a.v) IS DISTINCT FROM gm.add_working_time('2026-03-07 12:00+00', '30 hours', b.v)
               OR gm.add_working_time('2026-03-07 12:00+00', '30 hours', a.v) IS DISTINCT FROM gm.add_working_time('2026-03-07 12:00+00', '30 hours', a.v::text::gm.calendar))),
          0::bigint, 'gm.calendar: the calendars read back (text and binary) compute the same deadlines in every time zone');

-- ================================================================ cancellation
-- pgTAP's throws_ok traps errors with WHEN OTHERS, which in PL/pgSQL never catches a query
-- cancel (57014): the statement below traps it by name and reports SQLSTATE and elapsed time.
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.timed_breaks() RETURNS TABLE (state text, elapsed interval) LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    PERFORM gm.rfm_breaks(i, i % 97, (i::bigint * 7919) % 1000003) FROM generate_series(1, 5000000) i;
    state := '00000';
  EXCEPTION WHEN query_canceled THEN
    state := SQLSTATE;
  END;
  elapsed := clock_timestamp() - statement_timestamp();
  RETURN NEXT;
END $$;
CREATE TEMP TABLE t_cancel AS SELECT * FROM pg_temp.timed_breaks() WHERE false;
SET LOCAL statement_timeout = '150ms';
INSERT INTO t_cancel SELECT * FROM pg_temp.timed_breaks();
RESET statement_timeout;
SELECT is((SELECT state FROM t_cancel), '57014', 'gm.rfm_breaks over 5M rows stops at statement_timeout = 150ms (57014)');
SELECT cmp_ok((SELECT elapsed FROM t_cancel), '<', interval '400 ms', 'and stops within 400 ms of the statement''s start');

SELECT * FROM finish();
ROLLBACK;
