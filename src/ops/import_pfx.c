/* import_pfx.c - a PFX from another server: key, certificate and chain */
#include "core/error.h"
#include "ops/ops.h"

int
hc_import_pkcs12(hc_ctx *ctx, const hc_import_req *req,
		 const unsigned char *buf, size_t len, hc_import_result *res,
		 hc_err *err)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)res;
	return hc_err_set(err, HC_E_USAGE,
			  "%s is a PKCS#12 (PFX): PFX import is not available in this version",
			  req->path);
}
