-- protection: masking, normalisation, validation, grid-scoped row-level security
-- (everything it creates, roles included, is rolled back)
SET client_min_messages = warning;
-- masking
SELECT s, gm.mask_phone(s) FROM (VALUES ('13812341234'), ('+86 138-1234-1234'), ('０５７１－８８８８１２３４'), ('110'), ('')) v(s);
SELECT gm.mask_id('330106199001011234') AS id, gm.mask_id('330106199001011234', 1, 1) AS id_1_1,
       gm.mask_id('33010619900101123x', 20, 20) AS capped, gm.mask_id('A1234') AS short;
SELECT gm.mask_bank_card('6222 0212 3456 7890 123') AS card, gm.mask_bank_card('12345') AS not_a_card;
SELECT s, gm.mask_name(s) FROM (VALUES ('张三'), ('欧阳娜娜'), ('诸葛亮'), ('王'), ('买买提·艾力'), ('John Ronald Tolkien')) v(s);
SELECT s, gm.mask_address(s) FROM (VALUES ('浙江省杭州市西湖区文三路100号'), ('新疆维吾尔自治区乌鲁木齐市天山区'), ('幸福小区5栋'), ('Main Street 1')) v(s);
-- normalisation and validation
SELECT s, gm.normalize_phone(s) FROM (VALUES ('+86 138-1234-5678'), ('0086１３８１２３４５６７８'), ('12812345678'), ('0571-88881234')) v(s);
SELECT s, gm.valid_cn_id(s) FROM (VALUES ('11010519491231002X'), ('11010519491231002x'), ('110105194912310021'), ('110105194902300024'), ('110105491231002')) v(s);
SELECT s, gm.valid_uscc(s) FROM (VALUES ('91350100M000100Y43'), ('91350100M000100Y44'), ('91350100M000100I43')) v(s);
-- errors
SELECT gm.mask_id('330106199001011234', -1, 4);
SELECT gm.mask_phone(repeat('1', 5000000));
-- row-level security
BEGIN;
CREATE ROLE gm_regress_mgr_a;
CREATE ROLE gm_regress_mgr_r;
CREATE ROLE gm_regress_nobody;
CREATE ROLE gm_regress_admin IN ROLE gm_admin;
INSERT INTO gm.grid(code, name) VALUES ('PR-R', 'region');
INSERT INTO gm.grid(code, name, parent_id) SELECT c, c, (SELECT grid_id FROM gm.grid WHERE code = 'PR-R') FROM (VALUES ('PR-A'), ('PR-B')) v(c);
INSERT INTO gm.grid(code, name, parent_id) SELECT 'PR-A1', 'micro', grid_id FROM gm.grid WHERE code = 'PR-A';
INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'gm_regress_mgr_a', 'manager' FROM gm.grid WHERE code = 'PR-A';
INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'gm_regress_mgr_r', 'manager' FROM gm.grid WHERE code = 'PR-R';
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_to) SELECT grid_id, 'gm_regress_nobody', 'marketer', current_date FROM gm.grid WHERE code = 'PR-B';
CREATE TABLE pr_cust (id int, grid_id bigint, phone text);
INSERT INTO pr_cust SELECT i, (SELECT grid_id FROM gm.grid WHERE code = (ARRAY['PR-A', 'PR-B', 'PR-A1'])[1 + i % 3]), '1391234' || lpad(i::text, 4, '0')
FROM generate_series(1, 30) i;
GRANT SELECT ON pr_cust TO PUBLIC;
SELECT gm.secure_table('pr_cust', 'grid_id');
SELECT policyname, cmd, roles, qual FROM pg_policies WHERE tablename = 'pr_cust' ORDER BY policyname;
SET LOCAL ROLE gm_regress_mgr_a;
SELECT current_user, count(*) FROM pr_cust;
SET LOCAL ROLE gm_regress_mgr_r;
SELECT current_user, count(*) FROM pr_cust;
SET LOCAL ROLE gm_regress_nobody;
SELECT current_user, count(*), gm.my_grids() FROM pr_cust;
SET LOCAL ROLE gm_regress_admin;
SELECT current_user, count(*) FROM pr_cust;
RESET ROLE;
SELECT gm.create_masked_view('pr_cust', 'pr_cust_masked', '{"phone": "phone"}', 'gm_regress_nobody');
SET LOCAL ROLE gm_regress_nobody;
SELECT id, phone FROM pr_cust_masked ORDER BY id LIMIT 3;
RESET ROLE;
SELECT gm.secure_table('pr_cust', 'phone');
ROLLBACK;
