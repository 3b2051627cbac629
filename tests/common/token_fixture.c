/* token_fixture.c - a fresh SoftHSM2 token per cmocka test
 *
 * The token is made by hsm/mktoken.sh (the same script `make token` uses),
 * run with posix_spawn and an argv: no shell sits between us and the
 * directory name. Everything lives in one mkdtemp directory that teardown
 * removes with nftw.
 */
/* nftw() and FTW_DEPTH/FTW_PHYS are X/Open: -D_POSIX_C_SOURCE hides them. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/audit.h"
#include "core/error.h"
#include "core/token.h"
#include "ops/ops.h"
#include "token_fixture.h"

extern char **environ;

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

void
fixture_hex(const unsigned char *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf that reports truncation as failure. */
static int
fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
write_all(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

void
fixture_write_file(struct fixture *fx, const char *name, const char *text,
		   char *path, size_t len)
{
	if (fmt(path, len, "%s/%s", fx->dir, name) != 0)
		fail_msg("path too long: %s/%s", fx->dir, name);
	if (write_all(path, text, 0644) != 0)
		fail_msg("cannot write %s: %s", path, strerror(errno));
}

int
fixture_has_warning(const struct fixture *fx, const char *sub)
{
	size_t i, n = hc_ctx_warning_count(fx->ctx);

	for (i = 0; i < n; i++)
		if (strstr(hc_ctx_warning(fx->ctx, i), sub) != NULL)
			return 1;
	return 0;
}

static X509 *
make_cert(const char *cn, long days, int ca, EVP_PKEY **key)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX v3;
	int ok;

	ok = pk != NULL && x != NULL && name != NULL &&
	     X509_set_version(x, X509_VERSION_3) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 2 : 1) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0) &&
	     X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
	     X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0,
			      NULL) != NULL &&
	     X509_set_pubkey(x, pk);
	if (ok && ca) {
		X509_EXTENSION *bc, *ku;

		X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
		bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
					 "critical,CA:TRUE");
		ku = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
					 "critical,keyCertSign,cRLSign");
		ok = bc != NULL && ku != NULL && X509_add_ext(x, bc, -1) &&
		     X509_add_ext(x, ku, -1);
		X509_EXTENSION_free(bc);
		X509_EXTENSION_free(ku);
	}
	if (!ok || X509_sign(x, pk, EVP_sha256()) <= 0)
		fail_msg("fixture: cannot make a certificate for %s", cn);
	X509_NAME_free(name);
	if (key != NULL)
		*key = pk;
	else
		EVP_PKEY_free(pk);
	return x;
}

X509 *
fixture_make_cert(const char *cn, long days, EVP_PKEY **key)
{
	return make_cert(cn, days, 0, key);
}

X509 *
fixture_make_ca(const char *cn, long days, EVP_PKEY **key)
{
	return make_cert(cn, days, 1, key);
}

/* ------------------------------------------------------------------ */
/* The PIN                                                              */

/*
 * The first line of path as a secret; with wrong set, the last character
 * is changed. read(2), not stdio, so no FILE buffer keeps a copy. The
 * stack buffer is wiped on every path.
 */
static hc_secret *
read_pin(const char *path, int wrong, hc_err *err)
{
	char buf[256];
	size_t len = 0;
	hc_secret *s = NULL;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		hc_err_set(err, HC_E_PIN, "cannot read the PIN file %s: %s",
			   path, strerror(errno));
		return NULL;
	}
	while (len < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0) {
		hc_err_set(err, HC_E_PIN, "the PIN file %s is empty", path);
		goto out;
	}
	if (wrong)
		buf[len - 1] = buf[len - 1] == '0' ? '1' : '0';
	s = hc_secret_new(buf, len, err);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return s;
}

/* The context's secret callback: file:PATH sources only. */
static int
fixture_secret_cb(void *arg, const char *what, const char *source,
		  hc_secret **out, hc_err *err)
{
	struct fixture *fx = arg;
	hc_secret *s;

	(void)what;
	fx->pin_asked++;
	if (source == NULL || strncmp(source, "file:", 5) != 0)
		return hc_err_set(err, HC_E_PIN,
				  "fixture: pin-source '%s' is not file:PATH",
				  source != NULL ? source : "(none)");
	s = read_pin(source + 5, fx->wrong_pin, err);
	if (s == NULL)
		return -1;
	*out = s;
	return 0;
}

hc_secret *
fixture_pin(struct fixture *fx, int wrong)
{
	hc_err err = { 0 };
	hc_secret *s = read_pin(fx->pin_file, wrong, &err);

	if (s == NULL)
		fail_msg("%s", err.msg);
	return s;
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                   */

static int
run_mktoken(const char *dir)
{
	const char *top = getenv("HSMCERT_TOP");
	char script[1024];
	char *argv[4];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	if (top == NULL || *top == '\0')
		top = ".";
	if (fmt(script, sizeof(script), "%s/hsm/mktoken.sh", top) != 0)
		return -1;
	argv[0] = script;
	argv[1] = (char *)dir;
	argv[2] = (char *)FIXTURE_LABEL;
	argv[3] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	/* its "token ready" line would only clutter the TAP output */
	rc = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					      O_WRONLY, 0);
	if (rc == 0)
		rc = posix_spawn(&pid, script, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		print_error("fixture: cannot run %s: %s "
			    "(set HSMCERT_TOP to the source tree)\n",
			    script, strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_error("fixture: %s %s %s failed (status %d)\n", script,
			    dir, FIXTURE_LABEL, status);
		return -1;
	}
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tree(const char *dir)
{
	if (dir[0] != '\0' && nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		print_error("fixture: cannot remove %s: %s\n", dir,
			    strerror(errno));
}

static int
write_config(struct fixture *fx, const struct fixture_opts *opts)
{
	const char *policy = opts != NULL ? opts->policy : NULL;
	const char *paths = opts != NULL ? opts->paths : NULL;
	char text[4096];

	if (fmt(text, sizeof(text),
		"# written by tests/common/token_fixture.c\n"
		"[token]\n"
		"module = %s\n"
		"label = %s\n"
		"pin-source = file:%s\n"
		"softhsm2-conf = %s/softhsm2.conf\n"
		"\n"
		"[paths]\n"
		"state-dir = %s/state\n"
		"%s%s%s",
		FIXTURE_MODULE, FIXTURE_LABEL, fx->pin_file, fx->dir, fx->dir,
		paths != NULL ? paths : "",
		policy != NULL ? "\n[policy]\n" : "",
		policy != NULL ? policy : "") != 0)
		return -1;
	return write_all(fx->conf, text, 0600);
}

int
fixture_setup_opts(void **state, const struct fixture_opts *opts)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	char conf[600];
	hc_ctx_opts o;
	hc_err err = { 0 };

	if (fx == NULL)
		return -1;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (fmt(fx->dir, sizeof(fx->dir), "%s/hsmcert-test.XXXXXX", tmp) != 0 ||
	    mkdtemp(fx->dir) == NULL) {
		print_error("fixture: mkdtemp in %s: %s\n", tmp,
			    strerror(errno));
		fx->dir[0] = '\0';
		goto fail;
	}
	if (fmt(fx->conf, sizeof(fx->conf), "%s/hsmcert.conf", fx->dir) ||
	    fmt(fx->pin_file, sizeof(fx->pin_file), "%s/user.pin", fx->dir) ||
	    fmt(conf, sizeof(conf), "%s/softhsm2.conf", fx->dir))
		goto fail;
	if (run_mktoken(fx->dir) != 0)
		goto fail;
	if (setenv("SOFTHSM2_CONF", conf, 1) != 0)
		goto fail;
	if (write_config(fx, opts) != 0) {
		print_error("fixture: cannot write %s\n", fx->conf);
		goto fail;
	}
	memset(&o, 0, sizeof(o));
	o.config = fx->conf;
	fx->ctx = hc_ctx_new(&o, &err);
	if (fx->ctx == NULL) {
		print_error("fixture: hc_ctx_new: %s\n", err.msg);
		goto fail;
	}
	fx->wrong_pin = opts != NULL && opts->wrong_pin;
	hc_ctx_set_secret_cb(fx->ctx, fixture_secret_cb, fx);
	*state = fx;
	return 0;
fail:
	rm_tree(fx->dir);
	free(fx);
	return -1;
}

int
fixture_setup(void **state)
{
	return fixture_setup_opts(state, NULL);
}

int
fixture_setup_wrong_pin(void **state)
{
	static const struct fixture_opts wrong = { .wrong_pin = 1 };

	return fixture_setup_opts(state, &wrong);
}

int
fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx == NULL)
		return 0;
	hc_ctx_free(fx->ctx);
	rm_tree(fx->dir);
	unsetenv("SOFTHSM2_CONF");
	free(fx);
	*state = NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The token                                                            */

/* Log t in with the file PIN unless it is logged in already. */
static int
login(struct fixture *fx, struct hc_token *t, hc_err *err)
{
	hc_secret *pin;
	int r;

	if (hc_token_is_logged_in(t))
		return 0;
	pin = read_pin(fx->pin_file, 0, err);
	if (pin == NULL)
		return -1;
	r = hc_token_login(t, pin, err);
	hc_secret_free(pin);
	return r;
}

struct hc_token *
fixture_token(struct fixture *fx, int log_in)
{
	hc_err err = { 0 };

	if (fx->ctx->tok == NULL &&
	    hc_token_open(FIXTURE_MODULE, FIXTURE_LABEL, &fx->ctx->tok,
			  &err) != 0)
		fail_msg("fixture: hc_token_open: %s", err.msg);
	if (log_in && login(fx, fx->ctx->tok, &err) != 0)
		fail_msg("fixture: hc_token_login: %s", err.msg);
	return fx->ctx->tok;
}

struct hc_token *
fixture_open_token(struct fixture *fx)
{
	return fixture_token(fx, 1);
}

static const struct {
	enum hc_obj_class cls;
	const char *name;
} snap_classes[] = {
	{ HC_OBJ_CERT, "cert" },
	{ HC_OBJ_PRIVKEY, "privkey" },
	{ HC_OBJ_PUBKEY, "pubkey" },
	{ HC_OBJ_DATA, "data" },
};

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line for o, malloc'd. */
static char *
snap_line(const char *cls, const struct hc_tobj *o)
{
	char id[2 * HC_ID_MAX + 1], sha[41] = "", line[1024];
	unsigned char md[20];
	char *s;

	fixture_hex(o->id, o->id_len, id);
	if (o->value != NULL &&
	    EVP_Digest(o->value, o->value_len, md, NULL, EVP_sha1(), NULL) == 1)
		fixture_hex(md, sizeof(md), sha);
	if (fmt(line, sizeof(line), "%s id=%s label='%s'%s%s%s%s", cls, id,
		o->label != NULL ? o->label : "",
		o->application != NULL ? " app=" : "",
		o->application != NULL ? o->application : "",
		o->value != NULL ? " sha1=" : "",
		o->value != NULL ? sha : "") != 0)
		return NULL;
	s = strdup(line);
	return s;
}

/*
 * The context's token when it is open, else one of our own (*own set, the
 * caller frees it: C_Finalize logs it out, so the context's own login
 * under test still happens). Logged in with the file PIN.
 */
static struct hc_token *
borrow_token(struct fixture *fx, struct hc_token **own, hc_err *err)
{
	struct hc_token *t = fx->ctx->tok;

	*own = NULL;
	if (t == NULL) {
		if (hc_token_open(FIXTURE_MODULE, FIXTURE_LABEL, own, err) != 0)
			return NULL;
		t = *own;
	}
	if (login(fx, t, err) != 0) {
		hc_token_free(*own);
		*own = NULL;
		return NULL;
	}
	return t;
}

void
fixture_populate(struct fixture *fx)
{
	static const unsigned char blob[] = "bystander data";
	struct hc_token *own = NULL, *t;
	struct hc_keyspec ks = { HC_KEY_EC, 256 };
	struct hc_keypair kp;
	unsigned long h;
	hc_err err = { 0 };
	X509 *x;

	memset(&kp, 0, sizeof(kp));
	t = borrow_token(fx, &own, &err);
	if (t == NULL)
		fail_msg("fixture: populate: %s", err.msg);
	x = fixture_make_cert("bystander.example.org", 10, NULL);
	if (hc_token_generate_keypair(t, &ks, "bystander", 0, &kp, &err) != 0 ||
	    hc_token_store_cert(t, x, "bystander", kp.id, sizeof(kp.id),
				HC_CAT_USER, &h, &err) != 0 ||
	    hc_token_store_data(t, "bystander-app", "bystander", blob,
				sizeof(blob), &h, &err) != 0)
		fail_msg("fixture: populate: %s", err.msg);
	X509_free(x);
	hc_keypair_release(&kp);
	hc_token_free(own);
	fx->populated = 1;
}

int
fixture_snapshot(struct fixture *fx, char **out)
{
	struct hc_token *t, *own = NULL;
	struct hc_tobj_list l = { NULL, 0 };
	char **lines = NULL, *text = NULL;
	size_t n = 0, cap = 0, total = 1, i, c, off;
	hc_err err = { 0 };
	int ret = -1;

	t = borrow_token(fx, &own, &err);
	if (t == NULL)
		goto out;
	for (c = 0; c < sizeof(snap_classes) / sizeof(snap_classes[0]); c++) {
		if (hc_token_find(t, snap_classes[c].cls, NULL, 0, NULL, &l,
				  &err) != 0)
			goto out;
		for (i = 0; i < l.n; i++) {
			char *s;

			/*
			 * SPEC 5: "unchanged" means every object except the
			 * audit head, which moves with each denied action too.
			 */
			if (l.v[i].application != NULL &&
			    strcmp(l.v[i].application, HC_AUDIT_APP) == 0)
				continue;

			if (n == cap) {
				char **nv;

				cap = cap ? 2 * cap : 16;
				nv = realloc(lines, cap * sizeof(*nv));
				if (nv == NULL)
					goto oom;
				lines = nv;
			}
			s = snap_line(snap_classes[c].name, &l.v[i]);
			if (s == NULL)
				goto oom;
			lines[n++] = s;
			total += strlen(s) + 1;
		}
		hc_tobj_list_release(&l);
	}
	if (n > 0)
		qsort(lines, n, sizeof(*lines), line_cmp);
	text = malloc(total);
	if (text == NULL)
		goto oom;
	off = 0;
	for (i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);

		memcpy(text + off, lines[i], len);
		text[off + len] = '\n';
		off += len + 1;
	}
	text[off] = '\0';
	*out = text;
	text = NULL;
	ret = 0;
	goto out;
oom:
	hc_err_set(&err, HC_E_FAIL, "out of memory");
out:
	if (ret != 0)
		print_error("fixture: snapshot: %s\n", err.msg);
	hc_tobj_list_release(&l);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(text);
	hc_token_free(own);
	return ret;
}

size_t
fixture_snapshot_count(const char *snap)
{
	size_t n = 0;

	for (; *snap != '\0'; snap++)
		if (*snap == '\n')
			n++;
	return n;
}
