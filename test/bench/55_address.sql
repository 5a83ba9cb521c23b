-- Addresses (issue #20): parse 1M addresses against a regexp split of the same addresses; place
-- 1M customers by address against 50,000 communities (a run of gm.place_customers); duplicate
-- candidates over the same 1M customers.  GM_BENCH_ADDR_ROWS / _COMMUNITIES scale it down.
SET client_min_messages = warning;
SET grid_marketing.progress_notices = off;
\set rows `echo ${GM_BENCH_ADDR_ROWS:-1000000}`
\set communities `echo ${GM_BENCH_ADDR_COMMUNITIES:-50000}`
DROP TABLE IF EXISTS bench.addr, bench.addr_sample, bench.addr_cust;
CREATE TABLE bench.addr_sample(id int, addr text);
INSERT INTO bench.addr_sample VALUES
 (1,  '广东省深圳市南山区粤海街道高新南七道18号'), (2,  '北京市朝阳区建国路88号SOHO现代城2号楼1单元1203室'),
 (3,  '上海浦东新区张江路500弄3号'), (4,  '浙江杭州西湖区文三路90号东部软件园3幢502室'), (5,  '江苏省南京市鼓楼区中山北路30号'),
 (6,  '四川省成都市武侯区人民南路四段１２号７栋２单元３０１'), (7,  '湖北武汉市洪山区珞喻路1037号'), (8,  '广州天河区天河路385号'),
 (9,  '重庆市渝中区民族路188号'), (10, '天津市和平区南京路189号'), (11, '陕西省西安市雁塔区小寨东路126号'),
 (12, '河南省郑州市金水区花园路39号'), (13, '新疆维吾尔自治区乌鲁木齐市天山区解放南路'), (14, '内蒙古呼和浩特市新城区新华大街'),
 (15, '福建省厦门市思明区鹭江道8号'), (16, '山东省青岛市市南区香港中路10号'), (17, '吉林省长春市朝阳区人民大街'),
 (18, '黑龙江省鹤岗市南山区'), (19, ' 广东省 深圳市 南山区 科技园 ');
-- the acceptance check's 1M addresses
CREATE TABLE bench.addr AS SELECT i, (SELECT addr FROM bench.addr_sample WHERE id = 1 + (i % 19)) || (i % 997) || '号' AS addr
  FROM generate_series(1, :rows) i;
VACUUM ANALYZE bench.addr;
SELECT bench.compare('parse_address 1M addresses vs a regexp split (acceptance query)',
  $$SELECT count(*) FROM bench.addr WHERE (regexp_match(addr, '^(.*?(?:省|自治区))?(.*?市)?(.*?(?:区|县|旗))?(.*?(?:街道|镇|乡))?(.*)$'))[3] IS NOT NULL$$,
  $$SELECT count(*) FROM bench.addr WHERE (gm.parse_address(addr)).district_code IS NOT NULL$$,
  5, 'speedup', 3, 'regexp_match split');
SELECT bench.measure('parse_address 1M addresses (< 5 s)',
  $$SELECT count(*) FROM bench.addr WHERE (gm.parse_address(addr)).district_code IS NOT NULL$$, 5000, 3);

-- 50 grids, :communities communities in 杭州 districts, 1M customers living in them
DELETE FROM gm.community;
DELETE FROM gm.grid WHERE code LIKE 'BA-%' AND parent_id IS NOT NULL;
DELETE FROM gm.grid WHERE code LIKE 'BA-%';
INSERT INTO gm.grid(code, name, geom) SELECT 'BA-' || i, 'bench address grid ' || i,
       ST_Multi(ST_MakeEnvelope((i - 1) % 10 * 10, (i - 1) / 10 * 10, (i - 1) % 10 * 10 + 10, (i - 1) / 10 * 10 + 10))
  FROM generate_series(1, 50) i;
SELECT setseed(0.55);
CREATE TEMP TABLE syl AS SELECT ARRAY['阳光','翠苑','金色','绿城','桂花','锦绣','东方','明珠','紫金','城市','湖畔','江南','西溪','滨江','世纪',
   '和平','幸福','康乐','天都','万科','碧桂','龙湖','保利','华府','水岸','香樟','枫林','海棠','玉泉','云栖'] AS s,
   ARRAY['花园','小区','家园','公寓','新村','苑','府','名邸','嘉园','雅苑'] AS t,
   ARRAY['西湖区','上城区','拱墅区','滨江区','余杭区','萧山区'] AS d;
INSERT INTO gm.community(name, address, geom, households, occupancy)
SELECT n, '浙江省杭州市' || d || s1 || '路' || i || '号', ST_MakePoint(random() * 100, random() * 50),
       200 + (random() * 2000)::int, round((0.5 + random() * 0.5)::numeric, 2)
  FROM (SELECT i, s[1 + (i % 30)] || s[1 + (i / 30 % 30)] || t[1 + (i / 900 % 10)] AS n, d[1 + (i / 9000 % 6)] AS d,
               s[1 + (i / 7 % 30)] AS s1
          FROM syl, generate_series(0, :communities - 1) i) x;
ANALYZE gm.community;
CREATE TABLE bench.addr_cust (id int PRIMARY KEY, name text, phone text, idno text, addr text, grid_id bigint, community_id bigint);
INSERT INTO bench.addr_cust
SELECT i, (ARRAY['张','王','李','赵','刘','陈'])[1 + i % 6] || (ARRAY['伟','芳','娜','敏','静','磊','洋','勇'])[1 + i / 6 % 8] || (i % 97),
       '1' || (3 + i % 7) || lpad(((i::bigint * 7919) % 1000000000 / CASE WHEN i % 20 = 0 THEN 2 ELSE 1 END)::text, 9, '0'),
       NULL,
       CASE WHEN i % 50 = 0 THEN '某地某处' || i
            ELSE (ARRAY['浙江省杭州市', '杭州', '浙江杭州', ''])[1 + i % 4] || c.d || c.name || (1 + i % 30) || '栋' || (1 + i % 4) || '单元' || (101 + i % 1800) || '室' END
  FROM generate_series(1, :rows) i
  JOIN (SELECT community_id, name, (SELECT dd.name FROM gm.division dd WHERE dd.code = division_code) AS d,
               row_number() OVER (ORDER BY community_id) AS rn FROM gm.community) c ON c.rn = 1 + (i * 31 % :communities);
ANALYZE bench.addr_cust;
SELECT gm.register_customers('bench.addr_cust', address_column => 'addr', name_column => 'name', phone_column => 'phone',
                             id_column => 'idno', grid_column => 'grid_id', community_column => 'community_id') IS NOT NULL;
SELECT pg_catalog.clock_timestamp() AS t0 \gset
CALL gm.place_customers('bench.addr_cust', 50000);
INSERT INTO bench.result(name, baseline, gm_ms, goal, met)
SELECT 'place_customers ' || :rows || ' customers vs ' || :communities || ' communities (< 60 s)', '-', ms, '< 60000 ms', ms < 60000
  FROM (SELECT round((extract(epoch FROM pg_catalog.clock_timestamp() - :'t0'::timestamptz) * 1000)::numeric, 1) AS ms) s;
SELECT bench.measure('find_duplicates over ' || :rows || ' customers (< 60 s)', $$SELECT gm.find_duplicates('bench.addr_cust')$$, 60000, 1);
INSERT INTO bench.result(name, baseline, goal, met)
SELECT 'placement outcome: ' || string_agg(status || ' ' || n_rows, ', ' ORDER BY status), '-', 'information', true
  FROM gm.placement_summary WHERE table_name = 'bench.addr_cust';
DELETE FROM gm.customer_source WHERE table_name = 'bench.addr_cust';
