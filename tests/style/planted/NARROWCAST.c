#include <stddef.h>

static int
f(size_t n)
{
	return (int)n;
}
