# tests/fuzz/fuzz.mk - libFuzzer harnesses (the top Makefile includes this)
#
#   make fuzz [FUZZ_SECONDS=10]  build every harness, fuzz each for N seconds
#   make fuzz-regress            run the seeds and regress inputs once (CI)
#   make fuzz-build              only build build-fuzz/fuzz_*
#   make fuzz-clean              remove build-fuzz/
#
# Everything is built with clang into build-fuzz/, apart from build/ and
# build-san/: the library with -fsanitize=fuzzer-no-link,address,undefined,
# the harnesses with -fsanitize=fuzzer,address,undefined. Each run uses a
# copy of tests/fuzz/corpus/<harness> in build-fuzz/corpus/<harness> (the
# repository's corpus is never written) plus tests/fuzz/regress/<harness>/,
# the inputs of crashes found so far. tests/fuzz/run.sh does the running.
# Variables are FUZZ_-prefixed so as not to clash with the top Makefile.

# Keep the including Makefile's default goal (`all`) wherever this is
# included: an empty .DEFAULT_GOAL means "the next target defined".
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 10
FUZZ_B         = build-fuzz
FUZZ_DIR       = tests/fuzz
FUZZ_HARNESSES = dn names plan config bundle pkcs12 audit secret
FUZZ_PKGS      = libp11 libcrypto libssl jansson p11-kit-1

FUZZ_PKG_CFLAGS := $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_PKG_LIBS   := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)

FUZZ_SAN      = address,undefined
FUZZ_CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L
FUZZ_OPT      = -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
                -Wmissing-prototypes -Wvla -Wimplicit-fallthrough
# The library's warnings are the gcc build's business (clang 14 has its own
# opinions, e.g. it does not take "/* fall through */" in C); only the
# harnesses get the warning flags here, with -Werror.
FUZZ_CFLAGS   = $(FUZZ_CSTD) $(FUZZ_OPT) -MMD -MP -Iinclude -Isrc \
                $(FUZZ_PKG_CFLAGS)
FUZZ_LIB_CFLAGS = $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN)
FUZZ_BIN_CFLAGS = $(FUZZ_CFLAGS) $(FUZZ_WARN) -Werror \
                  -fsanitize=fuzzer,$(FUZZ_SAN)
FUZZ_LDFLAGS  = -fsanitize=fuzzer,$(FUZZ_SAN)
FUZZ_LIBS     = $(FUZZ_PKG_LIBS) -ldl

FUZZ_LIB_SRC  = $(wildcard src/core/*.c src/ops/*.c)
FUZZ_LIB_OBJ  = $(FUZZ_LIB_SRC:%.c=$(FUZZ_B)/%.o)
FUZZ_LIB      = $(FUZZ_B)/libhsmcert.a
FUZZ_BINS     = $(FUZZ_HARNESSES:%=$(FUZZ_B)/fuzz_%)
FUZZ_RUN      = FUZZ_B=$(FUZZ_B) FUZZ_DIR=$(FUZZ_DIR) $(FUZZ_DIR)/run.sh

.PHONY: fuzz fuzz-regress fuzz-build fuzz-clean
.SECONDARY: $(FUZZ_HARNESSES:%=$(FUZZ_B)/tests/fuzz/fuzz_%.o)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) $(FUZZ_RUN) fuzz $(FUZZ_HARNESSES)

fuzz-regress: fuzz-build
	@$(FUZZ_RUN) regress $(FUZZ_HARNESSES)

fuzz-build: $(FUZZ_BINS)

fuzz-clean:
	rm -rf $(FUZZ_B)

$(FUZZ_B)/src/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(FUZZ_B)/tests/fuzz/%.o: $(FUZZ_DIR)/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(FUZZ_CC) $(FUZZ_BIN_CFLAGS) -c -o $@ $<

$(FUZZ_B)/fuzz_%: $(FUZZ_B)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $< $(FUZZ_LIB) $(FUZZ_LIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) \
	 $(FUZZ_HARNESSES:%=$(FUZZ_B)/tests/fuzz/fuzz_%.d)

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
