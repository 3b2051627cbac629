#!/usr/bin/perl
# tests/style/checksrc.pl - the house style of STYLE.md section 7, checked
# (as curl's scripts/checksrc.pl). `make check-style` runs it over src/ and
# include/; `make check` runs that first. Exits 1 naming every violation as
# FILE:LINE: RULE: what, then a count per rule.
#
#   tests/style/checksrc.pl [--summary] FILE...
#
# Rules (tests/style/README.md says why each one, and what it allows):
#   LONGLINE     over 80 columns, tabs at 8. Allowed: a line that holds
#                nothing but a string literal and the punctuation around
#                it (, ; ) } : ? and a macro's backslash), or a call whose
#                first argument is that string (printf("...",), or a
#                #define of it, so a message stays whole for grep, as
#                checkpatch allows; a comment line made long by a URL.
#   TRAILSPACE   space or tab at the end of a line
#   SPACETAB     a space before a tab
#   CPPCOMMENT   a // comment (comments are /* */)
#   ASSIGNCOND   an assignment in the condition of if, switch, while or the
#                test of for. Allowed in while only: the read-loop idiom,
#                an assignment in its own parentheses compared at once,
#                while ((n = next(p)) > 0)
#   NARROWCAST   a cast to int, unsigned, short, long, the fixed-width
#                types of 32 bits or less, CK_ULONG or CK_LONG, outside
#                the range helpers (functions named range_* or hc_range_*,
#                src/core/range.h and src/core/token_int.h). A cast of a
#                constant (a number, a character, an UPPER_CASE name,
#                sizeof) is allowed: its value is in sight.
#   RETTYPE      a function definition whose name does not start its line
#                (the return type goes on the line above)
#   FILELEN      a .c file in src/ over 700 lines
use strict;
use warnings;

my $summary = 0;
my @files;
for (@ARGV) {
	if ($_ eq '--summary') { $summary = 1; } else { push @files, $_; }
}
die "usage: checksrc.pl [--summary] FILE...\n" unless @files;

my %count;
my $total = 0;

sub report {
	my ($file, $line, $rule, $msg) = @_;
	$count{$rule}++;
	$total++;
	print "$file:$line: $rule: $msg\n" unless $summary;
}

# the width of a line with tabs at 8
sub width {
	my ($s) = @_;
	my $w = 0;
	for my $c (split //, $s) {
		if ($c eq "\t") { $w = int($w / 8) * 8 + 8; }
		else { $w++; }
	}
	return $w;
}

# Code with comments and the insides of string and character literals
# blanked (quotes kept), line by line, so the rules below never look into
# text. Returns the list of code lines and a flag list: line is (part of)
# a comment.
sub strip {
	my ($lines) = @_;
	my @code;
	my @incomment;
	my $in = 0;		# inside /* */
	for my $l (@$lines) {
		my $out = '';
		my $had_comment = $in;
		my $i = 0;
		my $n = length $l;
		while ($i < $n) {
			my $c = substr($l, $i, 1);
			my $c2 = substr($l, $i, 2);
			if ($in) {
				if ($c2 eq '*/') { $in = 0; $out .= '  '; $i += 2; }
				else { $out .= ' '; $i++; }
				next;
			}
			if ($c2 eq '/*') { $in = 1; $had_comment = 1; $out .= '  '; $i += 2; next; }
			if ($c2 eq '//') {
				# kept, for CPPCOMMENT; the rest of the line is a comment
				$out .= '//' . (' ' x ($n - $i - 2));
				$had_comment = 1;
				last;
			}
			if ($c eq '"' || $c eq "'") {
				my $q = $c;
				$out .= $q;
				$i++;
				while ($i < $n) {
					my $d = substr($l, $i, 1);
					if ($d eq '\\') { $out .= '  '; $i += 2; next; }
					if ($d eq $q) { last; }
					$out .= ' ';
					$i++;
				}
				$out .= $q if $i < $n;
				$i++;
				next;
			}
			$out .= $c;
			$i++;
		}
		push @code, $out;
		push @incomment, $had_comment;
	}
	return (\@code, \@incomment);
}

# the text of a balanced (...) starting at offset $pos of the joined code,
# or undef
sub balanced {
	my ($s, $pos) = @_;
	my $depth = 0;
	for (my $i = $pos; $i < length $s; $i++) {
		my $c = substr($s, $i, 1);
		$depth++ if $c eq '(';
		if ($c eq ')') {
			$depth--;
			return substr($s, $pos, $i - $pos + 1) if $depth == 0;
		}
	}
	return undef;
}

# offsets of assignment operators in s (=, op=, <<=, >>=; not ==, !=, <=, >=)
sub assignments {
	my ($s) = @_;
	my @at;
	for (my $i = 0; $i < length $s; $i++) {
		next unless substr($s, $i, 1) eq '=';
		if (substr($s, $i + 1, 1) eq '=') { $i++; next; }
		my $p = $i > 0 ? substr($s, $i - 1, 1) : '';
		if ($p eq '<' || $p eq '>') {
			my $pp = $i > 1 ? substr($s, $i - 2, 1) : '';
			push @at, $i if $pp eq $p;	# <<= >>=
			next;
		}
		next if $p eq '!' || $p eq '=';
		push @at, $i;
	}
	return @at;
}

# is the assignment at offset a of cond (a while condition, with its outer
# parentheses) the idiom ((x = f()) OP v)?
sub read_idiom {
	my ($cond, $a) = @_;
	# the innermost '(' before a that is still open at a
	my $depth = 0;
	my $open = -1;
	for (my $i = $a - 1; $i >= 0; $i--) {
		my $c = substr($cond, $i, 1);
		if ($c eq ')') { $depth++; }
		elsif ($c eq '(') {
			if ($depth == 0) { $open = $i; last; }
			$depth--;
		}
	}
	return 0 if $open <= 0;		# the condition's own parentheses
	my $grp = balanced($cond, $open);
	return 0 unless defined $grp;
	return 0 unless $grp =~ /^\(\s*[\w.\->\[\]*]+\s*=[^=]/;
	my $after = substr($cond, $open + length $grp);
	return $after =~ /^\s*(==|!=|<=|>=|<|>)/;
}

my $narrow = qr/(?:unsigned\s+int|unsigned\s+short|
		   unsigned|signed\s+int|signed|short\s+int|short|
		   long\s+int|long|int|u?int(?:8|16|32)_t|CK_ULONG|CK_LONG)/x;

for my $file (@files) {
	open(my $fh, '<', $file) or die "checksrc: $file: $!\n";
	my @lines = <$fh>;
	close $fh;
	chomp @lines;
	my ($code, $incomment) = strip(\@lines);

	if ($file =~ m{(^|/)src/.*\.c$} && @lines > 700) {
		report($file, scalar @lines, 'FILELEN',
		       scalar(@lines) . " lines (700 at most in src/)");
	}

	my $func = '';		# the function whose body we are in
	for (my $n = 0; $n < @lines; $n++) {
		my $raw = $lines[$n];
		my $c = $code->[$n];
		my $ln = $n + 1;

		if ($raw =~ /[ \t]+$/) {
			report($file, $ln, 'TRAILSPACE', 'whitespace at the end of the line');
		}
		if ($raw =~ / \t/) {
			report($file, $ln, 'SPACETAB', 'a space before a tab');
		}
		if (width($raw) > 80) {
			my $ok = 0;
			# only a string literal, with the punctuation around
			# it (, ; ) } of what it closes, a ternary's ? or :,
			# a macro's \), or as the first argument of a call
			# (printf("...",) or the value of a #define
			$ok = 1 if $raw =~ /^\s*(\w+\(|\?|\#\s*define\s+\w+)?\s*("(?:[^"\\]|\\.)*"\s*)+[,;:)}\s\\]*$/;
			# a comment made long by a URL
			$ok = 1 if $incomment->[$n] && $raw =~ m{[a-z]+://\S+};
			report($file, $ln, 'LONGLINE', width($raw) . ' columns (80 at most)')
				unless $ok;
		}
		if ($c =~ m{//}) {
			report($file, $ln, 'CPPCOMMENT', 'a // comment (use /* */)');
		}

		# function bodies: a '{' alone at column 0
		if ($c =~ /^\{\s*$/) {
			# the declaration starts at the last line before that
			# begins at column 0
			my $h = $n - 1;
			$h-- while $h > 0 && $code->[$h] !~ /^[A-Za-z_]/;
			my $hl = $code->[$h];
			my $name;
			if ($hl =~ /^([A-Za-z_]\w*)\s*\(/) {
				$name = $1;
			} elsif ($hl =~ /^[^(]*?\b([A-Za-z_]\w*)\s*\(/) {
				$name = $1;
				report($file, $h + 1, 'RETTYPE',
				       "the name $name does not start its line (return type on the line above)");
			} elsif ($h + 1 < $n && $code->[$h + 1] =~ /^\s*\**([A-Za-z_]\w*)\s*\(/) {
				$name = $1;
			}
			$func = defined $name ? $name : '';
		} elsif ($c =~ /^\}/) {
			$func = '';
		}

		# casts that narrow
		my $exempt = $func =~ /^(hc_)?range_/ ||
			     $file =~ m{(^|/)src/core/(range\.h|token_int\.h)$};
		while (!$exempt && $c =~ /\(\s*(?:const\s+)?($narrow)\s*\)/g) {
			my $type = $1;
			my $start = $-[0];
			my $end = $+[0];
			my $before = substr($c, 0, $start);
			my $after = substr($c, $end);
			# sizeof(int), a prototype's (int), a call f(long)
			next if $before =~ /\bsizeof\s*$/;
			if ($before =~ /(\w+)\s*$/) {
				next unless $1 eq 'return' || $1 eq 'case';
			}
			next if $before =~ /[)\]]\s*$/;
			# nothing after: a declaration's parameter list
			next if $after =~ /^\s*[;,{)]/ || $after =~ /^\s*$/;
			# constants
			next if $after =~ /^\s*-?\s*(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b/;
			next if $after =~ /^\s*'/;
			next if $after =~ /^\s*[A-Z][A-Z0-9_]*\b(?!\s*\()/;
			next if $after =~ /^\s*sizeof\b/;
			(my $t = $type) =~ s/\s+/ /g;
			report($file, $ln, 'NARROWCAST',
			       "($t) cast: go through a range helper (src/core/range.h)");
		}
	}

	# conditions: joined code, so a condition may span lines
	my $all = join("\n", @$code);
	while ($all =~ /\b(if|while|switch|for)\s*\(/g) {
		my $kw = $1;
		my $pos = $+[0] - 1;
		my $cond = balanced($all, $pos);
		next unless defined $cond;
		my $ln = 1 + (substr($all, 0, $pos) =~ tr/\n//);
		if ($kw eq 'for') {
			my @parts = split /;/, substr($cond, 1, -1);
			next unless @parts >= 2;
			$cond = "($parts[1])";
		}
		for my $a (assignments($cond)) {
			next if $kw eq 'while' && read_idiom($cond, $a);
			report($file, $ln, 'ASSIGNCOND',
			       "an assignment in the condition of $kw");
			last;
		}
	}
}

for my $rule (sort keys %count) {
	printf "checksrc: %-11s %d\n", $rule, $count{$rule};
}
if ($total) {
	print "checksrc: $total violation" . ($total == 1 ? '' : 's') .
	      " in " . scalar(@files) . " files\n";
	exit 1;
}
print "checksrc: ok (" . scalar(@files) . " files)\n";
exit 0;
