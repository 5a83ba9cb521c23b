-- fuzz: thousands of random and hostile strings fed to EVERY function of schema gm that takes a
-- single text argument and to the input function of every base type of schema gm written in C,
-- both discovered from the catalog now (so functions and types added by any section are covered).
-- Passing means: the backend survives, and every failure is a clean error with a SQLSTATE that
-- is not an internal error (class XX) or a system error (class 58).
BEGIN;
SELECT * FROM no_plan();
SELECT setseed(0.8964);

-- ---------------------------------------------------------------- invalid UTF-8 never reaches us
SELECT throws_ok($$SELECT convert_from('\xc328'::bytea, 'UTF8')$$, '22021', NULL, 'a bad continuation byte is refused (22021)');
SELECT throws_ok($$SELECT convert_from('\xe4b8'::bytea, 'UTF8')$$, '22021', NULL, 'a truncated sequence is refused (22021)');
SELECT throws_ok($$SELECT convert_from('\xc0af'::bytea, 'UTF8')$$, '22021', NULL, 'an overlong encoding is refused (22021)');
SELECT throws_ok($$SELECT convert_from('\xeda080'::bytea, 'UTF8')$$, '22021', NULL, 'an encoded surrogate is refused (22021)');
SELECT throws_ok($$SELECT convert_from('\xf4908080'::bytea, 'UTF8')$$, '22021', NULL, 'a code point above U+10FFFF is refused (22021)');
SELECT throws_ok($$SELECT convert_from('\xf888808080'::bytea, 'UTF8')$$, '22021', NULL, 'a 5-byte sequence is refused (22021)');
SELECT throws_ok($$SELECT convert_from('\x3100'::bytea, 'UTF8')$$, '22021', NULL, 'a NUL byte is refused (22021)');
SELECT throws_ok($$SELECT gm.mask_phone(convert_from('\x3133ff'::bytea, 'UTF8'))$$, '22021', NULL, 'the error comes before gm.mask_phone is called');
SELECT throws_ok($$SELECT gm.mask_name(E'\xff\xfe')$$, '22021', NULL, 'an invalid escape in a literal is refused too (22021)');
SELECT throws_ok($$SELECT gm.mask_name(chr(0))$$, '54000', NULL, 'chr(0) is refused by the server (54000)');

-- ---------------------------------------------------------------- the corpus
CREATE TEMP TABLE corpus (id serial PRIMARY KEY, s text NOT NULL, kind text NOT NULL);

CREATE FUNCTION pg_temp.rand_char() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT CASE floor(random() * 11)::int
        WHEN 0 THEN chr(1 + floor(random() * 31)::int)           -- control characters
        WHEN 1 THEN chr(32 + floor(random() * 95)::int)          -- printable ASCII
        WHEN 2 THEN chr(48 + floor(random() * 10)::int)          -- digits
        WHEN 3 THEN chr(65296 + floor(random() * 10)::int)       -- full-width digits ０-９
        WHEN 4 THEN chr(19968 + floor(random() * 20902)::int)    -- CJK ideographs
        WHEN 5 THEN chr(127744 + floor(random() * 1200)::int)    -- emoji (4-byte)
        WHEN 6 THEN chr(768 + floor(random() * 112)::int)        -- combining marks
        WHEN 7 THEN (ARRAY['+', '-', ' ', '　', '省', '市', '区', '自治', '欧阳', '*', '\', '''', '"', '%', '_', '·',
                           chr(8203), chr(65279), chr(1114111), chr(127), chr(160), chr(8238), chr(12288), 'X', 'x'])[1 + floor(random() * 25)::int]
        WHEN 8 THEN chr(128 + floor(random() * 1920)::int)       -- 2-byte characters
        WHEN 9 THEN chr(65280 + floor(random() * 96)::int)       -- full-width forms
        ELSE chr(57344 + floor(random() * 6400)::int)            -- private use area
    END $$;

-- 3500 random strings of 1 to 60 characters
INSERT INTO corpus(s, kind)
SELECT (SELECT string_agg(pg_temp.rand_char(), '') FROM generate_series(1, 1 + (i % 60)) WHERE i > 0), 'random'
FROM generate_series(1, 3500) i;

-- 600 strings made of plausible pieces (phones, IDs, cards, names, addresses) glued with noise
INSERT INTO corpus(s, kind)
SELECT (SELECT string_agg((ARRAY['138', '+86', '0086', '1234', '5678', '-', ' ', '11010519491231002X', '91350100M000100Y43',
                                  '6222021234567890', '张', '三', '欧阳', '娜', '浙江省', '杭州市', '西湖区', '自治区', '自治州',
                                  '小区', '盟', '旗', '县', '１３８', '１２３４', 'Ｘ', pg_temp.rand_char()])[1 + floor(random() * 27)::int], '')
        FROM generate_series(1, 1 + (i % 12)) WHERE i > 0), 'pieces'
FROM generate_series(1, 600) i;

-- random bytes: the ones that form valid UTF-8 join the corpus; the others must raise 22021
CREATE TEMP TABLE bytes_outcome (ok boolean, sqlstate text);
DO $$
DECLARE
    b bytea;
    s text;
    i int;
BEGIN
    FOR i IN 1 .. 3000 LOOP
        SELECT decode(string_agg(lpad(to_hex(CASE WHEN random() < 0.5 THEN 1 + floor(random() * 127)::int
                                                  ELSE 128 + floor(random() * 128)::int END), 2, '0'), ''), 'hex')
          INTO b FROM generate_series(1, 1 + i % 16);
        BEGIN
            s := convert_from(b, 'UTF8');
            INSERT INTO corpus(s, kind) VALUES (s, 'bytes');
            INSERT INTO bytes_outcome VALUES (true, NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO bytes_outcome VALUES (false, SQLSTATE);
        END;
    END LOOP;
END $$;
SELECT cmp_ok((SELECT count(*)::int FROM bytes_outcome WHERE ok), '>', 100, 'over a hundred random byte strings are valid UTF-8 and join the corpus');
SELECT cmp_ok((SELECT count(*)::int FROM bytes_outcome WHERE NOT ok), '>', 100, 'over a hundred are not ...');
SELECT is((SELECT array_agg(DISTINCT sqlstate) FROM bytes_outcome WHERE NOT ok), ARRAY['22021'], '... and every one of those was refused with 22021');

-- hostile classics and huge inputs (~1 MB)
INSERT INTO corpus(s, kind) VALUES
    ('13812345678', 'valid'), ('+86 138-1234-5678', 'valid'), ('１３８１２３４５６７８', 'valid'), ('0086 199 0000 0000', 'valid'),
    ('11010519491231002X', 'valid'), ('91350100M000100Y43', 'valid'), ('6222021234567890', 'valid'), ('欧阳娜娜', 'valid'),
    ('浙江省杭州市西湖区文三路100号', 'valid'),
    ('', 'hostile'), (' ', 'hostile'), (E'\t\n\r', 'hostile'), ('　', 'hostile'), ('-', 'hostile'), ('+', 'hostile'),
    ('()', 'hostile'), ('*', 'hostile'), ('NaN', 'hostile'), ('infinity', 'hostile'), ('-infinity', 'hostile'),
    ('%s%n%x%d', 'hostile'), (''''';DROP TABLE corpus;--', 'hostile'), ('$$', 'hostile'), ('\', 'hostile'),
    (repeat('9', 400), 'hostile'), ('-' || repeat('9', 400), 'hostile'), ('1e400', 'hostile'), ('0x7fffffff', 'hostile'),
    ('2147483648', 'hostile'), ('-2147483649', 'hostile'), ('9223372036854775808', 'hostile'),
    ('{}', 'hostile'), ('{"a":', 'hostile'), ('[[[[', 'hostile'), ('((((((((((', 'hostile'), (repeat('(', 10000), 'hostile'),
    ('POINT(0 0)', 'hostile'), ('SRID=4326;POINT(120 30)', 'hostile'), ('2026-02-30', 'hostile'), ('24:00:01', 'hostile'),
    ('545', 'hostile'), ('666', 'hostile'), ('000', 'hostile'), ('green', 'hostile'), ('red,yellow', 'hostile'),
    ('13812345678' || repeat(chr(769), 1000), 'hostile'), (chr(1114111), 'hostile'), (chr(65279) || '13812345678', 'hostile'),
    (repeat('1', 1048576), 'huge'),
    (repeat('１', 349525), 'huge'),
    (repeat('张', 349525), 'huge'),
    (repeat('欧阳', 174762), 'huge'),
    (repeat('🙂', 262144), 'huge'),
    (repeat('浙江省杭州市西湖区', 38836), 'huge'),
    (repeat('+86 138-', 131072), 'huge'),
    (repeat(chr(769), 524288), 'huge'),
    (repeat(E'\t', 1048576), 'huge'),
    (repeat('a ', 524288), 'huge'),
    (repeat('*', 1048576), 'huge');

SELECT cmp_ok((SELECT count(*)::int FROM corpus), '>=', 4000, 'the corpus holds thousands of strings');
SELECT is((SELECT count(*)::int FROM corpus WHERE kind = 'huge' AND octet_length(s) >= 1000000), 11, 'eleven of them are about 1 MB');

-- ---------------------------------------------------------------- the targets, from the catalog
CREATE TEMP TABLE target AS
SELECT 'function' AS kind, p.oid::regprocedure::text AS name,
       format('SELECT count(*) FROM %s($1)', p.oid::regproc) AS q
FROM pg_proc p
WHERE p.pronamespace = 'gm'::regnamespace AND p.prokind = 'f'
  AND p.pronargs = 1 AND p.proargtypes[0] = 'text'::regtype
UNION ALL
SELECT 'type input', t.oid::regtype::text, format('SELECT ($1)::%s IS NULL', t.oid::regtype)
FROM pg_type t JOIN pg_proc p ON p.oid = t.typinput
WHERE t.typnamespace = 'gm'::regnamespace AND t.typtype = 'b'
  AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c');
SELECT cmp_ok((SELECT count(*)::int FROM target WHERE kind = 'function'), '>=', 8, 'at least the 8 text functions of this section are found');
SELECT ok(EXISTS (SELECT 1 FROM target WHERE name = 'gm.mask_phone(text)'), 'gm.mask_phone(text) is a target');
SELECT diag('fuzz targets: ' || string_agg(name, ', ' ORDER BY kind, name)) FROM target;

CREATE TEMP TABLE outcome (target text, corpus_id int, sqlstate text);
SET LOCAL statement_timeout = '10min';   -- a function that hangs fails the test instead of the run
DO $$
DECLARE
    t record;
    c record;
    st text;
BEGIN
    FOR t IN SELECT * FROM target ORDER BY name LOOP
        FOR c IN SELECT id, s FROM corpus ORDER BY id LOOP
            st := NULL;
            BEGIN
                EXECUTE t.q USING c.s;
            EXCEPTION WHEN OTHERS THEN
                st := SQLSTATE;
            END;
            IF st IS NOT NULL THEN
                INSERT INTO outcome VALUES (t.name, c.id, st);
            END IF;
        END LOOP;
    END LOOP;
END $$;

SELECT is((SELECT count(*)::int FROM outcome o WHERE o.target = t.name AND (o.sqlstate IS NULL OR o.sqlstate !~ '^[0-9A-Z]{5}$'
                                                                           OR left(o.sqlstate, 2) IN ('XX', '58'))), 0,
          format('%s %s: %s calls, %s clean errors (%s), no internal error', t.kind, t.name,
                 (SELECT count(*) FROM corpus),
                 (SELECT count(*) FROM outcome o WHERE o.target = t.name),
                 coalesce((SELECT string_agg(DISTINCT o.sqlstate, ',') FROM outcome o WHERE o.target = t.name), 'none')))
FROM target t ORDER BY t.kind, t.name;

-- this section's functions never fail on text the server accepted (all corpus strings are < 4 MB)
SELECT is((SELECT count(*)::int FROM outcome WHERE target IN ('gm.mask_phone(text)', 'gm.mask_id(text)', 'gm.mask_bank_card(text)',
           'gm.mask_name(text)', 'gm.mask_address(text)', 'gm.normalize_phone(text)', 'gm.valid_cn_id(text)', 'gm.valid_uscc(text)')),
          0, 'the masking and validation functions raise no error on any corpus string');

-- properties over the whole corpus
CREATE TEMP TABLE masked AS
SELECT id, s, f, CASE f WHEN 'phone' THEN gm.mask_phone(s) WHEN 'id' THEN gm.mask_id(s) WHEN 'bank_card' THEN gm.mask_bank_card(s)
                        WHEN 'name' THEN gm.mask_name(s) WHEN 'address' THEN gm.mask_address(s) END AS m
FROM corpus, unnest(ARRAY['phone', 'id', 'bank_card', 'name', 'address']) f;
SELECT is((SELECT count(*)::int FROM masked WHERE m IS NULL), 0, 'masking never returns NULL for a non-NULL input');
SELECT is((SELECT count(*)::int FROM masked WHERE s ~ '[^ \t\n\r\v\f\u00a0\u2007\u202f\u3000]' AND strpos(m, '*') = 0), 0,
          'masking a string that is not blank always masks something');
SELECT is((SELECT count(*)::int FROM masked WHERE m = s AND strpos(s, '*') = 0 AND s <> ''), 0,
          'no non-empty input comes back unmasked');
SELECT is((SELECT count(*)::int FROM corpus WHERE gm.normalize_phone(s) !~ '^1[3-9][0-9]{9}$'), 0,
          'normalize_phone gives NULL or a mainland mobile number');
SELECT is((SELECT count(*)::int FROM corpus WHERE gm.normalize_phone(s) IS NOT NULL AND gm.mask_phone(s) <> gm.mask_phone(gm.normalize_phone(s))), 0,
          'mask_phone agrees with normalize_phone');
SELECT is((SELECT count(*)::int FROM corpus WHERE gm.valid_cn_id(s) IS NULL OR gm.valid_uscc(s) IS NULL), 0, 'the validators always answer');
SELECT cmp_ok((SELECT count(*)::int FROM corpus WHERE gm.normalize_phone(s) IS NOT NULL), '>', 0, 'some corpus strings are phones');

SELECT * FROM finish();
ROLLBACK;
