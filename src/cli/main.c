/* main.c - the command table, the lookup, and the exit status */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "new", cmd_new,
	  "Generate a key pair on the token and a self-signed certificate" },
	{ "request", cmd_request,
	  "Generate a key pair on the token and a certificate request" },
	{ "import", cmd_import,
	  "Import a CA's answer, CA certificates or a PFX" },
	{ "complete", cmd_complete,
	  "Complete a pending request with the CA's answer" },
	{ "list", cmd_list,
	  "List certificates, pending requests and orphan keys" },
	{ "show", cmd_show,
	  "Show every field of one certificate, request or key" },
	{ "enable", cmd_enable, "Bind a certificate to services on this host" },
	{ "disable", cmd_disable, "Unbind a certificate from services" },
	{ "export", cmd_export,
	  "Export a PFX (exportable keys only), a chain or a request" },
	{ "remove", cmd_remove,
	  "Archive and delete certificates, requests and keys" },
	{ "renew", cmd_renew,
	  "A new key and certificate (or request) with the old one's properties" },
	{ "verify", cmd_verify,
	  "Check a certificate before and after a change window" },
	{ "names", cmd_names,
	  "Print and lint the name list a request would carry" },
	{ "lock", cmd_lock,
	  "Make an exportable key permanently non-exportable" },
	{ "audit", cmd_audit, "Show or verify the tamper-evident audit log" },
	{ "report", cmd_report,
	  "Compliance report of every key and certificate" },
	{ "acme", cmd_acme,
	  "ACME account: register or show (request --acme orders)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * The hidden --dump-options: every option table as tab-separated lines
 * (README "Options"), for the man page and completion generators.
 */
static int
dump_options(void)
{
	size_t i;
	int rc = 0;

	cli_dump_globals(stdout);
	for (i = 0; i < NCOMMANDS && rc == 0; i++) {
		char *dargv[] = { (char *)commands[i].name,
				  (char *)"--dump-options", NULL };

		rc = commands[i].fn(2, dargv);
	}
	return rc;
}

static void
main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hsmcert [global options] COMMAND [options]\n\n"
		   "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "  %-10s %s\n", "help", "Show the usage of a command");
	fprintf(f, "\nGlobal options (before or after the command):\n");
	cli_help_globals(f);
	fprintf(f,
		"\nExit codes: 0 ok, 1 failure, 2 usage/input, 3 not found, 4 denied,\n"
		"5 verification failed, 6 PIN error, 7 cancelled.\n");
}

/*
 * SPEC section 10: a PIN or password must not land in a core dump or be
 * read by another process of this user. No core file (RLIMIT_CORE 0, hard
 * limit too, so nothing in this process raises it again), not dumpable
 * (which also closes /proc/PID/mem and environ and ptrace to processes
 * without CAP_SYS_PTRACE), and the secrets in OpenSSL's secure heap:
 * mmap'ed, mlock'ed where RLIMIT_MEMLOCK allows (init returns 2 when it
 * does not: still a separate, guarded, never-dumped arena), wiped on free.
 * 32 KiB holds many times the few secrets of one command (each at most
 * HC_SECRET_MAX + 1 bytes). Any failure here stops the program: exit 1.
 */
static void
harden_process(void)
{
	const struct rlimit no_core = { 0, 0 };
	const char *what = NULL;
	int e = 0;

	if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
		what = "disable core dumps (RLIMIT_CORE)";
		e = errno;
	} else if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		what = "make the process non-dumpable (PR_SET_DUMPABLE)";
		e = errno;
	} else if (CRYPTO_secure_malloc_init(32768, 16) == 0 ||
		   !CRYPTO_secure_malloc_initialized()) {
		what = "set up OpenSSL's secure heap for secrets (mmap)";
	}
	if (what == NULL)
		return;
	fprintf(stderr, "hsmcert: error: cannot %s%s%s; nothing was done\n",
		what, e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
	exit(HC_E_FAIL);
}

int
main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	char **nargv = NULL;
	int i, cmdpos = -1, nargc = 0, rc;

	harden_process();
	/*
	 * No openssl.cnf: an engine configured there for a consumer (the
	 * pkcs11 engine for nginx, with its PIN) must not be loaded into
	 * hsmcert, which talks to the token itself.
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	/* the command is the first word that is not a global option's */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (argv[i][0] == '-') {
			/* exact names here too: "--pin x list" is refused */
			if (cli_global_check(argv[i]) != 0)
				exit(HC_E_USAGE);
			if (strchr(argv[i], '=') == NULL &&
			    cli_global_takes_arg(argv[i]))
				i++;
			continue;
		}
		cmdpos = i;
		break;
	}
	if (cmdpos < 0) {
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--version") == 0) {
				exit(cli_version(argc, argv));
			}
			if (strcmp(argv[i], "--dump-options") == 0)
				exit(dump_options());
			if (strcmp(argv[i], "--help") == 0 ||
			    strcmp(argv[i], "-h") == 0) {
				main_usage(stdout);
				exit(0);
			}
		}
		main_usage(stderr);
		exit(HC_E_USAGE);
	}
	if (strcmp(argv[cmdpos], "help") == 0) {
		if (cmdpos + 1 >= argc) {
			main_usage(stdout);
			exit(0);
		}
		cmd = find_command(argv[cmdpos + 1]);
		if (cmd == NULL) {
			fprintf(stderr,
				"hsmcert: error: unknown command '%s'\n",
				argv[cmdpos + 1]);
			exit(HC_E_USAGE);
		}
		{
			char *hargv[] = { (char *)cmd->name, (char *)"--help",
					  NULL };

			exit(cmd->fn(2, hargv));
		}
	}
	cmd = find_command(argv[cmdpos]);
	if (cmd == NULL) {
		fprintf(stderr,
			"hsmcert: error: unknown command '%s' (see hsmcert --help)\n",
			argv[cmdpos]);
		exit(HC_E_USAGE);
	}
	nargv = calloc((size_t)argc + 1, sizeof(*nargv));
	if (nargv == NULL) {
		fprintf(stderr, "hsmcert: error: out of memory\n");
		exit(HC_E_FAIL);
	}
	nargv[nargc++] = argv[cmdpos];
	for (i = 1; i < argc; i++)
		if (i != cmdpos)
			nargv[nargc++] = argv[i];
	rc = cmd->fn(nargc, nargv);
	free(nargv);
	if (rc < 0 || rc > HC_E_CANCEL)
		rc = HC_E_FAIL;
	exit(rc);
}
