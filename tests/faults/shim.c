/* shim.c - a PKCS#11 module that forwards to a real one and fails on demand
 *
 * Loaded by hsmcert in place of SoftHSM2 ([token] module = this .so). Its
 * C_GetFunctionList returns a function list of its own whose every entry
 * forwards to the real module (FAULT_MODULE, default
 * /usr/lib/softhsm/libsofthsm2.so, dlopen'ed once per process), except the
 * call chosen to fail, which returns the chosen CK_RV and does NOT reach the
 * real module: nothing happens on the token for it.
 *
 * Environment (read once, at the first C_GetFunctionList):
 *   FAULT_MODULE=PATH      the real module
 *   FAULT_AT=N             fail call number N (1-based; see "Counting")
 *   FAULT_FUNC=C_Name      fail every call of that function; with FAULT_AT,
 *                          only its Nth call (counted among its own calls)
 *   FAULT_RV=CKR_NAME|0xHEX|DEC   the CK_RV of a failed call
 *                          (default CKR_DEVICE_ERROR)
 *   FAULT_STICKY=1         every faultable call after the failed one fails
 *                          too (a pulled token)
 *   FAULT_COUNT_FILE=PATH  written with the number of faultable calls made
 *                          (one line) at every C_Finalize and at exit
 *   FAULT_TRACE=PATH       one line appended per call: "N C_Name" for a
 *                          faultable call, "- C_Finalize" for C_Finalize,
 *                          " FAULT CKR_..." added to a failed one
 *
 * Also for the PIN lockout guard tests (SPEC section 10), independent of
 * the fault above:
 *   FAULT_PIN_FLAGS=LIST   comma-separated final_try, count_low, locked:
 *                          every C_GetTokenInfo that the real module
 *                          answers reports these CKF_USER_PIN_* flags too
 *                          (SoftHSM2 2.6.1 itself only ever sets count_low);
 *                          with locked, C_Login answers CKR_PIN_LOCKED
 *                          without reaching the real module, as a locked
 *                          token would
 *   FAULT_LOGIN_LOG=PATH   one line appended per C_Login call, written at
 *                          once: "C_Login user=N rv=CKR_..." (never the PIN)
 *
 * Counting: one counter for the whole process. hsmcert reaches the module
 * through two dlopen handles (libp11's and its own); both are this one
 * shared object, so a static counter sees every call. The object is linked
 * with -z nodelete: the counter and the count survive the dlclose of both
 * handles and the count file is written again at exit. Every C_* call is
 * counted except C_GetFunctionList (not a module operation) and C_Finalize:
 * C_Finalize is never failed (a failure there, after the work is done or
 * undone, tests nothing but the exit path) and is left out of the numbering
 * so that fault point N means the same call whether or not the run ends
 * early. It still appears in FAULT_TRACE.
 *
 * The shim never writes to stdout or stderr: the driver checks that
 * hsmcert's own message names the CK_RV.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *real_dl;
static CK_FUNCTION_LIST *real;
static int configured;

static unsigned long calls;		/* faultable calls so far */
static unsigned long func_calls;	/* calls of FAULT_FUNC so far */
static unsigned long fault_at;		/* 0: none */
static char fault_func[64];		/* "": any function */
static CK_RV fault_rv = CKR_DEVICE_ERROR;
static int sticky;
static int tripped;			/* the chosen fault has fired */
static const char *count_file;
static FILE *trace;
static CK_FLAGS pin_flags;		/* FAULT_PIN_FLAGS */
static const char *login_log;		/* FAULT_LOGIN_LOG */

static const struct {
	const char *name;
	CK_RV rv;
} rv_table[] = {
	{ "CKR_DEVICE_ERROR", CKR_DEVICE_ERROR },
	{ "CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED },
	{ "CKR_DEVICE_MEMORY", CKR_DEVICE_MEMORY },
	{ "CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID },
	{ "CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT },
	{ "CKR_GENERAL_ERROR", CKR_GENERAL_ERROR },
	{ "CKR_FUNCTION_FAILED", CKR_FUNCTION_FAILED },
	{ "CKR_HOST_MEMORY", CKR_HOST_MEMORY },
	{ "CKR_SESSION_CLOSED", CKR_SESSION_CLOSED },
	{ "CKR_OBJECT_HANDLE_INVALID", CKR_OBJECT_HANDLE_INVALID },
	{ "CKR_USER_NOT_LOGGED_IN", CKR_USER_NOT_LOGGED_IN },
	{ "CKR_PIN_INCORRECT", CKR_PIN_INCORRECT },
	{ "CKR_PIN_LOCKED", CKR_PIN_LOCKED },
	{ "CKR_PIN_INVALID", CKR_PIN_INVALID },
	{ "CKR_PIN_LEN_RANGE", CKR_PIN_LEN_RANGE },
	{ "CKR_USER_ALREADY_LOGGED_IN", CKR_USER_ALREADY_LOGGED_IN },
	{ "CKR_TOKEN_WRITE_PROTECTED", CKR_TOKEN_WRITE_PROTECTED },
};

static const char *
rv_name(CK_RV rv, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(rv_table) / sizeof(rv_table[0]); i++)
		if (rv_table[i].rv == rv)
			return rv_table[i].name;
	snprintf(buf, len, "0x%lx", (unsigned long)rv);
	return buf;
}

static CK_RV
parse_rv(const char *s)
{
	size_t i;
	char *end;
	unsigned long v;

	for (i = 0; i < sizeof(rv_table) / sizeof(rv_table[0]); i++)
		if (strcmp(s, rv_table[i].name) == 0)
			return rv_table[i].rv;
	v = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0' || v == CKR_OK)
		return CKR_DEVICE_ERROR;
	return v;
}

/* FAULT_PIN_FLAGS: "final_try,count_low,locked" (any of them, any order) */
static CK_FLAGS
parse_pin_flags(const char *s)
{
	static const struct {
		const char *name;
		CK_FLAGS flag;
	} names[] = {
		{ "final_try", CKF_USER_PIN_FINAL_TRY },
		{ "count_low", CKF_USER_PIN_COUNT_LOW },
		{ "locked", CKF_USER_PIN_LOCKED },
	};
	CK_FLAGS f = 0;
	size_t i, n;

	while (*s != '\0') {
		n = strcspn(s, ",");
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    strncmp(s, names[i].name, n) == 0)
				f |= names[i].flag;
		s += n;
		if (*s == ',')
			s++;
	}
	return f;
}

static void
configure(void)
{
	const char *s;

	if (configured)
		return;
	configured = 1;
	s = getenv("FAULT_AT");
	if (s != NULL && *s != '\0')
		fault_at = strtoul(s, NULL, 10);
	s = getenv("FAULT_FUNC");
	if (s != NULL && *s != '\0')
		snprintf(fault_func, sizeof(fault_func), "%s", s);
	s = getenv("FAULT_RV");
	if (s != NULL && *s != '\0')
		fault_rv = parse_rv(s);
	s = getenv("FAULT_STICKY");
	sticky = s != NULL && strcmp(s, "1") == 0;
	s = getenv("FAULT_COUNT_FILE");
	if (s != NULL && *s != '\0')
		count_file = s;
	s = getenv("FAULT_PIN_FLAGS");
	if (s != NULL)
		pin_flags = parse_pin_flags(s);
	s = getenv("FAULT_LOGIN_LOG");
	if (s != NULL && *s != '\0')
		login_log = s;
	s = getenv("FAULT_TRACE");
	if (s != NULL && *s != '\0') {
		int fd = open(s, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0 && (trace = fdopen(fd, "a")) == NULL)
			close(fd);
		if (trace != NULL)
			setvbuf(trace, NULL, _IOLBF, 0);
	}
}

static void
write_count(void)
{
	FILE *f;
	char tmp[4096];
	int n;

	if (count_file == NULL)
		return;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", count_file);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "%lu\n", calls);
	if (fclose(f) == 0)
		rename(tmp, count_file);
}

__attribute__((destructor)) static void
shim_fini(void)
{
	pthread_mutex_lock(&lock);
	write_count();
	if (trace != NULL)
		fflush(trace);
	pthread_mutex_unlock(&lock);
}

/*
 * Count one call of the function NAME; returns 1 (and the CK_RV to return
 * in *rv) when it is to fail.
 */
static int
fault_hit(const char *name, CK_RV *rv)
{
	char nbuf[32];
	int fail = 0;

	pthread_mutex_lock(&lock);
	calls++;
	if (tripped && sticky) {
		fail = 1;
	} else if (fault_func[0] != '\0') {
		if (strcmp(name, fault_func) == 0) {
			func_calls++;
			fail = fault_at == 0 || func_calls == fault_at;
		}
	} else if (fault_at != 0 && calls == fault_at) {
		fail = 1;
	}
	if (fail)
		tripped = 1;
	if (trace != NULL)
		fprintf(trace, "%lu %s%s%s\n", calls, name,
			fail ? " FAULT " : "",
			fail ? rv_name(fault_rv, nbuf, sizeof(nbuf)) : "");
	pthread_mutex_unlock(&lock);
	*rv = fault_rv;
	return fail;
}

/* SHIM(name, parameters, arguments): the forwarding entry shim_<name>. */
#define SHIM(name, params, args)				\
	static CK_RV shim_##name params				\
	{							\
		CK_RV rv;					\
		if (fault_hit(#name, &rv))			\
			return rv;				\
		return real->name args;				\
	}

SHIM(C_Initialize, (void *a), (a))
SHIM(C_GetInfo, (CK_INFO_PTR a), (a))
SHIM(C_GetSlotList, (CK_BBOOL a, CK_SLOT_ID_PTR b, CK_ULONG_PTR c), (a, b, c))
SHIM(C_GetSlotInfo, (CK_SLOT_ID a, CK_SLOT_INFO_PTR b), (a, b))
SHIM(C_GetMechanismList, (CK_SLOT_ID a, CK_MECHANISM_TYPE_PTR b, CK_ULONG_PTR c),
     (a, b, c))
SHIM(C_GetMechanismInfo, (CK_SLOT_ID a, CK_MECHANISM_TYPE b, CK_MECHANISM_INFO_PTR c),
     (a, b, c))
SHIM(C_InitToken, (CK_SLOT_ID a, CK_UTF8CHAR_PTR b, CK_ULONG c, CK_UTF8CHAR_PTR d),
     (a, b, c, d))
SHIM(C_InitPIN, (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c), (a, b, c))
SHIM(C_SetPIN, (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c,
		CK_UTF8CHAR_PTR d, CK_ULONG e), (a, b, c, d, e))
SHIM(C_OpenSession, (CK_SLOT_ID a, CK_FLAGS b, CK_VOID_PTR c, CK_NOTIFY d,
		     CK_SESSION_HANDLE_PTR e), (a, b, c, d, e))
SHIM(C_CloseSession, (CK_SESSION_HANDLE a), (a))
SHIM(C_CloseAllSessions, (CK_SLOT_ID a), (a))
SHIM(C_GetSessionInfo, (CK_SESSION_HANDLE a, CK_SESSION_INFO_PTR b), (a, b))
SHIM(C_GetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c),
     (a, b, c))
SHIM(C_SetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
			   CK_OBJECT_HANDLE d, CK_OBJECT_HANDLE e), (a, b, c, d, e))
SHIM(C_Logout, (CK_SESSION_HANDLE a), (a))
SHIM(C_CreateObject, (CK_SESSION_HANDLE a, CK_ATTRIBUTE_PTR b, CK_ULONG c,
		      CK_OBJECT_HANDLE_PTR d), (a, b, c, d))
SHIM(C_CopyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c,
		    CK_ULONG d, CK_OBJECT_HANDLE_PTR e), (a, b, c, d, e))
SHIM(C_DestroyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b), (a, b))
SHIM(C_GetObjectSize, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ULONG_PTR c),
     (a, b, c))
SHIM(C_GetAttributeValue, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b,
			   CK_ATTRIBUTE_PTR c, CK_ULONG d), (a, b, c, d))
SHIM(C_SetAttributeValue, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b,
			   CK_ATTRIBUTE_PTR c, CK_ULONG d), (a, b, c, d))
SHIM(C_FindObjectsInit, (CK_SESSION_HANDLE a, CK_ATTRIBUTE_PTR b, CK_ULONG c),
     (a, b, c))
SHIM(C_FindObjects, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE_PTR b, CK_ULONG c,
		     CK_ULONG_PTR d), (a, b, c, d))
SHIM(C_FindObjectsFinal, (CK_SESSION_HANDLE a), (a))
SHIM(C_EncryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c),
     (a, b, c))
SHIM(C_Encrypt, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
		 CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_EncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
		       CK_BYTE_PTR d, CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_EncryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c),
     (a, b, c))
SHIM(C_DecryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c),
     (a, b, c))
SHIM(C_Decrypt, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
		 CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_DecryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
		       CK_BYTE_PTR d, CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_DecryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c),
     (a, b, c))
SHIM(C_DigestInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b), (a, b))
SHIM(C_Digest, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
		CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_DigestUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))
SHIM(C_DigestKey, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b), (a, b))
SHIM(C_DigestFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c), (a, b, c))
SHIM(C_SignInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c),
     (a, b, c))
SHIM(C_Sign, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
	      CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_SignUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))
SHIM(C_SignFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c), (a, b, c))
SHIM(C_SignRecoverInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
			 CK_OBJECT_HANDLE c), (a, b, c))
SHIM(C_SignRecover, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
		     CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_VerifyInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c),
     (a, b, c))
SHIM(C_Verify, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
		CK_ULONG e), (a, b, c, d, e))
SHIM(C_VerifyUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))
SHIM(C_VerifyFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))
SHIM(C_VerifyRecoverInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
			   CK_OBJECT_HANDLE c), (a, b, c))
SHIM(C_VerifyRecover, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
		       CK_BYTE_PTR d, CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_DigestEncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
			     CK_BYTE_PTR d, CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_DecryptDigestUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
			     CK_BYTE_PTR d, CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_SignEncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
			   CK_BYTE_PTR d, CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_DecryptVerifyUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
			     CK_BYTE_PTR d, CK_ULONG_PTR e), (a, b, c, d, e))
SHIM(C_GenerateKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c,
		     CK_ULONG d, CK_OBJECT_HANDLE_PTR e), (a, b, c, d, e))
SHIM(C_GenerateKeyPair, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b,
			 CK_ATTRIBUTE_PTR c, CK_ULONG d, CK_ATTRIBUTE_PTR e,
			 CK_ULONG f, CK_OBJECT_HANDLE_PTR g, CK_OBJECT_HANDLE_PTR h),
     (a, b, c, d, e, f, g, h))
SHIM(C_WrapKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c,
		 CK_OBJECT_HANDLE d, CK_BYTE_PTR e, CK_ULONG_PTR f),
     (a, b, c, d, e, f))
SHIM(C_UnwrapKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c,
		   CK_BYTE_PTR d, CK_ULONG e, CK_ATTRIBUTE_PTR f, CK_ULONG g,
		   CK_OBJECT_HANDLE_PTR h), (a, b, c, d, e, f, g, h))
SHIM(C_DeriveKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c,
		   CK_ATTRIBUTE_PTR d, CK_ULONG e, CK_OBJECT_HANDLE_PTR f),
     (a, b, c, d, e, f))
SHIM(C_SeedRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))
SHIM(C_GenerateRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c), (a, b, c))
SHIM(C_GetFunctionStatus, (CK_SESSION_HANDLE a), (a))
SHIM(C_CancelFunction, (CK_SESSION_HANDLE a), (a))
SHIM(C_WaitForSlotEvent, (CK_FLAGS a, CK_SLOT_ID_PTR b, CK_VOID_PTR c), (a, b, c))

/* C_GetTokenInfo: forwarded, then FAULT_PIN_FLAGS added to the flags. */
static CK_RV
shim_C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv;

	if (fault_hit("C_GetTokenInfo", &rv))
		return rv;
	rv = real->C_GetTokenInfo(slot, info);
	if (rv == CKR_OK && info != NULL)
		info->flags |= pin_flags;
	return rv;
}

/* Append one line to FAULT_LOGIN_LOG: who logged in and the answer. */
static void
log_login(CK_USER_TYPE user, CK_RV rv)
{
	char line[96], nbuf[32];
	ssize_t w;
	int fd, n;

	if (login_log == NULL)
		return;
	n = snprintf(line, sizeof(line), "C_Login user=%lu rv=%s\n",
		     (unsigned long)user,
		     rv == CKR_OK ? "CKR_OK" : rv_name(rv, nbuf, sizeof(nbuf)));
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	fd = open(login_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	/* a line lost here shows as a count that is off in the test */
	w = write(fd, line, (size_t)n);
	(void)w;
	close(fd);
}

/*
 * C_Login: counted and faultable like any call, logged (never the PIN) to
 * FAULT_LOGIN_LOG; a token made "locked" by FAULT_PIN_FLAGS refuses it.
 */
static CK_RV
shim_C_Login(CK_SESSION_HANDLE sess, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
	     CK_ULONG len)
{
	CK_RV rv;

	if (!fault_hit("C_Login", &rv)) {
		if ((pin_flags & CKF_USER_PIN_LOCKED) && user == CKU_USER)
			rv = CKR_PIN_LOCKED;
		else
			rv = real->C_Login(sess, user, pin, len);
	}
	log_login(user, rv);
	return rv;
}

/* C_Finalize: forwarded always (see the header), written to the count file. */
static CK_RV
shim_C_Finalize(void *reserved)
{
	CK_RV rv = real->C_Finalize(reserved);

	pthread_mutex_lock(&lock);
	if (trace != NULL)
		fprintf(trace, "- C_Finalize\n");
	write_count();
	pthread_mutex_unlock(&lock);
	return rv;
}

static CK_RV shim_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST shim_list = {
	{ 2, 40 },
	shim_C_Initialize,
	shim_C_Finalize,
	shim_C_GetInfo,
	shim_C_GetFunctionList,
	shim_C_GetSlotList,
	shim_C_GetSlotInfo,
	shim_C_GetTokenInfo,
	shim_C_GetMechanismList,
	shim_C_GetMechanismInfo,
	shim_C_InitToken,
	shim_C_InitPIN,
	shim_C_SetPIN,
	shim_C_OpenSession,
	shim_C_CloseSession,
	shim_C_CloseAllSessions,
	shim_C_GetSessionInfo,
	shim_C_GetOperationState,
	shim_C_SetOperationState,
	shim_C_Login,
	shim_C_Logout,
	shim_C_CreateObject,
	shim_C_CopyObject,
	shim_C_DestroyObject,
	shim_C_GetObjectSize,
	shim_C_GetAttributeValue,
	shim_C_SetAttributeValue,
	shim_C_FindObjectsInit,
	shim_C_FindObjects,
	shim_C_FindObjectsFinal,
	shim_C_EncryptInit,
	shim_C_Encrypt,
	shim_C_EncryptUpdate,
	shim_C_EncryptFinal,
	shim_C_DecryptInit,
	shim_C_Decrypt,
	shim_C_DecryptUpdate,
	shim_C_DecryptFinal,
	shim_C_DigestInit,
	shim_C_Digest,
	shim_C_DigestUpdate,
	shim_C_DigestKey,
	shim_C_DigestFinal,
	shim_C_SignInit,
	shim_C_Sign,
	shim_C_SignUpdate,
	shim_C_SignFinal,
	shim_C_SignRecoverInit,
	shim_C_SignRecover,
	shim_C_VerifyInit,
	shim_C_Verify,
	shim_C_VerifyUpdate,
	shim_C_VerifyFinal,
	shim_C_VerifyRecoverInit,
	shim_C_VerifyRecover,
	shim_C_DigestEncryptUpdate,
	shim_C_DecryptDigestUpdate,
	shim_C_SignEncryptUpdate,
	shim_C_DecryptVerifyUpdate,
	shim_C_GenerateKey,
	shim_C_GenerateKeyPair,
	shim_C_WrapKey,
	shim_C_UnwrapKey,
	shim_C_DeriveKey,
	shim_C_SeedRandom,
	shim_C_GenerateRandom,
	shim_C_GetFunctionStatus,
	shim_C_CancelFunction,
	shim_C_WaitForSlotEvent,
};

/* Load the real module once; 0 on success. */
static int
load_real(void)
{
	CK_C_GetFunctionList getfl;
	const char *path;

	if (real != NULL)
		return 0;
	path = getenv("FAULT_MODULE");
	if (path == NULL || *path == '\0')
		path = DEFAULT_MODULE;
	real_dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (real_dl == NULL)
		return -1;
	*(void **)(&getfl) = dlsym(real_dl, "C_GetFunctionList");
	if (getfl == NULL || getfl(&real) != CKR_OK || real == NULL) {
		real = NULL;
		return -1;
	}
	return 0;
}

static CK_RV
shim_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	return C_GetFunctionList(list);
}

__attribute__((visibility("default"))) CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	int r;

	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&lock);
	configure();
	r = load_real();
	pthread_mutex_unlock(&lock);
	if (r != 0)
		return CKR_GENERAL_ERROR;
	*list = &shim_list;
	return CKR_OK;
}
