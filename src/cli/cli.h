/* cli.h - what the command files share (the binary, not the library) */
#ifndef HC_CLI_CLI_H
#define HC_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "hsmcert.h"

enum cli_format {
	FMT_DEFAULT,
	FMT_TABLE,
	FMT_LIST,
	FMT_JSON,
	FMT_TEXT,
	FMT_HTML
};

/** The most repeatable options (OPT_LIST) one command has. */
#define CLI_MAX_LISTS 4

/** A command's run: the global options and what cli_parse found. */
struct cli {
	hc_ctx_opts opts;
	enum cli_format format;
	const char *format_arg;
	int quiet;
	int help;
	const char *cmd;		/**< argv[0], the command's name */
	char **args;			/**< the operands, after cli_parse */
	size_t nargs;
	int status;			/**< exit status when cli_parse stops */
	void *lists[CLI_MAX_LISTS];	/**< OPT_LIST arrays; cli_finish
					     frees them */
	size_t nlists;
};

/*
 * One option table per command, as git's struct option arrays: each entry
 * holds an option's name (without "--"), its value's name (NULL for none),
 * its help and where its value goes. cli_parse parses by it and prints
 * --help from it; `hsmcert --dump-options` prints every table for the man
 * page and completion generators. The global options are one table too
 * (options.c); a command names one of them with OPT_NOTE only to give its
 * own help for it.
 */
enum cli_kind {
	CLI_END,
	CLI_OPERAND,	/* not an option: "ID" (exactly one; several entries:
			   one of them), "ID..." (any number), "[ID]"
			   (one or none) */
	CLI_NOTE,	/* a global option: this command's help for it */
	CLI_SET,	/* --name: *(int *)target = value */
	CLI_STRING,	/* --name ARG: *(const char **)target = ARG */
	CLI_LIST,	/* --name ARG, repeatable: appended to the array
			   *target, its length in *count */
	CLI_NUMBER,	/* --name N: *(long *)target, N in [min, max] */
	CLI_CALL,	/* --name ARG: fn(target, ARG): 0, or -1 after
			   printing the error */
};

/* CLI_STRING flags */
#define CLI_REQUIRED	1	/* "--NAME is required" when missing */
#define CLI_ONCE	2	/* "--NAME is given twice" */

struct cli_opt {
	enum cli_kind kind;
	const char *name;
	const char *arg;
	const char *help;
	void *target;
	int value;		/* CLI_SET */
	int flags;		/* CLI_STRING: CLI_REQUIRED, CLI_ONCE */
	size_t *count;		/* CLI_LIST */
	int *seen;		/* CLI_NUMBER: set to 1 when given, or NULL */
	long min, max;		/* CLI_NUMBER */
	int (*fn)(void *target, const char *arg);	/* CLI_CALL */
};

/* p as a pointer of type t: a compile error when it is not one */
#define CLI_PTR(t, p) (1 ? (p) : (t)NULL)

#define OPT_END { .kind = CLI_END }
#define OPT_OPERAND(n, h) { .kind = CLI_OPERAND, .name = (n), .help = (h) }
#define OPT_NOTE(n, h) { .kind = CLI_NOTE, .name = (n), .help = (h) }
#define OPT_SET(n, p, v, h) { .kind = CLI_SET, .name = (n), .help = (h), \
	.target = CLI_PTR(int *, p), .value = (v) }
#define OPT_FLAG(n, p, h) OPT_SET(n, p, 1, h)
#define OPT_STRING_F(n, a, p, f, h) { .kind = CLI_STRING, .name = (n), \
	.arg = (a), .help = (h), .target = CLI_PTR(const char **, p), \
	.flags = (f) }
#define OPT_STRING(n, a, p, h) OPT_STRING_F(n, a, p, 0, h)
#define OPT_LIST(n, a, p, cnt, h) { .kind = CLI_LIST, .name = (n), \
	.arg = (a), .help = (h), .target = CLI_PTR(const char *const **, p), \
	.count = CLI_PTR(size_t *, cnt) }
#define OPT_NUMBER(n, a, p, seen_, lo, hi, h) { .kind = CLI_NUMBER, \
	.name = (n), .arg = (a), .help = (h), .target = CLI_PTR(long *, p), \
	.seen = CLI_PTR(int *, seen_), .min = (lo), .max = (hi) }
#define OPT_CALL(n, a, p, f, h) { .kind = CLI_CALL, .name = (n), .arg = (a), \
	.help = (h), .target = (p), .fn = (f) }

/**
 * The name options of new, request and names (one table): --subject
 * (subject_flags: CLI_REQUIRED for new and request), --domain,
 * --include-autodiscover, --include-accepted-domains, --plan, into the
 * hc_new_req req points at.
 */
#define CLI_NAME_OPTIONS(req, subject_flags) \
	OPT_STRING_F("subject", "DN", &(req)->subject, \
		     (subject_flags) | CLI_ONCE, \
		     "X.500 DN, e.g. \"C=US, S=Ontario, O=Tailspintoys, CN=mail.tailspintoys.ca\""), \
	OPT_LIST("domain", "NAME[,NAME...]", &(req)->domains, \
		 &(req)->ndomains, "subject alternative names (repeatable)"), \
	OPT_FLAG("include-autodiscover", &(req)->include_autodiscover, \
		 "add autodiscover.D for each name's domain D"), \
	OPT_FLAG("include-accepted-domains", &(req)->include_accepted, \
		 "add [names] accepted-domains"), \
	OPT_STRING("plan", "FILE", &(req)->plan, \
		   "the namespace plan the names must match (names: exit 5 when not)")

/** The key options of new and request: --key, --friendly-name, --exportable. */
#define CLI_KEY_OPTIONS(req) \
	OPT_STRING("key", "SPEC", &(req)->key, \
		   "rsa:2048 (default), rsa:3072, rsa:4096, ec:p256, ec:p384"), \
	OPT_STRING("friendly-name", "TEXT", &(req)->friendly_name, \
		   "token label, <= 64 characters (default: the CN)"), \
	OPT_FLAG("exportable", &(req)->exportable, \
		 "the private key may be exported later (default: never)")

/**
 * Parse a command's words (argv[0] its name) by its table opts and the
 * global options, in SPEC section 10's way: every option word names an
 * option exactly (no abbreviations; an unknown one is named in the
 * error), has a value when it needs one and none when it takes none, and
 * "--" ends the options. Options and operands may come in any order.
 * Then --help prints the usage, and the operands and required options are
 * checked. Returns 0 to go on (g->args, g->nargs: the operands; argv is
 * reordered; the command ends with cli_finish), or -1 to stop with
 * g->status: 0 after --help or --dump-options, else after printing the
 * error (a usage error: 2); nothing is left to free then.
 */
int cli_parse(struct cli *g, const struct cli_opt *opts, int argc,
	      char **argv);

/**
 * main.c: an option word before the command. 0 when it is exactly a
 * global option (or --version, --help, -h, --dump-options); -1, after
 * printing an error naming it, when not.
 */
int cli_global_check(const char *arg);

/** Does this global option take a value? (for main.c's scan) */
int cli_global_takes_arg(const char *arg);

/** The global options, one "  --NAME ARG   help" line each (main.c). */
void cli_help_globals(FILE *f);

/**
 * --dump-options: the global options as lines "*<TAB>--NAME<TAB>ARG<TAB>
 * HELP" (ARG empty for a flag); each command's table follows from
 * cli_parse with its name in the first field (README "Options").
 */
void cli_dump_globals(FILE *f);

/** Free what cli_parse kept (cli_finish and cli_refuse do). */
void cli_release(struct cli *g);

/** Print "hsmcert: error: MSG" and return code (2 for usage errors). */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * A usage error found after cli_parse: print it with "(see hsmcert help
 * CMD)", release what cli_parse kept, return HC_E_USAGE.
 */
int cli_refuse(struct cli *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Make the context for g's command: configuration, secret and
 * confirmation callbacks. NULL with err set.
 */
hc_ctx *cli_ctx_new(struct cli *g, hc_err *err);

/**
 * hsmcert --version (version.c): hsmcert, OpenSSL, and what the PKCS#11
 * module of --module or the configuration says of itself (C_GetInfo), or
 * why it could not be loaded. Returns 0 either way.
 */
int cli_version(int argc, char **argv);

/**
 * Print the collected warnings and the error, if any, free the context
 * and what cli_parse kept, and return the exit status.
 */
int cli_finish(struct cli *g, hc_ctx *ctx, const hc_err *err);

/* prompt.c */
int prompt_secret(void *arg, const char *what, const char *source,
		  hc_secret **out, hc_err *err);
int prompt_confirm(void *arg, const char *question, hc_err *err);
void prompt_notice(void *arg, const char *text);

/*
 * render*.c: the only place that prints results. render.c the shared
 * escaping, messages, blobs and strings; render_entry.c certificates;
 * render_ops.c what the other commands did; render_report.c the report.
 */
int render_entries(const struct cli *g, const hc_entry_list *l);
int render_entry(const struct cli *g, const hc_entry *e);
/** One certificate as a JSON object (render_entry.c). */
struct json_t *render_entry_json(const hc_entry *e);
/** One certificate in the list format on stdout (render_entry.c). */
void render_list_entry(const hc_entry *e);
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
/** The report's timeline as one inline SVG element (render_timeline.c). */
void render_timeline_svg(const hc_report *r, time_t now);
int render_import(const struct cli *g, const hc_import_result *r);
int render_due(const struct cli *g, const hc_due_result *r);
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
/** Print s escaped on stdout, padded with spaces to width columns. */
void render_pad(const char *s, size_t width);
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
