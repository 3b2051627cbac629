/* render_timeline.c - the report's timeline: one inline SVG, no script
 *
 * One bar per certificate from NotBefore to NotAfter, coloured by its
 * expiry band, its renewal point (RenewAfter) marked with a tick, today as
 * a vertical line. The axis runs from 90 days before today to 15 months
 * after it (months by name, a year by its number), so a 47-day
 * certificate is as readable as a 5-year one; a bar
 * that runs past an edge ends in an arrow. Prints as it shows (no hover,
 * colours kept with print-color-adjust).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

#define TL_WIDTH 1100		/* the whole drawing */
#define TL_LABEL 300		/* the names on the left */
#define TL_ROW 20
#define TL_TOP 28		/* the month labels */
#define TL_BEFORE (90L * 86400L)
#define TL_AFTER (457L * 86400L)

static const char *
band_fill(enum hc_band b)
{
	switch (b) {
	case HC_BAND_OK:
		return "#5cb85c";
	case HC_BAND_SOON:
		return "#f0ad4e";
	case HC_BAND_URGENT:
		return "#d9534f";
	case HC_BAND_EXPIRED:
	case HC_BAND_NA:
		break;
	}
	return "#999";
}

/* x of time t on the axis [lo, hi], clamped to it */
static double
tl_x(time_t t, time_t lo, time_t hi)
{
	double w = TL_WIDTH - TL_LABEL - 10;

	if (t < lo)
		t = lo;
	if (t > hi)
		t = hi;
	return TL_LABEL + w * (double)(t - lo) / (double)(hi - lo);
}

/* the month ticks and their labels (the first of each month, UTC) */
static void
tl_axis(time_t lo, time_t hi, int height)
{
	struct tm c;
	time_t m;
	char label[16];

	for (m = lo - lo % 86400; m <= hi; m += 86400) {
		if (m < lo || gmtime_r(&m, &c) == NULL || c.tm_mday != 1)
			continue;
		strftime(label, sizeof(label), c.tm_mon == 0 ? "%Y" : "%b", &c);
		printf("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
		       "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#555\">%s</text>\n",
		       tl_x(m, lo, hi), TL_TOP - 6, tl_x(m, lo, hi), height,
		       tl_x(m, lo, hi) + 2, TL_TOP - 10, label);
	}
}

/* the left-hand label: friendly name (or subject), thumbprint prefix */
static void
tl_label(const hc_entry *e, int y)
{
	const char *name = e->friendly_name != NULL && *e->friendly_name ?
				   e->friendly_name :
			   e->subject != NULL ? e->subject :
						"";
	char shortname[40];

	if (strlen(name) > 32)
		snprintf(shortname, sizeof(shortname), "%.30s...", name);
	else
		snprintf(shortname, sizeof(shortname), "%s", name);
	printf("<text x=\"4\" y=\"%d\" font-size=\"12\">", y + 14);
	render_html(stdout, shortname);
	printf(" <tspan font-family=\"monospace\" fill=\"#555\">%.8s</tspan></text>\n",
	       e->thumbprint);
}

static void
tl_bar(const hc_entry *e, time_t now, time_t lo, time_t hi, int y)
{
	enum hc_band b = hc_expiry_band(e, now);
	double x0 = tl_x(e->not_before, lo, hi),
	       x1 = tl_x(e->not_after, lo, hi);

	if (x1 - x0 < 2)
		x1 = x0 + 2;
	printf("<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"12\" rx=\"2\" fill=\"%s\"%s/>\n",
	       x0, y + 4, x1 - x0, band_fill(b),
	       e->renewed_by[0] != '\0' ? " fill-opacity=\"0.45\"" : "");
	if (e->not_before < lo)
		printf("<path d=\"M%.1f %d l6 -6 v12 z\" fill=\"#333\"/>\n",
		       (double)TL_LABEL, y + 10);
	if (e->not_after > hi)
		printf("<path d=\"M%.1f %d l-6 -6 v12 z\" fill=\"#333\"/>\n",
		       (double)(TL_WIDTH - 10), y + 10);
	if (e->has_renew_after && e->renew_after >= lo && e->renew_after <= hi)
		printf("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" stroke-width=\"2\"/>"
		       "<path d=\"M%.1f %d l-4 -5 h8 z\" fill=\"#000\"/>\n",
		       tl_x(e->renew_after, lo, hi), y + 1,
		       tl_x(e->renew_after, lo, hi), y + 19,
		       tl_x(e->renew_after, lo, hi), y + 4);
}

void
render_timeline_svg(const hc_report *r, time_t now)
{
	time_t lo = now - TL_BEFORE, hi = now + TL_AFTER;
	size_t i;
	int height, y, rows = 0;

	for (i = 0; i < r->entries.n; i++)
		if (r->entries.v[i].kind == HC_KIND_CERT &&
		    r->entries.v[i].has_dates)
			rows++;
	if (rows == 0) {
		printf("<p>No certificate to draw.</p>\n");
		return;
	}
	height = TL_TOP + rows * TL_ROW + 4;
	printf("<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
	       "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
	       "aria-label=\"validity of each certificate, its renewal point and today\">\n",
	       TL_WIDTH, height);
	tl_axis(lo, hi, height);
	y = TL_TOP;
	for (i = 0; i < r->entries.n; i++) {
		const hc_entry *e = &r->entries.v[i];

		if (e->kind != HC_KIND_CERT || !e->has_dates)
			continue;
		if ((y - TL_TOP) / TL_ROW % 2 == 1)
			printf("<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>\n",
			       y, TL_WIDTH, TL_ROW);
		tl_label(e, y);
		tl_bar(e, now, lo, hi, y);
		y += TL_ROW;
	}
	printf("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#06c\" stroke-width=\"2\"/>"
	       "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#06c\">today</text>\n",
	       tl_x(now, lo, hi), TL_TOP - 4, tl_x(now, lo, hi), height,
	       tl_x(now, lo, hi) + 3, height - 2);
	printf("</svg>\n<p class=\"meta\">Each bar runs from NotBefore to NotAfter "
	       "(colour: expiry band; faded: renewed already); the black tick "
	       "is when <code>renew --due</code> renews it (RenewAfter); the blue "
	       "line is today. The axis spans 90 days back to 15 months ahead; "
	       "an arrow marks a bar that runs past it.</p>\n");
}
