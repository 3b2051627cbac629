/* cli.h - what the command files share (the binary, not the library) */
#ifndef HC_CLI_CLI_H
#define HC_CLI_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "hsmcert.h"

/* Global options (SPEC section 2), accepted before or after the command. */
enum {
	OPT_CONFIG = 0x1000, OPT_MODULE, OPT_TOKEN, OPT_PIN_SOURCE,
	OPT_FORMAT, OPT_YES, OPT_QUIET, OPT_VERBOSE, OPT_HELP,
	OPT_PIN_FINAL_TRY, OPT_PIN_RETRY,
	/* the name options of new, request and names */
	OPT_SUBJECT = 0x1080, OPT_DOMAIN, OPT_AUTODISCOVER, OPT_ACCEPTED,
	OPT_PLAN,
	OPT_CMD_BASE = 0x1100,	/* a command's own long options start here */
};

#define CLI_NAME_OPTIONS \
	{ "subject", required_argument, NULL, OPT_SUBJECT }, \
	{ "domain", required_argument, NULL, OPT_DOMAIN }, \
	{ "include-autodiscover", no_argument, NULL, OPT_AUTODISCOVER }, \
	{ "include-accepted-domains", no_argument, NULL, OPT_ACCEPTED }, \
	{ "plan", required_argument, NULL, OPT_PLAN }

/**
 * Handle a name option into req (domains: an array of argc entries that
 * req->domains will point at). Returns 1 when c was one, 0 when not, -1
 * (after printing the error) for --subject given twice.
 */
int cli_name_option(hc_new_req *req, const char **domains, int c,
		    const char *arg);

#define CLI_GLOBAL_OPTIONS \
	{ "config", required_argument, NULL, OPT_CONFIG }, \
	{ "module", required_argument, NULL, OPT_MODULE }, \
	{ "token", required_argument, NULL, OPT_TOKEN }, \
	{ "pin-source", required_argument, NULL, OPT_PIN_SOURCE }, \
	{ "format", required_argument, NULL, OPT_FORMAT }, \
	{ "yes", no_argument, NULL, OPT_YES }, \
	{ "quiet", no_argument, NULL, OPT_QUIET }, \
	{ "verbose", no_argument, NULL, OPT_VERBOSE }, \
	{ "help", no_argument, NULL, OPT_HELP }, \
	{ "pin-final-try", no_argument, NULL, OPT_PIN_FINAL_TRY }, \
	{ "pin-retry", no_argument, NULL, OPT_PIN_RETRY }

/** Does this global option take a value? (for main.c's scan) */
int cli_global_takes_arg(const char *arg);

enum cli_format { FMT_DEFAULT, FMT_TABLE, FMT_LIST, FMT_JSON, FMT_TEXT, FMT_HTML };

struct cli {
	hc_ctx_opts opts;
	enum cli_format format;
	const char *format_arg;
	int quiet;
	int help;
};

/** One line of a command's usage. */
struct cli_usage {
	const char *opt;
	const char *text;
};

/**
 * Handle a global option. Returns 1 when c was one, 0 when it was not,
 * -1 (after printing the error) for a bad value.
 */
int cli_global(struct cli *g, int c, const char *arg);

/** Print usage: synopsis, the command's options, then the global ones. */
void cli_usage(FILE *f, const char *synopsis, const struct cli_usage *u);

/** Print "hsmcert: error: MSG" and return code (2 for usage errors). */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * getopt_long for every command, without abbreviations (SPEC section 10):
 * on its first call every option word must name one of longopts exactly
 * ("--pin" is not "--pin-source"), have a value when it needs one and none
 * when it takes none; "--" ends the options. Returns the option's value,
 * -1 at the end, or '?' after printing an error that names the option.
 */
int cli_getopt(int argc, char **argv, const struct option *longopts);

/**
 * main.c: an option word before the command. 0 when it is exactly a
 * global option (or --version, --help, -h); -1, after printing an error
 * naming it, when not.
 */
int cli_global_check(const char *arg);

/**
 * Make the context for a command: configuration, secret and confirmation
 * callbacks. NULL with err set.
 */
hc_ctx *cli_ctx_new(struct cli *g, const char *command, hc_err *err);

/**
 * Print the collected warnings and the error, if any, free the context,
 * and return the exit status.
 */
int cli_finish(struct cli *g, hc_ctx *ctx, const hc_err *err);

/* prompt.c */
int prompt_secret(void *arg, const char *what, const char *source,
		  hc_secret **out, hc_err *err);
int prompt_confirm(void *arg, const char *question, hc_err *err);
void prompt_notice(void *arg, const char *text);

/* render.c: the only place that prints results */
int render_entries(const struct cli *g, const hc_entry_list *l);
int render_entry(const struct cli *g, const hc_entry *e);
int render_blob(const hc_blob *b);
int render_strings(const struct cli *g, const hc_strings *s);
int render_written(const struct cli *g, const char *path);
int render_locked(const struct cli *g, const hc_entry *e, int changed);
int render_removed(const struct cli *g, const hc_strings *removed);
int render_bound(const struct cli *g, const char *id,
		 const hc_strings *changed, int enable);
int render_audit(const struct cli *g, const hc_audit_records *l);
int render_audit_status(const struct cli *g, const hc_audit_status *st);
int render_report(const struct cli *g, const hc_report *r);
int render_import(const struct cli *g, const hc_import_result *r);
int render_checks(const struct cli *g, const hc_entry *e,
		  const hc_check_list *l);
int render_request_written(const struct cli *g, const hc_entry *e,
			   const char *path);
void render_warning(const char *msg);
void render_error(const char *msg);

/*
 * Text from the token, a file or the user as it is shown (SPEC section
 * 10): control characters (C0, DEL, C1) and bytes that are not UTF-8 as
 * \xHH, everything else as it is. One rule for every format.
 */
/** Print s so escaped (NULL prints nothing). */
void render_text(FILE *f, const char *s);
/** How many bytes render_text prints for s (column widths). */
size_t render_text_len(const char *s);
/** s so escaped, a new string the caller frees (NULL for NULL or no memory). */
char *render_escape(const char *s);
/** s HTML-escaped and so escaped. */
void render_html(FILE *f, const char *s);
/**
 * A JSON string for s: JSON's own \u00XX for control characters (DEL and
 * C1 too, see render_json_print), bytes that are not UTF-8 as the text
 * \xHH; null for NULL.
 */
struct json_t *render_json_str(const char *s);
/** Print j (taking it) on stdout, controls as \u00XX; 0 or HC_E_FAIL. */
int render_json_print(struct json_t *j);

/* the commands */
int cmd_new(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_request(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_renew(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_enable(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_disable(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_complete(int argc, char **argv);
int cmd_acme(int argc, char **argv);
/** request --acme (cmd_acme.c) */
int cli_request_acme(const struct cli *g, hc_ctx *ctx, const hc_new_req *req,
		     hc_err *err);

#endif
