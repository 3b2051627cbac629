/* render_ops.c - what import, enable, remove, lock, verify, audit did */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"

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

static const char *
check_word(enum hc_check_result r)
{
	switch (r) {
	case HC_CHECK_OK:
		return "ok";
	case HC_CHECK_WARN:
		return "warn";
	case HC_CHECK_FAIL:
		return "FAIL";
	}
	return "?";
}

int
render_checks(const struct cli *g, const hc_entry *e, const hc_check_list *l)
{
	size_t i, fails = 0, warns = 0;

	for (i = 0; i < l->n; i++) {
		fails += l->v[i].result == HC_CHECK_FAIL;
		warns += l->v[i].result == HC_CHECK_WARN;
	}
	if (g->format == FMT_JSON) {
		json_t *o = json_object(), *a = json_array();

		for (i = 0; i < l->n; i++) {
			json_t *c = json_object();
			const char *word = check_word(l->v[i].result);

			json_object_set_new(c, "Check", jstr(l->v[i].name));
			json_object_set_new(c, "Result", json_string(word));
			json_object_set_new(c, "Reason", jstr(l->v[i].reason));
			json_array_append_new(a, c);
		}
		json_object_set_new(o, "Thumbprint", jstr(e->thumbprint));
		json_object_set_new(o, "Subject", jstr(e->subject));
		json_object_set_new(o, "Passed", json_boolean(fails == 0));
		json_object_set_new(o, "Checks", a);
		return print_json(o);
	}
	printf("Verifying %s  ", e->thumbprint);
	render_text(stdout, e->subject);
	putchar('\n');
	for (i = 0; i < l->n; i++) {
		printf("  %-4s  ", check_word(l->v[i].result));
		render_pad(l->v[i].name, 12);
		putchar(' ');
		render_text(stdout, l->v[i].reason);
		putchar('\n');
	}
	printf("%zu check%s: %zu failed, %zu warning%s\n", l->n,
	       l->n == 1 ? "" : "s", fails, warns, warns == 1 ? "" : "s");
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_import(const struct cli *g, const hc_import_result *r)
{
	size_t i;

	if (g->format == FMT_JSON) {
		json_t *o = json_object(), *a = json_array();

		for (i = 0; i < r->ca_thumbprints.n; i++)
			json_array_append_new(a, jstr(r->ca_thumbprints.v[i]));
		json_object_set_new(o, "Completed", json_boolean(r->completed));
		json_object_set_new(o, "KeyImported",
				    json_boolean(r->key_imported));
		json_object_set_new(o, "CertificateStored",
				    json_boolean(r->leaf_stored));
		json_object_set_new(o, "CaCertificatesAdded", a);
		json_object_set_new(o, "NothingChanged",
				    json_boolean(r->nothing_changed));
		json_object_set_new(o, "Certificate", r->has_entry ?
				    render_entry_json(&r->entry) : json_null());
		return print_json(o);
	}
	if (g->quiet)
		return 0;
	if (r->nothing_changed)
		printf("Already present: nothing changed.\n");
	if (r->key_imported)
		printf("Imported key %s and certificate %s onto the token.\n",
		       r->entry.key_id, r->entry.thumbprint);
	else if (r->completed)
		printf("Completed the pending request %s: certificate %s stored beside its key.\n",
		       r->entry.key_id, r->entry.thumbprint);
	else if (r->leaf_stored)
		printf("Stored certificate %s beside its key %s.\n",
		       r->entry.thumbprint, r->entry.key_id);
	for (i = 0; i < r->ca_thumbprints.n; i++)
		printf("Stored CA certificate %s.\n", r->ca_thumbprints.v[i]);
	if (r->ca_present > 0)
		printf("%zu CA certificate%s already on the token.\n",
		       r->ca_present, r->ca_present == 1 ? " was" : "s were");
	if (r->has_entry) {
		putchar('\n');
		render_list_entry(&r->entry);
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_locked(const struct cli *g, const hc_entry *e, int changed)
{
	if (g->format == FMT_JSON)
		return print_json(render_entry_json(e));
	if (g->quiet)
		return 0;
	printf("%s: %s\n", e->thumbprint, changed ?
	       "the key is now permanently non-exportable" :
	       "the key was not exportable: nothing changed");
	printf("%-21s: ", "KeyProvenance");
	render_text(stdout, e->key_provenance);
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_removed(const struct cli *g, const hc_strings *removed)
{
	size_t i;

	if (g->format == FMT_JSON)
		return render_strings(g, removed);
	if (g->quiet)
		return 0;
	for (i = 0; i < removed->n; i++) {
		fputs("Removed ", stdout);
		render_text(stdout, removed->v[i]);
		fputs(" (archived)\n", stdout);
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_bound(const struct cli *g, const char *id, const hc_strings *changed,
	     int enable)
{
	size_t i;

	if (g->format == FMT_JSON)
		return render_strings(g, changed);
	if (g->quiet)
		return 0;
	if (changed->n == 0) {
		printf("Nothing changed.\n");
		return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
	}
	printf("%s ", enable ? "Bound" : "Unbound");
	for (i = 0; i < changed->n; i++) {
		fputs(i ? ", " : "", stdout);
		render_text(stdout, changed->v[i]);
	}
	printf(" %s ", enable ? "to" : "from");
	render_text(stdout, id);
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_audit(const struct cli *g, const hc_audit_records *l)
{
	size_t i;

	if (g->format == FMT_JSON) {
		json_t *a = json_array();

		for (i = 0; i < l->n; i++) {
			const hc_audit_record *r = &l->v[i];
			json_t *o = json_object();

			json_object_set_new(o, "seq",
					    json_integer((json_int_t)r->seq));
			json_object_set_new(o, "time", jstr(r->time));
			json_object_set_new(o, "user", jstr(r->user));
			json_object_set_new(o, "host", jstr(r->host));
			json_object_set_new(o, "command", jstr(r->command));
			json_object_set_new(o, "target", jstr(r->target));
			json_object_set_new(o, "result", jstr(r->result));
			json_object_set_new(o, "detail", jstr(r->detail));
			json_array_append_new(a, o);
		}
		return print_json(a);
	}
	printf("%6s  %-20s  %-12s  %-9s  %-40s  %-6s  %s\n", "Seq", "Time",
	       "User", "Command", "Target", "Result", "Detail");
	for (i = 0; i < l->n; i++) {
		const hc_audit_record *r = &l->v[i];

		/* every field as the log has it: the file may be forged */
		printf("%6llu  ", r->seq);
		render_pad(r->time, 20);
		fputs("  ", stdout);
		render_pad(r->user, 12);
		fputs("  ", stdout);
		render_pad(r->command, 9);
		fputs("  ", stdout);
		render_pad(r->target, 40);
		fputs("  ", stdout);
		render_pad(r->result, 6);
		fputs("  ", stdout);
		render_text(stdout, r->detail);
		putchar('\n');
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_audit_status(const struct cli *g, const hc_audit_status *st)
{
	if (g->format == FMT_JSON) {
		json_t *o = json_object();

		json_object_set_new(o, "Log", jstr(st->path));
		json_object_set_new(o, "Valid", json_boolean(st->ok));
		json_object_set_new(o, "Lines",
				    json_integer((json_int_t)st->lines));
		json_object_set_new(o, "LastSeq",
				    json_integer((json_int_t)st->last_seq));
		json_object_set_new(o, "TokenHeadSeq",
				    json_integer((json_int_t)st->head_seq));
		json_object_set_new(o, "FirstBadLine", st->ok ? json_null() :
				    json_integer((json_int_t)st->bad_line));
		json_object_set_new(o, "Problem", st->ok ? json_null() :
				    jstr(st->problem));
		if (st->reset_seq > 0) {
			json_t *r = json_object();
			json_int_t seq = (json_int_t)st->reset_seq;
			json_int_t from = (json_int_t)st->gap_from;
			json_int_t to = (json_int_t)st->gap_to;

			json_object_set_new(r, "Seq", json_integer(seq));
			json_object_set_new(r, "Time", jstr(st->reset_time));
			json_object_set_new(r, "User", jstr(st->reset_user));
			json_object_set_new(r, "GapFrom", st->gap_from ?
					    json_integer(from) : json_null());
			json_object_set_new(r, "GapTo", st->gap_from ?
					    json_integer(to) : json_null());
			json_object_set_new(r, "Detail",
					    jstr(st->reset_detail));
			json_object_set_new(o, "Reset", r);
		} else {
			json_object_set_new(o, "Reset", json_null());
		}
		return print_json(o);
	}
	render_text(stdout, st->path);
	if (st->ok && st->reset_seq > 0) {
		printf(": %zu line%s, chain intact since the audit reset at seq %llu (",
		       st->lines, st->lines == 1 ? "" : "s", st->reset_seq);
		render_text(stdout, st->reset_time);
		fputs(" by ", stdout);
		render_text(stdout, st->reset_user);
		printf("), last seq %llu matches the head kept on the token (seq %llu)\n",
		       st->last_seq, st->head_seq);
	} else if (st->ok) {
		printf(": %zu line%s, chain intact, last seq %llu matches the head kept on the token (seq %llu)\n",
		       st->lines, st->lines == 1 ? "" : "s", st->last_seq,
		       st->head_seq);
	} else {
		printf(": FAILED at line %zu: ", st->bad_line);
		render_text(stdout, st->problem);
		putchar('\n');
	}
	if (st->reset_seq > 0) {
		fputs("gap: ", stdout);
		render_text(stdout, st->reset_detail);
		putchar('\n');
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

/* renew --due: the JSON array each state fills */
static const char *const due_keys[] = {
	[HC_DUE_RENEWED] = "Renewed",
	[HC_DUE_REQUESTED] = "Requested",
	[HC_DUE_PENDING] = "Pending",
	[HC_DUE_SUPERSEDED] = "Superseded",
	[HC_DUE_NOT_DUE] = "NotDue",
	[HC_DUE_FAILED] = "Failed",
};

static json_t *
due_item_json(const hc_due_item *d)
{
	json_t *o = json_object();
	char ra[21];

	json_object_set_new(o, "Thumbprint", json_string(d->thumbprint));
	json_object_set_new(o, "Enrollment", json_string(d->enrollment));
	if (d->new_id[0] != '\0')
		json_object_set_new(o, "New", json_string(d->new_id));
	hc_rfc3339((long long)d->renew_after, ra);
	json_object_set_new(o, "RenewAfter", json_string(ra));
	if (d->reason != NULL)
		json_object_set_new(o, "Reason", jstr(d->reason));
	return o;
}

static void
due_line(const hc_due_item *d, int dry_run)
{
	char ra[21];

	switch (d->state) {
	case HC_DUE_RENEWED:
		if (dry_run)
			printf("would renew %s (%s)\n", d->thumbprint,
			       d->enrollment);
		else
			printf("renewed %s -> %s\n", d->thumbprint, d->new_id);
		break;
	case HC_DUE_REQUESTED:
		if (dry_run)
			printf("would request %s\n", d->thumbprint);
		else
			printf("requested %s -> %s\n", d->thumbprint,
			       d->new_id);
		break;
	case HC_DUE_PENDING:
		printf("pending %s -> %s\n", d->thumbprint, d->new_id);
		break;
	case HC_DUE_SUPERSEDED:
		printf("superseded %s by %s\n", d->thumbprint, d->new_id);
		break;
	case HC_DUE_NOT_DUE:
		hc_rfc3339((long long)d->renew_after, ra);
		printf("not due %s (renews after %s)\n", d->thumbprint, ra);
		break;
	case HC_DUE_FAILED:
		printf("failed %s: ", d->thumbprint);
		render_text(stdout, d->reason != NULL ? d->reason : "");
		putchar('\n');
		break;
	}
}

int
render_due(const struct cli *g, const hc_due_result *r)
{
	size_t i, k;

	if (g->format == FMT_JSON) {
		json_t *o = json_object();

		json_object_set_new(o, "DryRun", json_boolean(r->dry_run));
		for (k = 0; k < sizeof(due_keys) / sizeof(due_keys[0]); k++) {
			json_t *a = json_array();

			for (i = 0; i < r->n; i++)
				if ((size_t)r->v[i].state == k)
					json_array_append_new(a,
						due_item_json(&r->v[i]));
			json_object_set_new(o, due_keys[k], a);
		}
		return print_json(o);
	}
	/* --quiet: the failures only (a timer's journal keeps those) */
	for (i = 0; i < r->n; i++)
		if (!g->quiet || r->v[i].state == HC_DUE_FAILED)
			due_line(&r->v[i], r->dry_run);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}
