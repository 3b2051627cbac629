# hsmcert - plain Makefile (STYLE.md section 8)
#
#   make            build libhsmcert.a and hsmcert
#   make demo       install missing packages, make the dev token, run the lifecycle
#   make remote-demo  the same through p11-kit-client.so and a p11-kit server
#   make acme-demo  ACME against a local pebble on a throwaway token
#   make check      install missing packages, run every test level
#   make SAN=1 ...  ASan + UBSan build (in build-san/)

CC      ?= cc
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
DESTDIR ?=

ifeq ($(SAN),1)
B        = build-san
OPT      = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
LDOPT    = -fsanitize=address,undefined
else
B        = build
OPT      = -O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
           -fstack-clash-protection -fcf-protection=full
LDOPT    =
endif

CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L -pthread
WARN     = -Wall -Wextra -Werror -Wformat=2 -Werror=format-security -Wshadow \
           -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wimplicit-fallthrough
HARDEN   = -fPIE
LDHARDEN = -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack
DEPS     = -MMD -MP
PKGS     = libcrypto libssl jansson p11-kit-1 libcurl

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  += $(CSTD) $(WARN) $(OPT) $(HARDEN) $(DEPS) -fvisibility=hidden \
           -Iinclude -Isrc $(PKG_CFLAGS)
LDFLAGS += $(LDOPT) $(LDHARDEN)
LIBS    += $(PKG_LIBS) -ldl -pthread

LIB_SRC  = $(wildcard src/core/*.c src/ops/*.c)
CLI_SRC  = $(wildcard src/cli/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(B)/%.o)
LIB      = $(B)/libhsmcert.a
BIN      = $(B)/hsmcert

UNIT_SRC  = $(wildcard tests/unit/test_*.c)
TOKEN_SRC = $(wildcard tests/token/test_*.c)
COMMON_SRC = $(wildcard tests/common/*.c)
UNIT_BIN  = $(UNIT_SRC:%.c=$(B)/%)
TOKEN_BIN = $(TOKEN_SRC:%.c=$(B)/%)
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)
TEST_CFLAGS = -Itests/common -Wno-missing-prototypes

.PHONY: all demo remote-demo check check-sanitized check-unit check-token check-cli check-remote check-layering check-style \
        check-secrets check-crash check-faults check-programs deps valgrind install uninstall clean token \
        tests bench bench-remote acme-demo bench-acme man completion check-docs \
        deb check-deb

all: $(BIN) man completion

V ?= 0
ifeq ($(V),1)
Q =
E = @:
else
Q = @
E = @echo
endif

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(E) "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(E) "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(E) "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LIBS)

# render*.c live in the binary; their unit test links them in.
$(B)/tests/unit/test_render: $(B)/tests/unit/test_render.o $(B)/src/cli/render.o \
		$(B)/src/cli/render_entry.o $(LIB)
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIB)
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lcmocka

$(B)/tests/token/%: $(B)/tests/token/%.o $(COMMON_OBJ) $(LIB)
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(COMMON_OBJ) $(LIB) $(LIBS) -lcmocka

tests: $(UNIT_BIN) $(TOKEN_BIN) $(BIN)

# Missing Debian packages are installed (as root) or the apt-get line printed.
deps:
	@hsm/deps.sh

# The development token lives in hsm/token (git-ignored), PIN in hsm/user.pin.
token: deps
	@hsm/mktoken.sh
	@hsm/mkdemoca.sh

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@hsm/mktoken.sh
	@hsm/demo.sh $(BIN)

# ACME end to end against pebble on loopback (hsm/acme-demo.sh)
acme-demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@hsm/acme-demo.sh $(BIN)

# the same lifecycle through p11-kit-client.so and a p11-kit server
remote-demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@hsm/mktoken.sh
	@hsm/remote-demo.sh $(BIN)

check: deps
	@$(MAKE) --no-print-directory check-style check-layering check-secrets
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory check-unit check-token check-cli check-remote
	@$(MAKE) --no-print-directory check-docs
	@$(MAKE) --no-print-directory check-deb

# what .ci/run runs under ASan/UBSan: every C path of unit, token and CLI
# tests once (the p11-kit client run and the docs tests exercise no other
# hsmcert code, and would double the stage's time)
check-sanitized:
	@$(MAKE) --no-print-directory check-style check-layering check-secrets
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory check-unit check-token check-cli

check-unit: $(UNIT_BIN)
	@tests/run-cmocka.sh unit $(UNIT_BIN)

check-token: $(TOKEN_BIN)
	@tests/run-cmocka.sh token $(TOKEN_BIN)

check-cli: $(BIN)
	@HSMCERT=$(abspath $(BIN)) FAULT_SHIM=$(abspath $(FAULT_SHIM)) tests/cli/run.sh

# every CLI case again, hsmcert through p11-kit-client.so and a p11-kit
# server over the case's token
check-remote: $(BIN)
	@HSMCERT=$(abspath $(BIN)) FAULT_SHIM=$(abspath $(FAULT_SHIM)) HSMCERT_CLI_REMOTE=1 tests/cli/run.sh

# SIGKILL every changing command at random points (CRASH_RUNS of them)
CRASH_RUNS ?= 220
check-crash: $(BIN)
	@HSMCERT=$(abspath $(BIN)) tests/crash/run.sh $(CRASH_RUNS)

# two halves at once (2 cores): every test binary under valgrind, the
# token tests (SoftHSM2 under valgrind) spread over both
VALGRIND_CMD = valgrind -q --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp
valgrind: $(TOKEN_BIN) $(UNIT_BIN)
	@set -- $(TOKEN_BIN) $(UNIT_BIN); a=; b=; i=0; \
	for f; do if [ $$((i % 2)) -eq 0 ]; then a="$$a $$f"; else b="$$b $$f"; fi; \
		i=$$((i + 1)); done; \
	VALGRIND="$(VALGRIND_CMD)" tests/run-cmocka.sh valgrind $$a >$(B)/valgrind-1.log 2>&1 & p=$$!; \
	VALGRIND="$(VALGRIND_CMD)" tests/run-cmocka.sh valgrind $$b >$(B)/valgrind-2.log 2>&1; r2=$$?; \
	wait $$p; r1=$$?; cat $(B)/valgrind-1.log $(B)/valgrind-2.log; \
	[ $$r1 -eq 0 ] && [ $$r2 -eq 0 ]

# the house style (STYLE.md 7) as curl's checksrc: tests/style/README.md
check-style:
	@tests/style/run.sh

check-layering:
	@! grep -rlE '#include [<"]([^>"]*/)?(libp11|pkcs11)\.h' src include | grep -vE '^src/core/token_([a-z0-9]+\.c|int\.h)$$'
	@! grep -rnE '#include [<"]p11-kit/' src include | grep -vE '^src/core/token_([a-z0-9]+\.c|int\.h):'
	@! grep -rnE '#include [<"](core/)?token_int\.h' src include | grep -vE '^src/core/token_[a-z0-9]+\.c:'
	@! grep -rnE '\b(exit|_exit|abort)\(' src | grep -v '^src/cli/main\.c:'
	@! grep -rnE '\b(printf|fprintf|puts|fputs|perror)\(' src/core src/ops
	@! grep -rnE '\b(atoi|atol|sprintf|vsprintf|strcpy|strcat|gets|strtok|system|popen)\(' src include
	@# threads besides main: the parse pool and the http-01 listener,
	@# which see no token (every PKCS#11 call is made on the main thread)
	@! grep -rlE '\bpthread_create\(' src | grep -vE '^src/core/(x509_pool|acme_http)\.c$$'
	@! grep -nE '#include [<"](core/)?(token|store)[a-z_]*\.h' src/core/x509_pool.c src/core/x509_brief.c src/core/acme_http.c
	@echo "check-layering: ok"

# every program the tests, demos and benches run is installed by hsm/deps.sh
check-programs:
	@hsm/check-programs.sh

check-secrets:
	@! grep -rn 'hc_secret_get0_buf' src | grep -vE '^src/core/(token_login\.c|pkcs12\.c|secret\.[ch]|acme_account\.c):'
	@echo "check-secrets: ok"

# --- man pages and completion, generated from `hsmcert --dump-options`
# (the option tables) and conf/hsmcert.conf.example (docs/gen-man.sh,
# docs/gen-completion.sh). The date: SOURCE_DATE_EPOCH (dpkg sets it from
# debian/changelog), else the time the version line was last changed.
VERSION  := $(shell sed -n 's/^\#define HC_VERSION "\(.*\)"/\1/p' include/hsmcert.h)
MAN_DATE := $(shell date -u -d @$${SOURCE_DATE_EPOCH:-$$(date -r include/hsmcert.h +%s)} +%Y-%m-%d)
MAN_FRAG  = $(wildcard docs/man/*.head docs/man/*.tail docs/man/cmd/*.man)
MANPAGES  = $(B)/man/hsmcert.1 $(B)/man/hsmcert.conf.5
COMPLETION = $(B)/completion/hsmcert

man: $(MANPAGES)
completion: $(COMPLETION)

$(B)/man/options.tsv: $(BIN)
	@mkdir -p $(@D)
	$(Q)$(BIN) --dump-options >$@.tmp && mv $@.tmp $@

$(B)/man/hsmcert.1: $(B)/man/options.tsv docs/gen-man.sh $(MAN_FRAG)
	$(E) "  GEN     $@"
	$(Q)sh docs/gen-man.sh hsmcert.1 $< $(VERSION) $(MAN_DATE) >$@.tmp && mv $@.tmp $@

$(B)/man/hsmcert.conf.5: conf/hsmcert.conf.example docs/gen-man.sh $(MAN_FRAG)
	@mkdir -p $(@D)
	$(E) "  GEN     $@"
	$(Q)sh docs/gen-man.sh hsmcert.conf.5 $< $(VERSION) $(MAN_DATE) >$@.tmp && mv $@.tmp $@

$(COMPLETION): $(B)/man/options.tsv docs/gen-completion.sh
	@mkdir -p $(@D)
	$(E) "  GEN     $@"
	$(Q)sh docs/gen-completion.sh $< >$@.tmp && mv $@.tmp $@

# the man pages against the tables, the completion driven in bash,
# make install/uninstall into a temporary DESTDIR, the systemd units
# through systemd-analyze verify, the links of the Markdown files and the
# options of docs/'s command lines
check-docs: $(BIN) $(MANPAGES) $(COMPLETION)
	@tests/docs/check-man.sh $(B)
	@tests/docs/check-completion.sh $(B)
	@tests/docs/check-install.sh $(B)
	@tests/docs/check-systemd.sh $(B)
	@tests/docs/check-links.sh $(B)

# --- install: see README "Install". The configuration is installed only
# where none exists; uninstall removes it only while it is still the
# example (an administrator's edited file stays).
DATADIR  ?= $(PREFIX)/share
MANDIR   ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
LIBEXECDIR ?= $(PREFIX)/lib/hsmcert
CONFDIR   = $(DESTDIR)$(SYSCONFDIR)/hsmcert
NGINX_HELPER = conf/nginx/hsmcert-nginx-reload
# examples: the nginx site and its OpenSSL engine configuration, a plan
EXAMPLEDIR ?= $(DATADIR)/hsmcert/examples
EXAMPLES  = conf/nginx/openssl-pkcs11.cnf conf/nginx/hsmcert-site.conf conf/plan.example
# the renewal units, whichever conf/systemd holds; never enabled here
# (systemctl enable --now hsmcert-renew.timer). Their hsmcert path is
# rewritten to $(BINDIR).
SYSTEMDUNITDIR ?= /lib/systemd/system
UNITS     = $(wildcard conf/systemd/*.service conf/systemd/*.timer)

install: $(BIN) $(MANPAGES) $(COMPLETION)
	install -d $(DESTDIR)$(BINDIR) $(CONFDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/hsmcert
	gzip -9n <$(B)/man/hsmcert.1 >$(DESTDIR)$(MANDIR)/man1/hsmcert.1.gz
	gzip -9n <$(B)/man/hsmcert.conf.5 >$(DESTDIR)$(MANDIR)/man5/hsmcert.conf.5.gz
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/hsmcert.1.gz $(DESTDIR)$(MANDIR)/man5/hsmcert.conf.5.gz
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/hsmcert
	install -m 0755 $(NGINX_HELPER) $(DESTDIR)$(LIBEXECDIR)/hsmcert-nginx-reload
	install -m 0644 conf/hsmcert.conf.example $(CONFDIR)/hsmcert.conf.example
	install -d $(DESTDIR)$(EXAMPLEDIR)
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(EXAMPLEDIR)/
	@set -e; for u in $(UNITS); do \
		install -d $(DESTDIR)$(SYSTEMDUNITDIR); \
		echo "install -m 0644 $$u $(DESTDIR)$(SYSTEMDUNITDIR)/"; \
		sed 's|/usr/\(local/\)\{0,1\}bin/hsmcert|$(BINDIR)/hsmcert|g' $$u \
			>$(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; \
	done
	@if [ -e $(CONFDIR)/hsmcert.conf ] || [ -L $(CONFDIR)/hsmcert.conf ]; then \
		echo "install: $(CONFDIR)/hsmcert.conf exists: kept"; \
	else \
		echo "install -m 0644 conf/hsmcert.conf.example $(CONFDIR)/hsmcert.conf"; \
		install -m 0644 conf/hsmcert.conf.example $(CONFDIR)/hsmcert.conf; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hsmcert
	rm -f $(DESTDIR)$(MANDIR)/man1/hsmcert.1.gz $(DESTDIR)$(MANDIR)/man5/hsmcert.conf.5.gz
	rm -f $(DESTDIR)$(BASHCOMPDIR)/hsmcert
	rm -f $(DESTDIR)$(LIBEXECDIR)/hsmcert-nginx-reload
	rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true
	rm -f $(addprefix $(DESTDIR)$(EXAMPLEDIR)/,$(notdir $(EXAMPLES)))
	rmdir $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(DATADIR)/hsmcert 2>/dev/null || true
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(UNITS)))
	@if [ -f $(CONFDIR)/hsmcert.conf ] && [ ! -L $(CONFDIR)/hsmcert.conf ] && \
	    [ -f $(CONFDIR)/hsmcert.conf.example ] && \
	    cmp -s $(CONFDIR)/hsmcert.conf $(CONFDIR)/hsmcert.conf.example; then \
		echo "rm -f $(CONFDIR)/hsmcert.conf"; rm -f $(CONFDIR)/hsmcert.conf; \
	elif [ -e $(CONFDIR)/hsmcert.conf ]; then \
		echo "uninstall: $(CONFDIR)/hsmcert.conf differs from the example: kept"; \
	fi
	rm -f $(CONFDIR)/hsmcert.conf.example
	rmdir $(CONFDIR) 2>/dev/null || true

# --- make deb: debian/ (debhelper 13) run on a copy of the tree (the files
# git tracks or would track, as they are now) in build/deb/hsmcert-VERSION,
# so the source tree gets no debian/.debhelper, debian/files or ../*.deb:
# the .deb, .buildinfo and .changes land in build/deb/. Then lintian.
# make check-deb installs it with dpkg (root only) and purges it again.
DEBDIR = $(B)/deb
deb:
	@rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/hsmcert-$(VERSION)
	@git ls-files -co --exclude-standard | while IFS= read -r f; do \
		[ -f "$$f" ] && printf '%s\n' "$$f"; done | sort -u | \
		tar -cf - --verbatim-files-from -T - | tar -xf - -C $(DEBDIR)/hsmcert-$(VERSION)
	cd $(DEBDIR)/hsmcert-$(VERSION) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	@rm -rf $(DEBDIR)/hsmcert-$(VERSION)
	@ls $(DEBDIR)/*.deb
	lintian --fail-on error --info $(DEBDIR)/hsmcert_$(VERSION)_*.changes

check-deb:
	@tests/docs/check-deb.sh $(B)

clean:
	rm -rf build build-san

# libFuzzer harnesses (make fuzz, make fuzz-regress) and the PKCS#11 fault
# shim (make check-faults) have their own fragments
-include tests/fuzz/fuzz.mk
-include tests/faults/faults.mk

# a PKCS#11 fault at every call of every changing command (after faults.mk:
# prerequisites are expanded when the rule is read)
check-faults: $(BIN) $(FAULT_SHIM)
	@HSMCERT=$(abspath $(BIN)) FAULT_SHIM=$(abspath $(FAULT_SHIM)) tests/faults/faults.sh

# tests/cli/cases_pin.sh plays a counting token through the same shim
check-cli check-remote: $(FAULT_SHIM)

-include $(B)/bench/mkbench.d $(B)/bench/p11floor.d $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d) $(TOKEN_BIN:=.d) $(COMMON_OBJ:.o=.d)

# Benchmarks (bench/): hsmcert against pkcs11-tool and p11tool
bench: deps
	@$(MAKE) --no-print-directory $(BIN) $(B)/bench/mkbench $(B)/bench/p11floor
	@HSMCERT=$(abspath $(BIN)) MKBENCH=$(abspath $(B)/bench/mkbench) \
		P11FLOOR=$(abspath $(B)/bench/p11floor) bench/run.sh

# one 3-name ACME issuance: hsmcert, lego --csr, uacme against pebble
bench-acme: deps
	@$(MAKE) --no-print-directory $(BIN)
	@HSMCERT=$(abspath $(BIN)) bench/acme.sh

# what p11-kit's socket costs per command (bench/remote.sh)
bench-remote: deps
	@$(MAKE) --no-print-directory $(BIN) $(B)/bench/mkbench
	@HSMCERT=$(abspath $(BIN)) MKBENCH=$(abspath $(B)/bench/mkbench) bench/remote.sh

# the token filler, linked with the library
$(B)/bench/mkbench: $(B)/bench/mkbench.o $(LIB)
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# the PKCS#11 floor of a listing: raw calls, no parsing (bench/p11floor.c)
$(B)/bench/p11floor: $(B)/bench/p11floor.o
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -ldl

$(B)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(E) "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<
