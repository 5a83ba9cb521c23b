-- sanity benchmark: the cost of calling a C function per row against a plain expression
CREATE TABLE bench_rows AS SELECT i FROM generate_series(1, 1000000) i;
SELECT bench.compare('gm.version() per row, 1M rows', 'SELECT count(i) FROM bench_rows',
                     'SELECT count(gm.version()) FROM bench_rows', 3, 'cost');
