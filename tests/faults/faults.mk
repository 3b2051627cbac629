# tests/faults/faults.mk - the fault-injection PKCS#11 shim (the top Makefile
# includes it: make build/tests/faults/libfaultshim.so).
#
#   build/tests/faults/libfaultshim.so   the shim module (tests/faults/shim.c)
#   faults-shim                          the same, by a phony name
#
# The driver is tests/faults/faults.sh (see tests/faults/README.md):
#   HSMCERT=$(abspath build/hsmcert) FAULT_SHIM=$(abspath $(FAULT_SHIM)) tests/faults/faults.sh
#
# Linked with -z nodelete: the call counter survives hsmcert's two dlclose()
# calls and the count file is written at exit.

FAULT_SHIM        = build/tests/faults/libfaultshim.so
FAULT_SHIM_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
                    -fPIC -shared -O2 -g $(shell pkg-config --cflags p11-kit-1 2>/dev/null)
FAULT_SHIM_LIBS   = -Wl,-z,nodelete -Wl,-z,now -ldl -lpthread

.PHONY: faults-shim
faults-shim: $(FAULT_SHIM)

$(FAULT_SHIM): tests/faults/shim.c tests/faults/faults.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(FAULT_SHIM_CFLAGS) -o $@ tests/faults/shim.c $(FAULT_SHIM_LIBS)
