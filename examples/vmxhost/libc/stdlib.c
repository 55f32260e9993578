/* vmxhost libc: qsort (a heapsort: no recursion, no extra memory). */
#include <stdlib.h>

static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned char t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

/* Moves element `root` down the heap of the first `count` elements. */
static void sift_down(unsigned char *base, size_t root, size_t count, size_t size,
		      int (*compare)(const void *, const void *))
{
	for (size_t child; (child = 2 * root + 1) < count; root = child) {
		if (child + 1 < count && compare(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (compare(base + root * size, base + child * size) >= 0)
			return;
		swap(base + root * size, base + child * size, size);
	}
}

void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
	unsigned char *b = base;

	for (size_t i = count / 2; i-- > 0;)
		sift_down(b, i, count, size, compare);
	for (size_t end = count; end-- > 1;) {
		swap(b, b + end * size, size);
		sift_down(b, 0, end, size, compare);
	}
}
