# tests/cli/cases_remote.sh - hsmcert through a remote token (issue 9):
# p11-kit's client module talking to `p11-kit server` over the case's
# SoftHSM2 token on a unix socket. Sourced by run.sh.
#
# These cases always go through the socket (HSMCERT_CLI_REMOTE=1 runs
# every other case that way too). What hsmcert did is checked on the
# server side: pkcs11-tool and openssl on SoftHSM2 itself.
#
# Helpers are prefixed rmt_ (every cases_*.sh shares run.sh's shell).

# rmt_client: the case's hsmcert configuration uses p11-kit-client.so, with
# a p11-kit server over the token (started unless the mode already did).
rmt_client() {
	if [ "$HC_MODULE" != "$CLIENT" ]; then
		start_server
		sed -i "s|^module = .*|module = $CLIENT|" "$CONF" || fail "cannot edit $CONF"
	fi
	grep -qx "module = $CLIENT" "$CONF" || fail "$CONF does not use $CLIENT"
	[ -S "$T/p11kit.sock" ] || fail "no socket $T/p11kit.sock"
}

test_remote_lifecycle_through_client_module() {
	rmt_client
	# new: a self-signed certificate; the key is made on the server's token
	new_cert --subject "CN=mail.tailspintoys.ca, O=Tailspintoys, C=CA" \
		--domain mail.tailspintoys.ca,autodiscover.tailspintoys.ca --key ec:p256
	self=$THUMB
	access_items "$KEYID" >"$T/access"
	grep -qx 'never extractable' "$T/access" || fail "not never-extractable on the server" "$(cat "$T/access")"
	grep -qx 'local' "$T/access" || fail "not generated on the token" "$(cat "$T/access")"
	cert_from_token "$KEYID" "$T/self.pem"
	run_ok openssl verify -CAfile "$T/self.pem" -purpose sslserver \
		-verify_hostname autodiscover.tailspintoys.ca "$T/self.pem"
	# request, the CA's answer, complete
	hc request --subject "CN=owa.tailspintoys.ca" --domain owa.tailspintoys.ca --key rsa:2048 \
		--exportable --out "$T/req.pem"
	expect_rc 0 "request"
	run_ok openssl req -in "$T/req.pem" -noout -verify
	pki init "$T/pki"
	pki sign "$T/pki" "$T/req.pem" "$T/leaf.pem"
	cat "$T/pki/int.pem" "$T/leaf.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem" --format json
	expect_rc 0 "complete"
	issued=$(jq_py "$T/out" 'd["Certificate"]["Thumbprint"]')
	expect_eq "$(x509_thumb "$T/leaf.pem")" "$issued" "completed certificate"
	leafid=$(jq_py "$T/out" 'd["Certificate"]["KeyId"]')
	cert_from_token "$leafid" "$T/leaf-token.pem"
	run_ok openssl verify -CAfile "$T/pki/root.pem" -untrusted "$T/pki/int.pem" "$T/leaf-token.pem"
	# enable, verify, list, show
	hc enable "$issued" --services smtp,iis --yes
	expect_rc 0 "enable"
	hc verify "$issued"
	expect_out "key pairing  a signature made on the token verifies"
	hc list
	expect_rc 0 "list"
	expect_out_re "^$issued  \.\.\.WS "
	expect_out_re "^$self  \.\.\.\.\. "
	# renew the self-signed one: a new key pair on the server's token
	hc renew "$self" --yes --format json
	expect_rc 0 "renew"
	renewed=$(jq_py "$T/out" 'd["Thumbprint"]')
	[ "$renewed" != "$self" ] || fail "renew kept the thumbprint"
	# lock the exportable key: the server's token says never again
	access_items "$leafid" | grep -qx 'extractable' || fail "the requested key is not extractable"
	hc lock "$issued" --yes
	expect_rc 0 "lock"
	! access_items "$leafid" | grep -qx 'extractable' || fail "still extractable after lock"
	# remove (archived first) and the auditor's view
	hc remove "$self" --yes
	expect_rc 0 "remove"
	! objects_with_id "$KEYID" | grep -q 'Object' || fail "objects with ID $KEYID are left on the server's token"
	hc audit verify
	expect_rc 0 "audit verify"
	hc report --format json
	expect_rc 0 "report"
	expect_eq "$CLIENT" "$(jq_py "$T/out" 'd["Token"]["Module"]')" "report's Module"
	# every object hsmcert made is where pkcs11-tool on the server finds it
	p11 --list-objects --type cert 2>/dev/null | grep -c '^Certificate Object' >"$T/n"
	[ "$(cat "$T/n")" -ge 2 ] || fail "fewer than two certificates on the server's token"
}

test_remote_export_refused_names_the_cause() {
	rmt_client
	new_cert --subject "CN=exp.example.com" --key ec:p256 --exportable
	snapshot "$T/before"
	hc export "$THUMB" --out "$T/exp.pfx" --password-source env:KY_PW
	expect_rc 1 "export through the client module"
	expect_err "cannot wrap a key with CKM_AES_KEY_WRAP_PAD"
	expect_err "export on the host that runs p11-kit server"
	expect_no_file "$T/exp.pfx"
	expect_token_unchanged "$T/before"
	tail -n 1 "$T/state/audit.log" | grep -q '"command":"export".*"result":"error"' ||
		fail "the failed export is not audited as an error"
	# the same token, the same key, straight through SoftHSM2: it goes out
	sed "s|^module = .*|module = $MODULE|" "$CONF" >"$T/direct.conf"
	CONF=$T/direct.conf hc export "$THUMB" --out "$T/exp.pfx" --password-source env:KY_PW
	expect_rc 0 "export with the token's own module"
	run_ok openssl pkcs12 -in "$T/exp.pfx" -noout -passin env:KY_PW
}

test_remote_import_pfx_through_client() {
	rmt_client
	pki init "$T/pki"
	pki leaf "$T/pki" imported.example.com "$T/imp.pem"
	run_ok openssl pkcs12 -export -inkey "$T/pki/imported.example.com.key" -in "$T/imp.pem" \
		-certfile "$T/pki/int.pem" -passout env:KY_PW -out "$T/imp.pfx"
	hc import "$T/imp.pfx" --password-source env:KY_PW --format json
	expect_rc 0 "import of a PFX through the client module"
	thumb=$(x509_thumb "$T/imp.pem")
	hc show "$thumb" --format json
	expect_rc 0
	expect_eq "imported, not-extractable" "$(jq_py "$T/out" 'd["KeyProvenance"]')" KeyProvenance
	id=$(jq_py "$T/out" 'd["KeyId"]')
	access_items "$id" >"$T/access"
	grep -qx 'sensitive' "$T/access" || fail "imported key not sensitive on the server" "$(cat "$T/access")"
	! grep -qx 'extractable' "$T/access" || fail "imported key extractable on the server"
	! grep -qx 'local' "$T/access" || fail "an imported key says local"
}

test_remote_two_hosts_one_direct_one_remote() {
	# the HSM's host uses SoftHSM2 directly; a second host reaches the
	# same token through the socket
	hst_host hsm
	hst_host web
	rmt_client
	sed -i "s|^module = .*|module = $MODULE|" "$T/hsm.conf"
	sed -i "s|^module = .*|module = $CLIENT|" "$T/web.conf"
	CONF=$T/hsm.conf new_cert --subject "CN=shared.example.com" --key ec:p256
	on_host hsm hc enable "$THUMB" --services smtp --yes
	expect_rc 0 "enable on the HSM's host"
	on_host web hc enable "$THUMB" --services iis --yes
	expect_rc 0 "enable through the socket"
	on_host web hc list --all-hosts
	expect_out "hsm: ....S, web: ...W."
	# each host's own binding is refused first; without it, the other's
	on_host web hc disable "$THUMB" --services iis
	expect_rc 0 "disable through the socket"
	on_host web refused 4 "is bound to smtp on host hsm" remove "$THUMB" --yes
	on_host hsm hc disable "$THUMB" --services smtp
	on_host web hc enable "$THUMB" --services imap --yes
	on_host hsm refused 4 "is bound to imap on host web" remove "$THUMB" --yes
}
