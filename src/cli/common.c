/* common.c - global options, usage text, context set-up, exit status */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const struct option global_options[] = {
	CLI_GLOBAL_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/*
 * The option of longopts that arg ("--name" or "--name=VALUE") names
 * exactly, or NULL. getopt_long would also take a unique abbreviation
 * ("--pin" for "--pin-source"): SPEC section 10 says never.
 */
static const struct option *
exact_option(const struct option *longopts, const char *arg)
{
	const struct option *o;
	size_t len;

	if (arg[0] != '-' || arg[1] != '-')
		return NULL;
	len = strcspn(arg + 2, "=");
	for (o = longopts; o->name != NULL; o++)
		if (strlen(o->name) == len &&
		    strncmp(o->name, arg + 2, len) == 0)
			return o;
	return NULL;
}

/*
 * "unknown option '--pin'", with the options it abbreviates as a hint.
 * Only the name is shown, never a value after '=' (it may be a secret).
 */
static int
unknown_option(const char *cmd, const struct option *longopts,
	       const char *arg)
{
	const struct option *o;
	char hint[256] = "";
	size_t len, used = 0;
	int n, matches = 0;

	if (arg[1] != '-') {
		/* no short options: "-x", of "-xVALUE" only the letter */
		return cli_usage_error(cmd, "unknown option '%.2s'", arg);
	}
	len = strcspn(arg, "=");
	for (o = longopts; len > 2 && o->name != NULL; o++) {
		if (strncmp(o->name, arg + 2, len - 2) != 0)
			continue;
		n = snprintf(hint + used, sizeof(hint) - used, "%s--%s",
			     matches++ ? ", " : "", o->name);
		if (n < 0 || (size_t)n >= sizeof(hint) - used)
			break;
		used += (size_t)n;
	}
	if (matches > 0)
		return cli_usage_error(cmd, "unknown option '%.*s' (options are not abbreviated: %s%s?)",
				       (int)len, arg,
				       matches == 1 ? "did you mean " : "one of ",
				       hint);
	return cli_usage_error(cmd, "unknown option '%.*s'", (int)len, arg);
}

/*
 * Check every option word before getopt_long sees one: exact names, a
 * value where one is needed and none where none is. The words getopt
 * takes as options are the same whatever order it permutes them in.
 */
static int
check_option_words(int argc, char **argv, const struct option *longopts)
{
	const struct option *o;
	const char *a;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		o = exact_option(longopts, a);
		if (o == NULL)
			return unknown_option(argv[0], longopts, a);
		if (o->has_arg == no_argument && strchr(a, '=') != NULL)
			return cli_usage_error(argv[0],
					       "option '--%s' does not take a value",
					       o->name);
		if (o->has_arg == required_argument && strchr(a, '=') == NULL) {
			if (i + 1 >= argc)
				return cli_usage_error(argv[0],
						       "option '--%s' requires a value",
						       o->name);
			i++;
		}
	}
	return 0;
}

int
cli_getopt(int argc, char **argv, const struct option *longopts)
{
	int c;

	/* the first call checks them all */
	if (optind <= 1 &&
	    check_option_words(argc, argv, longopts) != 0)
		return '?';
	opterr = 0;
	c = getopt_long(argc, argv, "", longopts, NULL);
	if (c == '?' || c == ':') {
		/* not reached after the check; said in case it ever is */
		cli_usage_error(argv[0], "bad option '%s'",
				optind > 1 && optind <= argc ?
				argv[optind - 1] : "?");
		return '?';
	}
	return c;
}

int
cli_global_takes_arg(const char *arg)
{
	const struct option *o = exact_option(global_options, arg);

	return o != NULL && o->has_arg == required_argument;
}

int
cli_global_check(const char *arg)
{
	if (strcmp(arg, "--version") == 0 || strcmp(arg, "--help") == 0 ||
	    strcmp(arg, "-h") == 0 || exact_option(global_options, arg) != NULL)
		return 0;
	unknown_option(NULL, global_options, arg);
	return -1;
}

int
cli_global(struct cli *g, int c, const char *arg)
{
	switch (c) {
	case OPT_CONFIG:
		g->opts.config = arg;
		return 1;
	case OPT_MODULE:
		g->opts.module = arg;
		return 1;
	case OPT_TOKEN:
		g->opts.token = arg;
		return 1;
	case OPT_PIN_SOURCE:
		g->opts.pin_source = arg;
		return 1;
	case OPT_FORMAT:
		g->format_arg = arg;
		if (strcmp(arg, "table") == 0)
			g->format = FMT_TABLE;
		else if (strcmp(arg, "list") == 0)
			g->format = FMT_LIST;
		else if (strcmp(arg, "json") == 0)
			g->format = FMT_JSON;
		else if (strcmp(arg, "text") == 0)
			g->format = FMT_TEXT;
		else if (strcmp(arg, "html") == 0)
			g->format = FMT_HTML;
		else {
			cli_usage_error(NULL,
					"--format: unknown format '%s' (table, list, json, text, html)",
					arg);
			return -1;
		}
		return 1;
	case OPT_YES:
		g->opts.assume_yes = 1;
		return 1;
	case OPT_QUIET:
		g->quiet = 1;
		return 1;
	case OPT_VERBOSE:
		g->opts.verbose = 1;
		return 1;
	case OPT_HELP:
		g->help = 1;
		return 1;
	case OPT_PIN_FINAL_TRY:
		g->opts.pin_final_try = 1;
		return 1;
	case OPT_PIN_RETRY:
		g->opts.pin_retry = 1;
		return 1;
	default:
		return 0;
	}
}

void
cli_usage(FILE *f, const char *synopsis, const struct cli_usage *u)
{
	fprintf(f, "usage: %s\n", synopsis);
	if (u != NULL && u->opt != NULL) {
		fprintf(f, "\nOptions:\n");
		for (; u->opt != NULL; u++)
			fprintf(f, "  %-28s %s\n", u->opt, u->text);
	}
	fprintf(f, "\nGlobal options: --config FILE, --module PATH, --token LABEL|URI,\n"
		   "  --pin-source env:VAR|file:PATH|fd:N|prompt, --format FMT, --yes,\n"
		   "  --quiet, --verbose, --pin-final-try, --pin-retry (see hsmcert --help)\n");
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	render_error(msg);
	if (cmd != NULL)
		fprintf(stderr, "(see hsmcert help %s)\n", cmd);
	return HC_E_USAGE;
}

hc_ctx *
cli_ctx_new(struct cli *g, const char *command, hc_err *err)
{
	hc_ctx *ctx;

	g->opts.interactive = isatty(STDIN_FILENO);
	ctx = hc_ctx_new(&g->opts, err);
	if (ctx == NULL)
		return NULL;
	hc_ctx_set_command(ctx, command);
	hc_ctx_set_secret_cb(ctx, prompt_secret, NULL);
	hc_ctx_set_confirm_cb(ctx, prompt_confirm, NULL);
	if (!g->quiet)
		hc_ctx_set_notice_cb(ctx, prompt_notice, NULL);
	return ctx;
}

int
cli_finish(struct cli *g, hc_ctx *ctx, const hc_err *err)
{
	size_t i;

	/* --quiet silences results, never warnings */
	(void)g;
	if (ctx != NULL)
		for (i = 0; i < hc_ctx_warning_count(ctx); i++)
			render_warning(hc_ctx_warning(ctx, i));
	if (err->code != HC_OK)
		render_error(err->msg);
	hc_ctx_free(ctx);
	return err->code;
}

int
cli_name_option(hc_new_req *req, const char **domains, int c, const char *arg)
{
	switch (c) {
	case OPT_SUBJECT:
		if (req->subject != NULL) {
			cli_usage_error(NULL, "--subject is given twice");
			return -1;
		}
		req->subject = arg;
		return 1;
	case OPT_DOMAIN:
		domains[req->ndomains++] = arg;
		return 1;
	case OPT_AUTODISCOVER:
		req->include_autodiscover = 1;
		return 1;
	case OPT_ACCEPTED:
		req->include_accepted = 1;
		return 1;
	case OPT_PLAN:
		req->plan = arg;
		return 1;
	default:
		return 0;
	}
}
