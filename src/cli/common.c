/* common.c - usage errors, context set-up, exit status */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"

static int
vusage_error(const char *cmd, const char *fmt, va_list ap)
{
	char msg[512];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	render_error(msg);
	if (cmd != NULL)
		fprintf(stderr, "(see hsmcert help %s)\n", cmd);
	return HC_E_USAGE;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vusage_error(cmd, fmt, ap);
	va_end(ap);
	return r;
}

int
cli_refuse(struct cli *g, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vusage_error(g->cmd, fmt, ap);
	va_end(ap);
	cli_release(g);
	return r;
}

hc_ctx *
cli_ctx_new(struct cli *g, hc_err *err)
{
	hc_ctx *ctx;

	g->opts.interactive = isatty(STDIN_FILENO);
	ctx = hc_ctx_new(&g->opts, err);
	if (ctx == NULL)
		return NULL;
	hc_ctx_set_command(ctx, g->cmd);
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
	if (ctx != NULL)
		for (i = 0; i < hc_ctx_warning_count(ctx); i++)
			render_warning(hc_ctx_warning(ctx, i));
	if (err->code != HC_OK)
		render_error(err->msg);
	hc_ctx_free(ctx);
	cli_release(g);
	return err->code;
}
