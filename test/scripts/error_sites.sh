#!/bin/bash
# Every error site has a deliberate, registered SQLSTATE (issue #21), printed as TAP lines.
#  * test/scripts/error_sites.pl lists the sites: ereport(ERROR, ...) and elog(ERROR, ...) of
#    src/*.c, RAISE EXCEPTION of sql/parts/*.sql, each with its file, enclosing function and the
#    SQLSTATE it raises (errcode(ERRCODE_...) looked up in the server's utils/errcodes.h;
#    USING ERRCODE = '<code>' or '<condition name>');
#  * test/error_sites.txt is the registry: one line per site (file, function, SQLSTATE, reason
#    for a kept 22023, message);
#  * a "not ok" line names every site with no deliberate SQLSTATE (an ereport without errcode,
#    a RAISE EXCEPTION without ERRCODE), every site missing from the registry or raising another
#    SQLSTATE than its line says, every registry line left without a site, and every 22023 line
#    without a reason; the script then exits 1.
#
# Registering a new error site (or changing one's SQLSTATE):
#   1. give it a precise code: ereport(ERROR, (errcode(ERRCODE_...), errmsg("... %s", value),
#      errhint(...))) in C, RAISE EXCEPTION '... %', value USING ERRCODE = '<code>', HINT = '...'
#      in SQL; 22023 only where no better code fits (doc/errors.md lists the codes we use);
#   2. run test/scripts/error_sites.sh: it prints the unregistered site as
#        not ok N - not in test/error_sites.txt: <file>:<line> <function> <SQLSTATE> <message>
#        #   add: <file><TAB><function><TAB><SQLSTATE><TAB>-<TAB><message>
#      and the "add:" line is the registry line to paste (write a reason instead of "-" for 22023);
#   3. add it to test/error_sites.txt (the order of lines does not matter), and the code to the
#      function's errors in doc/.
# GM_ERROR_SITES_REGISTRY and GM_ERROR_SITES_FILES override the registry and the source files
# (the self-test below uses them).
set -u
cd "$(dirname "$0")/../.."
n=0; failed=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); failed=1; echo "not ok $n - $1"; }

ERRCODES_H="$(${PG_CONFIG:-pg_config} --includedir-server 2>/dev/null)/utils/errcodes.h"
if [ ! -r "$ERRCODES_H" ]; then nok "the server's utils/errcodes.h is readable ($ERRCODES_H)"; echo "1..$n"; exit 1; fi
REG=${GM_ERROR_SITES_REGISTRY:-test/error_sites.txt}
# shellcheck disable=SC2086
FILES=${GM_ERROR_SITES_FILES:-$(ls src/*.c sql/parts/*.sql)}

# check REGISTRY FILES... -> the report lines: "bad<TAB>text<TAB>add-line" or "good<TAB>text"
check() {
  local reg=$1; shift
  perl test/scripts/error_sites.pl "$ERRCODES_H" "$@" | perl -e '
    use strict; use warnings;
    my $reg = shift;
    my (%want, %have, @sites, @why);
    open(my $r, "<", $reg) or die "cannot read $reg: $!\n";
    while (my $l = <$r>) {
      chomp $l;
      next if $l =~ /^\s*(#|$)/;
      my ($f, $fn, $code, $reason) = split /\t/, $l;
      if (!defined $code || $code !~ /^([0-9A-Z]{5}|rethrow)$/) { print "bad\tmalformed line of the registry: $l\n"; next; }
      $want{"$f\t$fn\t$code"}++;
      push @why, "bad\ta kept 22023 without a reason in the registry: $f $fn\n"
        if $code eq "22023" && (!defined $reason || $reason =~ /^\s*-?\s*$/);
    }
    close $r;
    while (my $l = <STDIN>) {
      chomp $l;
      my ($f, $fn, $code, $line, $msg) = split /\t/, $l, 5;
      $msg //= "";
      push @sites, [$f, $fn, $code, $line, $msg];
      $have{"$f\t$fn\t$code"}++;
    }
    print "sites\t", scalar(@sites), "\n";
    for my $s (@sites) {
      my ($f, $fn, $code, $line, $msg) = @$s;
      my $k = "$f\t$fn\t$code";
      if ($code eq "none") {
        print "bad\tno deliberate SQLSTATE: $f:$line $fn $msg (", ($f =~ /\.c$/ ? "ereport without errcode" : "RAISE EXCEPTION without ERRCODE"), ")\n";
      } elsif ($code =~ /^unknown:/) {
        print "bad\tan errcode this server does not know: $f:$line $fn $code $msg\n";
      } elsif (($have{$k} // 0) > ($want{$k} // 0)) {
        my @other = grep { /^\Q$f\E\t\Q$fn\E\t/ && !$have{$_} } keys %want;
        my $what = @other ? "SQLSTATE $code differs from the registry (" . join(", ", map { (split /\t/)[2] } sort @other) . ")" : "not in test/error_sites.txt";
        print "bad\t$what: $f:$line $fn $code $msg\t$f\t$fn\t$code\t" . ($code eq "22023" ? "<reason>" : "-") . "\t$msg\n";
      }
    }
    for my $k (sort keys %want) {
      my $extra = $want{$k} - ($have{$k} // 0);
      next if $extra <= 0;
      my ($f, $fn, $code) = split /\t/, $k;
      next if grep { $_->[0] eq $f && $_->[1] eq $fn && $_->[2] =~ /^([0-9A-Z]{5}|rethrow)$/ && ($have{"$f\t$fn\t$_->[2]"} // 0) > ($want{"$f\t$fn\t$_->[2]"} // 0) } @sites;
      print "bad\ta line of the registry has no site (", $extra, "x): $f $fn $code\n";
    }
    print @why;
  ' "$reg"
}

report=$(check "$REG" $FILES)
sites=$(echo "$report" | sed -n 's/^sites\t//p')
[ "${sites:-0}" -gt 0 ] && ok "$sites error sites in $(echo $FILES | wc -w) files" || nok "error sites found in the sources"
bad=$(echo "$report" | grep -c '^bad' || true)
if [ "$bad" -eq 0 ]; then
  ok "every error site has a deliberate SQLSTATE, and the one $REG gives it; every line there is a site"
else
  while IFS=$'\t' read -r _ text f fn code reason msg; do
    nok "$text"
    [ -n "${f:-}" ] && printf '#   add: %s\t%s\t%s\t%s\t%s\n' "$f" "$fn" "$code" "$reason" "$msg"
  done < <(echo "$report" | grep '^bad')
fi

# the check is not a rubber stamp: sites it must refuse, in files of its own
if [ -z "${GM_ERROR_SITES_FILES:-}" ]; then
  T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
  cat > "$T/a.c" <<'C'
Datum
gm_probe(PG_FUNCTION_ARGS)
{
	if (x)
		ereport(ERROR, (errmsg("no code %d", x)));
	if (y)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("y must be positive, not %d", y)));
	PG_RETURN_NULL();
}
C
  cat > "$T/b.sql" <<'SQL'
CREATE FUNCTION gm.probe(v int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF v IS NULL THEN
        RAISE EXCEPTION 'v must not be NULL';
    END IF;
    IF v < 0 THEN
        RAISE EXCEPTION 'v must be >= 0, not %', v
            USING ERRCODE = 'numeric_value_out_of_range', HINT = 'Give 0; the code is 22003.';
    END IF;
END $$;
SQL
  printf '%s\n' "$T/a.c	gm_probe	22003	-	y" "$T/b.sql	gm.probe	22003	-	v" > "$T/reg"
  r=$(check "$T/reg" "$T/a.c" "$T/b.sql")
  echo "$r" | grep -q "^bad	no deliberate SQLSTATE: $T/a.c:5 gm_probe" && echo "$r" | grep -q "^bad	no deliberate SQLSTATE: $T/b.sql:4 gm.probe" \
    && ok "refused: an ereport without errcode and a RAISE EXCEPTION without ERRCODE" \
    || { nok "refused: an ereport without errcode and a RAISE EXCEPTION without ERRCODE"; echo "$r" | sed 's/^/#   /'; }
  printf '%s\n' "$T/b.sql	gm.probe	22023	-	v" > "$T/reg"
  r=$(check "$T/reg" "$T/a.c" "$T/b.sql")
  echo "$r" | grep -q "^bad	not in test/error_sites.txt: $T/a.c:7 gm_probe 22003" \
    && echo "$r" | grep -q "^bad	SQLSTATE 22003 differs from the registry (22023): $T/b.sql:7 gm.probe" \
    && echo "$r" | grep -q "^bad	a kept 22023 without a reason in the registry: $T/b.sql gm.probe" \
    && ok "refused: an unregistered site, a site whose SQLSTATE differs, a 22023 line without a reason" \
    || { nok "refused: an unregistered site, a site whose SQLSTATE differs, a 22023 line without a reason"; echo "$r" | sed 's/^/#   /'; }
  printf '%s\n' "$T/a.c	gm_probe	22003	-	y" "$T/a.c	gm_probe	22003	-	y" > "$T/reg"
  r=$(check "$T/reg" "$T/a.c")
  echo "$r" | grep -q "^bad	a line of the registry has no site (1x): $T/a.c gm_probe 22003" \
    && ok "refused: a registry line left without a site" \
    || { nok "refused: a registry line left without a site"; echo "$r" | sed 's/^/#   /'; }
fi
echo "1..$n"
exit $failed
