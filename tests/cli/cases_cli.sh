# tests/cli/cases_cli.sh - the command line itself (SPEC section 10 "Options
# are spelled out", "Names and labels are printable") and new --services
# (SPEC section 1, enable). Sourced by run.sh.
#
# Raw control bytes in hsmcert's output are looked for with od and grep -P;
# JSON is parsed with python3's json module; a PFX with a hostile friendly
# name is made with openssl pkcs12 -export -name; bindings.json is read with
# python3, the token with pkcs11-tool (snapshot).
#
# Helpers here are prefixed cl_ (every cases_*.sh shares run.sh's shell).

export CL_PW=tailspin-export-2026

# cl_no_ctl FILE WHAT: FILE holds no raw C0 control other than newline, no
# DEL and no C1 (U+0080-U+009F as UTF-8).
cl_no_ctl() {
	if LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"; then
		fail "$2: raw control bytes in the output:" "$(od -c "$1" | head -n 20)"
	fi
}

# cl_pfx NAME LABEL OUT [SUBJECT]: a self-signed EC certificate for
# NAME.example.com with its key in a PFX whose friendly name is LABEL
# (password $CL_PW).
cl_pfx() {
	run_ok openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.pem" -days 30 \
		-subj "${4:-/CN=$1.example.com}"
	run_ok openssl pkcs12 -export -inkey "$T/$1.key" -in "$T/$1.pem" \
		-name "$2" -passout env:CL_PW -out "$3"
}

# cl_bindings: this host's bindings.json as "service thumbprint" lines,
# sorted (nothing when there is no file).
cl_bindings() {
	[ -f "$T/state/bindings.json" ] || return 0
	python3 - "$T/state/bindings.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("\n".join(sorted("%s %s" % (b["service"], b["thumbprint"]) for b in d["bindings"])))
PY
}

# ---------------------------------------------------------------------------
# Options are spelled out

test_cli_abbreviated_pin_option_is_unknown() {
	# getopt_long took --pin for --pin-source and listed with PIN "1234"
	refused 2 "unknown option '--pin'" list --pin 1234
	expect_err "one of --pin-source, --pin-final-try, --pin-retry?"
	refused 2 "unknown option '--pin-s'" list --pin-s 1234
	expect_err "did you mean --pin-source?"
	# before the command name too (main.c's scan)
	refused 2 "unknown option '--pin'" --pin 1234 list
	# a value after '=' is never echoed: it may be a PIN
	refused 2 "unknown option '--pin'" list --pin=s3cr3t-pin
	! grep -q 's3cr3t-pin' "$T/err" || fail "the value after = is echoed:" "$ERR"
	refused 2 "unknown option '--pin'" --pin=s3cr3t-pin list
	! grep -q 's3cr3t-pin' "$T/err" || fail "the value after = is echoed (global):" "$ERR"
	# the exact name still works
	hc list --pin-source "file:$T/user.pin"
	expect_rc 0 "list --pin-source spelled out"
}

test_cli_every_command_refuses_an_abbreviation() {
	local id=0123456789abcdef0123456789abcdef01234567 line cmd opt
	# each: the abbreviation, then the command line that carries it
	while IFS='|' read -r opt line; do
		[ -n "$opt" ] || continue
		# shellcheck disable=SC2086 # word splitting of the case line on purpose
		refused 2 "unknown option '$opt'" $line
		cmd=${line%% *}
		expect_err "(see hsmcert help $cmd)"
	done <<EOF
--subj|new --subj CN=ab.example.com --key ec:p256
--friendly|new --subject CN=ab.example.com --key ec:p256 --friendly x
--servi|new --subject CN=ab.example.com --key ec:p256 --servi smtp
--subj|request --subj CN=ab.example.com --key ec:p256
--pass|import $T/none.pfx --pass env:CL_PW
--export|import $T/none.pfx --export
--pass|complete $T/none.pem --pass env:CL_PW
--form|list --form json
--self|list --self
--form|show $id --form json
--serv|enable $id --serv smtp
--serv|disable $id --serv smtp
--pass|export $id --out $T/x.pfx --pass env:CL_PW
--cert|export $id --cert
--expi|remove --expi --yes
--keep|renew $id --keep
--add|renew $id --add x.example.com
--warn|verify $id --warn 3
--subj|names --subj CN=ab.example.com
--ye|lock $id --ye
--sin|audit show --sin 2020-01-01
--form|report --form json
--conf|list --conf $CONF
EOF
	expect_no_file "$T/x.pfx"
}

test_cli_unknown_option_and_missing_value_are_named() {
	refused 2 "unknown option '--bogus'" export --bogus x
	refused 2 "unknown option '--bogus'" --bogus list
	refused 2 "option '--out' requires a value" export 0123456789abcdef0123 --out
	refused 2 "option '--subject' requires a value" new --subject
	refused 2 "option '--config' requires a value" list --config
	refused 2 "option '--yes' does not take a value" remove --yes=1 --expired
	refused 2 "unknown option '-x'" list -x
	# "--" ends the options: what follows is an operand
	refused 2 "invalid ID '--bogus'" show -- --bogus
	! grep -q "unknown option" "$T/err" || fail "an operand after -- taken as an option:" "$ERR"
}

# cl_usage_options FILE: the "--name ARG" and operand column of the option
# lines of a usage ("  %-28s %s"), one per line, sorted.
cl_usage_options() {
	awk '/^  [^ ]/ && !/^usage:/ { s = substr($0, 3, 28); sub(/ +$/, "", s); print s }' "$1" | sort -u
}

# cl_dump_options CMD: the same column from hsmcert --dump-options
# ($T/dump) for CMD and the global options.
cl_dump_options() {
	awk -F '\t' -v c="$1" '$1 == c || $1 == "*" { print $2 ($3 != "" ? " " $3 : "") }' "$T/dump" | sort -u
}

test_cli_help_shows_every_option_of_the_table() {
	local cmd cmds opt arg help name val
	hc_raw --dump-options
	expect_rc 0 "--dump-options"
	cp "$T/out" "$T/dump"
	awk -F '\t' 'NF != 4 { bad = 1 } END { exit bad }' "$T/dump" || fail "--dump-options: a line without 4 fields" "$OUT"
	grep -q "^\*	--pin-source	SRC	" "$T/dump" || fail "--dump-options lacks the global --pin-source"
	# the commands of hsmcert --help are those of the dump
	cmds=$(cut -f1 "$T/dump" | grep -vx '\*' | sort -u)
	hc_raw --help
	expect_rc 0
	expect_eq "$cmds" "$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' "$T/out" | grep -vx help | sort)" "commands of --help and of --dump-options"
	# main --help lists every global option with its help
	while IFS=$'\t' read -r name opt arg help; do
		[ "$name" = "*" ] || continue
		grep -qF -- "$help" "$T/out" || fail "hsmcert --help lacks the help of $opt: $help"
	done <"$T/dump"
	for cmd in $cmds; do
		hc_raw "$cmd" --help
		expect_rc 0 "$cmd --help"
		expect_out "usage: hsmcert $cmd"
		cp "$T/out" "$T/help.$cmd"
		# every entry (options, operands, globals) is shown, and only those
		expect_eq "$(cl_dump_options "$cmd")" "$(cl_usage_options "$T/help.$cmd")" "options of $cmd --help against --dump-options"
		while IFS=$'\t' read -r name opt arg help; do
			[ "$name" = "$cmd" ] || continue
			grep -qF -- "$help" "$T/help.$cmd" || fail "$cmd --help lacks the help of $opt: $help"
		done <"$T/dump"
		# and what --help shows the parser takes, with its value
		while read -r opt arg; do
			case $opt in --*) ;; *) continue ;; esac
			val=1
			[ "$opt" = --format ] && val=json
			if [ -n "$arg" ]; then
				hc_raw "$cmd" "$opt" "$val" --help
			else
				hc_raw "$cmd" "$opt" --help
			fi
			! grep -qE "unknown option|requires a value|does not take a value" "$T/err" ||
				fail "$cmd does not take $opt${arg:+ $arg} as --help shows it:" "$ERR"
		done < <(cl_usage_options "$T/help.$cmd")
	done
	# a command's option is not another's
	refused_raw 2 "unknown option '--services'" request --services smtp --help
}

# ---------------------------------------------------------------------------
# Names and labels are printable

test_cli_friendly_name_with_control_character_refused() {
	local esc
	esc=$(printf 'a\033[31mb')
	refused 2 "--friendly-name holds a control character (U+001B" \
		new --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$esc"
	refused 2 "control character (U+0007" \
		new --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$(printf 'bell\007')"
	refused 2 "control character (U+007F" \
		new --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$(printf 'del\177')"
	refused 2 "control character (U+009B" \
		new --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$(printf 'csi\302\233')"
	refused 2 "not valid UTF-8" \
		new --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$(printf 'x\377')"
	refused 2 "control character (U+000A" \
		request --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$(printf 'two\nlines')"
	# import takes the same rule; the PFX is fine, the option is not
	cl_pfx imp "plain" "$T/imp.pfx"
	refused 2 "--friendly-name holds a control character" \
		import "$T/imp.pfx" --password-source env:CL_PW --friendly-name "$esc"
	# and the message shows no raw control byte
	cl_no_ctl "$T/err" "stderr of the refusal"
	# printable UTF-8 is fine
	new_cert --subject "CN=fn.example.com" --key ec:p256 --friendly-name "Mail é 2026"
	expect_eq "Mail é 2026" "$(jq_py "$T/new.json" 'd["FriendlyName"]')" "a printable UTF-8 label"
}

test_cli_pfx_label_with_controls_is_shown_escaped() {
	local label thumb kid fmt
	label=$(printf 'a\033[31mb\007c\nd')
	# the subject carries ESC and BEL too (O=; OpenSSL's RFC 2253 text
	# shows them as \1B), the file name one more
	cl_pfx esc "$label" "$T/$(printf 'e\033x').pfx" "$(printf '/CN=esc.example.com/O=Evil\033]0;pwned\007Org')"
	hc import "$T/$(printf 'e\033x').pfx" --password-source env:CL_PW
	expect_rc 0 "import of a PFX whose friendly name holds ESC, BEL and a newline"
	cl_no_ctl "$T/out" "import"
	thumb=$(x509_thumb "$T/esc.pem")
	hc show "$thumb" --format json
	expect_rc 0 "show --format json"
	kid=$(jq_py "$T/out" 'd["KeyId"]')
	# the label is on the token as the PFX had it (pkcs11-tool sees ESC)
	objects_with_id "$kid" >"$T/objs"
	grep -qaF "$(printf 'a\033[31mb')" "$T/objs" || fail "the token's label is not the PFX's:" "$(od -c "$T/objs" | head)"

	for fmt in table list; do
		hc list --format "$fmt"
		expect_rc 0 "list --format $fmt"
		cl_no_ctl "$T/out" "list --format $fmt"
	done
	expect_out 'a\x1b[31mb\x07c\x0ad'
	hc show "$thumb"
	expect_rc 0 "show"
	cl_no_ctl "$T/out" "show"
	grep -qxF 'FriendlyName         : a\x1b[31mb\x07c\x0ad' "$T/out" ||
		fail "show: FriendlyName is not one escaped line:" "$OUT"

	hc show "$thumb" --format json
	expect_rc 0 "show --format json"
	cl_no_ctl "$T/out" "show --format json"
	grep -qiF '"a\u001b[31mb\u0007c\nd"' "$T/out" || fail "JSON lacks \\u001b:" "$OUT"
	expect_eq "$label" "$(jq_py "$T/out" 'd["FriendlyName"]')" "FriendlyName parsed back from JSON"
	hc list --format json
	expect_rc 0
	cl_no_ctl "$T/out" "list --format json"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" || fail "list JSON does not parse"

	for fmt in text json html; do
		hc report --format "$fmt"
		expect_rc 0 "report --format $fmt"
		cl_no_ctl "$T/out" "report --format $fmt"
	done
	# the audit log records the file name as given; audit show escapes it
	hc audit show
	expect_rc 0 "audit show"
	cl_no_ctl "$T/out" "audit show"
	expect_out 'e\x1bx.pfx'
	hc audit show --format json
	expect_rc 0 "audit show --format json"
	cl_no_ctl "$T/out" "audit show --format json"
}

test_cli_del_and_c1_in_a_label_are_escaped() {
	local thumb
	cl_pfx c1 "$(printf 'x\177y\302\233z')" "$T/c1.pfx"
	hc import "$T/c1.pfx" --password-source env:CL_PW
	expect_rc 0 "import of a PFX whose friendly name holds DEL and CSI (U+009B)"
	thumb=$(x509_thumb "$T/c1.pem")
	hc show "$thumb"
	expect_rc 0
	cl_no_ctl "$T/out" "show"
	expect_out 'FriendlyName         : x\x7fy\xc2\x9bz'
	hc show "$thumb" --format json
	expect_rc 0
	cl_no_ctl "$T/out" "show --format json"
	grep -qiF '"x\u007fy\u009bz"' "$T/out" || fail "JSON lacks \\u007f / \\u009b:" "$OUT"
	expect_eq "$(printf 'x\177y\302\233z')" "$(jq_py "$T/out" 'd["FriendlyName"]')" "FriendlyName parsed back"
}

# ---------------------------------------------------------------------------
# new --services

test_cli_new_services_binds_at_creation() {
	hc new --subject "CN=svc.example.com" --key ec:p256 --services smtp,https --format json
	expect_rc 0 "new --services smtp,https"
	cp "$T/out" "$T/new.json"
	THUMB=$(jq_py "$T/new.json" 'd["Thumbprint"]')
	expect_eq '["https", "smtp"]' "$(jq_py "$T/new.json" 'sorted(d["Services"])')" "Services of new's own output"
	hc list
	expect_rc 0
	grep -qE "^$THUMB  \.\.\.WS " "$T/out" || fail "list: the Services column is not ...WS:" "$OUT"
	expect_eq "https $THUMB
smtp $THUMB" "$(cl_bindings)" "bindings.json"
	# the audit log: new, then enable as enable writes it
	hc audit show --format json
	expect_rc 0
	expect_eq '["new", "enable"]' "$(jq_py "$T/out" '[r["command"] for r in d[-2:]]')" "last two audit commands"
	expect_eq "bound smtp, https" "$(jq_py "$T/out" 'd[-1]["detail"]')" "audit detail of the binding"
	expect_eq "$THUMB" "$(jq_py "$T/out" 'd[-1]["target"]')" "audit target of the binding"
	hc audit verify
	expect_rc 0 "audit verify"
}

test_cli_new_services_unknown_creates_nothing() {
	refused 2 "unknown service 'bogus'" new --subject "CN=svc.example.com" --key ec:p256 --services smtp,bogus
	expect_eq "" "$(cl_bindings)" "bindings after an unknown service"
	hc list --format json
	expect_rc 0
	expect_eq 0 "$(jq_py "$T/out" 'len(d)')" "certificates after an unknown service"
	# request has no certificate to bind: --services is not its option
	refused 2 "unknown option '--services'" request --subject "CN=svc.example.com" --key ec:p256 --services smtp
}

test_cli_new_services_over_another_binding_asks() {
	local first
	new_cert --subject "CN=old.example.com" --key ec:p256
	first=$THUMB
	hc enable "$first" --services smtp
	expect_rc 0 "enable the first certificate"
	snapshot "$T/snap.before"
	cp "$T/state/bindings.json" "$T/bindings.before"
	# no terminal, no --yes: exit 7 before anything is made
	hc_notty new --subject "CN=new.example.com" --key ec:p256 --services smtp,https
	expect_rc 7 "new --services over a binding, no terminal"
	expect_err "Overwrite the certificate bound to smtp, $first"
	expect_err "--yes"
	[ -z "$OUT" ] || fail "stdout not empty: $OUT"
	expect_token_unchanged "$T/snap.before"
	cmp -s "$T/bindings.before" "$T/state/bindings.json" || fail "bindings.json changed"
	# with --yes: bound, the first certificate loses smtp
	hc_notty new --subject "CN=new.example.com" --key ec:p256 --services smtp,https --yes --format json
	expect_rc 0 "new --services --yes"
	THUMB=$(jq_py "$T/out" 'd["Thumbprint"]')
	expect_eq "https $THUMB
smtp $THUMB" "$(cl_bindings)" "bindings after --yes"
	hc list
	expect_rc 0
	grep -qE "^$first  \.\.\.\.\. " "$T/out" || fail "the old certificate still shows a binding:" "$OUT"
	grep -qE "^$THUMB  \.\.\.WS " "$T/out" || fail "the new certificate is not ...WS:" "$OUT"
}

test_cli_new_services_failing_reload_creates_nothing() {
	bnd_service web
	touch "$T/reload-web.fail"
	snapshot "$T/snap.before"
	hc new --subject "CN=web.example.com" --key ec:p256 --services web,smtp
	expect_rc 1 "new --services with a failing reload"
	expect_err "binding the new certificate failed, nothing was created"
	expect_err "reload-web refuses"
	[ -z "$OUT" ] || fail "stdout not empty: $OUT"
	expect_token_unchanged "$T/snap.before"
	expect_no_file "$T/svc/web.pem" "$T/svc/web.uri"
	expect_eq "" "$(cl_bindings)" "bindings after the failed reload"
	hc audit show --format json
	expect_rc 0
	expect_eq "error" "$(jq_py "$T/out" 'd[-1]["result"]')" "audit result of the failed new"
	# the reload works again: bound, files written
	rm -f "$T/reload-web.fail"
	new_cert --subject "CN=web.example.com" --key ec:p256 --services web
	expect_eq "web $THUMB" "$(cl_bindings)" "bindings after a working reload"
	expect_eq "$THUMB" "$(x509_thumb "$T/svc/web.pem")" "cert-file of web"
}
