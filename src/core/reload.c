/* reload.c - running reload commands: restricted environment, own process
 * group, time limit */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/range.h"
#include "core/reload.h"

extern char **environ;

int
hc_reload_split(const char *cmd, struct hc_strlist *argv, hc_err *err)
{
	size_t len = strlen(cmd), n = 0;
	char *word = malloc(len + 1);
	int in_word = 0, quoted = 0;
	const char *p;

	if (word == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (p = cmd; ; p++) {
		if (*p == '\0' || (!quoted && (*p == ' ' || *p == '\t'))) {
			if (quoted) {
				free(word);
				return hc_err_set(err, HC_E_USAGE,
						  "reload '%s': unterminated double quote",
						  cmd);
			}
			if (in_word) {
				word[n] = '\0';
				if (hc_strlist_push(argv, word, err) != 0) {
					free(word);
					return -1;
				}
				n = 0;
				in_word = 0;
			}
			if (*p == '\0')
				break;
			continue;
		}
		in_word = 1;
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		word[n++] = *p;
	}
	free(word);
	if (argv->n == 0)
		return hc_err_set(err, HC_E_USAGE, "reload command is empty");
	return 0;
}

int
hc_reload_timeout(void)
{
	const char *v = getenv("HSMCERT_TEST_RELOAD_TIMEOUT");
	char *end;
	long t;

	/* for the tests only: it can shorten the limit, never lengthen it */
	if (v == NULL || *v == '\0')
		return HC_RELOAD_TIMEOUT;
	errno = 0;
	t = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || t < 1 || t > HC_RELOAD_TIMEOUT)
		return HC_RELOAD_TIMEOUT;
	return hc_range_clamp_int_long(t);
}

static void
env_free(char **env)
{
	size_t i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* NAME=VALUE appended to env (room was made); a NULL value is skipped */
static int
env_add(char **env, size_t *n, const char *name, const char *value)
{
	size_t nl = strlen(name), vl;

	if (value == NULL)
		return 0;
	vl = strlen(value);
	env[*n] = malloc(nl + vl + 2);
	if (env[*n] == NULL)
		return -1;
	memcpy(env[*n], name, nl);
	env[*n][nl] = '=';
	memcpy(env[*n] + nl + 1, value, vl + 1);
	(*n)++;
	return 0;
}

/*
 * The whole environment of a command hsmcert runs: PATH, LANG and LC_*
 * from ours, then what it is told. Nothing else: no secret source's
 * variable, no SOFTHSM2_CONF, no HOME.
 */
static char **
reload_env(const struct hc_reload_info *in)
{
	size_t cap = 5, n = 0, i;
	char **env;

	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		cap++;
	env = calloc(cap, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (i = 0; environ != NULL && environ[i] != NULL; i++) {
		const char *e = environ[i];

		if (strchr(e, '=') == NULL ||
		    (strncmp(e, "PATH=", 5) != 0 &&
		     strncmp(e, "LANG=", 5) != 0 && strncmp(e, "LC_", 3) != 0))
			continue;
		env[n] = strdup(e);
		if (env[n] == NULL)
			goto fail;
		n++;
	}
	if (env_add(env, &n, "HSMCERT_SERVICE", in->service) != 0 ||
	    env_add(env, &n, "HSMCERT_THUMBPRINT", in->thumbprint) != 0 ||
	    env_add(env, &n, "HSMCERT_CERT_FILE", in->cert_file) != 0 ||
	    env_add(env, &n, "HSMCERT_KEY_URI", in->key_uri) != 0)
		goto fail;
	return env;
fail:
	env_free(env);
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return (double)time(NULL);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
take_output(char *out, size_t cap, size_t *olen, const char *buf, size_t n)
{
	if (*olen + n >= cap)
		n = cap - 1 - *olen;
	memcpy(out + *olen, buf, n);
	*olen += n;
	out[*olen] = '\0';
}

int
hc_reload_run(const struct hc_reload_info *info, const char *cmd,
	      int timeout_s, hc_err *err)
{
	struct hc_strlist av = { 0 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	const char *service = info->service;
	char out[400], **env = NULL;
	size_t olen = 0;
	int pipefd[2] = { -1, -1 }, status = 0, have_fa = 0, have_attr = 0;
	int ret = -1;
	pid_t pid = -1;
	double start = now_s();

	out[0] = '\0';
	if (hc_reload_split(cmd, &av, err) != 0)
		return -1;
	env = reload_env(info);
	if (env == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (pipe(pipefd) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot run reload: %s",
			   strerror(errno));
		goto out;
	}
	if (fcntl(pipefd[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot run reload: %s",
			   strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot run reload");
		goto out;
	}
	have_fa = 1;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
					     0) ||
	    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1) ||
	    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2) ||
	    posix_spawn_file_actions_addclose(&fa, pipefd[1])) {
		hc_err_set(err, HC_E_FAIL, "cannot run reload");
		goto out;
	}
	/* its own process group: at the time limit it is killed whole */
	if (posix_spawnattr_init(&attr) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot run reload");
		goto out;
	}
	have_attr = 1;
	if (posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP) != 0 ||
	    posix_spawnattr_setpgroup(&attr, 0) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot run reload");
		goto out;
	}
	errno = posix_spawnp(&pid, av.v[0], &fa, &attr, av.v, env);
	if (errno != 0) {
		pid = -1;
		hc_err_set(err, HC_E_FAIL, "reload of %s: cannot run '%s': %s",
			   service, av.v[0], strerror(errno));
		goto out;
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	for (;;) {
		char buf[256];
		ssize_t r = read(pipefd[0], buf, sizeof(buf));
		pid_t w;

		if (r > 0) {
			take_output(out, sizeof(out), &olen, buf, (size_t)r);
			continue;
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			pid = -1;
			break;
		}
		if (now_s() - start >= (double)timeout_s) {
			/* the command and whatever it started */
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			pid = -1;
			hc_err_set(err, HC_E_FAIL,
				   "reload of %s ('%s') did not finish within %d s: its process group was killed%s%s",
				   service, cmd, timeout_s,
				   olen ? "; output: " : "", out);
			goto out;
		}
		{
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	/* drain what is left (a child it left behind may hold the pipe) */
	for (;;) {
		char buf[256];
		ssize_t r = read(pipefd[0], buf, sizeof(buf));

		if (r <= 0)
			break;
		take_output(out, sizeof(out), &olen, buf, (size_t)r);
	}
	while (olen > 0 && (out[olen - 1] == '\n' || out[olen - 1] == '\r'))
		out[--olen] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		hc_err_set(err, HC_E_FAIL,
			   "reload of %s ('%s') failed (%s %d)%s%s", service,
			   cmd, WIFEXITED(status) ? "exit status" : "signal",
			   WIFEXITED(status)   ? WEXITSTATUS(status) :
			   WIFSIGNALED(status) ? WTERMSIG(status) :
						 -1,
			   olen ? ": " : "", out);
		goto out;
	}
	ret = 0;
out:
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (have_attr)
		posix_spawnattr_destroy(&attr);
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	env_free(env);
	hc_strlist_release(&av);
	return ret;
}
