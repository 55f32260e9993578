/*
 * metadata.json through a small JSON reader (objects, arrays, strings,
 * numbers, true/false/null), and revocation_list.txt.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata.h"

enum jtype { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct json {
	enum jtype type;
	double number;
	char *string;			/* J_STRING */
	char **keys;			/* J_OBJECT */
	struct json **items;		/* J_ARRAY and J_OBJECT values */
	size_t n;
};

struct parser {
	const char *p;
	bool bad;
};

static void json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->string);
	free(j);
}

static void skip_space(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static char *parse_string(struct parser *ps)
{
	const char *start;
	char *s, *o;

	if (*ps->p != '"') {
		ps->bad = true;
		return NULL;
	}
	start = ++ps->p;
	while (*ps->p && *ps->p != '"')
		ps->p += (*ps->p == '\\' && ps->p[1]) ? 2 : 1;
	if (*ps->p != '"') {
		ps->bad = true;
		return NULL;
	}
	s = o = malloc((size_t)(ps->p - start) + 1);
	if (!s) {
		ps->bad = true;
		return NULL;
	}
	for (const char *i = start; i < ps->p; i++)
		*o++ = (*i == '\\' && i + 1 < ps->p) ? *++i : *i;	/* \uXXXX not needed here */
	*o = '\0';
	ps->p++;
	return s;
}

static struct json *parse_value(struct parser *ps, unsigned depth);

static bool append(struct json *j, char *key, struct json *v)
{
	struct json **items = realloc(j->items, (j->n + 1) * sizeof(*items));
	char **keys = j->type == J_OBJECT ? realloc(j->keys, (j->n + 1) * sizeof(*keys)) : NULL;

	if (items)
		j->items = items;
	if (keys)
		j->keys = keys;
	if (!items || (j->type == J_OBJECT && !keys))
		return false;
	j->items[j->n] = v;
	if (keys)
		j->keys[j->n] = key;
	j->n++;
	return true;
}

static struct json *parse_container(struct parser *ps, unsigned depth, char close)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j) {
		ps->bad = true;
		return NULL;
	}
	j->type = close == '}' ? J_OBJECT : J_ARRAY;
	ps->p++;
	skip_space(ps);
	if (*ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		skip_space(ps);
		if (close == '}') {
			key = parse_string(ps);
			skip_space(ps);
			if (ps->bad || *ps->p != ':') {
				free(key);
				break;
			}
			ps->p++;
		}
		v = parse_value(ps, depth + 1);
		if (ps->bad || !append(j, key, v)) {
			free(key);
			json_free(v);
			break;
		}
		skip_space(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return j;
		}
		break;
	}
	ps->bad = true;
	json_free(j);
	return NULL;
}

static struct json *parse_value(struct parser *ps, unsigned depth)
{
	struct json *j;
	char *end;

	skip_space(ps);
	if (depth > 32) {
		ps->bad = true;
		return NULL;
	}
	if (*ps->p == '{' || *ps->p == '[')
		return parse_container(ps, depth, *ps->p == '{' ? '}' : ']');
	j = calloc(1, sizeof(*j));
	if (!j) {
		ps->bad = true;
		return NULL;
	}
	if (*ps->p == '"') {
		j->type = J_STRING;
		j->string = parse_string(ps);
	} else if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
		j->type = J_BOOL;
		j->number = *ps->p == 't';
		ps->p += *ps->p == 't' ? 4 : 5;
	} else if (!strncmp(ps->p, "null", 4)) {
		ps->p += 4;
	} else {
		j->type = J_NUMBER;
		j->number = strtod(ps->p, &end);
		if (end == ps->p)
			ps->bad = true;
		ps->p = end;
	}
	return j;
}

static const struct json *member(const struct json *j, const char *key)
{
	if (!j || j->type != J_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->keys[i], key))
			return j->items[i];
	return NULL;
}

/* ---- the metadata ------------------------------------------------------------ */

struct metadata {
	struct json *root;
	uint8_t (*revoked)[20];
	size_t nr_revoked;
};

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)len + 1))) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static bool parse_revocations(struct metadata *m, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		uint8_t hash[20];
		unsigned i;

		while (isspace((unsigned char)*line))
			line++;
		if (!*line || *line == '#')
			continue;
		for (i = 0; i < 20 && isxdigit((unsigned char)line[2 * i]) && isxdigit((unsigned char)line[2 * i + 1]); i++) {
			char byte[3] = { line[2 * i], line[2 * i + 1], 0 };

			hash[i] = (uint8_t)strtoul(byte, NULL, 16);
		}
		if (i != 20)
			return false;
		uint8_t (*more)[20] = realloc(m->revoked, (m->nr_revoked + 1) * sizeof(*more));
		if (!more)
			return false;
		m->revoked = more;
		memcpy(m->revoked[m->nr_revoked++], hash, 20);
	}
	return true;
}

struct metadata *metadata_load(const char *dir, const char **why)
{
	struct metadata *m = calloc(1, sizeof(*m));
	char path[4096];
	char *text;

	if (!m) {
		*why = "out of memory";
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/metadata.json", dir);
	if ((text = read_text(path))) {
		struct parser ps = { text, false };

		m->root = parse_value(&ps, 0);
		free(text);
		if (ps.bad || !m->root) {
			metadata_free(m);
			*why = "metadata.json is not valid JSON";
			return NULL;
		}
	}
	snprintf(path, sizeof(path), "%s/revocation_list.txt", dir);
	if ((text = read_text(path))) {
		bool ok = parse_revocations(m, text);

		free(text);
		if (!ok) {
			metadata_free(m);
			*why = "revocation_list.txt has a line that is not a SHA-1";
			return NULL;
		}
	}
	return m;
}

void metadata_free(struct metadata *m)
{
	if (!m)
		return;
	json_free(m->root);
	free(m->revoked);
	free(m);
}

/* The entry for "XX" or "XX.R". */
static const struct json *entry(const struct metadata *m, const char *stem)
{
	char opcode[16];
	const char *dot = strchr(stem, '.');
	const struct json *op;

	snprintf(opcode, sizeof(opcode), "%.*s", dot ? (int)(dot - stem) : (int)strlen(stem), stem);
	op = member(member(m->root, "opcodes"), opcode);
	if (dot)
		op = member(member(op, "reg"), dot + 1);
	return op;
}

uint16_t metadata_flags_mask(const struct metadata *m, const char *stem)
{
	const struct json *mask = member(entry(m, stem), "flags-mask");

	return mask && mask->type == J_NUMBER ? (uint16_t)mask->number : 0xffff;
}

const char *metadata_status(const struct metadata *m, const char *stem)
{
	const struct json *status = member(entry(m, stem), "status");

	return status && status->type == J_STRING ? status->string : "unknown";
}

bool metadata_revoked(const struct metadata *m, const uint8_t hash[20])
{
	for (size_t i = 0; i < m->nr_revoked; i++)
		if (!memcmp(m->revoked[i], hash, 20))
			return true;
	return false;
}
