/* prompt.c - the terminal prompt for secrets, and y/N questions
 *
 * A secret never comes from the command line. env:, file: and fd: sources
 * are read by the library (hc_secret_from_source in src/core/secret.c,
 * fuzzed by tests/fuzz/fuzz_secret.c); only the terminal is read here, into
 * the secure heap, and through the same line parser. Every buffer that held
 * a secret is wiped on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/range.h"
#include "core/secret.h"

/* the longest secret and "\r\n": a line not ended within this is too long */
#define TTY_MAX (HC_SECRET_MAX + 2)

static int set_err(hc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
set_err(hc_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err->code != HC_OK)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	(void)n;
	return -1;
}

/* Read up to the first newline (or EOF) from fd into buf, as a C string. */
static int
read_line_fd(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap)
			return -2;
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/*
 * Read bytes from fd one at a time up to and including the first newline,
 * end of file, or cap bytes. Nothing is dropped or terminated: the line is
 * hc_secret_from_line()'s to parse, NUL bytes (Ctrl-@) included.
 */
static int
read_raw_line(int fd, char *buf, size_t cap, size_t *len)
{
	/* the library's reader of secret sources, one byte at a time */
	return hc_secret_read_line(fd, buf, cap, len);
}

/* Ask on /dev/tty without echo; *out is the secret typed. */
static int
read_tty(const char *what, hc_secret **out, hc_err *err)
{
	struct termios old, noecho;
	hc_secret *s = NULL;
	char *buf = NULL, name[300];
	size_t len = 0;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int r, restore = 0, ret = -1;
	ssize_t w;

	if (fd < 0)
		return set_err(err, HC_E_USAGE,
			       "%s: no terminal to ask on; set a pin-source (env:VAR, file:PATH or fd:N)",
			       what);
	buf = OPENSSL_secure_zalloc(TTY_MAX);
	if (buf == NULL) {
		set_err(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	w = write(fd, what, strlen(what));
	w = write(fd, ": ", 2);
	(void)w;
	if (tcgetattr(fd, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		noecho.c_lflag |= ICANON;
		if (tcsetattr(fd, TCSAFLUSH, &noecho) == 0)
			restore = 1;
	}
	r = read_raw_line(fd, buf, TTY_MAX, &len);
	if (restore && tcsetattr(fd, TCSAFLUSH, &old) != 0)
		r = -1;
	w = write(fd, "\n", 1);
	(void)w;
	if (r != 0) {
		set_err(err, HC_E_USAGE, "%s: cannot read from the terminal",
			what);
		goto out;
	}
	r = snprintf(name, sizeof(name), "%s: what was typed", what);
	(void)r;
	s = hc_secret_from_line(buf, len, name, err);
	if (s != NULL) {
		*out = s;
		ret = 0;
	}
out:
	OPENSSL_secure_clear_free(buf, TTY_MAX);
	close(fd);
	return ret;
}

int
prompt_secret(void *arg, const char *what, const char *source,
	      hc_secret **out, hc_err *err)
{
	(void)arg;
	if (source == NULL) {
		if (!isatty(STDIN_FILENO))
			return set_err(err, HC_E_USAGE,
				       "%s: no pin-source configured and no terminal: set [token] pin-source or --pin-source (env:VAR, file:PATH, fd:N)",
				       what);
		source = "prompt";
	}
	if (strcmp(source, "prompt") == 0)
		return read_tty(what, out, err);
	/* env:, file:, fd: and anything unknown (never echoed) */
	return hc_secret_from_source(what, source, out, err);
}

/*
 * Text that may name labels from the token or a PFX, line by line: each
 * line with its control characters escaped (render_text), the newlines
 * between them kept.
 */
static void
print_lines(const char *text, const char *end)
{
	while (text != NULL) {
		const char *nl = strchr(text, '\n');
		char *line = strndup(text, nl != NULL ? (size_t)(nl - text) :
				     strlen(text));

		if (line == NULL)
			return;
		render_text(stderr, line);
		free(line);
		fputs(nl != NULL ? "\n" : end, stderr);
		text = nl != NULL ? nl + 1 : NULL;
	}
}

int
prompt_confirm(void *arg, const char *question, hc_err *err)
{
	char answer[16];
	size_t len = 0;

	(void)arg;
	if (!isatty(STDIN_FILENO)) {
		int qlen = hc_range_clamp_int(strcspn(question, "\n"));

		return set_err(err, HC_E_CANCEL,
			       "confirmation needed and there is no terminal (%.*s); nothing changed: pass --yes to answer yes",
			       qlen, question);
	}
	print_lines(question, " [y/N] ");
	fflush(stderr);
	if (read_line_fd(STDIN_FILENO, answer, sizeof(answer), &len) != 0)
		len = 0;
	if (len > 0 &&
	    (strcmp(answer, "y") == 0 || strcmp(answer, "Y") == 0 ||
	     strcmp(answer, "yes") == 0 || strcmp(answer, "YES") == 0))
		return 1;
	return set_err(err, HC_E_CANCEL, "cancelled at the confirmation");
}

void
prompt_notice(void *arg, const char *text)
{
	(void)arg;
	print_lines(text, "\n");
}
