/* prompt.c - secret sources (env:, file:, fd:, prompt) and y/N questions
 *
 * A secret never comes from the command line. Every buffer that held one is
 * wiped with OPENSSL_cleanse on every path.
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

#define SECRET_MAX 1024

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

/* Read up to the first newline (or EOF) from fd into buf. */
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

static int
read_tty(const char *what, char *buf, size_t cap, size_t *len, hc_err *err)
{
	struct termios old, noecho;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int r, restore = 0;
	ssize_t w;

	if (fd < 0)
		return set_err(err, HC_E_USAGE,
			       "%s: no terminal to ask on; set a pin-source (env:VAR, file:PATH or fd:N)",
			       what);
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
	r = read_line_fd(fd, buf, cap, len);
	if (restore && tcsetattr(fd, TCSAFLUSH, &old) != 0)
		r = -1;
	w = write(fd, "\n", 1);
	(void)w;
	close(fd);
	if (r != 0)
		return set_err(err, HC_E_USAGE, "%s: cannot read from the terminal", what);
	return 0;
}

int
prompt_secret(void *arg, const char *what, const char *source,
	      hc_secret **out, hc_err *err)
{
	char buf[SECRET_MAX];
	size_t len = 0;
	int ret = -1, r;

	(void)arg;
	if (source == NULL) {
		if (!isatty(STDIN_FILENO)) {
			set_err(err, HC_E_USAGE,
				"%s: no pin-source configured and no terminal: set [token] pin-source or --pin-source (env:VAR, file:PATH, fd:N)",
				what);
			goto out;
		}
		source = "prompt";
	}
	if (strncmp(source, "env:", 4) == 0) {
		const char *v = getenv(source + 4);

		if (source[4] == '\0' || v == NULL) {
			set_err(err, HC_E_USAGE,
				"%s: the environment variable %s is not set",
				what, source + 4);
			goto out;
		}
		len = strlen(v);
		if (len >= sizeof(buf)) {
			set_err(err, HC_E_USAGE, "%s: %s is too long", what,
				source);
			goto out;
		}
		memcpy(buf, v, len + 1);
	} else if (strncmp(source, "file:", 5) == 0) {
		int fd = open(source + 5, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			set_err(err, HC_E_USAGE, "%s: cannot read %s", what,
				source);
			goto out;
		}
		r = read_line_fd(fd, buf, sizeof(buf), &len);
		close(fd);
		if (r != 0) {
			set_err(err, HC_E_USAGE, "%s: cannot read %s", what,
				source);
			goto out;
		}
	} else if (strncmp(source, "fd:", 3) == 0) {
		char *end = NULL;
		long fdn;

		errno = 0;
		fdn = strtol(source + 3, &end, 10);
		if (errno != 0 || end == source + 3 || *end != '\0' || fdn < 0 ||
		    fdn > 65535) {
			set_err(err, HC_E_USAGE, "%s: invalid source %s", what,
				source);
			goto out;
		}
		if (read_line_fd((int)fdn, buf, sizeof(buf), &len) != 0) {
			set_err(err, HC_E_USAGE, "%s: cannot read %s", what,
				source);
			goto out;
		}
	} else if (strcmp(source, "prompt") == 0) {
		if (read_tty(what, buf, sizeof(buf), &len, err) != 0)
			goto out;
	} else {
		set_err(err, HC_E_USAGE,
			"%s: unknown source '%s' (use env:VAR, file:PATH, fd:N or prompt)",
			what, source);
		goto out;
	}
	if (len == 0) {
		set_err(err, HC_E_USAGE, "%s: %s gave an empty value", what,
			source);
		goto out;
	}
	*out = hc_secret_new(buf, len, err);
	if (*out != NULL)
		ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

int
prompt_confirm(void *arg, const char *question, hc_err *err)
{
	char answer[16];
	size_t len = 0;

	(void)arg;
	if (!isatty(STDIN_FILENO)) {
		int qlen = (int)strcspn(question, "\n");

		return set_err(err, HC_E_CANCEL,
			       "confirmation needed and there is no terminal (%.*s); nothing changed: pass --yes to answer yes",
			       qlen, question);
	}
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (read_line_fd(STDIN_FILENO, answer, sizeof(answer), &len) != 0)
		len = 0;
	if (len > 0 && (strcmp(answer, "y") == 0 || strcmp(answer, "Y") == 0 ||
			strcmp(answer, "yes") == 0 || strcmp(answer, "YES") == 0))
		return 1;
	return set_err(err, HC_E_CANCEL, "cancelled at the confirmation");
}

void
prompt_notice(void *arg, const char *text)
{
	(void)arg;
	fprintf(stderr, "%s\n", text);
}
