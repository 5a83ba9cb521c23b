#!/bin/bash
# tools/perf_upgrade_block.sh — rewrites the performance block (issue #19) of the upgrade script
# sql/grid_marketing--0.1.1--0.2.0.sql in place from sql/parts/80_performance.sql: the block is
# that section with identical text, followed by the combined gm._config_tables() (from the line
# "-- scale-out: the operational records of performance management are not configuration" to
# "-- ==== end performance ====", kept as it is), so test/scripts/upgrade.sh finds an upgraded
# database equal to a fresh install.  Run it after every change of 80_performance.sql.
set -euo pipefail
cd "$(dirname "$0")/.."
UP=${1:-sql/grid_marketing--0.1.1--0.2.0.sql}
python3 - "$UP" <<'PY'
import sys
up = sys.argv[1]
u = open(up, encoding='utf-8').read()
head = '-- ==== performance (issue #19) ====\n'
tail = '\n-- scale-out: the operational records of performance management are not configuration'
a = u.index(head) + len(head)
b = u.index(tail, a)
part = open('sql/parts/80_performance.sql', encoding='utf-8').read().rstrip('\n') + '\n'
open(up, 'w', encoding='utf-8').write(u[:a] + part + u[b:])
PY
echo "$UP: performance block rewritten from sql/parts/80_performance.sql"
