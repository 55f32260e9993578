/*
 * Reading MOO files: chunks of a 4-byte tag, a u32 length and a body,
 * little-endian throughout; unknown tags are skipped.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "moo.h"

const char *const moo_reg_names[MOO_NR_REGS] = {
	"ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
};

struct cursor {
	const uint8_t *p, *end;
	bool bad;
};

static uint32_t take(struct cursor *c, unsigned n)
{
	uint32_t v = 0;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

/* The next chunk: its tag and a cursor over its body. */
static bool chunk(struct cursor *c, char tag[5], struct cursor *body)
{
	uint32_t len;

	if (c->bad || c->end - c->p < 8)
		return false;
	memcpy(tag, c->p, 4);
	tag[4] = '\0';
	c->p += 4;
	len = take(c, 4);
	if (c->bad || (size_t)(c->end - c->p) < len) {
		c->bad = true;
		return false;
	}
	*body = (struct cursor){ c->p, c->p + len, false };
	c->p += len;
	return true;
}

static bool read_state(struct cursor *c, struct moo_state *s)
{
	struct cursor body;
	char tag[5];

	while (chunk(c, tag, &body)) {
		if (!strcmp(tag, "REGS")) {
			s->mask = (uint16_t)take(&body, 2);
			for (unsigned r = 0; r < MOO_NR_REGS; r++)
				if (s->mask & (1u << r))
					s->regs[r] = (uint16_t)take(&body, 2);
		} else if (!strcmp(tag, "RAM ")) {
			uint32_t n = take(&body, 4);

			if (body.bad || n > (uint32_t)(body.end - body.p) / 5)
				return false;
			s->ram = calloc(n ? n : 1, sizeof(*s->ram));
			if (!s->ram)
				return false;
			s->nr_ram = n;
			for (uint32_t i = 0; i < n; i++) {
				s->ram[i].address = take(&body, 4);
				s->ram[i].value = (uint8_t)take(&body, 1);
			}
		}
		if (body.bad)
			return false;
	}
	return !c->bad;
}

static bool read_test(struct cursor *c, struct moo_test *t)
{
	struct cursor body;
	char tag[5];

	t->index = take(c, 4);
	while (chunk(c, tag, &body)) {
		if (!strcmp(tag, "NAME")) {
			uint32_t n = take(&body, 4);

			if (n > (uint32_t)(body.end - body.p))
				return false;
			memcpy(t->name, body.p, n < sizeof(t->name) - 1 ? n : sizeof(t->name) - 1);
		} else if (!strcmp(tag, "BYTS")) {
			uint32_t n = take(&body, 4);

			if (n > sizeof(t->bytes))
				return false;
			for (uint32_t i = 0; i < n; i++)
				t->bytes[i] = (uint8_t)take(&body, 1);
			t->nr_bytes = n;
		} else if (!strcmp(tag, "INIT")) {
			if (!read_state(&body, &t->init))
				return false;
		} else if (!strcmp(tag, "FINA")) {
			if (!read_state(&body, &t->final))
				return false;
		} else if (!strcmp(tag, "EXCP")) {
			t->has_exception = true;
			t->exception = (uint8_t)take(&body, 1);
			t->flags_address = take(&body, 4);
		} else if (!strcmp(tag, "HASH")) {
			if (body.end - body.p < 20)
				return false;
			memcpy(t->hash, body.p, 20);
		}
		if (body.bad)
			return false;
	}
	return !c->bad;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	int got;

	if (!f || !buf) {
		if (f)
			gzclose(f);
		free(buf);
		return NULL;
	}
	while ((got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap) {
			uint8_t *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				gzclose(f);
				return NULL;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	gzclose(f);
	if (got < 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int moo_load(const char *path, struct moo_file *out, const char **why)
{
	size_t len;
	uint8_t *data = slurp(path, &len);
	struct cursor c = { data, data + len, false }, header, body;
	uint32_t header_len, count;
	char tag[5];

	memset(out, 0, sizeof(*out));
	if (!data) {
		*why = "cannot read it (or it is not gzip)";
		return -1;
	}
	if (len < 8 || memcmp(data, "MOO ", 4)) {
		free(data);
		*why = "no MOO magic";
		return -1;
	}
	c.p += 4;
	header_len = take(&c, 4);
	if ((size_t)(c.end - c.p) < header_len || header_len < 12) {
		free(data);
		*why = "truncated header";
		return -1;
	}
	header = (struct cursor){ c.p, c.p + header_len, false };
	c.p += header_len;
	take(&header, 4);
	count = take(&header, 4);
	memcpy(out->cpu, header.p, 4);
	out->tests = calloc(count ? count : 1, sizeof(*out->tests));
	if (!out->tests) {
		free(data);
		*why = "out of memory";
		return -1;
	}
	while (out->nr_tests < count && chunk(&c, tag, &body)) {
		if (strcmp(tag, "TEST"))
			continue;
		if (!read_test(&body, &out->tests[out->nr_tests])) {
			out->nr_tests++;	/* so its partial state is freed too */
			free(data);
			moo_free(out);
			*why = "malformed test chunk";
			return -1;
		}
		out->nr_tests++;
	}
	free(data);
	if (c.bad || out->nr_tests != count) {
		moo_free(out);
		*why = "fewer tests than its header says";
		return -1;
	}
	return 0;
}

void moo_free(struct moo_file *f)
{
	for (size_t i = 0; i < f->nr_tests; i++) {
		free(f->tests[i].init.ram);
		free(f->tests[i].final.ram);
	}
	free(f->tests);
	memset(f, 0, sizeof(*f));
}
