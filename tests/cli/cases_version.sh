# tests/cli/cases_version.sh - hsmcert --version (issue 17, part 6): the
# hsmcert and OpenSSL lines, and what the configured PKCS#11 module says of
# itself (C_GetInfo), held against `pkcs11-tool --module M -I` and
# `openssl version`. Sourced by run.sh.

# ve_tool_info MODULE: pkcs11-tool -I's three lines for MODULE, as
# "Cryptoki version X", "Manufacturer X", "Library X (ver Y)", in $T/tool.
ve_tool_info() {
	# (it exits 1 after "No slots." on a module without one: the three
	# lines come first)
	pkcs11-tool --module "$1" -I >"$T/tool.raw" 2>&1
	grep -E '^(Cryptoki version|Manufacturer|Library) ' "$T/tool.raw" |
		sed -E 's/  +/ /' >"$T/tool"
	[ "$(wc -l <"$T/tool")" = 3 ] || fail "pkcs11-tool -I printed:" "$(cat "$T/tool.raw")"
}

# ve_our_info: the same three lines from hsmcert --version's $T/out.
ve_our_info() {
	sed -n 's/^  \(Cryptoki version\|Manufacturer\|Library\) /\1 /p' "$T/out" |
		sed -E 's/  +/ /' >"$T/ours"
}

test_version_names_openssl_and_the_module_as_pkcs11_tool() {
	fresh_case
	hc --version
	expect_rc 0
	expect_eq "hsmcert $(sed -n 's/^#define HC_VERSION "\(.*\)"/\1/p' "$TOP/include/hsmcert.h")" \
		"$(sed -n 1p "$T/out")" "first line"
	# the library's own words, not the headers': OpenSSL 3.0.x 1 Jul 2025
	expect_eq "$(openssl version | cut -d' ' -f1-2)" "$(sed -n 2p "$T/out" | cut -d' ' -f1-2)" \
		"the OpenSSL line"
	expect_out "PKCS#11 module $HC_MODULE"
	ve_tool_info "$HC_MODULE"
	ve_our_info
	diff -u "$T/tool" "$T/ours" >"$T/d" || fail "hsmcert --version and pkcs11-tool -I differ:" "$(cat "$T/d")"
	[ -z "$ERR" ] || fail "stderr:" "$ERR"
}

test_version_module_option_wins_over_the_configuration() {
	fresh_case
	# the other module than the configuration's: p11-kit's client module
	# answers C_GetInfo without a server, SoftHSM2 with SOFTHSM2_CONF
	local other=$CLIENT
	[ "$HC_MODULE" = "$CLIENT" ] && other=$MODULE
	hc --version --module "$other"
	expect_rc 0
	expect_out "PKCS#11 module $other"
	refute_out "PKCS#11 module $HC_MODULE"
	ve_tool_info "$other"
	ve_our_info
	diff -u "$T/tool" "$T/ours" >"$T/d" || fail "hsmcert --version and pkcs11-tool -I differ:" "$(cat "$T/d")"
}

test_version_module_not_loadable_still_exit_0() {
	fresh_case
	snap_before=$(ls -la "$T")
	hc --version --module "$T/no-such-module.so"
	expect_rc 0
	expect_out "hsmcert "
	expect_out_re '^OpenSSL [0-9]'
	expect_out "PKCS#11 module $T/no-such-module.so: could not be loaded: cannot load PKCS#11 module"
	# a shared object that is not a PKCS#11 module: the libcrypto hsmcert runs with
	local lib
	lib=$(ldd "$HSMCERT" | awk '/libcrypto\.so/ { print $3 }')
	[ -f "$lib" ] || fail "no libcrypto in ldd $HSMCERT"
	hc --version --module "$lib"
	expect_rc 0
	expect_out "could not be loaded: $lib is not a PKCS#11 module (no C_GetFunctionList)"
	# no configuration at all: the built-in default module, said so
	hc_raw --config "$T/missing.conf" --version
	expect_rc 0
	expect_out "configuration not read: cannot read configuration $T/missing.conf"
	expect_out "(the module below is the built-in default)"
	expect_out "PKCS#11 module /usr/lib/softhsm/libsofthsm2.so"
	# --version logs in nowhere and writes no state
	[ ! -e "$T/state/audit.log" ] || fail "--version wrote an audit log"
	[ -z "$ERR" ] || fail "stderr:" "$ERR"
}
