/* config_service.c - the [service NAME] sections of the configuration */
#include <stdlib.h>
#include <string.h>

#include "core/config_int.h"
#include "core/range.h"
#include "core/tlscheck.h"

static int
service_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > HC_SERVICE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

int
hc_config_service_begin(struct cfg_parser *ps, const char *name, size_t n)
{
	struct hc_config *cfg = ps->cfg;
	struct hc_service_conf *nsvc;
	long *nfirst;
	size_t i;

	if (n == 0)
		return hc_config_fail(ps, HC_E_USAGE,
				      "[service] needs a name: [service NAME]");
	if (!service_name_ok(name, n))
		return hc_config_fail(ps, HC_E_USAGE,
				      "invalid service name '%.*s': use 1 to %d of a-z, 0-9, '_' and '-'",
				      hc_range_clamp_int(n), name,
				      HC_SERVICE_NAME_MAX);
	/* SPEC: iis is another name for https */
	if (hc_config_span_eq(name, n, "iis")) {
		name = "https";
		n = 5;
	}
	for (i = 0; i < cfg->nservices; i++)
		if (hc_config_span_eq(name, n, cfg->services[i].name))
			return hc_config_fail(ps, HC_E_USAGE,
					      "duplicate section [%s] (first at line %ld%s)",
					      ps->sec_name, ps->svc_first[i],
					      n == 5 &&
					      memcmp(name, "https", 5) == 0 ?
					      "; iis and https are the same service" :
					      "");

	nsvc = realloc(cfg->services, (cfg->nservices + 1) * sizeof(*nsvc));
	if (nsvc == NULL)
		return hc_config_fail(ps, HC_E_FAIL, "out of memory");
	cfg->services = nsvc;
	nfirst = realloc(ps->svc_first, (cfg->nservices + 1) * sizeof(*nfirst));
	if (nfirst == NULL)
		return hc_config_fail(ps, HC_E_FAIL, "out of memory");
	ps->svc_first = nfirst;
	memset(&nsvc[cfg->nservices], 0, sizeof(*nsvc));
	nsvc[cfg->nservices].name = strndup(name, n);
	if (nsvc[cfg->nservices].name == NULL)
		return hc_config_fail(ps, HC_E_FAIL, "out of memory");
	nfirst[cfg->nservices] = ps->lineno;
	ps->svc = cfg->nservices++;
	ps->sec = SEC_SERVICE;
	return 1;
}

const struct hc_service_conf *
hc_config_service(const struct hc_config *cfg, const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	if (hc_strcaseeq(name, "iis"))
		name = "https";
	for (i = 0; i < cfg->nservices; i++)
		if (hc_strcaseeq(cfg->services[i].name, name))
			return &cfg->services[i];
	return NULL;
}

int
hc_config_service_set(struct cfg_parser *ps, enum cfg_key key,
		      const char *value)
{
	struct hc_service_conf *svc = &ps->cfg->services[ps->svc];

	if (key == CK_CHECK) {
		if (hc_tlscheck_parse("check", value, NULL, &ps->err) != 0)
			return hc_config_fail_set(ps);
		return hc_config_take(ps, &svc->check, strdup(value));
	}
	if (hc_tlscheck_sni_check(value, &ps->err) != 0)
		return hc_config_fail_set(ps);
	return hc_config_take(ps, &svc->check_name, strdup(value));
}
