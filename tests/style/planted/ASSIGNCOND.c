static int
f(int a)
{
	int b;

	if ((b = a) > 1)
		return b;
	return 0;
}
