-- addresses: parsing, the community register and placing a customer table by address (a run)
SET client_min_messages = warning;
SET grid_marketing.progress_notices = off;
SELECT (gm.parse_address('广东省深圳市南山区粤海街道高新南七道18号')).*;
SELECT (gm.parse_address('浙江杭州西湖区文三路90号东部软件园3幢502室')).*;
SELECT a, (p).province, (p).city, (p).district, (p).district_code, (p).confidence
  FROM (SELECT a, gm.parse_address(a) p FROM unnest(ARRAY['吉林省长春市朝阳区人民大街', '北京市朝阳区建国路88号', '朝阳区建国路88号',
        '黑龙江省鹤岗市南山区', '深圳南山区', '上海闸北区天目中路', '', '!!!@@@###']) a) s;
SELECT gm.mask_address('浙江杭州西湖区文三路90号东部软件园3幢502室', 'district');
SELECT gm.mask_address('浙江杭州西湖区文三路90号东部软件园3幢502室', 'floor');

-- a city with two grids and three communities
INSERT INTO gm.grid(code, name, geom) VALUES ('AD-R', 'Address region', ST_Multi(ST_MakeEnvelope(100, 0, 120, 10)));
INSERT INTO gm.grid(code, name, parent_id, geom)
SELECT v.code, v.name, r.grid_id, ST_Multi(v.geom) FROM gm.grid r,
       (VALUES ('AD-1', 'West', ST_MakeEnvelope(100, 0, 110, 10)), ('AD-2', 'East', ST_MakeEnvelope(110, 0, 120, 10))) v(code, name, geom)
 WHERE r.code = 'AD-R';
INSERT INTO gm.community(name, address, geom, households, occupancy, entry_status) VALUES
  ('阳光花园', '浙江省杭州市西湖区文三路100号', ST_MakePoint(105, 5), 800, 0.9, 'entered'),
  ('东部软件园', '浙江省杭州市西湖区文三路90号', ST_MakeEnvelope(111, 1, 113, 3), 300, 0.5, 'negotiating'),
  ('翠苑一区', '浙江省杭州市西湖区翠苑街道', ST_MakePoint(115, 5), 1200, 0.8, 'not_entered');
INSERT INTO gm.community_alias SELECT community_id, '翠苑1区' FROM gm.community WHERE name = '翠苑一区';
SELECT c.name, c.division_code, c.road_key, g.code AS grid, c.grid_source
  FROM gm.community c LEFT JOIN gm.grid g USING (grid_id) ORDER BY c.community_id;

CREATE TABLE ad_customer (id int PRIMARY KEY, addr text, grid_id bigint, community_id bigint);
INSERT INTO ad_customer VALUES
  (1, '杭州西湖区阳光花园3栋2单元501', NULL, NULL), (2, '浙江杭州西湖区文三路90号东部软件园3幢502室', NULL, NULL),
  (3, '西湖区翠苑1区5幢', NULL, NULL), (4, '杭州市西湖区文三路100号', NULL, NULL), (5, '杭州市西湖区东部软件园区', NULL, NULL),
  (6, '火星基地', NULL, NULL), (7, NULL, NULL, NULL), (8, '北京市朝阳区建国路88号', NULL, NULL);
CALL gm.place_customers('ad_customer');   -- not registered yet: 55000
SELECT (gm.register_customers('ad_customer', address_column => 'addr', grid_column => 'grid_id', community_column => 'community_id')).table_name;
CALL gm.place_customers('ad_customer', 3);
SELECT kind, state, batches, rows_total, rows_done, rows_changed FROM gm.run_status WHERE kind = 'place_customers';
SELECT p.row_key, p.status, c.name AS community, g.code AS grid, p.method, round(p.score::numeric, 2) AS score, p.reason
  FROM gm.placement p LEFT JOIN gm.community c USING (community_id) LEFT JOIN gm.grid g ON g.grid_id = p.grid_id
 ORDER BY p.row_key::int;
SELECT status, n_rows, share FROM gm.placement_summary ORDER BY status;
SELECT status, reason, n_rows FROM gm.placement_reasons ORDER BY 1, 2;
SELECT a.id, g.code AS grid, c.name AS community FROM ad_customer a LEFT JOIN gm.grid g USING (grid_id)
  LEFT JOIN gm.community c USING (community_id) ORDER BY a.id;
SELECT level, name, households, customers, penetration FROM gm.penetration('ad_customer', 'grid');
CALL gm.place_customers('ad_customer', 0);  -- 22003
-- leave the database as found (later tests print run and grid ids)
DROP TABLE ad_customer;
DELETE FROM gm.customer_source WHERE table_name = 'public.ad_customer';
DELETE FROM gm.run WHERE kind = 'place_customers';
DELETE FROM gm.community;
DELETE FROM gm.assignment_log WHERE table_name = 'community';
DELETE FROM gm.grid WHERE code LIKE 'AD-%' AND parent_id IS NOT NULL;
DELETE FROM gm.grid WHERE code LIKE 'AD-%';
SELECT setval(s, COALESCE(m, 0) + 1, false) IS NOT NULL AS reset
  FROM (VALUES ('gm.run_run_id_seq', (SELECT max(run_id) FROM gm.run)), ('gm.grid_grid_id_seq', (SELECT max(grid_id) FROM gm.grid)),
               ('gm.community_community_id_seq', (SELECT max(community_id) FROM gm.community)),
               ('gm.assignment_log_log_id_seq', (SELECT max(log_id) FROM gm.assignment_log))) v(s, m);
