/* libvcpu - a freestanding snprintf subset; see fmt.h. */
#include <stdbool.h>
#include <stdint.h>

#include "fmt.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left && pad == ' ')
		for (; fill > 0; fill--)
			put(o, ' ');
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	for (; fill > 0; fill--)
		put(o, ' ');
}

static void put_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
		       const char *prefix, int width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, plen = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		prefix = "-";
	while (prefix && prefix[plen])
		plen++;

	int fill = width > (int)(n + plen) ? width - (int)(n + plen) : 0;

	if (!left && pad == ' ')
		for (; fill > 0; fill--)
			put(o, ' ');
	for (size_t i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!left && pad == '0')
		for (; fill > 0; fill--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	for (; fill > 0; fill--)
		put(o, ' ');
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		bool left = false, alt = false;
		char pad = ' ';
		int width = 0, lng = 0;

		for (p++; *p == '-' || *p == '0' || *p == '#'; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				pad = '0';
			else
				alt = true;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		for (; *p == 'l' || *p == 'z'; p++)
			lng += *p == 'z' ? 2 : 1;

		switch (*p) {
		case '%':
			put(&o, '%');
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;

			if (!s)
				s = "(null)";
			while (s[n])
				n++;
			put_padded(&o, s, n, width, left, ' ');
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
			put_number(&o, mag, v < 0, 10, false, NULL, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng >= 2 ? va_arg(ap, unsigned long long)
			           : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			unsigned base = *p == 'u' ? 10 : 16;
			/* C's '#': a 0x (0X for %X) prefix, but none for zero. */
			put_number(&o, v, false, base, *p == 'X',
				   alt && base == 16 && v ? (*p == 'X' ? "0X" : "0x") : NULL, width, left, pad);
			break;
		}
		case 'p':
			put_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x", width,
				   left, pad);
			break;
		default:	/* unknown conversion: print it as it stands */
			put(&o, '%');
			if (!*p)
				p--;
			else
				put(&o, *p);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
