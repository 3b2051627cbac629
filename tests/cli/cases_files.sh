# tests/cli/cases_files.sh - output files: devices and links are written in
# place, never replaced by a regular file.

test_out_to_dev_null_and_stdout_keeps_them() {
	hc request --subject CN=dev.example.com --key ec:p256 --out /dev/null --force
	expect_rc 0
	[ -c /dev/null ] || fail "/dev/null is no longer a character device"
	hc request --subject CN=std.example.com --key ec:p256 --out /dev/stdout --force --quiet
	expect_rc 0
	grep -q 'BEGIN CERTIFICATE REQUEST' "$T/out" || fail "no request on stdout" "$OUT"
	[ -L /dev/stdout ] || fail "/dev/stdout is no longer a symbolic link"
}

test_out_through_a_symlink_writes_the_target() {
	: >"$T/target.csr"
	ln -s "$T/target.csr" "$T/link.csr"
	hc request --subject CN=link.example.com --key ec:p256 --out "$T/link.csr" --force
	expect_rc 0
	[ -L "$T/link.csr" ] || fail "the link was replaced"
	grep -q 'BEGIN CERTIFICATE REQUEST' "$T/target.csr" || fail "the target was not written"
}
