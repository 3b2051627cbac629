static int
f(void)
{
	return 0; // zero
}
