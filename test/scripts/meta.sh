#!/bin/bash
# The release metadata, printed as TAP: META.json is valid against the PGXN Meta Spec 1.0.0
# (test/meta/pgxn-meta-1.0.0.schema.json, checked with python3-jsonschema, installed by make test)
# and agrees with the control file, CHANGELOG.md and README; the validator rejects what the spec
# forbids; `make dist` builds the release archive from git with the file META.json provides.
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
SCHEMA=test/meta/pgxn-meta-1.0.0.schema.json
validate() {   # validate FILE -> "valid" or the first error
  $PY - "$SCHEMA" "$1" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
print("valid" if not errs else "invalid: " + "/".join(map(str, errs[0].path)) + ": " + errs[0].message)
PY
}
if ! $PY -c 'import jsonschema' 2>/dev/null; then nok "python3-jsonschema is installed"; echo "1..$n"; exit 1; fi
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT

check "$(validate META.json)" "valid" "META.json is valid against the PGXN Meta Spec 1.0.0"
ctl=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" grid_marketing.control)
meta=$($PY -c 'import json; m = json.load(open("META.json")); print(m["version"], m["provides"]["grid_marketing"]["version"])')
check "$meta" "$ctl $ctl" "META.json's version and provides.version are the control file's ($ctl)"
grep -q "^## $ctl " CHANGELOG.md && ok "CHANGELOG.md has an entry for $ctl" || nok "CHANGELOG.md has an entry for $ctl"
range=$($PY -c 'import json; print(json.load(open("META.json"))["prereqs"]["runtime"]["requires"]["PostgreSQL"])')
check "$range" ">= 15.0.0, < 19.0.0" "META.json requires PostgreSQL 15 to 18 (the servers tested: 15, 17, 18)"
grep -q "PostgreSQL 15, 17 and 18" README.md && grep -q "PostgreSQL 15, 17 and 18" grid_marketing.control \
  && grep -q "Supported servers: PostgreSQL 15, 17 and 18" CHANGELOG.md && grep -q "Tested on PostgreSQL 15, 17 and 18" META.json \
  && ok "README and the control file state the supported servers" || nok "README and the control file state the supported servers"

# the validator is not a rubber stamp: documents the spec forbids are rejected
for bad in 'del m["license"]' 'm["resources"] = {}' 'm["version"] = "0.2"' 'm["release_status"] = "beta"' \
           'm["provides"]["grid_marketing"].pop("file")' 'm["prereqs"]["runtime"]["requires"]["PostgreSQL"] = "fifteen"' \
           'm["license"] = "GPL"' 'm["meta-spec"]["version"] = "2.0.0"'; do
  $PY -c "import json; m = json.load(open('META.json')); $bad; json.dump(m, open('$DIR/bad.json', 'w'))"
  r=$(validate "$DIR/bad.json")
  [ "${r#invalid}" != "$r" ] && ok "rejected: $bad" || { nok "rejected: $bad"; echo "#   got: $r"; }
done

# make dist: the archive of HEAD plus the built install script
out=$(make -s dist 2>&1); rc=$?
zipf=grid_marketing-$ctl.zip
if [ $rc -eq 0 ] && [ -f "$zipf" ]; then
  ok "make dist writes $zipf"
  list=$(unzip -Z1 "$zipf")
  file=$($PY -c 'import json; print(json.load(open("META.json"))["provides"]["grid_marketing"]["file"])')
  doc=$($PY -c 'import json; print(json.load(open("META.json"))["provides"]["grid_marketing"]["docfile"])')
  echo "$list" | grep -qx "grid_marketing-$ctl/$file" && ok "the archive holds provides.file ($file)" || nok "the archive holds provides.file ($file)"
  echo "$list" | grep -qx "grid_marketing-$ctl/$doc" && ok "the archive holds provides.docfile ($doc)" || nok "the archive holds provides.docfile ($doc)"
  echo "$list" | grep -qx "grid_marketing-$ctl/META.json" && ok "the archive holds META.json at its root" || nok "the archive holds META.json at its root"
  check "$(echo "$list" | grep -cE '\.(o|so|bc)$|/results/|/build/')" 0 "no build products in the archive"
  check "$(echo "$list" | grep -c "^grid_marketing-$ctl/sql/parts/.*[^/]$")" "$(git ls-files 'sql/parts/*' | wc -l)" "every SQL part of git is in it"
  unzip -q -d "$DIR" "$zipf"
  cmp -s "$DIR/grid_marketing-$ctl/$file" "build/grid_marketing--$ctl.sql" && ok "its install script is the one make builds from sql/parts" \
    || nok "its install script is the one make builds from sql/parts"
  rm -f "$zipf"
else
  nok "make dist writes $zipf"; echo "$out" | sed 's/^/#   /' | tail -5
fi
echo "1..$n"
