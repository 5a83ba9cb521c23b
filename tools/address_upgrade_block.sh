#!/bin/bash
# tools/address_upgrade_block.sh — rewrites the addresses block (issue #20) at the end of the
# upgrade script sql/grid_marketing--0.1.1--0.2.0.sql from the sections it must equal: the
# block holds sql/parts/65_address.sql and sql/parts/66_address_divisions.sql with identical
# text, plus the new text of objects of other sections the addresses change (between the
# markers "-- addresses: also in" of those sections), so test/scripts/upgrade.sh finds an
# upgraded database equal to a fresh install.  Run it after every change of those files.
set -euo pipefail
cd "$(dirname "$0")/.."
UP=${1:-sql/grid_marketing--0.1.1--0.2.0.sql}
BEGIN='-- ==== addresses (issue #20) ===='
END='-- ==== end addresses ===='
tmp=$(mktemp)
awk -v b="$BEGIN" -v e="$END" '$0 == b {skip = 1} !skip {print} $0 == e {skip = 0}' "$UP" > "$tmp"
# drop the blank line left before a removed block
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp"
{
  echo
  echo "$BEGIN"
  # objects of earlier sections the addresses change: their text as the section has it
  for f in sql/parts/*.sql; do
    awk '/^-- addresses: also in the upgrade script \{/ {on = 1; next} /^-- addresses: \}/ {on = 0} on' "$f"
  done
  cat sql/parts/65_address.sql sql/parts/66_address_divisions.sql
  echo "$END"
} >> "$tmp"
mv "$tmp" "$UP"
