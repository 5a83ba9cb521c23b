#!/usr/bin/perl
# Lists every error site of grid_marketing, one per line:
#   file <TAB> function <TAB> SQLSTATE <TAB> line <TAB> first words of the message
# A site is an ereport(ERROR, ...) or elog(ERROR, ...) of src/*.c, or a RAISE EXCEPTION of
# sql/parts/*.sql.  The SQLSTATE is the one the site raises:
#   ereport: its errcode(ERRCODE_...), looked up in the server's utils/errcodes.h
#            ("none" when it has no errcode: the generic XX000, never deliberate)
#   elog:    XX000 (internal_error: a can't-happen condition, not for the user)
#   RAISE:   its USING ERRCODE = '<sqlstate>' or '<condition_name>' ("none" without one:
#            the generic P0001, never deliberate; "rethrow" when it re-raises a caught error's
#            SQLSTATE held in a variable)
# Usage: error_sites.pl ERRCODES_H FILE...   (test/scripts/error_sites.sh calls it)
use strict;
use warnings;

my $errcodes_h = shift @ARGV;
my (%bymacro, %byname);
open(my $eh, '<', $errcodes_h) or die "cannot read $errcodes_h: $!\n";
while (<$eh>) {
    if (/^#define\s+(ERRCODE_\w+)\s+MAKE_SQLSTATE\('(.)',\s*'(.)',\s*'(.)',\s*'(.)',\s*'(.)'\)/) {
        my $code = "$2$3$4$5$6";
        $bymacro{$1} = $code;
        (my $name = lc $1) =~ s/^errcode_//;
        $byname{$name} = $code;
    }
}
close $eh;
# PL/pgSQL condition names that are not the lower-cased macro name
$byname{raise_exception} = 'P0001';
$byname{no_data_found} = 'P0002';
$byname{too_many_rows} = 'P0003';
$byname{assert_failure} = 'P0004';
$byname{trigger_protocol_violated} = '39P01';

sub oneline { my $s = shift; $s =~ s/\s+/ /g; return $s; }

sub message {               # the first string literal of a site, shortened
    my ($s, $sql) = @_;
    my $m;
    if ($sql) { ($m) = $s =~ /'((?:[^']|'')*)'/; $m =~ s/''/'/g if defined $m; }
    else { ($m) = $s =~ /"((?:[^"\\]|\\.)*)"/; $m =~ s/\\"/"/g if defined $m; }
    $m = '' if !defined $m;
    $m = substr($m, 0, 60);
    return $m;
}

for my $file (@ARGV) {
    open(my $fh, '<', $file) or die "cannot read $file: $!\n";
    my @lines = <$fh>;
    close $fh;
    my $text = join('', @lines);
    if ($file =~ /\.c$/) {
        # blank out comments, keeping newlines so line numbers stay right
        $text =~ s{/\*.*?\*/}{ (my $c = $&) =~ s/[^\n]/ /g; $c }gse;
        $text =~ s{//[^\n]*}{ ' ' x length($&) }ge;
        my @starts;          # function definitions: name at column 0, then '('
        while ($text =~ /^(?:[A-Za-z_][\w \t\*]*?[\s\*])?([A-Za-z_]\w*)\s*\((?:(?!\n\s*\n)[^;{])*?\)\s*\{/mg) {
            my $name = $1;
            next if $name =~ /^(?:if|for|while|switch|return|sizeof|PG_FUNCTION_INFO_V1)$/;
            push @starts, [ $-[0], $name ];
        }
        while ($text =~ /\b(ereport|elog)\s*\(\s*ERROR\b/g) {
            my ($kind, $pos) = ($1, $-[0]);
            # the whole call: up to the parenthesis that closes it
            my $depth = 0;
            my $i = index($text, '(', $pos);
            my $j = $i;
            my $instr = '';
            for (; $j < length $text; $j++) {
                my $ch = substr($text, $j, 1);
                if ($instr) {
                    if ($ch eq '\\') { $j++; next; }
                    $instr = '' if $ch eq $instr;
                    next;
                }
                if ($ch eq '"' || $ch eq "'") { $instr = $ch; next; }
                $depth++ if $ch eq '(';
                if ($ch eq ')') { $depth--; last if $depth == 0; }
            }
            my $call = substr($text, $pos, $j - $pos + 1);
            my $code;
            if ($kind eq 'elog') {
                $code = 'XX000';
            } elsif ($call =~ /\berrcode\s*\(\s*(ERRCODE_\w+)\s*\)/) {
                $code = $bymacro{$1} // "unknown:$1";
            } else {
                $code = 'none';
            }
            my $fn = '-';
            for my $s (@starts) { last if $s->[0] > $pos; $fn = $s->[1]; }
            my $line = 1 + (substr($text, 0, $pos) =~ tr/\n//);
            print join("\t", $file, $fn, $code, $line, oneline(message($call, 0))), "\n";
        }
    } else {
        # SQL: blank out -- comments (outside string literals is good enough here: no part
        # has "--" inside a message), keeping offsets
        $text =~ s{--[^\n]*}{ ' ' x length($&) }ge;
        my @starts;
        while ($text =~ /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+([\w\.]+)\s*\(/gi) {
            push @starts, [ $-[0], $1 ];
        }
        while ($text =~ /^\s*DO\b/mg) {
            push @starts, [ $-[0], 'DO' ];
        }
        @starts = sort { $a->[0] <=> $b->[0] } @starts;
        while ($text =~ /\bRAISE\s+EXCEPTION\b/gi) {
            my $pos = $-[0];
            # the statement: up to the ';' outside string literals
            my $j = $pos;
            my $instr = 0;
            for (; $j < length $text; $j++) {
                my $ch = substr($text, $j, 1);
                if ($ch eq "'") { $instr = !$instr; next; }
                last if !$instr && $ch eq ';';
            }
            my $stmt = substr($text, $pos, $j - $pos + 1);
            my $code;
            if ($stmt =~ /\bERRCODE\s*=\s*'([^']*)'/i) {
                my $c = $1;
                if ($c =~ /^[0-9A-Z]{5}$/) { $code = $c; }
                else { $code = $byname{lc $c} // "unknown:$c"; }
            } elsif ($stmt =~ /\bERRCODE\s*=\s*[A-Za-z_]\w*/i) {
                $code = 'rethrow';
            } else {
                $code = 'none';
            }
            my $fn = '-';
            for my $s (@starts) { last if $s->[0] > $pos; $fn = $s->[1]; }
            my $line = 1 + (substr($text, 0, $pos) =~ tr/\n//);
            print join("\t", $file, $fn, $code, $line, oneline(message($stmt, 1))), "\n";
        }
    }
}
