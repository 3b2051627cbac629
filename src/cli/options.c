/* options.c - the option tables: parse, --help and --dump-options */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/range.h"

static int
set_format(void *target, const char *arg)
{
	static const char *const names[] = {
		[FMT_TABLE] = "table", [FMT_LIST] = "list", [FMT_JSON] = "json",
		[FMT_TEXT] = "text", [FMT_HTML] = "html",
	};
	struct cli *g = target;
	size_t i;

	for (i = FMT_TABLE; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(arg, names[i]) == 0) {
			g->format = (enum cli_format)i;
			g->format_arg = arg;
			return 0;
		}
	cli_usage_error(NULL,
			"--format: unknown format '%s' (table, list, json, text, html)",
			arg);
	return -1;
}

/* The global options (SPEC section 2), into g: the one table of them. */
#define GLOBAL_OPTIONS(g) \
	OPT_STRING("config", "FILE", &(g)->opts.config, \
		   "configuration (else $HSMCERT_CONFIG, else /etc/hsmcert/hsmcert.conf)"), \
	OPT_STRING("module", "PATH", &(g)->opts.module, "PKCS#11 module"), \
	OPT_STRING("token", "LABEL|URI", &(g)->opts.token, \
		   "token label or pkcs11: token URI"), \
	OPT_STRING("pin-source", "SRC", &(g)->opts.pin_source, \
		   "env:VAR, file:PATH, fd:N or prompt"), \
	OPT_CALL("format", "FMT", (g), set_format, \
		 "table, list or json (report: text, json or html)"), \
	OPT_FLAG("yes", &(g)->opts.assume_yes, "answer yes to confirmations"), \
	OPT_FLAG("quiet", &(g)->quiet, \
		 "no results on stdout (warnings and errors still)"), \
	OPT_FLAG("verbose", &(g)->opts.verbose, "more detail"), \
	OPT_FLAG("help", &(g)->help, "print this usage"), \
	OPT_FLAG("pin-final-try", &(g)->opts.pin_final_try, \
		 "log in even when the token reports one PIN try left"), \
	OPT_FLAG("pin-retry", &(g)->opts.pin_retry, \
		 "one try from a pin-source that gave a wrong PIN before"), \
	OPT_END

static int
is_option(const struct cli_opt *o)
{
	return o->kind != CLI_OPERAND && o->kind != CLI_NOTE;
}

/*
 * The option of the tables that arg ("--name" or "--name=VALUE") names
 * exactly, or NULL. No abbreviations: SPEC section 10.
 */
static const struct cli_opt *
find_option(const struct cli_opt *globals, const struct cli_opt *opts,
	    const char *arg)
{
	const struct cli_opt *t[2] = { globals, opts }, *o;
	size_t i, len;

	if (arg[0] != '-' || arg[1] != '-')
		return NULL;
	len = strcspn(arg + 2, "=");
	for (i = 0; i < 2; i++)
		for (o = t[i]; o != NULL && o->kind != CLI_END; o++)
			if (is_option(o) && strlen(o->name) == len &&
			    strncmp(o->name, arg + 2, len) == 0)
				return o;
	return NULL;
}

/*
 * "unknown option '--pin'", with the options it abbreviates as a hint.
 * Only the name is shown, never a value after '=' (it may be a secret).
 */
static int
unknown_option(const char *cmd, const struct cli_opt *globals,
	       const struct cli_opt *opts, const char *arg)
{
	const struct cli_opt *t[2] = { globals, opts }, *o;
	char hint[256] = "";
	size_t i, len, used = 0;
	int n, matches = 0;

	if (arg[1] != '-') {
		/* no short options: "-x", of "-xVALUE" only the letter */
		return cli_usage_error(cmd, "unknown option '%.2s'", arg);
	}
	len = strcspn(arg, "=");
	for (i = 0; i < 2; i++)
		for (o = t[i]; len > 2 && o != NULL && o->kind != CLI_END;
		     o++) {
			if (!is_option(o) ||
			    strncmp(o->name, arg + 2, len - 2) != 0)
				continue;
			n = snprintf(hint + used, sizeof(hint) - used, "%s--%s",
				     matches++ ? ", " : "", o->name);
			if (n < 0 || (size_t)n >= sizeof(hint) - used)
				break;
			used += (size_t)n;
		}
	if (matches > 0)
		return cli_usage_error(cmd,
				       "unknown option '%.*s' (options are not abbreviated: %s%s?)",
				       hc_range_clamp_int(len), arg,
				       matches == 1 ? "did you mean " :
				       "one of ", hint);
	return cli_usage_error(cmd, "unknown option '%.*s'",
			       hc_range_clamp_int(len), arg);
}

/*
 * Check every option word before any is taken: exact names, a value
 * where one is needed and none where none is.
 */
static int
check_words(int argc, char **argv, const struct cli_opt *globals,
	    const struct cli_opt *opts)
{
	const struct cli_opt *o;
	const char *a;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		o = find_option(globals, opts, a);
		if (o == NULL)
			return unknown_option(argv[0], globals, opts, a);
		if (o->arg == NULL && strchr(a, '=') != NULL)
			return cli_usage_error(argv[0],
					       "option '--%s' does not take a value",
					       o->name);
		if (o->arg != NULL && strchr(a, '=') == NULL) {
			if (i + 1 >= argc)
				return cli_usage_error(argv[0],
						       "option '--%s' requires a value",
						       o->name);
			i++;
		}
	}
	return 0;
}

/* A list option's value: the array is made at its first value. */
static int
take_list(struct cli *g, const struct cli_opt *o, const char *v, int argc)
{
	const char *const **lp = o->target;
	const char **list;

	if (*lp == NULL) {
		if (g->nlists == CLI_MAX_LISTS) {
			render_error("internal: too many list options");
			return HC_E_FAIL;
		}
		/* no more values than words */
		list = calloc((size_t)argc, sizeof(*list));
		if (list == NULL) {
			render_error("out of memory");
			return HC_E_FAIL;
		}
		g->lists[g->nlists++] = list;
		*lp = list;
	}
	list = (const char **)*lp;
	list[(*o->count)++] = v;
	return 0;
}

/*
 * Take one option's value v (NULL for a flag) as its entry says: 0, or
 * the exit status after printing the error.
 */
static int
take(struct cli *g, const struct cli_opt *o, const char *v, int argc)
{
	const char **sp = o->target;
	char what[64];
	hc_err err = { 0 };
	int n;

	switch (o->kind) {
	case CLI_SET:
		*(int *)o->target = o->value;
		return 0;
	case CLI_STRING:
		if ((o->flags & CLI_ONCE) && *sp != NULL)
			return cli_usage_error(NULL, "--%s is given twice",
					       o->name);
		*sp = v;
		return 0;
	case CLI_LIST:
		return take_list(g, o, v, argc);
	case CLI_NUMBER:
		n = snprintf(what, sizeof(what), "--%s", o->name);
		if (n < 0 || (size_t)n >= sizeof(what))
			what[0] = '\0';
		if (hc_parse_long(v, o->min, o->max, what, o->target,
				  &err) != 0) {
			render_error(err.msg);
			return err.code;
		}
		if (o->seen != NULL)
			*o->seen = 1;
		return 0;
	case CLI_CALL:
		return o->fn(o->target, v) == 0 ? 0 : HC_E_USAGE;
	case CLI_END:
	case CLI_OPERAND:
	case CLI_NOTE:
		break;
	}
	return 0;
}

/* The value's name of a global option, for a command's OPT_NOTE. */
static const char *
global_arg(const char *name)
{
	struct cli dummy;
	const struct cli_opt globals[] = { GLOBAL_OPTIONS(&dummy) }, *o;

	for (o = globals; o->kind != CLI_END; o++)
		if (strcmp(o->name, name) == 0)
			return o->arg;
	return NULL;
}

/* o's name and value as the usage shows them: "--out FILE", "ID" */
static void
spell(const struct cli_opt *o, char *buf, size_t size)
{
	const char *arg = o->kind == CLI_NOTE ? global_arg(o->name) : o->arg;
	int n;

	if (o->kind == CLI_OPERAND)
		n = snprintf(buf, size, "%s", o->name);
	else
		n = snprintf(buf, size, "--%s%s%s", o->name,
			     arg != NULL ? " " : "", arg != NULL ? arg : "");
	if (n < 0)
		buf[0] = '\0';
}

static int
noted(const struct cli_opt *opts, const char *name)
{
	for (; opts != NULL && opts->kind != CLI_END; opts++)
		if (opts->kind == CLI_NOTE && strcmp(opts->name, name) == 0)
			return 1;
	return 0;
}

static int
variadic(const char *name)
{
	size_t len = strlen(name);

	return len > 3 && strcmp(name + len - 3, "...") == 0;
}

/* one word of the synopsis, wrapped under the command's name */
static void
synopsis_word(FILE *f, const char *w, size_t indent, size_t *col)
{
	size_t len = strlen(w);

	if (*col + 1 + len > 79 && *col > indent) {
		fprintf(f, "\n%*s", hc_range_clamp_int(indent), "");
		*col = indent;
	}
	fprintf(f, " %s", w);
	*col += 1 + len;
}

/* "hsmcert CMD ID --required ARG [--opt ARG] [--list ARG]..." */
static void
synopsis(FILE *f, const char *cmd, const struct cli_opt *opts)
{
	const struct cli_opt *o;
	char w[160], sp[128];
	size_t used = 0, col = strlen("usage: hsmcert ") + strlen(cmd);
	size_t indent = col;
	int n;

	fprintf(f, "usage: hsmcert %s", cmd);
	/* the operands: "ID", "[ID...]", "show|verify|reset" */
	for (o = opts; o->kind != CLI_END; o++) {
		if (o->kind != CLI_OPERAND)
			continue;
		n = snprintf(w + used, sizeof(w) - used,
			     variadic(o->name) ? "%s[%s]" : "%s%s",
			     used > 0 ? "|" : "", o->name);
		if (n < 0 || (size_t)n >= sizeof(w) - used)
			break;
		used += (size_t)n;
	}
	if (used > 0)
		synopsis_word(f, w, indent, &col);
	for (o = opts; o->kind != CLI_END; o++) {
		if (o->kind == CLI_OPERAND)
			continue;
		spell(o, sp, sizeof(sp));
		if (o->kind == CLI_STRING && (o->flags & CLI_REQUIRED))
			n = snprintf(w, sizeof(w), "%s", sp);
		else
			n = snprintf(w, sizeof(w), "[%s]%s", sp,
				     o->kind == CLI_LIST ? "..." : "");
		if (n >= 0)
			synopsis_word(f, w, indent, &col);
	}
	fputc('\n', f);
}

/* one "  --name ARG   help" line */
static void
help_line(FILE *f, const struct cli_opt *o)
{
	char sp[128];

	spell(o, sp, sizeof(sp));
	fprintf(f, "  %-28s %s\n", sp, o->help);
}

/* the global options but those opts notes */
static void
help_globals(FILE *f, const struct cli_opt *opts)
{
	struct cli dummy;
	const struct cli_opt globals[] = { GLOBAL_OPTIONS(&dummy) }, *o;

	for (o = globals; o->kind != CLI_END; o++)
		if (!noted(opts, o->name))
			help_line(f, o);
}

void
cli_help_globals(FILE *f)
{
	help_globals(f, NULL);
}

/* --help: the synopsis, every entry of the table, the global options */
static void
usage(FILE *f, const char *cmd, const struct cli_opt *opts)
{
	const struct cli_opt *o;

	synopsis(f, cmd, opts);
	if (opts->kind != CLI_END) {
		fprintf(f, "\nOptions:\n");
		for (o = opts; o->kind != CLI_END; o++)
			help_line(f, o);
	}
	fprintf(f, "\nGlobal options (before or after the command):\n");
	help_globals(f, opts);
}

/*
 * --dump-options: "CMD<TAB>--name<TAB>ARG<TAB>help" per entry (ARG empty
 * for a flag), an operand as "CMD<TAB>ID<TAB><TAB>help".
 */
static void
dump(FILE *f, const char *cmd, const struct cli_opt *opts)
{
	const struct cli_opt *o;
	const char *arg;

	for (o = opts; o->kind != CLI_END; o++) {
		arg = o->kind == CLI_NOTE ? global_arg(o->name) : o->arg;
		fprintf(f, "%s\t%s%s\t%s\t%s\n", cmd,
			o->kind == CLI_OPERAND ? "" : "--", o->name,
			arg != NULL ? arg : "", o->help);
	}
}

void
cli_dump_globals(FILE *f)
{
	struct cli dummy;
	const struct cli_opt globals[] = { GLOBAL_OPTIONS(&dummy) };

	dump(f, "*", globals);
}

/* the operands' count: none, exactly one, or any ("ID...") */
static int
check_operands(const struct cli *g, const struct cli_opt *opts)
{
	const struct cli_opt *o;
	char alts[160];
	size_t used = 0, nalts = 0, i;
	int n;

	for (o = opts; o->kind != CLI_END; o++)
		if (o->kind == CLI_OPERAND)
			nalts++;
	if (nalts == 0)
		return g->nargs == 0 ? 0 :
		       cli_usage_error(g->cmd, "unexpected argument '%s'",
				       g->args[0]);
	for (o = opts, i = 0; o->kind != CLI_END; o++) {
		if (o->kind != CLI_OPERAND)
			continue;
		if (variadic(o->name))
			return 0;
		/* "[ID]": one operand or none (renew ID | renew --due) */
		if (o->name[0] == '[' && g->nargs <= 1)
			return 0;
		n = snprintf(alts + used, sizeof(alts) - used, "%s%s",
			     i == 0 ? "" : i + 1 == nalts ? " or " : ", ",
			     o->name);
		if (n < 0 || (size_t)n >= sizeof(alts) - used)
			break;
		used += (size_t)n;
		i++;
	}
	if (g->nargs == 1)
		return 0;
	return cli_usage_error(g->cmd, "give %s%s",
			       nalts == 1 ? "exactly one " : "", alts);
}

/* the required string options */
static int
check_required(const struct cli *g, const struct cli_opt *opts)
{
	const struct cli_opt *o;

	for (o = opts; o->kind != CLI_END; o++)
		if (o->kind == CLI_STRING && (o->flags & CLI_REQUIRED) &&
		    *(const char **)o->target == NULL)
			return cli_usage_error(g->cmd, "--%s is required",
					       o->name);
	return 0;
}

void
cli_release(struct cli *g)
{
	while (g->nlists > 0)
		free(g->lists[--g->nlists]);
}

int
cli_parse(struct cli *g, const struct cli_opt *opts, int argc, char **argv)
{
	const struct cli_opt globals[] = { GLOBAL_OPTIONS(g) }, *o;
	const char *a, *eq, *v;
	size_t n = 0;
	int i, r;

	g->cmd = argv[0];
	g->status = 0;
	if (argc == 2 && strcmp(argv[1], "--dump-options") == 0) {
		dump(stdout, g->cmd, opts);
		return -1;
	}
	g->status = HC_E_USAGE;
	if (check_words(argc, argv, globals, opts) != 0)
		return -1;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			/* the rest are operands */
			while (++i < argc)
				argv[1 + n++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			/* operands move to the front; slot 1 + n is read */
			argv[1 + n++] = argv[i];
			continue;
		}
		o = find_option(globals, opts, a);
		eq = strchr(a, '=');
		v = o->arg == NULL ? NULL : eq != NULL ? eq + 1 : argv[++i];
		r = take(g, o, v, argc);
		if (r != 0) {
			g->status = r;
			goto stop;
		}
	}
	g->args = argv + 1;
	g->nargs = n;
	if (g->help) {
		usage(stdout, g->cmd, opts);
		g->status = 0;
		goto stop;
	}
	if (check_operands(g, opts) == 0 && check_required(g, opts) == 0)
		return 0;
stop:
	cli_release(g);
	return -1;
}

int
cli_global_takes_arg(const char *arg)
{
	struct cli dummy;
	const struct cli_opt globals[] = { GLOBAL_OPTIONS(&dummy) };
	const struct cli_opt *o = find_option(globals, NULL, arg);

	return o != NULL && o->arg != NULL;
}

int
cli_global_check(const char *arg)
{
	struct cli dummy;
	const struct cli_opt globals[] = { GLOBAL_OPTIONS(&dummy) };

	if (strcmp(arg, "--version") == 0 || strcmp(arg, "--help") == 0 ||
	    strcmp(arg, "-h") == 0 || strcmp(arg, "--dump-options") == 0 ||
	    find_option(globals, NULL, arg) != NULL)
		return 0;
	unknown_option(NULL, globals, NULL, arg);
	return -1;
}
