-- protection: masking, normalisation and validation functions, cell by cell; ID numbers and
-- unified social credit codes generated with check characters computed here, in SQL.
BEGIN;
SELECT * FROM no_plan();

-- ---------------------------------------------------------------- declarations
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE oid IN ('gm.mask_phone(text)'::regprocedure, 'gm.mask_id(text)'::regprocedure,
                         'gm.mask_id(text,integer,integer)'::regprocedure, 'gm.mask_bank_card(text)'::regprocedure,
                         'gm.mask_name(text)'::regprocedure, 'gm.mask_address(text)'::regprocedure,
                         'gm.normalize_phone(text)'::regprocedure, 'gm.valid_cn_id(text)'::regprocedure,
                         'gm.valid_uscc(text)'::regprocedure)
             AND provolatile = 'i' AND proisstrict AND proparallel = 's'
             AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')), 9,
          'the 9 masking / validation functions are C, IMMUTABLE, STRICT, PARALLEL SAFE');

-- ---------------------------------------------------------------- cells
CREATE TEMP TABLE cell (fn text, arg text, want text);
INSERT INTO cell VALUES
 -- mask_phone: mainland mobiles
 ('mask_phone', '13812341234', '138****1234'),
 ('mask_phone', '+86 138-1234-1234', '138****1234'),
 ('mask_phone', '+86 138-1234-5678', '138****5678'),
 ('mask_phone', '0086 13812345678', '138****5678'),
 ('mask_phone', '8613812345678', '138****5678'),
 ('mask_phone', '(+86) 138 1234 5678', '138****5678'),
 ('mask_phone', '１３８１２３４５６７８', '138****5678'),
 ('mask_phone', '＋８６　１３８－１２３４－５６７８', '138****5678'),
 ('mask_phone', '138.1234.5678', '138****5678'),
 ('mask_phone', '199 0000 0000', '199****0000'),
 -- mask_phone: other numbers (7+ digits): all digits but the last four masked, separators dropped
 ('mask_phone', '12812345678', '*******5678'),
 ('mask_phone', '0571-88881234', '********1234'),
 ('mask_phone', '+1 212 555 1234', '*******1234'),
 ('mask_phone', '+86 1381234567', '********4567'),
 ('mask_phone', 'tel: 13812345678', '*******5678'),
 ('mask_phone', '1234567', '***4567'),
 -- mask_phone: not a phone
 ('mask_phone', '123456', '****'),
 ('mask_phone', 'abc', '****'),
 ('mask_phone', '  ', '****'),
 ('mask_phone', '', ''),
 -- mask_id
 ('mask_id', '330106199001011234', '330106********1234'),
 ('mask_id', '33010619900101123x', '330106********123x'),
 ('mask_id', ' 330106 19900101 1234 ', '330106********1234'),
 ('mask_id', '３３０１０６１９９００１０１１２３Ｘ', '330106********123X'),
 ('mask_id', '330106900101123', '330106*****1123'),
 ('mask_id', 'ABCD1234', 'ABCD1***'),
 ('mask_id', 'ABC1234', '*******'),
 ('mask_id', '张三李四王五赵六', '张三李四王***'),
 ('mask_id', '', ''),
 -- mask_bank_card
 ('mask_bank_card', '6222021234567890', '622202******7890'),
 ('mask_bank_card', '6222 0212 3456 7890 123', '622202*********0123'),
 ('mask_bank_card', '6222-0212-3456', '622202**3456'),
 ('mask_bank_card', '６２２２０２１２３４５６７８９０', '622202******7890'),
 ('mask_bank_card', '62220212345', '****'),
 ('mask_bank_card', '62220212345678901234', '****'),
 ('mask_bank_card', '6222O21234567890', '****'),
 ('mask_bank_card', 'abcd', '****'),
 ('mask_bank_card', '', ''),
 -- mask_name
 ('mask_name', '张三', '张*'),
 ('mask_name', '欧阳娜娜', '欧阳**'),
 ('mask_name', '欧阳娜', '欧阳*'),
 ('mask_name', '欧阳', '欧*'),
 ('mask_name', '诸葛亮', '诸葛*'),
 ('mask_name', '司马相如', '司马**'),
 ('mask_name', '歐陽娜娜', '歐陽**'),
 ('mask_name', '王小明', '王**'),
 ('mask_name', '阳欧娜', '阳**'),
 ('mask_name', '张', '*'),
 ('mask_name', ' 李四 ', '李*'),
 ('mask_name', '买买提·艾力', '买**·**'),
 ('mask_name', '𠀀三', '𠀀*'),
 ('mask_name', 'John Smith', 'J*** S****'),
 ('mask_name', 'Mary-Jane O''Neil', 'M***-J*** O''N***'),
 ('mask_name', 'A B', 'A *'),
 ('mask_name', 'J', '*'),
 ('mask_name', 'ab', 'a*'),
 ('mask_name', '', ''),
 -- mask_address
 ('mask_address', '浙江省杭州市西湖区文三路100号', '浙江省杭州市西湖区****'),
 ('mask_address', '北京市朝阳区建国路88号', '北京市朝阳区****'),
 ('mask_address', '上海市浦东新区陆家嘴环路1000号', '上海市浦东新区****'),
 ('mask_address', '内蒙古自治区锡林郭勒盟正蓝旗上都镇', '内蒙古自治区锡林郭勒盟正蓝旗****'),
 ('mask_address', '广西壮族自治区南宁市青秀区民族大道', '广西壮族自治区南宁市青秀区****'),
 ('mask_address', '吉林省延边朝鲜族自治州延吉市公园路', '吉林省延边朝鲜族自治州延吉市****'),
 ('mask_address', '西藏自治区阿里地区噶尔县狮泉河镇', '西藏自治区阿里地区噶尔县****'),
 ('mask_address', '浙江省义乌市稠城街道', '浙江省义乌市****'),
 ('mask_address', '杭州市西湖区阳光小区3栋', '杭州市西湖区****'),
 ('mask_address', '阳光小区3栋', '****'),
 ('mask_address', '浙江省杭州市', '浙江省杭州市****'),
 ('mask_address', '文三路100号', '****'),
 ('mask_address', '10 Downing Street', '****'),
 ('mask_address', '', ''),
 -- normalize_phone
 ('normalize_phone', '13812345678', '13812345678'),
 ('normalize_phone', '+86 138-1234-5678', '13812345678'),
 ('normalize_phone', '0086 138 1234 5678', '13812345678'),
 ('normalize_phone', '86 13812345678', '13812345678'),
 ('normalize_phone', '86-138-1234-5678', '13812345678'),
 ('normalize_phone', '+8613812345678', '13812345678'),
 ('normalize_phone', '(+86)13812345678', '13812345678'),
 ('normalize_phone', '１３８１２３４５６７８', '13812345678'),
 ('normalize_phone', ' 138 1234 5678 ', '13812345678'),
 ('normalize_phone', '19912345678', '19912345678'),
 ('normalize_phone', '12812345678', NULL),
 ('normalize_phone', '11012345678', NULL),
 ('normalize_phone', '1381234567', NULL),
 ('normalize_phone', '138123456789', NULL),
 ('normalize_phone', '+1 2125551234', NULL),
 ('normalize_phone', '+86', NULL),
 ('normalize_phone', '++8613812345678', NULL),
 ('normalize_phone', '138+12345678', NULL),
 ('normalize_phone', '13812345678x', NULL),
 ('normalize_phone', '0571-88881234', NULL),
 ('normalize_phone', 'abc', NULL),
 ('normalize_phone', '', NULL),
 -- valid_cn_id (the example of GB 11643-1999 itself, and edge cases; generated ones below)
 ('valid_cn_id', '11010519491231002X', 'true'),
 ('valid_cn_id', '11010519491231002x', 'true'),
 ('valid_cn_id', ' 11010519491231002X ', 'true'),
 ('valid_cn_id', '１１０１０５１９４９１２３１００２Ｘ', 'true'),
 ('valid_cn_id', '110105194912310021', 'false'),
 ('valid_cn_id', '1101051949123100 2X', 'false'),
 ('valid_cn_id', '11010519491231002', 'false'),
 ('valid_cn_id', '11010519491231002X1', 'false'),
 ('valid_cn_id', '110105491231002', 'false'),
 ('valid_cn_id', '', 'false'),
 ('valid_cn_id', 'ABCDEFGHIJKLMNOPQR', 'false');
CREATE TEMP TABLE cell_result AS
SELECT fn, arg, want,
       CASE fn WHEN 'mask_phone' THEN gm.mask_phone(arg) WHEN 'mask_id' THEN gm.mask_id(arg)
               WHEN 'mask_bank_card' THEN gm.mask_bank_card(arg) WHEN 'mask_name' THEN gm.mask_name(arg)
               WHEN 'mask_address' THEN gm.mask_address(arg) WHEN 'normalize_phone' THEN gm.normalize_phone(arg)
               WHEN 'valid_cn_id' THEN gm.valid_cn_id(arg)::text WHEN 'valid_uscc' THEN gm.valid_uscc(arg)::text END AS got
FROM cell;
SELECT is(got, want, format('gm.%s(%L) = %L', fn, arg, want)) FROM cell_result ORDER BY fn, arg;

-- NULL in, NULL out
SELECT is(gm.mask_phone(NULL), NULL, 'mask_phone(NULL) is NULL');
SELECT is(gm.mask_id(NULL), NULL, 'mask_id(NULL) is NULL');
SELECT is(gm.mask_id('330106199001011234', NULL, 4), NULL, 'mask_id(x, NULL, 4) is NULL');
SELECT is(gm.mask_bank_card(NULL), NULL, 'mask_bank_card(NULL) is NULL');
SELECT is(gm.mask_name(NULL), NULL, 'mask_name(NULL) is NULL');
SELECT is(gm.mask_address(NULL), NULL, 'mask_address(NULL) is NULL');
SELECT is(gm.normalize_phone(NULL), NULL, 'normalize_phone(NULL) is NULL');
SELECT is(gm.valid_cn_id(NULL), NULL, 'valid_cn_id(NULL) is NULL');
SELECT is(gm.valid_uscc(NULL), NULL, 'valid_uscc(NULL) is NULL');

-- mask_id with explicit prefix / suffix
SELECT is(gm.mask_id('330106199001011234', 3, 3), '330************234', 'mask_id keep 3 + 3');
SELECT is(gm.mask_id('330106199001011234', 0, 0), '******************', 'mask_id keep nothing');
SELECT is(gm.mask_id('330106199001011234', 0, 4), '**************1234', 'mask_id keep the last 4');
SELECT is(gm.mask_id('330106199001011234', 20, 20), '330106199001******', 'mask_id: at least a third masked, the prefix first');
SELECT is(gm.mask_id('330106199001011234', 0, 20), '******199001011234', 'mask_id: a long suffix is cut to two thirds');
SELECT is(gm.mask_id('330106199001011234', 6, 4), gm.mask_id('330106199001011234'), 'the defaults are 6 and 4');
SELECT throws_ok($$SELECT gm.mask_id('330106199001011234', -1, 4)$$, '22003', NULL, 'mask_id: negative keep_prefix (22003)');
SELECT throws_ok($$SELECT gm.mask_id('330106199001011234', 6, -4)$$, '22003', NULL, 'mask_id: negative keep_suffix (22003)');

-- characters, not bytes: one '*' per masked character, whatever its UTF-8 length
SELECT is(char_length(gm.mask_id('一二三四五六七八九十')), 10, 'mask_id counts characters');
SELECT is(gm.mask_id('🙂🙂🙂🙂🙂🙂🙂🙂🙂'), '🙂🙂🙂🙂🙂🙂***', 'mask_id keeps whole 4-byte characters');

-- ---------------------------------------------------------------- valid_cn_id on generated numbers
SELECT setseed(0.11643);
CREATE TEMP TABLE idn AS
SELECT body, (ARRAY['1','0','X','9','8','7','6','5','4','3','2'])[1 + (
           SELECT sum(substr(body, k, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k])
           FROM generate_series(1, 17) k)::int % 11] AS chk
FROM (SELECT (ARRAY['11','31','33','44','65','81'])[1 + i % 6] || lpad((floor(random() * 10000))::int::text, 4, '0')
             || to_char(date '1900-01-01' + floor(random() * 45000)::int, 'YYYYMMDD')
             || lpad((floor(random() * 1000))::int::text, 3, '0') AS body
      FROM generate_series(1, 2000) i) s;
SELECT is((SELECT count(DISTINCT chk)::int FROM idn), 11, 'the generated ID numbers cover all 11 check characters');
SELECT is((SELECT count(*)::int FROM idn WHERE gm.valid_cn_id(body || chk)), 2000, '2000 generated ID numbers with their check character are valid');
SELECT is((SELECT count(*)::int FROM idn, unnest(ARRAY['0','1','2','3','4','5','6','7','8','9','X']) c
           WHERE c <> chk AND gm.valid_cn_id(body || c)), 0, '20000 ID numbers with a wrong check character are not');
SELECT is((SELECT count(*)::int FROM idn WHERE gm.valid_cn_id(lower(body || chk))), 2000, 'a lower-case x is accepted');

-- birth dates and province codes (check characters computed the same way)
CREATE FUNCTION pg_temp.with_chk(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT body || (ARRAY['1','0','X','9','8','7','6','5','4','3','2'])[1 + (
           SELECT sum(substr(body, k, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k])
           FROM generate_series(1, 17) k)::int % 11] $$;
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010620000229123')), true, '2000-02-29 is a birth date');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010619000229123')), false, '1900-02-29 is not');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010619960229123')), true, '1996-02-29 is');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010619990230123')), false, '1999-02-30 is not');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010619991131123')), false, '1999-11-31 is not');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010619991231123')), true, '1999-12-31 is');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010619991301123')), false, 'month 13 is not');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010619990100123')), false, 'day 00 is not');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010617991231123')), false, 'year 1799 is out of range');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010618000101123')), true, 'year 1800 is in range');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010620991231123')), true, 'year 2099 is in range');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('33010621000101123')), false, 'year 2100 is out of range');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('99010619900101123')), false, 'province 99 does not exist');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('01010619900101123')), false, 'province 01 does not exist');
SELECT is(gm.valid_cn_id(pg_temp.with_chk('83010619900101123')), true, 'province 83 (Taiwan residents) exists');

-- ---------------------------------------------------------------- valid_uscc on generated codes
CREATE TEMP TABLE uscc AS
WITH a(alpha) AS (SELECT '0123456789ABCDEFGHJKLMNPQRTUWXY'),
body AS (
    SELECT i, (ARRAY['1','5','9','Y'])[1 + i % 4] || (ARRAY['1','2','3','9'])[1 + (i / 4) % 4]
              || lpad((floor(random() * 1000000))::int::text, 6, '0')
              || (SELECT string_agg(substr(alpha, 1 + floor(random() * 31)::int, 1), '' ORDER BY k)
                  FROM generate_series(1, 9) k WHERE i > 0) AS body
    FROM generate_series(1, 2000) i, a
)
SELECT body, substr(alpha, 1 + (31 - (SELECT sum((strpos(alpha, substr(body, k, 1)) - 1)
                    * (ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28])[k]) FROM generate_series(1, 17) k)::int % 31) % 31, 1) AS chk
FROM body, a;
SELECT is((SELECT count(*)::int FROM uscc WHERE length(body) = 17), 2000, '2000 generated 17-character bodies');
SELECT is((SELECT count(DISTINCT chk)::int FROM uscc), 31, 'their check characters cover all 31 characters');
SELECT is((SELECT count(*)::int FROM uscc WHERE gm.valid_uscc(body || chk)), 2000, 'every generated code with its check character is valid');
SELECT is((SELECT count(*)::int FROM uscc, regexp_split_to_table('0123456789ABCDEFGHJKLMNPQRTUWXY', '') c
           WHERE c <> chk AND gm.valid_uscc(body || c)), 0, '60000 codes with a wrong check character are not');
SELECT is((SELECT count(*)::int FROM uscc WHERE gm.valid_uscc(lower(body || chk))), 2000, 'lower case is accepted');
SELECT is(gm.valid_uscc('91350100M000100Y43'), true, 'a published code 91350100M000100Y43 is valid');
SELECT is(gm.valid_uscc('91350100M000100Y44'), false, '... and with another check character it is not');
SELECT is(gm.valid_uscc('９１３５０１００Ｍ０００１００Ｙ４３'), true, 'full-width characters are folded');
SELECT is(gm.valid_uscc(' 91350100M000100Y43 '), true, 'surrounding blanks are ignored');
SELECT is(gm.valid_uscc('91350100M000100Y4'), false, '17 characters are not a code');
SELECT is(gm.valid_uscc('91350100M000100Y430'), false, '19 characters are not a code');
SELECT is((SELECT count(*)::int FROM uscc, unnest(ARRAY['I','O','Z','S','V']) c
           WHERE gm.valid_uscc(overlay(body || chk PLACING c FROM 10 FOR 1))), 0, 'codes with I, O, Z, S or V inside are not valid');
SELECT is(gm.valid_uscc('91A50100M000100Y43'), false, 'characters 3-8 (region code) must be digits');

-- ---------------------------------------------------------------- limits
SELECT throws_ok(format($$SELECT gm.%s(repeat('1', 5 * 1024 * 1024))$$, f), '54000', NULL, format('gm.%s refuses a 5 MB input (54000)', f))
FROM unnest(ARRAY['mask_phone', 'mask_id', 'mask_bank_card', 'mask_name', 'mask_address', 'normalize_phone', 'valid_cn_id', 'valid_uscc']) f;
SELECT is(length(gm.mask_phone(repeat('1', 4 * 1024 * 1024))), 4 * 1024 * 1024, 'a 4 MB input is accepted');

SELECT * FROM finish();
ROLLBACK;
