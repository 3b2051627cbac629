/* store_int.h - what store.c and store_records.c share (internal) */
#ifndef HC_CORE_STORE_INT_H
#define HC_CORE_STORE_INT_H

#include "core/store.h"

/**
 * Sort the data objects of a scan into the store's pending requests, ACME
 * issuance records and renewal links; data is emptied (its objects move).
 */
int hc_store_split_data(struct hc_tobj_list *data, struct hc_store *s,
			hc_err *err);

/**
 * After the join: leave the ACME account key out of the items, attach
 * each ACME record to its certificate and each renewal link to its key
 * (and the certificate it renews learns what renewed it).
 */
void hc_store_attach_records(struct hc_store *s);

#endif
