/* common.c - global options, usage text, context set-up, exit status */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char *const global_with_arg[] = {
	"--config", "--module", "--token", "--pin-source", "--format", NULL
};

int
cli_global_takes_arg(const char *arg)
{
	size_t i;

	for (i = 0; global_with_arg[i] != NULL; i++)
		if (strcmp(arg, global_with_arg[i]) == 0)
			return 1;
	return 0;
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
