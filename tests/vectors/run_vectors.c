/*
 * run-vectors - run single-instruction tests in the SingleStepTests MOO
 * format (../shared/vectors/README.md) through libvcpu's emulator.
 *
 *   run-vectors [-v] [-q] FILE-OR-DIRECTORY...
 *
 * For each opcode file it prints how many tests passed and failed, and
 * the first failing test field by field; it ends with "N passed, N
 * failed". Each test: 16 MiB of RAM, the initial registers and bytes, run
 * to the HLT after the instruction, compare registers (FLAGS under the
 * opcode's mask of defined flags from metadata.json) and memory. Tests
 * listed in revocation_list.txt are skipped and counted. Where the 286
 * behaves as the 386 and later do not, and the emulator follows the later
 * processors, the difference is named in known_differences[] below and
 * counted apart, never as a pass.
 *
 * Exit status: 0 if nothing failed, 1 if something did, 2 on bad input.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libvcpu/emulate.h"
#include "metadata.h"
#include "moo.h"

#define RAM_SIZE (16u << 20)
#define MAX_STEPS 64

/* ---- memory: a flat 16 MiB, with every byte the emulator wrote logged ---- */

struct memory {
	uint8_t *bytes;
	uint8_t *written;		/* one bit per byte */
	uint32_t *log;
	size_t nr_log, cap_log;
};

static int mem_read(void *opaque, uint64_t phys, void *buf, unsigned len)
{
	struct memory *m = opaque;

	for (unsigned i = 0; i < len; i++)
		((uint8_t *)buf)[i] = phys + i < RAM_SIZE ? m->bytes[phys + i] : 0xff;
	return 0;
}

static int mem_write(void *opaque, uint64_t phys, const void *buf, unsigned len)
{
	struct memory *m = opaque;

	for (unsigned i = 0; i < len; i++) {
		uint64_t a = phys + i;

		if (a >= RAM_SIZE)
			continue;
		m->bytes[a] = ((const uint8_t *)buf)[i];
		if (!(m->written[a >> 3] & (1u << (a & 7)))) {
			m->written[a >> 3] |= (uint8_t)(1u << (a & 7));
			if (m->nr_log == m->cap_log) {
				size_t cap = m->cap_log ? m->cap_log * 2 : 256;
				uint32_t *log = realloc(m->log, cap * sizeof(*log));

				if (!log)
					return VCPU_ENOMEM;
				m->log = log;
				m->cap_log = cap;
			}
			m->log[m->nr_log++] = (uint32_t)a;
		}
	}
	return 0;
}

/* IN reads all ones, as the captures' bus did. */
static int io_in(void *opaque, uint16_t port, unsigned size, uint32_t *value)
{
	(void)opaque;
	(void)port;
	*value = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	return 0;
}

static int io_out(void *opaque, uint16_t port, unsigned size, uint32_t value)
{
	(void)opaque;
	(void)port;
	(void)size;
	(void)value;
	return 0;
}

static const struct emu_ops ops = {
	.read = mem_read, .write = mem_write, .io_in = io_in, .io_out = io_out,
};

/* ---- 286 behaviour the 386 changed ------------------------------------------- */

#define NONE (-1)		/* no exception */
#define ANY (-2)

/* Extra conditions on a test. */
#define WHEN_LOCKED	(1u << 0)	/* a LOCK prefix */
#define WHEN_LONG	(1u << 1)	/* longer than the 286's 10 bytes */
#define WHEN_FLAGS_HIGH	(1u << 2)	/* the only mismatches are in FLAGS 15:12 */
#define WHEN_FS_GS	(1u << 3)	/* a ModRM reg field of 4 or 5 (FS, GS) */
#define WHEN_INDEXES	(1u << 4)	/* the only mismatches are in SI, DI and CX */
#define WHEN_OF_COUNT	(1u << 5)	/* only OF differs, after a shift by an
					 * immediate count other than 1 */

struct known_difference {
	const char *stem;	/* opcode file, e.g. "8C"; NULL: any */
	int expected;		/* the exception the 286 raised, NONE or ANY */
	int ours;		/* the one the emulator raised, NONE or ANY */
	unsigned when;
	const char *reason;
};

static const struct known_difference known_differences[] = {
	{ NULL, ANY, 6, WHEN_LOCKED,
	  "LOCK on an instruction that cannot be locked: the 286 ignores it, the 386 raises #UD" },
	{ NULL, 13, 13, WHEN_INDEXES,
	  "a string element at offset 0xFFFF: the 286 has already stepped SI/DI (and CX) when it "
	  "raises #GP, the 386 leaves them at the faulting element so it can restart" },
	{ NULL, 13, NONE, WHEN_LONG,
	  "instructions longer than 10 bytes: the 286 raises #GP, the 386 allows 15" },
	{ NULL, 13, 12, 0,
	  "a stack access past the segment's limit: the 286 raises #GP, the 386 #SS" },
	{ "8C", 6, NONE, WHEN_FS_GS, "the 286 has no FS and GS: MOV from them raises #UD there" },
	{ "8E", 6, NONE, WHEN_FS_GS, "the 286 has no FS and GS: MOV to them raises #UD there" },
	/* The SDM leaves OF undefined after a shift or rotate by a count other
	 * than 1; metadata.json masks it for C1, D2 and D3 but not for C0. */
	{ "C0", NONE, NONE, WHEN_OF_COUNT,
	  "OF after a shift by an immediate count other than 1 (undefined): the 286 takes it from "
	  "the last step, later processors from the first or not at all" },
	{ "9D", ANY, ANY, WHEN_FLAGS_HIGH,
	  "POPF: the 286 keeps FLAGS 15:12 clear in real mode, the 386 loads IOPL and NT" },
	{ "CF", ANY, ANY, WHEN_FLAGS_HIGH,
	  "IRET: the 286 keeps FLAGS 15:12 clear in real mode, the 386 loads IOPL and NT" },
};

/* ---- one test ------------------------------------------------------------------ */

struct outcome {
	char text[2048];
	size_t len;
	unsigned mismatches;
	bool only_flags_high;		/* every mismatch is in FLAGS bits 15:12 */
	bool only_indexes;		/* every mismatch is in SI, DI or CX */
	bool only_of;			/* the only mismatch is FLAGS.OF */
	int raised;			/* the exception the instruction raised, or NONE */
};

static void note(struct outcome *o, bool flags_high_only, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void note(struct outcome *o, bool flags_high_only, const char *fmt, ...)
{
	va_list ap;

	o->mismatches++;
	o->only_indexes = false;
	o->only_of = false;
	if (!flags_high_only)
		o->only_flags_high = false;
	if (o->len >= sizeof(o->text) - 1)
		return;
	va_start(ap, fmt);
	o->len += (size_t)vsnprintf(o->text + o->len, sizeof(o->text) - o->len, fmt, ap);
	va_end(ap);
	if (o->len > sizeof(o->text) - 1)
		o->len = sizeof(o->text) - 1;
}

static const enum vcpu_reg gpr_of[MOO_NR_REGS] = {
	[MOO_AX] = VCPU_REG_RAX, [MOO_BX] = VCPU_REG_RBX, [MOO_CX] = VCPU_REG_RCX,
	[MOO_DX] = VCPU_REG_RDX, [MOO_SP] = VCPU_REG_RSP, [MOO_BP] = VCPU_REG_RBP,
	[MOO_SI] = VCPU_REG_RSI, [MOO_DI] = VCPU_REG_RDI,
};

static unsigned segment_of(enum moo_reg r)
{
	return r == MOO_ES ? 0 : r == MOO_CS ? 1 : r == MOO_SS ? 2 : 3;
}

static bool is_segment(enum moo_reg r)
{
	return r == MOO_CS || r == MOO_SS || r == MOO_DS || r == MOO_ES;
}

static uint16_t read_moo_reg(struct emu *e, enum moo_reg r)
{
	uint64_t v = 0;

	if (is_segment(r))
		emu_get_field(e, VMCS_GUEST_ES_SELECTOR + 2 * segment_of(r), &v);
	else if (r == MOO_IP)
		v = emu_get_reg(e, VCPU_REG_RIP);
	else if (r == MOO_FLAGS)
		v = emu_get_reg(e, VCPU_REG_RFLAGS);
	else
		v = emu_get_reg(e, gpr_of[r]);
	return (uint16_t)v;
}

static void set_up(struct emu *e, struct memory *m, const struct moo_test *t)
{
	const struct moo_state *s = &t->init;

	for (size_t i = 0; i < s->nr_ram; i++)
		if (s->ram[i].address < RAM_SIZE)
			m->bytes[s->ram[i].address] = s->ram[i].value;
	emu_flush_code(e);
	emu_set_field(e, VMCS_GUEST_CR0, 0x60000010u);
	emu_set_field(e, VMCS_GUEST_IDTR_BASE, 0);
	emu_set_field(e, VMCS_GUEST_IDTR_LIMIT, 0x3ff);
	emu_set_field(e, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
	for (unsigned seg = 0; seg < 6; seg++)
		emu_load_real_segment(e, seg, 0);
	for (unsigned r = 0; r < MOO_NR_REGS; r++) {
		uint16_t v = s->regs[r];

		if (is_segment(r))
			emu_load_real_segment(e, segment_of(r), v);
		else if (r == MOO_IP)
			emu_set_reg(e, VCPU_REG_RIP, v);
		else if (r == MOO_FLAGS)
			emu_set_reg(e, VCPU_REG_RFLAGS, v & 0x0fffu);	/* the 286 keeps 15:12 clear */
		else
			emu_set_reg(e, gpr_of[r], v);
	}
}

/* What memory should hold at `a` after the test. */
static bool expected_byte(const struct moo_test *t, uint32_t a, uint8_t *v)
{
	for (size_t i = 0; i < t->final.nr_ram; i++)
		if (t->final.ram[i].address == a) {
			*v = t->final.ram[i].value;
			return true;
		}
	for (size_t i = 0; i < t->init.nr_ram; i++)
		if (t->init.ram[i].address == a) {
			*v = t->init.ram[i].value;
			return true;
		}
	*v = 0;
	return false;
}

/* Where an exception pushed FLAGS: SS:SP-2 of the initial state. (The
 * captures' EXCP address is that rounded down to even when SP is odd.) */
static uint32_t pushed_flags_address(const struct moo_test *t)
{
	return ((uint32_t)t->init.regs[MOO_SS] << 4) + ((t->init.regs[MOO_SP] - 2u) & 0xffff);
}

/* Under an exception, the FLAGS image it pushed is compared under the mask. */
static uint8_t byte_mask(const struct moo_test *t, uint32_t a, uint16_t flags_mask)
{
	uint32_t flags = pushed_flags_address(t);

	if (t->has_exception && a == flags)
		return (uint8_t)flags_mask;
	if (t->has_exception && a == flags + 1)
		return (uint8_t)(flags_mask >> 8);
	return 0xff;
}

static void compare(struct emu *e, struct memory *m, const struct moo_test *t, uint16_t flags_mask,
		    struct outcome *o)
{
	for (unsigned r = 0; r < MOO_NR_REGS; r++) {
		uint16_t want = (t->final.mask & (1u << r)) ? t->final.regs[r] : t->init.regs[r];
		uint16_t got = read_moo_reg(e, r);

		if (r == MOO_FLAGS) {
			uint16_t diff = (uint16_t)((want ^ got) & flags_mask);

			if (diff) {
				bool first = !o->mismatches;

				note(o, !(diff & 0x0fff), "    flags: expected 0x%04x, got 0x%04x (defined 0x%04x, differ 0x%04x)\n",
				     want, got, flags_mask, diff);
				o->only_of = first && diff == 0x0800;
			}
		} else if (want != got) {
			bool index = r == MOO_SI || r == MOO_DI || r == MOO_CX;
			bool before = o->only_indexes || !o->mismatches;

			note(o, false, "    %s: expected 0x%04x, got 0x%04x\n", moo_reg_names[r], want, got);
			o->only_indexes = before && index;
		}
	}
	for (size_t i = 0; i < t->final.nr_ram; i++) {
		uint32_t a = t->final.ram[i].address;
		uint8_t mask = byte_mask(t, a, flags_mask);
		uint8_t got = a < RAM_SIZE ? m->bytes[a] : 0xff, diff = (uint8_t)((got ^ t->final.ram[i].value) & mask);

		if (diff)
			note(o, mask != 0xff && a == pushed_flags_address(t) + 1 && !(diff & 0x0f),
			     "    ram[0x%05x]: expected 0x%02x, got 0x%02x\n", a, t->final.ram[i].value, got);
	}
	/* Bytes written that the test does not expect to change. */
	for (size_t i = 0; i < m->nr_log; i++) {
		uint32_t a = m->log[i];
		uint8_t want;

		expected_byte(t, a, &want);
		if ((m->bytes[a] ^ want) & byte_mask(t, a, flags_mask)) {
			bool listed = false;

			for (size_t j = 0; j < t->final.nr_ram; j++)
				listed |= t->final.ram[j].address == a;
			if (!listed)
				note(o, false, "    ram[0x%05x]: written 0x%02x, expected to stay 0x%02x\n", a,
				     m->bytes[a], want);
		}
	}
}

static void tear_down(struct memory *m, const struct moo_test *t)
{
	for (size_t i = 0; i < t->init.nr_ram; i++)
		if (t->init.ram[i].address < RAM_SIZE)
			m->bytes[t->init.ram[i].address] = 0;
	for (size_t i = 0; i < m->nr_log; i++) {
		m->bytes[m->log[i]] = 0;
		m->written[m->log[i] >> 3] = 0;
	}
	m->nr_log = 0;
}

/* The exception the instruction under test raises, or NONE (asked of
 * failing tests, to tell a known difference from a bug). */
static int first_exception(struct emu *e, struct memory *m, const struct moo_test *t)
{
	struct emu_stop stop;
	int r;

	set_up(e, m, t);
	emu_set_intercepts(e, 0, ~0u);
	r = emu_step(e, &stop);
	emu_set_intercepts(e, 0, 0);
	tear_down(m, t);
	return r == 0 && stop.reason == EMU_STOP_EXCEPTION ? stop.exception.vector : NONE;
}

/* The instruction's bytes after its prefixes, and how many prefixes. */
static unsigned prefixes(const struct moo_test *t, bool *locked)
{
	unsigned i = 0;

	*locked = false;
	for (; i < t->nr_bytes; i++) {
		uint8_t b = t->bytes[i];

		if (b == 0xf0)
			*locked = true;
		else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e && b != 0xf2 && b != 0xf3)
			break;
	}
	return i;
}

static bool conditions_hold(unsigned when, const struct moo_test *t, const struct outcome *o)
{
	bool locked;
	unsigned opcode_at = prefixes(t, &locked);
	unsigned modrm_reg = opcode_at + 1 < t->nr_bytes ? (t->bytes[opcode_at + 1] >> 3) & 7 : 0;

	if ((when & WHEN_LOCKED) && !locked)
		return false;
	/* The test's bytes end with the HLT that follows the instruction. */
	if ((when & WHEN_LONG) && t->nr_bytes - 1 <= 10)
		return false;
	if ((when & WHEN_FLAGS_HIGH) && !o->only_flags_high)
		return false;
	if ((when & WHEN_FS_GS) && modrm_reg != 4 && modrm_reg != 5)
		return false;
	if ((when & WHEN_INDEXES) && !o->only_indexes)
		return false;
	/* The count is the immediate, the byte before the closing HLT. */
	if ((when & WHEN_OF_COUNT) && (!o->only_of || t->nr_bytes < 2 || (t->bytes[t->nr_bytes - 2] & 0x1f) == 1))
		return false;
	return true;
}

static void run_test(struct emu *e, struct memory *m, const struct moo_test *t, uint16_t flags_mask,
		     struct outcome *o)
{
	struct emu_stop stop;
	int r;

	memset(o, 0, sizeof(*o));
	o->only_flags_high = true;
	set_up(e, m, t);
	r = emu_run(e, MAX_STEPS, &stop);
	if (r < 0)
		note(o, false, "    emulator error %s: %s\n", vcpu_error_name(r), emu_error_detail(e));
	else if (stop.reason != EMU_STOP_HLT)
		note(o, false, "    stopped without reaching the HLT (reason %d, after %u steps at most)\n",
		     stop.reason, MAX_STEPS);
	else
		compare(e, m, t, flags_mask, o);
	tear_down(m, t);
	o->raised = o->mismatches ? first_exception(e, m, t) : NONE;
}

/* ---- files and directories ---------------------------------------------------------- */

#define NR_DIFFERENCES (sizeof(known_differences) / sizeof(known_differences[0]))

struct totals {
	unsigned long passed, failed, known, revoked;
	unsigned long known_by[NR_DIFFERENCES];	/* per known_differences[] entry */
};

static bool verbose, quiet, skip_missing;

/* "80.3" from ".../80.3.MOO.gz". */
static void stem_of(const char *path, char *stem, size_t len)
{
	const char *base = strrchr(path, '/');
	const char *end;

	base = base ? base + 1 : path;
	end = strstr(base, ".MOO");
	snprintf(stem, len, "%.*s", end ? (int)(end - base) : (int)strlen(base), base);
}

/* "C0" names the whole group C0.0 to C0.7; "C0.5" one file. */
static bool stem_matches(const char *pattern, const char *stem)
{
	size_t n = strlen(pattern);

	return !strcmp(pattern, stem) || (!strchr(pattern, '.') && !strncmp(pattern, stem, n) && stem[n] == '.');
}

static const struct known_difference *difference_for(const char *stem, const struct moo_test *t,
						      const struct outcome *o)
{
	int expected = t->has_exception ? t->exception : NONE;

	for (size_t i = 0; i < sizeof(known_differences) / sizeof(known_differences[0]); i++) {
		const struct known_difference *d = &known_differences[i];

		if ((d->stem && !stem_matches(d->stem, stem)) || (d->expected != ANY && d->expected != expected) ||
		    (d->ours != ANY && d->ours != o->raised))
			continue;
		if (conditions_hold(d->when, t, o))
			return d;
	}
	return NULL;
}

static int run_file(struct emu *e, struct memory *m, const struct metadata *meta, const char *path,
		    struct totals *all)
{
	struct moo_file f;
	const char *why;
	char stem[32];
	struct totals here = { 0 };
	const struct known_difference *reason = NULL;
	bool shown = false;
	uint16_t mask;

	stem_of(path, stem, sizeof(stem));
	mask = metadata_flags_mask(meta, stem);
	if (moo_load(path, &f, &why) < 0) {
		fprintf(stderr, "run-vectors: %s: %s\n", path, why);
		return -1;
	}
	for (size_t i = 0; i < f.nr_tests; i++) {
		const struct moo_test *t = &f.tests[i];
		struct outcome o;
		const struct known_difference *d;

		if (metadata_revoked(meta, t->hash)) {
			here.revoked++;
			continue;
		}
		run_test(e, m, t, mask, &o);
		if (!o.mismatches) {
			here.passed++;
			continue;
		}
		if ((d = difference_for(stem, t, &o))) {
			here.known++;
			here.known_by[d - known_differences]++;
			reason = d;
			continue;
		}
		here.failed++;
		if (!shown || verbose) {
			printf("  FAIL %s test %u \"%s\" bytes", stem, t->index, t->name);
			for (unsigned b = 0; b < t->nr_bytes; b++)
				printf(" %02x", t->bytes[b]);
			printf("\n%s", o.text);
			shown = true;
		}
	}
	if (!quiet || here.failed)
		printf("%-8s %-13s %5lu passed, %5lu failed%s", stem, metadata_status(meta, stem), here.passed,
		       here.failed, here.known || here.revoked ? "," : "\n");
	if (here.known && (!quiet || here.failed))
		printf(" %lu known differences (%s)%s", here.known, reason->reason, here.revoked ? "," : "\n");
	if (here.revoked && (!quiet || here.failed))
		printf(" %lu revoked\n", here.revoked);
	all->passed += here.passed;
	all->failed += here.failed;
	all->known += here.known;
	for (size_t i = 0; i < NR_DIFFERENCES; i++)
		all->known_by[i] += here.known_by[i];
	all->revoked += here.revoked;
	moo_free(&f);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(struct emu *e, struct memory *m, const char *path, struct totals *all)
{
	struct stat st;
	const char *why;
	struct metadata *meta;
	int status = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "run-vectors: %s: no such file or directory\n", path);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		char **names = NULL;
		size_t n = 0;

		meta = metadata_load(path, &why);
		if (!d || !meta) {
			fprintf(stderr, "run-vectors: %s: %s\n", path, d ? why : "cannot open");
			if (d)
				closedir(d);
			metadata_free(meta);
			return -1;
		}
		while ((de = readdir(d))) {
			char **more;

			if (!strstr(de->d_name, ".MOO"))
				continue;
			more = realloc(names, (n + 1) * sizeof(*names));
			if (!more)
				break;
			names = more;
			names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
			if (!names[n])
				break;
			sprintf(names[n++], "%s/%s", path, de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), by_name);
		for (size_t i = 0; i < n; i++) {
			if (run_file(e, m, meta, names[i], all) < 0)
				status = -1;
			free(names[i]);
		}
		free(names);
		metadata_free(meta);
		return status;
	}
	/* A single file: metadata from its directory. */
	{
		char dir[4096];
		const char *slash = strrchr(path, '/');

		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
		meta = metadata_load(dir, &why);
		if (!meta) {
			fprintf(stderr, "run-vectors: %s: %s\n", dir, why);
			return -1;
		}
		status = run_file(e, m, meta, path, all);
		metadata_free(meta);
		return status;
	}
}

int main(int argc, char **argv)
{
	struct memory m = { 0 };
	struct emu_config config = { .ops = &ops, .opaque = &m };
	struct totals all = { 0 };
	struct emu *e;
	int first = 1, bad = 0;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "-v"))
			verbose = true;
		else if (!strcmp(argv[first], "-q"))
			quiet = true;
		else if (!strcmp(argv[first], "--skip-missing"))
			skip_missing = true;
		else
			break;
	}
	if (skip_missing) {
		struct stat st;

		for (int i = first; i < argc; i++) {
			if (stat(argv[i], &st) < 0) {
				printf("SKIP: %s does not exist (the test vectors live outside the repository)\n",
				       argv[i]);
				return 77;
			}
		}
	}
	if (first >= argc) {
		fprintf(stderr, "usage: run-vectors [-v] [-q] [--skip-missing] FILE-OR-DIRECTORY...\n"
				"  -v  show every failing test, not only the first per file\n"
				"  -q  print only files with failures, and the totals\n"
				"  --skip-missing  exit 77 if a path does not exist\n");
		return 2;
	}
	m.bytes = calloc(RAM_SIZE, 1);
	m.written = calloc(RAM_SIZE / 8, 1);
	if (!m.bytes || !m.written || emu_create(&config, &e) < 0) {
		fprintf(stderr, "run-vectors: out of memory\n");
		return 2;
	}
	for (int i = first; i < argc; i++)
		if (run_path(e, &m, argv[i], &all) < 0)
			bad = 1;
	emu_destroy(e);
	free(m.bytes);
	free(m.written);
	free(m.log);
	for (size_t i = 0; i < NR_DIFFERENCES; i++)
		if (all.known_by[i])
			printf("%8lu known: %s\n", all.known_by[i], known_differences[i].reason);
	if (all.known || all.revoked)
		printf("%lu known differences between the 286 and the 386 counted apart, %lu revoked tests skipped\n",
		       all.known, all.revoked);
	printf("%lu passed, %lu failed\n", all.passed, all.failed);
	return bad ? 2 : all.failed ? 1 : 0;
}
