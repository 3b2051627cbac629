/* version.c - hsmcert --version: hsmcert, the OpenSSL it runs with, and
 * the PKCS#11 module it would load (C_GetInfo, as `pkcs11-tool -I` shows)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"

/* The value of a global option, "--name VALUE" or "--name=VALUE", or NULL. */
static const char *
global_value(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], name, n) != 0)
			continue;
		if (argv[i][n] == '=')
			return argv[i] + n + 1;
		if (argv[i][n] == '\0' && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

int
cli_version(int argc, char **argv)
{
	hc_ctx_opts opts;
	hc_module_info mi;
	hc_ctx *ctx;
	hc_err err = { 0 };

	printf("hsmcert %s\n", HC_VERSION);
	/* the OpenSSL it runs with, as OpenSSL names it */
	printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
	memset(&opts, 0, sizeof(opts));
	opts.config = global_value(argc, argv, "--config");
	opts.module = global_value(argc, argv, "--module");
	fflush(stdout);
	ctx = hc_ctx_new(&opts, &err);
	if (ctx == NULL) {
		/* still say what the module of --module or the default is */
		printf("configuration not read: ");
		render_text(stdout, err.msg);
		printf(" (the module below is %s)\n",
		       opts.module != NULL ? "--module's" :
					     "the built-in default");
		memset(&err, 0, sizeof(err));
		opts.config = "/dev/null";
		ctx = hc_ctx_new(&opts, &err);
		if (ctx == NULL) {
			printf("PKCS#11 module: not loaded: ");
			render_text(stdout, err.msg);
			printf("\n");
			return 0;
		}
	}
	if (hc_ctx_module_info(ctx, &mi, &err) != 0) {
		printf("PKCS#11 module ");
		render_text(stdout, mi.path);
		printf(": could not be loaded: ");
		render_text(stdout, err.msg);
		printf("\n");
		hc_ctx_free(ctx);
		return 0;
	}
	/* the words and order of pkcs11-tool -I */
	printf("PKCS#11 module ");
	render_text(stdout, mi.path);
	printf("\n  Cryptoki version %s\n  Manufacturer     ",
	       mi.cryptoki_version);
	render_text(stdout, mi.manufacturer);
	printf("\n  Library          ");
	render_text(stdout, mi.description);
	printf(" (ver %s)\n", mi.library_version);
	hc_ctx_free(ctx);
	return 0;
}
