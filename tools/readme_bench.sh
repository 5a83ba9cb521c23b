#!/bin/bash
# tools/readme_bench.sh [bench-report.md] — puts the table `make bench` wrote (one run: every
# benchmark with its baseline, times, ratio, goal and the backend's peak memory) into README.md,
# between the lines "<!-- bench-report: begin -->" and "<!-- bench-report: end -->", with the
# date and the machine it ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
REPORT=${1:-bench-report.md}
[ -s "$REPORT" ] || { echo "no $REPORT: run make bench first" >&2; exit 1; }
python3 - "$REPORT" "$(date -u +%Y-%m-%d) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)" <<'PY'
import sys
report, when = sys.argv[1], sys.argv[2]
r = open('README.md', encoding='utf-8').read()
b, e = '<!-- bench-report: begin -->', '<!-- bench-report: end -->'
i, j = r.index(b) + len(b), r.index(e)
table = open(report, encoding='utf-8').read().strip('\n')
r = r[:i] + '\n\n`make bench` of ' + when + ':\n\n' + table + '\n\n' + r[j:]
open('README.md', 'w', encoding='utf-8').write(r)
PY
echo "README.md: bench table from $REPORT"
