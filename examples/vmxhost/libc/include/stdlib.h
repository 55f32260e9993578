/* vmxhost libc: the <stdlib.h> functions libvcpu and Capstone use (the
 * allocator is heap.c). */
#ifndef VMXHOST_STDLIB_H
#define VMXHOST_STDLIB_H

#include <stddef.h>

void *malloc(size_t n);
void *calloc(size_t count, size_t n);
void *realloc(void *p, size_t n);
void free(void *p);
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));

#endif
