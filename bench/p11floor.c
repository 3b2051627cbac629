/* p11floor.c - the PKCS#11 floor of listing a token
 *
 * What any tool that shows every certificate with its key must ask the
 * module for, and nothing else: C_Initialize, the token's slot, a session,
 * C_Login, one unfiltered C_FindObjects pass, one C_GetAttributeValue per
 * object (its class) and one more per certificate (its value). No parsing,
 * no checking, no output but the counts. bench/run.sh times it beside
 * `hsmcert list` and `pkcs11-tool -T`: the distance from -T to this is the
 * module's cost of reading the objects, which no client can avoid.
 *
 *   p11floor MODULE TOKEN-LABEL PIN-FILE
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static int
fail(const char *what, CK_RV rv)
{
	fprintf(stderr, "p11floor: %s: 0x%lx\n", what, (unsigned long)rv);
	return 1;
}

/* The slot whose token label (blank-padded) is label. */
static int
find_slot(CK_FUNCTION_LIST *f, const char *label, CK_SLOT_ID *out)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;

	if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		size_t l = strlen(label);

		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || l > 32 ||
		    memcmp(ti.label, label, l) != 0 ||
		    (l < 32 && ti.label[l] != ' '))
			continue;
		*out = slots[i];
		return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	CK_C_GetFunctionList gfl;
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	CK_OBJECT_HANDLE *all = NULL;
	CK_ULONG got, i, n = 0, cap = 0, objs = 0, certs = 0;
	CK_RV rv;
	char pin[256];
	FILE *pf;
	void *m;

	if (argc != 4) {
		fprintf(stderr, "usage: p11floor MODULE TOKEN-LABEL PIN-FILE\n");
		return 2;
	}
	pf = fopen(argv[3], "r");
	if (pf == NULL || fgets(pin, sizeof(pin), pf) == NULL)
		return fail("cannot read the PIN file", 0);
	fclose(pf);
	pin[strcspn(pin, "\r\n")] = '\0';
	m = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (m == NULL)
		return fail(dlerror(), 0);
	*(void **)&gfl = dlsym(m, "C_GetFunctionList");
	if (gfl == NULL || gfl(&f) != CKR_OK)
		return fail("C_GetFunctionList", 0);
	if ((rv = f->C_Initialize(NULL)) != CKR_OK)
		return fail("C_Initialize", rv);
	if (find_slot(f, argv[2], &slot) != 0)
		return fail("no such token", 0);
	if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
				   &s)) != CKR_OK)
		return fail("C_OpenSession", rv);
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
	memset(pin, 0, sizeof(pin));
	if (rv != CKR_OK)
		return fail("C_Login", rv);
	if ((rv = f->C_FindObjectsInit(s, NULL, 0)) != CKR_OK)
		return fail("C_FindObjectsInit", rv);
	for (;;) {
		if (n + 1024 > cap) {
			cap = 2 * cap + 1024;
			all = realloc(all, cap * sizeof(*all));
			if (all == NULL)
				return fail("out of memory", 0);
		}
		if ((rv = f->C_FindObjects(s, all + n, 1024, &got)) != CKR_OK)
			return fail("C_FindObjects", rv);
		if (got == 0)
			break;
		n += got;
	}
	f->C_FindObjectsFinal(s);
	for (i = 0; i < n; i++) {
		CK_OBJECT_CLASS cls = 0;
		CK_ATTRIBUTE a = { CKA_CLASS, &cls, sizeof(cls) };
		unsigned char value[8192];
		CK_ATTRIBUTE v = { CKA_VALUE, value, sizeof(value) };

		if (f->C_GetAttributeValue(s, all[i], &a, 1) != CKR_OK)
			continue;
		objs++;
		if (cls == CKO_CERTIFICATE &&
		    f->C_GetAttributeValue(s, all[i], &v, 1) == CKR_OK)
			certs++;
	}
	free(all);
	f->C_Logout(s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	printf("%lu objects, %lu certificates\n", (unsigned long)objs,
	       (unsigned long)certs);
	return 0;
}
