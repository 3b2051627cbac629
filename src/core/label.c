/* label.c - the friendly name (PKCS#11 label) a user gives */
#include "error.h"
#include "label.h"
#include "utf8.h"

int
hc_label_check(const char *name, const char *what, hc_err *err)
{
	const char *p = name;
	unsigned long cp;
	long chars = 0;
	size_t n;

	while (*p != '\0') {
		n = hc_utf8_decode(p, &cp);
		if (n == 0)
			return hc_err_set(err, HC_E_USAGE,
					  "%s is not valid UTF-8", what);
		chars++;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return hc_err_set(err, HC_E_USAGE,
					  "%s holds a control character (U+%04lX at character %ld): a label must be printable",
					  what, cp, chars);
		p += n;
	}
	if (chars == 0 || chars > HC_FRIENDLY_MAX)
		return hc_err_set(err, HC_E_USAGE,
				  "%s must be 1 to %d characters (got %ld)",
				  what, HC_FRIENDLY_MAX, chars);
	return 0;
}
