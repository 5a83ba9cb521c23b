-- demo step: Customers from addresses (issue #20)
\echo
\echo '---- Customers from addresses ----'
-- The sample city's customers loaded by address only: the 小区 register is built from the
-- sample city, 10,000 customers come in with an address and no location, are placed into
-- communities and grids by gm.place_customers, checked for duplicates and quality, and the
-- penetration per community is drawn on a map (demo-penetration.svg).
SET client_min_messages = warning;
SET grid_marketing.progress_notices = off;

\echo 'Parsing (GB/T 2260 divisions, short forms, full-width digits, same-named districts):'
SELECT a AS address, (p).province, (p).city, (p).district, (p).district_code AS code, (p).road, (p).building AS bldg,
       (p).unit, (p).room, (p).confidence AS conf
  FROM (SELECT a, gm.parse_address(a) p FROM unnest(ARRAY[(SELECT address FROM city.customer WHERE customer_id = 1),
        '浙江杭州西湖区文三路90号东部软件园3幢502室', '四川省成都市武侯区人民南路四段１２号７栋２单元３０１',
        '吉林省长春市朝阳区人民大街', '北京市朝阳区建国路88号SOHO现代城2号楼1单元1203室', '黑龙江省鹤岗市南山区']) a) s;

-- the register: one community per road number of the sample city, where its customers live
DELETE FROM gm.community;
INSERT INTO gm.community(name, address, geom, households, occupancy, entry_status, property_company)
SELECT r.road || '小区', '浙江省杭州市' || r.district || r.road, ST_Centroid(ST_Collect(c.geom)),
       count(*) * 12 + 40, round(0.6 + (count(*) % 4) / 10.0, 2),
       (ARRAY['entered', 'negotiating', 'not_entered'])[1 + count(*) % 3], '物业' || (count(*) % 5 + 1) || '公司'
  FROM city.customer c
  CROSS JOIN LATERAL (SELECT (gm.parse_address(c.address)).district, (gm.parse_address(c.address)).road) r
 GROUP BY r.district, r.road;
INSERT INTO gm.community_competitor(community_id, competitor, product, monthly_tariff)
SELECT community_id, '友商', '千兆宽带', 99 FROM gm.community WHERE community_id % 3 = 0;
\echo 'The register (小区), each on the grid of its location:'
SELECT count(*) AS communities, count(grid_id) AS on_a_grid, sum(households) AS households,
       count(*) FILTER (WHERE entry_status = 'entered') AS entered
  FROM gm.community;

-- 10,000 customers by address only (2 % copies with another phone format: duplicates; 1 % bad addresses)
DROP TABLE IF EXISTS city.customer_by_address CASCADE;
CREATE TABLE city.customer_by_address (customer_id int PRIMARY KEY, name text, phone text, id_no text, address text,
                                       joined_on date, grid_id bigint, community_id bigint);
INSERT INTO city.customer_by_address
SELECT customer_id, name, phone, id_no, CASE WHEN customer_id % 100 = 0 THEN '客户说在老地方' ELSE address END, joined_on, NULL::bigint, NULL::bigint
  FROM city.customer WHERE customer_id <= 10000
UNION ALL
SELECT 100000 + customer_id, name, '+86 ' || substr(phone, 1, 3) || '-' || substr(phone, 4, 4) || '-' || substr(phone, 8), NULL,
       replace(address, '浙江省杭州市', '杭州'), joined_on, NULL, NULL
  FROM city.customer WHERE customer_id <= 10000 AND customer_id % 50 = 7;
SELECT (gm.register_customers('city.customer_by_address', address_column => 'address', name_column => 'name',
        phone_column => 'phone', id_column => 'id_no', grid_column => 'grid_id', community_column => 'community_id',
        since_column => 'joined_on')).table_name AS registered;
CALL gm.place_customers('city.customer_by_address', 5000);
\echo 'Placement by address (a run: progress in gm.run_status, cancellable):'
SELECT r.run_id, r.state, r.batches, r.rows_done, s.status, s.n_rows, s.share
  FROM gm.run_status r JOIN gm.placement_summary s USING (run_id)
 WHERE r.run_id = (SELECT max(run_id) FROM gm.run WHERE kind = 'place_customers') ORDER BY s.status;
SELECT status, reason, n_rows FROM gm.placement_reasons
 WHERE run_id = (SELECT max(run_id) FROM gm.run WHERE kind = 'place_customers') ORDER BY n_rows DESC LIMIT 3;

\echo 'Duplicates (same phone after normalisation, same ID number, similar name at the same address):'
SELECT gm.find_duplicates('city.customer_by_address') AS new_candidates;
SELECT reason, count(*) FROM gm.duplicate_candidate WHERE table_name = 'city.customer_by_address' GROUP BY 1 ORDER BY 1;
SELECT gm.merge_customers('city.customer_by_address', d.key_a, d.key_b, 'demo: same phone') AS merge_id
  FROM gm.duplicate_candidate d WHERE d.table_name = 'city.customer_by_address' AND d.reason = 'phone'
 ORDER BY d.key_a::int LIMIT 1 \gset
SELECT merge_id, survivor_key, merged_key, filled_columns FROM gm.merge_log WHERE merge_id = :merge_id;
SELECT gm.undo_merge(:merge_id);
SELECT count(*) AS rows_after_undo FROM city.customer_by_address;

\echo 'Data quality: the daily integrity check, and the report per grid (worst five):'
SELECT gm.check_quality('city.customer_by_address') AS measures_stored;
SELECT g.code AS grid, d.n_rows, d.completeness, d.validity, d.address_error_rate, d.duplicate_rate, round(d.quality_score, 1) AS score,
       d.address_on_target, d.duplicates_on_target
  FROM gm.quality_daily d LEFT JOIN gm.grid g USING (grid_id)
 WHERE d.table_name = 'city.customer_by_address' ORDER BY d.quality_score LIMIT 5;

\echo 'Penetration per community (customers / households), best five, and per region:'
SELECT name, households, customers, penetration, occupancy_penetration FROM gm.penetration('city.customer_by_address')
 ORDER BY penetration DESC NULLS LAST, id LIMIT 5;
SELECT name AS region, households, customers, penetration FROM gm.penetration('city.customer_by_address', 'region') ORDER BY id;

-- the map: every community as a small square coloured by its penetration
\pset format unaligned
\pset tuples_only on
\o demo-penetration.svg
SELECT gm.svg_map(ST_Expand(c.geom, 0.002), p.penetration, '' ORDER BY c.community_id)
  FROM gm.penetration('city.customer_by_address') p JOIN gm.community c ON c.community_id = p.id;
\o
\pset tuples_only off
\pset format aligned
\echo 'wrote demo-penetration.svg (communities coloured by penetration)'
DELETE FROM gm.customer_source WHERE table_name = 'city.customer_by_address';
RESET grid_marketing.progress_notices;
RESET client_min_messages;
