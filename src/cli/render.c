/* render.c - escaping, messages, blobs and strings: shared by render_*.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/utf8.h"

/*
 * Showing text that came from the token or a file (SPEC section 10): a
 * label, a subject, an audit line or a reload's output may hold bytes a
 * terminal obeys. esc_next() is the one place that decides what is shown
 * as it is and what as \xHH; text, HTML, JSON and messages all use it.
 */
enum esc_mode {
	ESC_TEXT,	/* every control character and bad byte as \xHH */
	ESC_MSG,	/* the same, but newlines and tabs stay (messages) */
	ESC_JSON,	/* bad bytes only: JSON escapes controls itself */
};

#define ESC_MAX 17	/* "\xc2\x9b" and more: 4 bytes * 4 + NUL */

/*
 * The next character of s as it is shown: as it is when it is printable
 * UTF-8, else \xHH for each of its bytes: C0 controls, DEL, the C1
 * controls U+0080-U+009F (as their two UTF-8 bytes), and any byte that
 * does not start a valid UTF-8 sequence (alone). Writes the text to out,
 * returns how many bytes of s it stands for (0 at the end of s).
 */
static size_t
esc_next(const unsigned char *s, enum esc_mode mode, char out[ESC_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = hc_utf8_seq((const char *)s), i;
	int control;

	if (*s == '\0') {
		out[0] = '\0';
		return 0;
	}
	control = (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) ||
		  (n == 2 && s[0] == 0xc2 && s[1] <= 0x9f);
	if (mode == ESC_JSON)
		control = 0;
	if (mode == ESC_MSG && (s[0] == '\n' || s[0] == '\t'))
		control = 0;
	if (n > 0 && !control) {
		memcpy(out, s, n);
		out[n] = '\0';
		return n;
	}
	if (n == 0)
		n = 1;
	for (i = 0; i < n; i++) {
		out[4 * i] = '\\';
		out[4 * i + 1] = 'x';
		out[4 * i + 2] = hex[s[i] >> 4];
		out[4 * i + 3] = hex[s[i] & 0xf];
	}
	out[4 * n] = '\0';
	return n;
}

static void
put_esc(FILE *f, const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX];
	size_t n;

	while (p != NULL && (n = esc_next(p, mode, buf)) > 0) {
		fputs(buf, f);
		p += n;
	}
}

void
render_text(FILE *f, const char *s)
{
	put_esc(f, s, ESC_TEXT);
}

size_t
render_text_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX];
	size_t n, len = 0;

	while (p != NULL && (n = esc_next(p, ESC_TEXT, buf)) > 0) {
		len += strlen(buf);
		p += n;
	}
	return len;
}

/* s shown in a column of width bytes, left-aligned as "%-*s" would. */
void
render_pad(const char *s, size_t width)
{
	size_t len = render_text_len(s);

	render_text(stdout, s);
	for (; len < width; len++)
		putchar(' ');
}

static char *
escape_mode(const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX], *out;
	size_t n, used = 0;

	if (s == NULL)
		return NULL;
	/* at most four bytes shown for each byte */
	out = malloc(4 * strlen(s) + 1);
	if (out == NULL)
		return NULL;
	while ((n = esc_next(p, mode, buf)) > 0) {
		memcpy(out + used, buf, strlen(buf));
		used += strlen(buf);
		p += n;
	}
	out[used] = '\0';
	return out;
}

char *
render_escape(const char *s)
{
	return escape_mode(s, ESC_TEXT);
}

void
render_html(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX];
	size_t n;

	while (p != NULL && (n = esc_next(p, ESC_TEXT, buf)) > 0) {
		p += n;
		switch (buf[0]) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* a character, or \xHH: nothing HTML reads */
			fputs(buf, f);
		}
	}
}

json_t *
render_json_str(const char *s)
{
	json_t *j;
	char *fixed;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j != NULL)
		return j;
	/* not UTF-8: its bad bytes as the text \xHH, as the table shows them */
	fixed = escape_mode(s, ESC_JSON);
	j = fixed != NULL ? json_string(fixed) : NULL;
	free(fixed);
	return j != NULL ? j : json_null();
}

int
render_json_print(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	const unsigned char *p;
	int ret = HC_E_FAIL;

	json_decref(j);
	if (text == NULL)
		return HC_E_FAIL;
	/*
	 * jansson writes C0 controls as \u00XX but DEL and the C1 controls
	 * as they are; they occur only inside strings, where \u escapes
	 * mean the same characters.
	 */
	p = (const unsigned char *)text;
	while (*p != '\0') {
		size_t run = 0;

		while (p[run] != '\0' && p[run] != 0x7f &&
		       !(p[run] == 0xc2 && p[run + 1] >= 0x80 &&
			 p[run + 1] <= 0x9f))
			run++;
		fwrite(p, 1, run, stdout);
		p += run;
		if (*p == 0x7f) {
			fputs("\\u007F", stdout);
			p++;
		} else if (*p != '\0') {
			printf("\\u%04X", p[1]);
			p += 2;
		}
	}
	putchar('\n');
	if (fflush(stdout) == 0 && !ferror(stdout))
		ret = 0;
	free(text);
	return ret;
}

/*
 * A message on stderr: control characters escaped; a line it continues on
 * is indented, so no text inside it can pass for a line of hsmcert's own.
 */
static void
put_message(const char *prefix, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;
	char buf[ESC_MAX];
	size_t n;

	fputs(prefix, stderr);
	while (p != NULL && (n = esc_next(p, ESC_MSG, buf)) > 0) {
		p += n;
		fputs(buf, stderr);
		if (buf[0] == '\n' && *p != ' ' && *p != '\t' && *p != '\0')
			fputs("  ", stderr);
	}
	fputc('\n', stderr);
}

void
render_warning(const char *msg)
{
	put_message("hsmcert: warning: ", msg);
}

void
render_error(const char *msg)
{
	put_message("hsmcert: error: ", msg);
}

/* a string from the token, a file or the user: null for NULL */
static json_t *
jstr(const char *s)
{
	return render_json_str(s);
}

static int
print_json(json_t *j)
{
	return render_json_print(j);
}

int
render_blob(const hc_blob *b)
{
	if (fwrite(b->data, 1, b->len, stdout) != b->len)
		return HC_E_FAIL;
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_strings(const struct cli *g, const hc_strings *s)
{
	size_t i;

	if (g->format == FMT_JSON) {
		json_t *a = json_array();

		for (i = 0; i < s->n; i++)
			json_array_append_new(a, jstr(s->v[i]));
		return print_json(a);
	}
	for (i = 0; i < s->n; i++) {
		render_text(stdout, s->v[i]);
		putchar('\n');
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_written(const struct cli *g, const char *path)
{
	if (g->quiet)
		return 0;
	fputs("Wrote ", stdout);
	render_text(stdout, path);
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}
