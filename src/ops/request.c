/* request.c - a key pair on the token and a PKCS#10 request for a CA */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/x509.h"
#include "ops/new.h"
#include "ops/ops.h"

void
hc_blob_release(hc_blob *b)
{
	if (b == NULL)
		return;
	OPENSSL_clear_free(b->data, b->len);
	b->data = NULL;
	b->len = 0;
}

/* Encode the request; write --out before the objects are committed. */
int
hc_request_output(struct hc_request_out *ro, X509_REQ *req, hc_err *err)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char *pem = NULL;
	hc_blob b = { NULL, 0 };
	int ret = -1;

	if (ro->der) {
		if (hc_x509_req_der(req, &der, &len, err) != 0)
			goto out;
		b.data = der;
		b.len = len;
		der = NULL;
	} else {
		pem = hc_x509_req_to_pem(req, err);
		if (pem == NULL)
			goto out;
		b.len = strlen(pem);
		b.data = (unsigned char *)pem;
		pem = NULL;
	}
	if (ro->out != NULL) {
		if (hc_file_write_atomic(ro->out, b.data, b.len, 0644,
					 ro->force, err) != 0)
			goto out;
	} else {
		*ro->csr = b;
		b.data = NULL;
		b.len = 0;
	}
	ret = 0;
out:
	free(der);
	free(pem);
	hc_blob_release(&b);
	return ret;
}

static int
do_request(hc_ctx *ctx, const hc_new_req *req, hc_entry *out, hc_blob *csr,
	   hc_err *err)
{
	struct hc_subject_plan sp;
	struct hc_create c;
	struct hc_create_txn t;
	struct hc_request_out ro = { req->out, req->der, req->force, csr };
	int ret = -1;

	memset(&sp, 0, sizeof(sp));
	memset(&c, 0, sizeof(c));
	memset(&t, 0, sizeof(t));
	if (req->services != NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "--services: a request has no certificate to bind yet (enable it once completed)");
		goto out;
	}
	if (req->out != NULL && !req->force && hc_file_exists(req->out)) {
		hc_err_set(err, HC_E_USAGE,
			   "%s exists; use --force to overwrite it", req->out);
		goto out;
	}
	if (hc_prepare_new(ctx, req, 1, &sp, &c, err) != 0)
		goto out;
	if (hc_create_begin(ctx, &c, &t, err) != 0 ||
	    hc_describe_made(ctx, t.tx.tok, &t.made, out, err) != 0)
		goto out;
	/* --out is written before the objects are kept */
	if (hc_request_output(&ro, t.made.req, err) != 0) {
		hc_entry_release(out);
		goto out;
	}
	hc_create_commit(&t);
	ret = 0;
out:
	hc_create_abort(&t);
	X509_NAME_free(c.owned_name);
	hc_subject_plan_release(&sp);
	return ret;
}

int
hc_request(hc_ctx *ctx, const hc_new_req *req, hc_entry *out, hc_blob *csr,
	   hc_err *err)
{
	char detail[512] = "";
	int r = do_request(ctx, req, out, csr, err);

	if (r == 0)
		hc_new_detail(out, detail, sizeof(detail));
	hc_audit_op(ctx, "request", r == 0 ? out->key_id : req->subject, err,
		    detail);
	return r;
}
