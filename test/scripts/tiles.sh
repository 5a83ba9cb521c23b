#!/bin/bash
# The web map layers, printed as TAP: gm.grid_tiles produces Mapbox Vector Tiles that GDAL's MVT
# driver (gdal-bin) decodes into the grids of the tile with their properties, from grids stored in
# WGS 84 (transformed to Web Mercator); gm.grid_geojson is a FeatureCollection that GDAL's GeoJSON
# driver reads with the same grids.  Runs against the server in PGHOST/PGPORT (test/setup.sh).
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
DB=gm_tiles
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
P() { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }
if ! command -v ogrinfo >/dev/null; then nok "ogrinfo (gdal-bin) is installed"; echo "1..$n"; exit 1; fi

dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB && P -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" \
  -c "INSERT INTO gm.grid(code, name, kind, geom)
      SELECT 'T' || i, '网格 ' || i, 'physical', ST_Multi(ST_MakeEnvelope(120.0 + i * 0.01, 30.2, 120.01 + i * 0.01, 30.21, 4326))
      FROM generate_series(0, 3) i" \
  -c "INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'mgr_' || code, 'manager' FROM gm.grid" >/dev/null \
  || { nok "set-up"; echo "1..$n"; exit 1; }

# the tile at zoom 12 over lon 120.0-120.04, lat 30.2-30.21 (x 3413, y 1687 holds the four grids)
IFS="|" read -r z x y <<<"$(P -c "SELECT 12, floor((120.02 + 180) / 360 * 4096)::int,
                              floor((1 - ln(tan(radians(30.205)) + 1 / cos(radians(30.205))) / pi()) / 2 * 4096)::int")"
P -c "SELECT encode(gm.grid_tiles($z, $x, $y), 'hex')" | perl -ne 'chomp; print pack("H*", $_)' > "$DIR/$y.pbf"
[ -s "$DIR/$y.pbf" ] && ok "gm.grid_tiles($z, $x, $y) returns a tile" || nok "gm.grid_tiles($z, $x, $y) returns a tile"
info=$(ogrinfo -ro -al -oo Z=$z -oo X=$x -oo Y=$y "$DIR/$y.pbf" 2>&1)
check "$(echo "$info" | sed -n 's/^Layer name: //p')" "grids" "GDAL's MVT driver reads layer 'grids'"
check "$(echo "$info" | grep -c '^OGRFeature')" 4 "... with the four grids of the tile"
check "$(echo "$info" | grep -o 'manager (String) = mgr_T[0-9]' | sort | tr '\n' ' ')" \
      "manager (String) = mgr_T0 manager (String) = mgr_T1 manager (String) = mgr_T2 manager (String) = mgr_T3 " \
      "... each with its manager"
check "$(echo "$info" | grep -c 'name (String) = 网格 ')" 4 "... and its name (UTF-8)"
# decoded back to WGS 84 by GDAL, the features lie where the grids are
ext=$(ogrinfo -ro -so -al -oo Z=$z -oo X=$x -oo Y=$y "$DIR/$y.pbf" 2>&1 | sed -n 's/^Extent: //p')
check "$(echo "$ext" | perl -ne 'if (/\(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/) {
         my @m = map { $_ } ($1, $2, $3, $4);   # Web Mercator metres
         my $lon1 = $m[0] / 6378137 * 57.29577951308232; my $lon2 = $m[2] / 6378137 * 57.29577951308232;
         printf "%.2f %.2f", $lon1, $lon2 }')" "120.00 120.04" "... where the grids are (longitude 120.00 to 120.04)"
check "$(P -c "SELECT length(gm.grid_tiles(12, 0, 0))")" 0 "a tile far away is empty"
check "$(P -c "SELECT gm.grid_tiles(12, 4096, 0)" 2>&1 | grep -o 'no tile 12/4096/0')" "no tile 12/4096/0" \
      "a tile outside the zoom level is refused"

# GeoJSON
P -c "SELECT gm.grid_geojson()" > "$DIR/grids.geojson"
gj=$(ogrinfo -ro -al "$DIR/grids.geojson" 2>&1)
check "$(echo "$gj" | grep -c '^OGRFeature')" 4 "GDAL's GeoJSON driver reads the four grids of gm.grid_geojson()"
check "$(echo "$gj" | grep -c 'manager (String) = mgr_T')" 4 "... with their managers"

dropdb --if-exists $DB >/dev/null 2>&1
echo "1..$n"
