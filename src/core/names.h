/* names.h - every name rule in one include (internal)
 *
 * For callers that use several of them: subject DNs (dn.h), DNS names
 * (dnsname.h), SAN lists (san.h), namespace plans (plan.h) and friendly
 * names (label.h). A caller that needs only one includes that header.
 */
#ifndef HC_CORE_NAMES_H
#define HC_CORE_NAMES_H

#include "dn.h"
#include "dnsname.h"
#include "label.h"
#include "plan.h"
#include "san.h"

#endif
