# tests/cli/cases_hosts.sh - several hosts on one token (issue 9): per-host
# bindings, the binding summaries every host keeps on the token, list
# --all-hosts, remove refused for a certificate bound on another host, and
# the per-host audit heads. Sourced by run.sh.
#
# A "host" here is a configuration of its own ([host] name, state-dir) on
# the case's token, as two servers sharing one HSM have. What lands on the
# token is read with pkcs11-tool (data objects, their values) and python's
# json module, never with hsmcert.
#
# Helpers are prefixed hst_ (every cases_*.sh shares run.sh's shell).

# hst_host NAME: $T/NAME.conf, the case's configuration with [host] name =
# NAME and a state directory $T/state-NAME of its own.
hst_host() {
	sed "s|^state-dir = .*|state-dir = $T/state-$1|" "$CONF" >"$T/$1.conf" ||
		fail "cannot write $T/$1.conf"
	printf '\n[host]\nname = %s\n' "$1" >>"$T/$1.conf"
}

# on_host NAME CMD...: CMD (hc, refused, ...) with host NAME's configuration.
on_host() {
	local h=$1
	shift
	CONF=$T/$h.conf "$@"
}

# hst_summary HOST FILE: the value of HOST's binding summary on the token
# (CKA_APPLICATION hsmcert-bindings, CKA_LABEL host=HOST), read with
# pkcs11-tool (public object, no login).
hst_summary() {
	rm -f "$2"
	pkcs11-tool --module "$MODULE" --token-label "$LABEL" --read-object --type data \
		--application-label hsmcert-bindings --label "host=$1" -o "$2" >"$T/peer" 2>&1 ||
		fail "pkcs11-tool --read-object --type data --label host=$1:" "$(cat "$T/peer")"
}

# hst_data_labels APP: the CKA_LABELs of the data objects with that
# CKA_APPLICATION, sorted, one a line.
hst_data_labels() {
	pkcs11-tool --module "$MODULE" --token-label "$LABEL" --list-objects --type data 2>/dev/null |
		awk -v app="'$1'" '
			/^Data object/ { lbl = "" }
			$1 == "label:" { sub(/^[^:]*:[ \t]*/, ""); gsub(/\047/, ""); lbl = $0 }
			$1 == "application:" && $2 == app { print lbl }' | sort
}

test_hosts_bind_independently_list_all_hosts_shows_each() {
	hst_host alpha
	hst_host beta
	new_cert --subject "CN=shared.example.com" --key ec:p256
	on_host alpha hc enable "$THUMB" --services smtp,iis --yes
	expect_rc 0 "enable on alpha"
	on_host beta hc enable "$THUMB" --services imap --yes
	expect_rc 0 "enable on beta"
	# each host's own view: its own flags only
	on_host alpha hc list
	expect_out_re "^$THUMB  \.\.\.WS "
	on_host beta hc list
	expect_out_re "^$THUMB  I\.\.\.\. "
	# the fleet view, the same from either host
	for h in alpha beta; do
		on_host "$h" hc list --all-hosts
		expect_rc 0 "list --all-hosts on $h"
		expect_out_re "  Hosts$"
		expect_out "alpha: ...WS, beta: I...."
		on_host "$h" hc list --all-hosts --format json
		python3 - "$T/out" "$THUMB" >"$T/py" 2>&1 <<'PY' || fail "list --all-hosts --format json on $h:" "$(cat "$T/py")"
import json, sys
doc = json.load(open(sys.argv[1]))
e = [x for x in doc if x["Thumbprint"] == sys.argv[2]][0]
hosts = {h["Host"]: (h["Flags"], h["Services"]) for h in e["Hosts"]}
assert hosts == {"alpha": ("...WS", ["https", "smtp"]), "beta": ("I....", ["imap"])}, hosts
PY
	done
	# what other hosts read: each summary on the token, as pkcs11-tool sees it
	expect_eq "$(printf 'host=alpha\nhost=beta')" "$(hst_data_labels hsmcert-bindings)" "summaries on the token"
	hst_summary beta "$T/beta.json"
	python3 - "$T/beta.json" "$THUMB" >"$T/py" 2>&1 <<'PY' || fail "beta's summary:" "$(cat "$T/py")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["host"] == "beta" and d["gen"] >= 1, d
assert [(b["service"], b["thumbprint"]) for b in d["bindings"]] == [("imap", sys.argv[2])], d
PY
}

test_hosts_remove_refused_when_bound_on_another_host() {
	hst_host alpha
	hst_host beta
	new_cert --subject "CN=shared.example.com" --key ec:p256
	on_host alpha hc enable "$THUMB" --services smtp --yes
	expect_rc 0 "enable on alpha"
	on_host beta refused 4 "is bound to smtp on host alpha" remove "$THUMB" --yes
	expect_err "disable it there first, or use --force"
	objects_with_id "$KEYID" | grep -q 'Certificate Object' || fail "the certificate is gone"
	# once alpha lets go, beta may remove it
	on_host alpha hc disable "$THUMB" --services smtp
	expect_rc 0 "disable on alpha"
	hst_summary alpha "$T/alpha.json"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["bindings"] == [], d' "$T/alpha.json" ||
		fail "alpha's summary still binds something after disable"
	on_host beta hc remove "$THUMB" --yes
	expect_rc 0 "remove on beta once alpha disabled"
	! objects_with_id "$KEYID" | grep -q 'Object' || fail "objects with ID $KEYID are left"
}

test_hosts_remove_force_removes_with_warning() {
	hst_host alpha
	hst_host beta
	new_cert --subject "CN=shared.example.com" --key ec:p256
	on_host alpha hc enable "$THUMB" --services pop,imap --yes
	on_host beta hc remove "$THUMB" --yes --force
	expect_rc 0 "remove --force on beta"
	expect_err "hsmcert: warning: $THUMB was bound to imap, pop on host alpha"
	! objects_with_id "$KEYID" | grep -q 'Object' || fail "objects with ID $KEYID are left"
	# alpha's own record still names it: list there no longer shows it
	on_host alpha hc list --all-hosts
	expect_rc 0
	refute_out "$THUMB"
}

test_hosts_audit_heads_are_per_host() {
	hst_host alpha
	hst_host beta
	new_cert --subject "CN=a.example.com" --key ec:p256
	on_host alpha hc enable "$THUMB" --services smtp --yes
	on_host beta hc enable "$THUMB" --services https --yes
	on_host alpha hc disable "$THUMB" --services smtp
	on_host beta hc new --subject "CN=b.example.com" --key ec:p256
	for h in alpha beta; do
		on_host "$h" hc audit verify
		expect_rc 0 "audit verify on $h"
		expect_out "chain intact"
	done
	# one head per host, each named for its host
	hst_data_labels hsmcert-audit >"$T/heads"
	grep -qE '^seq=[0-9]+ sha256=[0-9a-f]{64} host=alpha$' "$T/heads" || fail "no head for alpha:" "$(cat "$T/heads")"
	grep -qE '^seq=[0-9]+ sha256=[0-9a-f]{64} host=beta$' "$T/heads" || fail "no head for beta:" "$(cat "$T/heads")"
	# and a host's truncated log is still caught
	sed -i '$d' "$T/state-beta/audit.log"
	on_host beta hc audit verify
	expect_rc 5 "audit verify of beta's truncated log"
	on_host alpha hc audit verify
	expect_rc 0 "alpha is not affected by beta's log"
}

test_hosts_interrupted_summary_update_higher_gen_counts() {
	hst_host alpha
	hst_host beta
	new_cert --subject "CN=shared.example.com" --key ec:p256
	on_host beta hc enable "$THUMB" --services pop --yes
	on_host beta hc enable "$THUMB" --services imap --yes
	on_host beta hc disable "$THUMB" --services pop
	hst_summary beta "$T/beta.json"
	expect_eq 3 "$(jq_py "$T/beta.json" 'd["gen"]')" "gen after three changes"
	# an interrupted update left an older summary (gen 2) beside it
	printf '{"version":1,"host":"beta","gen":2,"updated":"2020-01-01T00:00:00Z","bindings":[{"service":"pop","thumbprint":"%s"}]}' \
		"$THUMB" >"$T/old.json"
	HSMCERT_TEST_PIN=$(cat "$T/user.pin") run_ok pkcs11-tool --module "$MODULE" --token-label "$LABEL" \
		--login --pin env:HSMCERT_TEST_PIN --write-object "$T/old.json" --type data \
		--application-label hsmcert-bindings --label host=beta
	on_host alpha hc list --all-hosts
	expect_rc 0
	expect_out "beta: I...."
	refute_out "beta: .P..."
	# beta's next change leaves one summary
	on_host beta hc enable "$THUMB" --services smtp --yes
	expect_rc 0
	expect_eq "host=beta" "$(hst_data_labels hsmcert-bindings)" "summaries after beta's next change"
	on_host alpha hc list --all-hosts
	expect_out "beta: I...S"
}

test_hosts_damaged_summary_is_warned_and_skipped() {
	hst_host alpha
	new_cert --subject "CN=shared.example.com" --key ec:p256
	on_host alpha hc enable "$THUMB" --services smtp --yes
	printf 'not json' >"$T/junk"
	HSMCERT_TEST_PIN=$(cat "$T/user.pin") run_ok pkcs11-tool --module "$MODULE" --token-label "$LABEL" \
		--login --pin env:HSMCERT_TEST_PIN --write-object "$T/junk" --type data \
		--application-label hsmcert-bindings --label host=gamma
	on_host alpha hc list --all-hosts
	expect_rc 0
	expect_err "hsmcert: warning: 1 object with CKA_APPLICATION 'hsmcert-bindings' on the token is not a binding summary hsmcert can read: ignored"
	expect_out "alpha: ....S"
}

test_hosts_bad_host_name_is_a_config_error() {
	printf '\n[host]\nname = web 01\n' >>"$CONF"
	refused 2 "host name 'web 01' is not 1-64 letters, digits" list
	expect_err "hsmcert.conf:"
}

test_hosts_default_host_is_the_machine_name() {
	new_cert --subject "CN=h.example.com" --key ec:p256
	hc enable "$THUMB" --services smtp --yes
	expect_rc 0
	h=$(hostname | cut -d. -f1)
	expect_eq "host=$h" "$(hst_data_labels hsmcert-bindings)" "the summary's label"
	python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["host"])' \
		"$T/state/audit.log" >"$T/h" || fail "audit log unreadable"
	expect_eq "$h" "$(cat "$T/h")" "the audit line's host"
}
