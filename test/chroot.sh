#!/bin/bash
# test/chroot.sh N [test|build] — `make test PG=N` for a PostgreSQL major version that this
# machine's Debian does not package: the whole suite runs inside a Debian chroot that packages it.
#
#   N=17: Debian 13 (trixie)     N=18: Debian testing (forky)
#
# The chroot is built on first use with debootstrap from Debian's archive (deb.debian.org) and kept
# under /var/cache/grid_marketing/chroot-N (GM_CHROOT_DIR overrides the parent directory); it gets
# what test/setup.sh deps installs for 15, with the version number changed (packages the suite
# lacks are skipped, and said so).  Each run copies the source tree (with its git history: the
# upgrade test reads the released scripts from git) into the chroot, mounts /proc, /dev/shm and
# /dev/pts there, runs `make test` as root inside (servers run as the postgres user, as on the
# host) and unmounts on exit.  Needs root (debootstrap, chroot, mount).
#   build: only build (or check) the chroot.
set -u -o pipefail
N=${1:?usage: test/chroot.sh N [test|build]}
MODE=${2:-test}
TOP=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

case "$N" in
  17) SUITE=trixie ;;
  18) SUITE=forky ;;
  *) die "PG=$N: no chroot recipe (15 runs on the host; 17 and 18 in chroots)" ;;
esac
[ "$(id -u)" = 0 ] || die "make test PG=$N needs root (debootstrap, chroot, mount): run it with sudo"
MIRROR=http://deb.debian.org/debian
BASE=${GM_CHROOT_DIR:-/var/cache/grid_marketing}
ROOT=$BASE/chroot-$N
PORT=${GM_CHROOT_PORT:-$((55466 + N))}   # 55483 for 17, 55484 for 18 (not GM_TEST_PORT: that is the host run's)

# what test/setup.sh deps installs, for version N (keep the two lists in step)
PKGS=(postgresql-$N postgresql-server-dev-$N postgresql-$N-postgis-3 postgresql-$N-pgtap
      libtap-parser-sourcehandler-pgtap-perl postgresql-$N-orafce postgresql-$N-pgaudit
      postgresql-$N-cron bc gdal-bin python3-jsonschema zip unzip chromium build-essential
      git ca-certificates tzdata-legacy)

# ---------------------------------------------------------------- mounts
MOUNTED=()
umount_all() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" 2>/dev/null
  done
  MOUNTED=()
}
mount_in() {   # mount_in ROOT
  local r=$1
  mkdir -p "$r/proc" "$r/dev/shm" "$r/dev/pts"
  mount -t proc proc "$r/proc" && MOUNTED+=("$r/proc") || die "cannot mount /proc in $r"
  mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm" && MOUNTED+=("$r/dev/shm") || die "cannot mount /dev/shm in $r"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" && MOUNTED+=("$r/dev/pts") || true
}
trap umount_all EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build the chroot
build_chroot() {
  local tmp=$ROOT.build
  command -v debootstrap >/dev/null || {
    say "installing debootstrap"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
      || die "cannot install debootstrap"
  }
  # debootstrap knows a suite by a script of its name; an older debootstrap has none for the
  # newest testing release, which bootstraps as sid does
  local script=/usr/share/debootstrap/scripts/$SUITE
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  rm -rf "$tmp"; mkdir -p "$BASE"
  say "building the Debian $SUITE chroot for PostgreSQL $N in $ROOT (debootstrap; downloads, takes minutes)"
  debootstrap --variant=minbase "$SUITE" "$tmp" "$MIRROR" "$script" >"$BASE/debootstrap-$N.log" 2>&1 \
    || { tail -20 "$BASE/debootstrap-$N.log"; die "debootstrap $SUITE failed (log: $BASE/debootstrap-$N.log)"; }
  # no services start inside, and no cluster is created by the package (setup.sh makes its own)
  printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"; chmod 755 "$tmp/usr/sbin/policy-rc.d"
  mkdir -p "$tmp/etc/postgresql-common"
  echo "create_main_cluster = false" > "$tmp/etc/postgresql-common/createcluster.conf"
  echo "deb $MIRROR $SUITE main" > "$tmp/etc/apt/sources.list"
  # testing's Release file carries a Valid-Until date; a machine whose clock runs past it (or a
  # snapshot mirror) must still install from it
  echo 'Acquire::Check-Valid-Until "false";' > "$tmp/etc/apt/apt.conf.d/99gm-valid-until"
  cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null
  mount_in "$tmp"
  chroot "$tmp" apt-get update -qq >>"$BASE/debootstrap-$N.log" 2>&1 || die "apt-get update in the chroot failed"
  local p have=() skip=()
  for p in "${PKGS[@]}"; do
    if chroot "$tmp" apt-cache show "$p" >/dev/null 2>&1; then have+=("$p"); else skip+=("$p"); fi
  done
  [ ${#skip[@]} -gt 0 ] && say "Debian $SUITE lacks: ${skip[*]} (the tests that need them are skipped)"
  say "installing ${#have[@]} packages in the chroot"
  chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${have[@]}" \
    >>"$BASE/debootstrap-$N.log" 2>&1 || { tail -20 "$BASE/debootstrap-$N.log"; die "installing packages in the chroot failed"; }
  chroot "$tmp" apt-get clean
  : > "$tmp/.gm-skipped"; [ ${#skip[@]} -gt 0 ] && printf '%s\n' "${skip[@]}" > "$tmp/.gm-skipped"
  umount_all
  mv "$tmp" "$ROOT" || die "cannot move $tmp to $ROOT"
  say "chroot for PostgreSQL $N ready"
}

[ -x "$ROOT/usr/lib/postgresql/$N/bin/postgres" ] || build_chroot
[ "$MODE" = build ] && exit 0

# ---------------------------------------------------------------- run the suite inside
# A copy, not a bind mount: objects built against N must never land in the host's tree.  The
# copy is a clone (history and tags for upgrade.sh) with the working tree's files laid over it.
SRC=/build/grid_marketing
rm -rf "$ROOT$SRC"; mkdir -p "$ROOT/build"
git clone -q --no-hardlinks "$TOP" "$ROOT$SRC" 2>/dev/null || die "cannot copy the source tree into $ROOT"
(cd "$TOP" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r tar -cf - --ignore-failed-read 2>/dev/null) \
  | tar -xf - -C "$ROOT$SRC" || die "cannot copy the working tree into $ROOT"
chmod -R a+rX "$ROOT$SRC"
mount_in "$ROOT"
if [ -s "$ROOT/.gm-skipped" ]; then
  say "PostgreSQL $N chroot (Debian $SUITE) lacks: $(tr '\n' ' ' < "$ROOT/.gm-skipped")"
fi
chroot "$ROOT" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  TERM="${TERM:-dumb}" PG_CONFIG=/usr/lib/postgresql/$N/bin/pg_config GM_TEST_PORT=$PORT \
  GM_WERROR="${GM_WERROR:-1}" GM_DEPS_SKIP="$(tr '\n' ' ' < "$ROOT/.gm-skipped" 2>/dev/null)" ${GM_STRESS_LONG:+GM_STRESS_LONG=$GM_STRESS_LONG} \
  bash -c "cd $SRC && make test"
rc=$?
# keep the failing diffs where the caller looks for them
[ -f "$ROOT$SRC/regression.diffs" ] && cp "$ROOT$SRC/regression.diffs" "$TOP/regression.diffs.pg$N"
exit $rc
