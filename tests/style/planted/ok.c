/* what the rules allow: tests/style/checksrc.pl must pass this file */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

static int
next(const char *p)
{
	return *p;
}

static int
f(const char *p, size_t n)
{
	int c, k = 0;

	/* the read-loop idiom */
	while ((c = next(p)) > 0 && k < 3)
		k++;
	for (k = 0; k < 2; k++)
		c += (int)sizeof(long) + (int)INT_MAX + (int)'a' + (int)-1;
	printf("%s",
	       "a message that is kept whole so that grep finds it, however long it is\n");
	/* see https://example.org/a/very/long/address/that/cannot/be/split/at/all/x */
	return c + (n > 0) + sizeof(int);
}

static void
g(void)
{
	printf("a message that is kept whole so that grep finds it, however long it is: %d\n",
	       1);
}

#define LONG_MESSAGE "a message that is kept whole so that grep finds it, however long"

static const char *
h(int x)
{
	return x ?
	       "a message that is kept whole so that grep finds it, however long" :
	       "a message that is kept whole so that grep finds it, however long it is";
}
