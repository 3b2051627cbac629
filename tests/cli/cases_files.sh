# tests/cli/cases_files.sh - output and state files: public outputs go to
# devices and through links; a PFX and the state files never do.

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

# ---------------------------------------------------------------------------
# State files are never followed through links (SPEC 10): the lock files,
# bindings.json, the index and the archive are opened without following a
# symbolic link and must be regular files (a directory for the index and
# archive directories): else exit 1 naming the path, the link and its
# target as they were, the token unchanged (pkcs11-tool).
#
# Helpers here are prefixed fl_ (every cases_*.sh shares run.sh's shell).

# fl_victim: $T/victim, a file a link will point at: known bytes, mode
# 0640 and an old mtime; FL_VICTIM is its "size mtime mode sha256".
fl_victim() {
	printf 'not hsmcert state: must stay as it is\n' >"$T/victim"
	chmod 0640 "$T/victim" || fail "chmod $T/victim"
	touch -d '2020-01-02 03:04:05' "$T/victim" || fail "touch $T/victim"
	FL_VICTIM=$(fl_stat "$T/victim")
}

# fl_stat FILE: size, mtime, mode and SHA-256 of FILE (following links).
fl_stat() {
	printf '%s %s\n' "$(stat -L -c '%s %Y %a' "$1")" "$(sha256sum <"$1" | cut -d' ' -f1)"
}

# fl_expect_victim: $T/victim is as fl_victim left it.
fl_expect_victim() {
	expect_eq "$FL_VICTIM" "$(fl_stat "$T/victim")" "size, mtime, mode and SHA-256 of the link's target"
}

# fl_expect_link LINK: LINK is still a symbolic link to $T/victim.
fl_expect_link() {
	[ -L "$1" ] || fail "$1 is no longer a symbolic link"
	expect_eq "$T/victim" "$(readlink "$1")" "target of $1"
}

# fl_cert: a certificate $THUMB and the state directory with its files.
fl_cert() {
	new_cert --subject "CN=state.example.com" --key ec:p256
	hc enable "$THUMB" --services smtp
	expect_rc 0 "enable --services smtp"
	for f in lock token.lock bindings.json; do
		[ -f "$T/state/$f" ] || fail "no $T/state/$f after enable"
	done
	FL_IDX=$(ls "$T"/state/index/*.idx 2>/dev/null | head -n 1)
	[ -f "$FL_IDX" ] || fail "no index file in $T/state/index"
}

test_state_lock_symlink_exit_1_target_untouched() {
	fl_cert
	fl_victim
	rm -f "$T/state/lock"
	ln -s "$T/victim" "$T/state/lock" || fail "ln -s"
	refused 1 "$T/state/lock is a symbolic link" enable "$THUMB" --services https
	fl_expect_victim
	fl_expect_link "$T/state/lock"
	refused 1 "$T/state/lock is a symbolic link" disable "$THUMB" --services smtp
	fl_expect_victim
	# a dangling link is not created through either
	rm -f "$T/state/lock" "$T/victim"
	ln -s "$T/created-through-link" "$T/state/lock" || fail "ln -s"
	refused 1 "$T/state/lock is a symbolic link" enable "$THUMB" --services https
	expect_no_file "$T/created-through-link"
	# the binding did not change
	hc list --format json
	expect_rc 0
	expect_eq '["smtp"]' "$(jq_py "$T/out" 'd[0]["Services"]')" "Services after the refusals"
	# the link gone, the lock is a regular file again
	rm -f "$T/state/lock"
	hc enable "$THUMB" --services https
	expect_rc 0 "enable with the link gone"
	[ -f "$T/state/lock" ] && [ ! -L "$T/state/lock" ] || fail "no regular lock file made again"
	expect_eq 600 "$(stat -c %a "$T/state/lock")" "mode of the lock file"
}

test_state_token_lock_symlink_or_fifo_exit_1() {
	fl_cert
	fl_victim
	rm -f "$T/state/token.lock"
	ln -s "$T/victim" "$T/state/token.lock" || fail "ln -s"
	refused 1 "$T/state/token.lock is a symbolic link" list
	refused 1 "$T/state/token.lock is a symbolic link" new --subject CN=x.example.com --key ec:p256
	fl_expect_victim
	fl_expect_link "$T/state/token.lock"
	rm -f "$T/state/token.lock"
	mkfifo "$T/state/token.lock" || fail "mkfifo"
	refused 1 "$T/state/token.lock is a FIFO, not a regular file" list
	[ -p "$T/state/token.lock" ] || fail "the FIFO was replaced"
}

test_state_bindings_json_symlink_exit_1_target_untouched() {
	fl_cert
	# a link to a well-formed bindings file elsewhere: still refused
	cp "$T/state/bindings.json" "$T/victim" || fail "cp"
	chmod 0640 "$T/victim"
	touch -d '2020-01-02 03:04:05' "$T/victim"
	FL_VICTIM=$(fl_stat "$T/victim")
	rm -f "$T/state/bindings.json"
	ln -s "$T/victim" "$T/state/bindings.json" || fail "ln -s"
	refused 1 "$T/state/bindings.json is a symbolic link" list
	refused 1 "$T/state/bindings.json is a symbolic link" enable "$THUMB" --services https
	refused 1 "$T/state/bindings.json is a symbolic link" disable "$THUMB" --services smtp
	fl_expect_victim
	fl_expect_link "$T/state/bindings.json"
	# a FIFO: refused at once, no hang
	rm -f "$T/state/bindings.json"
	mkfifo "$T/state/bindings.json" || fail "mkfifo"
	SECONDS=0
	refused 1 "$T/state/bindings.json is a FIFO, not a regular file" list
	[ "$SECONDS" -lt 20 ] || fail "list took $SECONDS s on a FIFO"
	[ -p "$T/state/bindings.json" ] || fail "the FIFO was replaced"
}

test_state_index_symlink_exit_1_target_untouched() {
	fl_cert
	fl_victim
	rm -f "$FL_IDX"
	ln -s "$T/victim" "$FL_IDX" || fail "ln -s"
	# show reads the index, list and remove write it
	refused 1 "$FL_IDX is a symbolic link" show "${THUMB:0:8}"
	refused 1 "$FL_IDX is a symbolic link" list
	refused 1 "$FL_IDX is a symbolic link" remove "$THUMB" --yes --force
	fl_expect_victim
	fl_expect_link "$FL_IDX"
	# the index directory itself
	rm -rf "$T/state/index"
	mkdir "$T/elsewhere" || fail "mkdir"
	ln -s "$T/elsewhere" "$T/state/index" || fail "ln -s"
	refused 1 "$T/state/index is a symbolic link" show "${THUMB:0:8}"
	refused 1 "$T/state/index is a symbolic link" export "$THUMB" --cert-only --out "$T/chain.pem"
	expect_no_file "$T/chain.pem"
	expect_eq "" "$(ls -A "$T/elsewhere")" "files written into the index link's target"
	# back to a real directory: made 0700, and the index works again
	rm -f "$T/state/index"
	hc show "${THUMB:0:8}"
	expect_rc 0 "show with the link gone"
	expect_eq 700 "$(stat -c %a "$T/state/index")" "mode of the index directory"
	[ -f "$FL_IDX" ] && [ ! -L "$FL_IDX" ] || fail "no regular index file made again"
}

test_state_archive_dir_symlink_exit_1_nothing_removed() {
	new_cert --subject "CN=arch.example.com" --key ec:p256
	mkdir "$T/elsewhere" || fail "mkdir"
	mkdir -p "$T/state" || fail "mkdir"
	ln -s "$T/elsewhere" "$T/state/archive" || fail "ln -s"
	refused 1 "$T/state/archive is a symbolic link" remove "$THUMB" --yes
	expect_eq "" "$(ls -A "$T/elsewhere")" "files written into the archive link's target"
	[ -L "$T/state/archive" ] || fail "the archive link was removed"
	objects_with_id "$KEYID" | grep -q 'Certificate Object' || fail "the certificate is gone from the token"
	# a real directory again: archived (0700), then deleted
	rm -f "$T/state/archive"
	hc remove "$THUMB" --yes
	expect_rc 0 "remove with the link gone"
	expect_eq 700 "$(stat -c %a "$T/state/archive")" "mode of the archive directory"
	ls "$T/state/archive/$THUMB"-*.pem >/dev/null 2>&1 || fail "no archive copy"
}

# A link at the archive copy's own name (the name has the time in it: links
# for the next seconds) is never written through: the .json name is taken
# by the link, so another name is chosen; a link at the .pem name alone is
# refused (exit 1), nothing deleted.
test_state_archive_file_symlink_never_written_through() {
	new_cert --subject "CN=arch.example.com" --key ec:p256
	fl_victim
	mkdir -p "$T/state/archive" || fail "mkdir"
	now=$(date +%s)
	for s in 0 1 2 3 4 5; do
		stamp=$(date -u -d "@$((now + s))" +%Y%m%dT%H%M%SZ)
		ln -s "$T/victim" "$T/state/archive/$THUMB-$stamp.pem" || fail "ln -s"
	done
	refused 1 "is a symbolic link" remove "$THUMB" --yes
	expect_err "$T/state/archive/$THUMB-"
	fl_expect_victim
	objects_with_id "$KEYID" | grep -q 'Certificate Object' || fail "the certificate is gone from the token"
	expect_eq "" "$(find "$T/state/archive" -type f)" "regular files in the archive after the refusal"
	# links at the .json names: the copy goes to a free name beside them
	find "$T/state/archive" -type l -delete
	now=$(date +%s)
	for s in 0 1 2 3 4 5; do
		stamp=$(date -u -d "@$((now + s))" +%Y%m%dT%H%M%SZ)
		ln -s "$T/victim" "$T/state/archive/$THUMB-$stamp.json" || fail "ln -s"
	done
	hc remove "$THUMB" --yes
	expect_rc 0 "remove beside links at the .json names"
	fl_expect_victim
	expect_eq 2 "$(find "$T/state/archive" -type f -name "$THUMB-*-1.*" | wc -l)" "archive copies under the -1 name"
	expect_eq 6 "$(find "$T/state/archive" -type l | wc -l)" "links left as they were"
	openssl x509 -in "$(find "$T/state/archive" -type f -name '*.pem')" -noout >/dev/null 2>&1 ||
		fail "the archive copy is not a certificate openssl reads"
}

# ---------------------------------------------------------------------------
# export of a private key (SPEC 10): a new 0600 file renamed into place;
# --force replaces a regular file only, never a link, a FIFO or a device
# (exit 2 naming the path and what it is). Public outputs (--cert-only, a
# request) may still go to a device or through a link (cases above).

test_export_force_onto_symlink_exit_2_target_untouched() {
	# refused before the key is wrapped: through p11-kit too
	new_cert --subject "CN=pfx.example.com" --key ec:p256 --exportable
	fl_victim
	chmod 0666 "$T/victim"
	FL_VICTIM=$(fl_stat "$T/victim")
	ln -s "$T/victim" "$T/link.pfx" || fail "ln -s"
	refused 2 "$T/link.pfx is a symbolic link" export "$THUMB" --out "$T/link.pfx" --password-source env:KY_PW --force
	expect_err "never through a symbolic link, a FIFO or a device"
	refused 2 "$T/link.pfx is a symbolic link" export "$THUMB" --out "$T/link.pfx" --password-source env:KY_PW
	fl_expect_victim
	fl_expect_link "$T/link.pfx"
	# a dangling link: no file is created at its target
	ln -s "$T/made-through-link.pfx" "$T/dangling.pfx" || fail "ln -s"
	refused 2 "$T/dangling.pfx is a symbolic link" export "$THUMB" --out "$T/dangling.pfx" --password-source env:KY_PW --force
	expect_no_file "$T/made-through-link.pfx"
}

test_export_force_onto_fifo_or_device_exit_2_no_hang() {
	# refused before the key is wrapped: through p11-kit too
	new_cert --subject "CN=pfx.example.com" --key ec:p256 --exportable
	mkfifo "$T/f.pfx" || fail "mkfifo"
	SECONDS=0
	refused 2 "$T/f.pfx is a FIFO, not a regular file" export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW --force
	[ "$SECONDS" -lt 20 ] || fail "export took $SECONDS s on a FIFO"
	[ -p "$T/f.pfx" ] || fail "the FIFO was replaced"
	refused 2 "/dev/null is a character device, not a regular file" export "$THUMB" --out /dev/null --password-source env:KY_PW --force
	[ -c /dev/null ] || fail "/dev/null is no longer a character device"
	refused 2 "/dev/stdout is a symbolic link" export "$THUMB" --out /dev/stdout --password-source env:KY_PW --force
}

test_export_force_replaces_0666_file_with_new_0600_file() {
	needs_key_wrap
	new_cert --subject "CN=pfx.example.com" --key ec:p256 --exportable
	echo "old content" >"$T/f.pfx"
	chmod 0666 "$T/f.pfx" || fail "chmod"
	ino=$(stat -c %i "$T/f.pfx")
	hc export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW --force
	expect_rc 0 "export --force over a 0666 file"
	[ -f "$T/f.pfx" ] && [ ! -L "$T/f.pfx" ] || fail "$T/f.pfx is not a regular file"
	expect_eq 600 "$(stat -c %a "$T/f.pfx")" "mode of the PFX"
	[ "$(stat -c %i "$T/f.pfx")" != "$ino" ] || fail "the PFX was written into the old file (same inode $ino), not renamed into place"
	ky_pfx_parts "$T/f.pfx"
	expect_eq "$THUMB" "$(x509_thumb "$T/pfx.leaf")" "the certificate in the PFX"
	expect_eq "" "$(find "$T" -maxdepth 1 -name 'f.pfx.tmp-*')" "temporary files left"
}
