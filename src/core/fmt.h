/*
 * A small snprintf for the core, which must also build freestanding (the raw
 * VMX backend runs in ring 0 with no libc). Supports %% %c %s %d %i %u %x %X
 * %p with the flags '-', '0', '#', a width, and the length modifiers l, ll, z.
 */
#ifndef LIBVCPU_CORE_FMT_H
#define LIBVCPU_CORE_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Like C's snprintf: writes at most size - 1 characters plus a NUL and
 * returns the length the whole result would have had. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
