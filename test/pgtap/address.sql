-- addresses: gm.parse_address over the shipped divisions (GB/T 2260), normalisation, masking
-- through the parser, the division configuration and its cache; hostile input never fails.
BEGIN;
SELECT * FROM no_plan();

-- ---------------------------------------------------------------- declarations
SELECT is((SELECT provolatile::text || proisstrict::text || proparallel::text FROM pg_proc WHERE oid = 'gm.parse_address(text)'::regprocedure),
          'strues', 'gm.parse_address is STABLE (reads gm.division), STRICT, PARALLEL SAFE');
SELECT is((SELECT provolatile::text || proisstrict::text || proparallel::text FROM pg_proc WHERE oid = 'gm.normalize_address(text)'::regprocedure),
          'itrues', 'gm.normalize_address is IMMUTABLE, STRICT, PARALLEL SAFE');
SELECT is((SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'gm.address'::regclass AND attnum > 0),
          'province:text,city:text,district:text,province_code:text,city_code:text,district_code:text,street:text,road:text,'
          'community:text,building:text,unit:text,room:text,confidence:real', 'gm.address has the documented fields');
SELECT cmp_ok((SELECT count(*)::int FROM gm.division WHERE origin = 'shipped'), '>', 3300, 'the shipped divisions are installed');
SELECT is((SELECT count(*)::int FROM gm.division WHERE level = 1), 34, '34 province-level divisions (GB/T 2260)');
SELECT is(gm.parse_address(NULL), NULL, 'NULL in, NULL out');

-- ---------------------------------------------------------------- the acceptance samples
CREATE TEMP TABLE a(id int, addr text, want text, bldg text, unit text, room text);
INSERT INTO a VALUES
 (1,  '广东省深圳市南山区粤海街道高新南七道18号', '440305', NULL, NULL, NULL),
 (2,  '北京市朝阳区建国路88号SOHO现代城2号楼1单元1203室', '110105', '2', '1', '1203'),
 (3,  '上海浦东新区张江路500弄3号', '310115', NULL, NULL, NULL),
 (4,  '浙江杭州西湖区文三路90号东部软件园3幢502室', '330106', '3', NULL, '502'),
 (5,  '江苏省南京市鼓楼区中山北路30号', '320106', NULL, NULL, NULL),
 (6,  '四川省成都市武侯区人民南路四段１２号７栋２单元３０１', '510107', '7', '2', '301'),
 (7,  '湖北武汉市洪山区珞喻路1037号', '420111', NULL, NULL, NULL),
 (8,  '广州天河区天河路385号', '440106', NULL, NULL, NULL),
 (9,  '重庆市渝中区民族路188号', '500103', NULL, NULL, NULL),
 (10, '天津市和平区南京路189号', '120101', NULL, NULL, NULL),
 (11, '陕西省西安市雁塔区小寨东路126号', '610113', NULL, NULL, NULL),
 (12, '河南省郑州市金水区花园路39号', '410105', NULL, NULL, NULL),
 (13, '新疆维吾尔自治区乌鲁木齐市天山区解放南路', '650102', NULL, NULL, NULL),
 (14, '内蒙古呼和浩特市新城区新华大街', '150102', NULL, NULL, NULL),
 (15, '福建省厦门市思明区鹭江道8号', '350203', NULL, NULL, NULL),
 (16, '山东省青岛市市南区香港中路10号', '370202', NULL, NULL, NULL),
 (17, '吉林省长春市朝阳区人民大街', '220104', NULL, NULL, NULL),
 (18, '黑龙江省鹤岗市南山区', '230404', NULL, NULL, NULL),
 (19, ' 广东省 深圳市 南山区 科技园 ', '440305', NULL, NULL, NULL);
SELECT is((p).district_code, want, format('sample %s: %s -> %s', id, addr, want)) FROM (SELECT a.*, gm.parse_address(addr) p FROM a) s ORDER BY id;
SELECT is(ROW((p).building, (p).unit, (p).room), ROW(bldg, unit, room), format('sample %s: building / unit / room', id))
  FROM (SELECT a.*, gm.parse_address(addr) p FROM a) s WHERE bldg IS NOT NULL ORDER BY id;

-- ---------------------------------------------------------------- every province
CREATE TEMP TABLE pv(addr text, prov text, city text, district text, district_code text);
INSERT INTO pv VALUES
 ('北京市海淀区中关村大街27号', '110000', '北京市', '海淀区', '110108'),
 ('天津市南开区卫津路94号', '120000', '天津市', '南开区', '120104'),
 ('河北省石家庄市长安区中山东路39号', '130000', '石家庄市', '长安区', '130102'),
 ('山西太原市小店区长治路111号', '140000', '太原市', '小店区', '140105'),
 ('内蒙古自治区包头市昆都仑区钢铁大街', '150000', '包头市', '昆都仑区', '150203'),
 ('辽宁省沈阳市和平区南京北街206号', '210000', '沈阳市', '和平区', '210102'),
 ('吉林长春市南关区人民大街2555号', '220000', '长春市', '南关区', '220102'),
 ('黑龙江省哈尔滨市南岗区西大直街92号', '230000', '哈尔滨市', '南岗区', '230103'),
 ('上海市徐汇区漕溪北路88号', '310000', '上海市', '徐汇区', '310104'),
 ('江苏苏州市姑苏区人民路1号', '320000', '苏州市', '姑苏区', '320508'),
 ('浙江省宁波市鄞州区天童南路588号', '330000', '宁波市', '鄞州区', '330212'),
 ('安徽省合肥市蜀山区长江西路130号', '340000', '合肥市', '蜀山区', '340104'),
 ('福建福州市鼓楼区五四路158号', '350000', '福州市', '鼓楼区', '350102'),
 ('江西省南昌市东湖区八一大道333号', '360000', '南昌市', '东湖区', '360102'),
 ('山东省济南市历下区泉城路180号', '370000', '济南市', '历下区', '370102'),
 ('河南洛阳市西工区中州中路', '410000', '洛阳市', '西工区', '410303'),
 ('湖北省宜昌市西陵区东山大道', '420000', '宜昌市', '西陵区', '420502'),
 ('湖南省长沙市岳麓区麓山南路932号', '430000', '长沙市', '岳麓区', '430104'),
 ('广东省佛山市禅城区季华五路', '440000', '佛山市', '禅城区', '440604'),
 ('广西壮族自治区南宁市青秀区民族大道100号', '450000', '南宁市', '青秀区', '450103'),
 ('海南省海口市美兰区海府路', '460000', '海口市', '美兰区', '460108'),
 ('重庆渝北区龙溪街道红锦大道', '500000', '重庆市', '渝北区', '500112'),
 ('四川绵阳市涪城区临园路', '510000', '绵阳市', '涪城区', '510703'),
 ('贵州省贵阳市云岩区中华北路', '520000', '贵阳市', '云岩区', '520103'),
 ('云南省昆明市五华区东风西路', '530000', '昆明市', '五华区', '530102'),
 ('西藏拉萨市城关区北京中路', '540000', '拉萨市', '城关区', '540102'),
 ('陕西省宝鸡市渭滨区经二路', '610000', '宝鸡市', '渭滨区', '610302'),
 ('甘肃省兰州市城关区东岗西路', '620000', '兰州市', '城关区', '620102'),
 ('青海省西宁市城中区南大街', '630000', '西宁市', '城中区', '630103'),
 ('宁夏回族自治区银川市兴庆区解放西街', '640000', '银川市', '兴庆区', '640104'),
 ('新疆伊犁哈萨克自治州伊宁市解放路', '650000', '伊犁哈萨克自治州', '伊宁市', '654002'),
 ('台湾省台北市', '710000', NULL, NULL, NULL),
 ('香港特别行政区中西区皇后大道中', '810000', NULL, NULL, NULL),
 ('澳门特别行政区', '820000', NULL, NULL, NULL);
SELECT is(ROW((p).province_code, (p).city, (p).district, (p).district_code), ROW(prov, city, district, district_code), addr)
  FROM (SELECT pv.*, gm.parse_address(addr) p FROM pv) s;
SELECT is((SELECT count(DISTINCT prov)::int FROM pv), 34, 'one address of every province-level division');

-- ---------------------------------------------------------------- tolerance
CREATE TEMP TABLE t(addr text, field text, want text);
INSERT INTO t VALUES
 -- omitted levels and short forms
 ('杭州西湖区文三路', 'district_code', '330106'),
 ('西湖区文三路', 'district_code', '330106'),          -- 西湖区 of 杭州 (330106) and 南昌 (360103): lowest code without context
 ('南昌市西湖区', 'district_code', '360103'),
 ('深圳南山区科技园', 'district_code', '440305'),
 ('鹤岗南山区', 'district_code', '230404'),
 ('浙江省义乌市稠城街道', 'city_code', '330700'),   -- a county-level city: its prefecture is filled in
 ('浙江省义乌市稠城街道', 'district_code', '330782'),
 ('浙江省义乌市稠城街道', 'street', '稠城街道'),
 ('延边朝鲜族自治州延吉市', 'city_code', '222400'),
 ('延边延吉市公园路', 'district_code', '222401'),
 ('伊犁伊宁市', 'district_code', '654002'),
 ('上海闸北区天目中路', 'district_code', '310106'),   -- an old name maps to today's district (静安区)
 ('湖北省襄樊市', 'city_code', '420600'),
 ('中华人民共和国北京市东城区', 'district_code', '110101'),
 ('中国广东省广州市越秀区', 'district_code', '440104'),
 ('地址：北京市西城区', 'district_code', '110102'),
 ('北京市北京市朝阳区', 'district_code', '110105'),  -- a level written twice
 ('广东省东莞市南城街道', 'city_code', '441900'),   -- a prefecture without counties
 ('广东省东莞市南城街道', 'district', NULL),
 ('湖北省仙桃市', 'district_code', '429004'),       -- a county under the province directly
 ('湖北省仙桃市', 'city', NULL),
 ('北京市朝阳区', 'city', '北京市'),
 ('北京市朝阳区', 'city_code', '110100'),
 ('重庆市城口县', 'district_code', '500229'),
 ('重庆市城口县', 'city', '重庆市'),
 -- roads, numbers, community, building / unit / room
 ('广州市天河区中山大道西55号', 'road', '中山大道西55号'),
 ('南京市鼓楼区中山路8号', 'road', '中山路8号'),
 ('长沙路5号', 'province', NULL),                  -- a short form followed by a road word is a road
 ('长沙路5号', 'road', '长沙路5号'),
 ('北京市东城区东四胡同12号', 'road', '东四胡同12号'),
 ('杭州市西湖区阳光花园3栋2单元501', 'community', '阳光花园'),
 ('杭州市西湖区阳光花园3栋2单元501', 'room', '501'),
 ('杭州市西湖区阳光花园A座1502室', 'building', 'A'),
 ('杭州市西湖区阳光花园A座1502室', 'room', '1502'),
 ('杭州市西湖区阳光花园三栋二单元', 'building', '3'),
 ('杭州市西湖区阳光花园十二幢', 'building', '12'),
 ('杭州市西湖区阳光花园3-2-501', 'unit', '2'),
 ('杭州市西湖区阳光花园3-2-501', 'room', '501'),
 ('杭州市西湖区阳光花园12-1103', 'building', '12'),
 ('杭州市西湖区阳光花园12-1103', 'room', '1103'),
 ('杭州市西湖区阳光花园5#楼', 'building', '5'),
 ('杭州市西湖区阳光花园5号楼302', 'room', '302'),
 ('杭州市西湖区阳光花园７号楼３０２室', 'building', '7'),
 ('杭州市，西湖区（阳光花园）3栋', 'district_code', '330106'),
 ('杭州市 西湖区　阳光花园', 'community', '阳光花园'),
 ('杭州市西湖区soho中心b座', 'building', 'B'),
 ('浙江省杭州市余杭区仓前街道文一西路969号', 'street', '仓前街道'),
 ('河北省保定市涿州市松林店镇', 'street', '松林店镇'),
 ('内蒙古锡林郭勒盟正蓝旗上都镇', 'district_code', '152530'),
 ('内蒙古锡林郭勒盟正蓝旗上都镇', 'street', '上都镇');
SELECT is(to_jsonb(gm.parse_address(addr)) ->> field, want, format('%s: %s = %s', addr, field, coalesce(want, 'NULL'))) FROM t;

SELECT cmp_ok((gm.parse_address('西湖区文三路')).confidence, '<', (gm.parse_address('杭州西湖区文三路')).confidence,
              'a district read without its city (and shared by two cities) is less certain');
SELECT is((gm.parse_address('广东省深圳市南山区粤海街道高新南七道18号')).confidence, 1::real, 'a full address: confidence 1');
SELECT is((gm.parse_address('今天天气很好')).confidence, 0.1::real, 'no division: low confidence');
SELECT is((gm.parse_address('今天天气很好')).district, NULL, 'no division: no district');

-- ---------------------------------------------------------------- hostile input
SELECT lives_ok(format('SELECT gm.parse_address(%s)', s), format('survives %s', left(s, 40)))
  FROM unnest(ARRAY['''''', 'repeat(''号楼单元室'', 2000)', '''!!!@@@###''', '''ＡＢＣ１２３''', 'repeat(''北京市'', 3000)', '''省市区县''',
                    'repeat(''a'', 10240)', 'repeat(''字'', 100000)', '''北京市朝阳区😀🏠Ελληνικά русский 123''',
                    'E''\\t\\n\\r\\u0001\\u007f''', 'repeat(''-'', 5000)', 'repeat(''9'', 5000) || ''号楼''',
                    'repeat(''一'', 3000) || ''栋''', '''#-#-#-#''', '''1-2-3-4-5-6''', '''ＳＯＨＯ现代城Ａ座''',
                    'repeat(''中华人民共和国'', 500)', '''市辖区''', '''县''', '''省直辖县级行政区划''']) s;
SELECT is((gm.parse_address('')).confidence, 0::real, 'the empty string: every level empty, confidence 0');
SELECT is(row_to_json(gm.parse_address(''))::text,
          '{"province":null,"city":null,"district":null,"province_code":null,"city_code":null,"district_code":null,"street":null,"road":null,"community":null,"building":null,"unit":null,"room":null,"confidence":0}',
          'the empty string: all levels NULL');
SELECT is((gm.parse_address('市辖区')).city_code, NULL, 'pseudo-prefecture names (市辖区) are never read as divisions');
SELECT is((gm.parse_address(repeat('北京市', 3000))).province_code, '110000', 'a 9 kB repetition reads the first characters only');
SELECT ok(length((gm.parse_address(repeat('字', 100000))).community) IS NULL, 'a 300 kB string is no community');
SELECT is(count(*)::int, 2000, 'random byte soup never fails')
  FROM (SELECT gm.parse_address(string_agg(chr((ARRAY[32, 45, 35, 48 + (random() * 9)::int, 19968 + (random() * 20000)::int,
                                                      21495, 27004, 26635, 24162, 21333, 20803, 23460, 30465, 24066, 21306])[1 + (random() * 14)::int]), ''))
          FROM generate_series(1, 2000) i, generate_series(1, 1 + (i % 40)) j GROUP BY i) s;

-- ---------------------------------------------------------------- normalisation
SELECT is(gm.normalize_address(' 杭州市，西湖区（阳光花园）３栋 a-1 '), '杭州市西湖区阳光花园3栋A-1', 'normalize_address: blanks, punctuation, full width, case');
SELECT is(gm.normalize_address(''), '', 'normalize_address of the empty string');

-- ---------------------------------------------------------------- masking through the parser
SELECT is(gm.mask_address('浙江杭州西湖区文三路90号东部软件园3幢502室', k), want, 'mask_address keep ' || k)
  FROM (VALUES ('province', '浙江省****'), ('city', '浙江省杭州市****'), ('district', '浙江省杭州市西湖区****'),
               ('road', '浙江省杭州市西湖区文三路90号****'), ('community', '浙江省杭州市西湖区文三路90号东部软件园****')) v(k, want);
SELECT is(gm.mask_address('北京市朝阳区建国路88号', 'district'), '北京市朝阳区****', 'a municipality is written once');
SELECT is(gm.mask_address('', 'district'), '', 'masking the empty string');
SELECT is(gm.mask_address('火星基地', 'district'), '****', 'nothing read: all masked');
SELECT throws_ok($$SELECT gm.mask_address('北京市', 'house')$$, '22023', NULL, 'mask_address: an unknown level is 22023');

-- ---------------------------------------------------------------- the division configuration and the cache
SELECT is((gm.parse_address('北京市朝阳区望京街道')).street, '望京街道', 'before: 望京街道 read by its suffix');
INSERT INTO gm.division(code, name, level, parent_code) VALUES ('110105010', '望京街道', 4, '110105');
SELECT is((SELECT origin::text FROM gm.division WHERE code = '110105010'), 'user', 'a town of your own is a user row');
SELECT is((gm.parse_address('朝阳区望京街道阜通东大街')).district_code, '110105', 'a town resolves nothing wrong');
INSERT INTO gm.division_alias(alias, code) VALUES ('望京', '110105010');
SELECT is((gm.parse_address('北京望京阜通东大街6号')).district_code, '110105', 'an alias of a town places the address in its district (same transaction, next statement)');
SELECT is((gm.parse_address('北京望京阜通东大街6号')).street, '望京街道', 'the street is the town''s official name');
UPDATE gm.division SET short_name = '深南' WHERE code = '440305';
SELECT is((SELECT origin::text FROM gm.division WHERE code = '440305'), 'edited', 'editing a shipped division makes it edited');
SELECT is((gm.parse_address('深圳深南粤海街道')).district_code, '440305', 'the edited short form is read at once');
SELECT throws_ok($$DELETE FROM gm.division WHERE code = '440305'$$, '55000', NULL, 'a shipped division cannot be deleted');
SAVEPOINT s1;
INSERT INTO gm.division_alias(alias, code) VALUES ('鹏城', '440300');
SELECT is((gm.parse_address('鹏城南山区')).district_code, '440305', 'alias of a city');
ROLLBACK TO SAVEPOINT s1;
SELECT is((gm.parse_address('鹏城南山区')).district_code, NULL, 'rolled back: the alias is gone (an unknown name first: no division is read)');
SELECT * FROM finish();
ROLLBACK;
