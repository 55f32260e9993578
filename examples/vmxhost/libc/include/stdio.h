/* vmxhost libc: formatted output into buffers only, by libvcpu's formatter
 * (src/core/fmt.h says which conversions it knows). */
#ifndef VMXHOST_STDIO_H
#define VMXHOST_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
