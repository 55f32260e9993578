/*
 * emu-diff - differential testing of libvcpu's real-mode emulator against
 * the processor, as KVM runs a real-mode guest (see diff.h for the parts).
 *
 *   emu-diff [--seed N] [--instructions N] [--length N] [--only K]
 *            [--show N] [--verbose] [--code HEX [--set REG=VALUE]...]
 *
 * Random instruction sequences ("test cases") of --length units run from
 * the same random initial state in the emulator and on KVM until
 * --instructions generated instructions have been compared. Test case K
 * of a seed is the same whatever else runs: --only K runs just that one
 * and prints it. Each mismatch is minimised and printed (the first --show
 * of each kind). --code runs the given bytes instead of test case K's
 * (0 by default) units, from its initial state changed by --set (EAX..EDI,
 * EFLAGS, ES..GS). Exit status: 1 on any mismatch, 77 without a usable
 * /dev/kvm, 0 otherwise.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <capstone/capstone.h>

#include "diff.h"

uint8_t *image, *emu_ram, *kvm_ram;

struct options {
	uint64_t seed;
	uint64_t instructions;
	unsigned length;
	long only;
	unsigned show;
	bool verbose;
	const char *code;
	const char *set[16];
	unsigned nr_set;
};

struct totals {
	uint64_t compared, cases, mismatches, no_reference, refused, unimplemented;
};

/* ---- memory ------------------------------------------------------------------ */

static uint8_t *guest_memory(void)
{
	uint8_t *m = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		perror("emu-diff: mmap");
		exit(2);
	}
	return m;
}

/* Random bytes everywhere, every IVT entry pointing at the HLT. */
static void build_image(uint64_t seed)
{
	struct rng r = { seed ^ 0x5eed5eed5eedull };

	image = guest_memory();
	for (uint32_t i = 0; i < RAM_SIZE; i += 8) {
		uint64_t v = rng_next(&r);

		memcpy(image + i, &v, 8);
	}
	for (unsigned v = 0; v < 256; v++) {
		image[4 * v] = HANDLER & 0xff;
		image[4 * v + 1] = HANDLER >> 8;
		image[4 * v + 2] = image[4 * v + 3] = 0;
	}
	image[HANDLER] = HLT_OPCODE;
}

/* Back to the image, page by page where it changed. */
static void restore(uint8_t *ram)
{
	for (uint32_t page = 0; page < RAM_SIZE; page += 4096)
		if (memcmp(ram + page, image + page, 4096))
			memcpy(ram + page, image + page, 4096);
}

/* ---- one test case ---------------------------------------------------------------- */

static void note_cut(struct case_result *res, const struct outcome *o)
{
	struct program *p = &res->prog;

	if (res->nr_cuts < sizeof(res->cuts) / sizeof(res->cuts[0])) {
		res->cuts[res->nr_cuts].reason = o->cut_reason;
		res->cuts[res->nr_cuts].id = o->cut_id;
		snprintf(res->cuts[res->nr_cuts].detail, sizeof(res->cuts[0].detail), "%.119s", o->detail);
	}
	res->nr_cuts++;
	p->code[o->cut_at] = HLT_OPCODE;
	p->cut = o->cut_at;
}

void run_case(const struct test_case *tc, struct case_result *res)
{
	memset(res, 0, offsetof(struct case_result, prog));
	layout(tc, &res->prog);
	/* Each cut moves the end earlier: a few rounds at most. */
	for (unsigned round = 0; round < 64; round++) {
		restore(emu_ram);
		emu_runner_run(&res->prog, &tc->init, tc->via_callbacks, &res->emu);
		if (res->emu.status == RUN_CUT) {
			note_cut(res, &res->emu);
			continue;
		}
		restore(kvm_ram);
		kvm_runner_run(&res->prog, &tc->init, &res->kvm);
		if (res->kvm.status == RUN_CUT) {
			note_cut(res, &res->kvm);
			continue;
		}
		if (res->emu.status == RUN_ERROR) {
			res->kind = CASE_ERROR;
			return;
		}
		if (res->kvm.status == RUN_ERROR) {
			res->kind = CASE_NO_REFERENCE;
			return;
		}
		compare(&res->emu, &res->kvm, &res->verdict);
		res->kind = res->verdict.mismatch ? CASE_MISMATCH : CASE_MATCH;
		return;
	}
	res->kind = CASE_ERROR;
	snprintf(res->emu.detail, sizeof(res->emu.detail), "still cutting after 64 rounds");
}

/* ---- the run ------------------------------------------------------------------------ */

/* Kinds of mismatch: the minimised case's instructions and what differs. */
#define MAX_KINDS 64
static struct {
	char signature[160];
	unsigned count;
} kinds[MAX_KINDS];
static unsigned nr_kinds;

static unsigned kind_of(const struct case_result *res)
{
	const struct program *p = &res->prog;
	const size_t room = 100;	/* for the instructions, the rest for the fields */
	char *s, fields[96];
	size_t n = 0;
	unsigned k;

	if (nr_kinds == MAX_KINDS)
		return MAX_KINDS - 1;
	s = kinds[nr_kinds].signature;
	for (unsigned off = 0; off < p->cut && n < room; off++)
		if (p->insn_at[off] >= 0)
			n += (size_t)snprintf(s + n, room - n, "%s%s", n ? " " : "",
					      insn_name(p->facts[p->insn_at[off]].id));
	diff_names(fields, sizeof(fields), res->kind == CASE_ERROR ? DIFF_STATUS : res->verdict.fields);
	snprintf(s + n, sizeof(kinds[0].signature) - n, " => %s", fields);
	for (k = 0; k < nr_kinds; k++)
		if (!strcmp(kinds[k].signature, s))
			return k;
	return nr_kinds++;
}

static uint64_t case_seed(uint64_t seed, uint64_t k)
{
	struct rng r = { seed * 0x2545f4914f6cdd1dull + k };

	return rng_next(&r) ^ k;
}

static void report_mismatch(const struct options *o, uint64_t k, struct test_case *tc, struct case_result *res)
{
	unsigned kind;

	minimize(tc, res);
	run_case(tc, res);		/* the memory of the minimised run */
	kind = kind_of(res);
	if (kinds[kind].count++ >= o->show)
		return;
	printf("\nMISMATCH in test case %llu (seed %llu; --seed %llu --only %llu reproduces it), minimised:\n",
	       (unsigned long long)k, (unsigned long long)o->seed, (unsigned long long)o->seed,
	       (unsigned long long)k);
	printf("  kind: %s\n", kinds[kind].signature);
	print_mismatch(stdout, tc, &res->prog, &res->emu, &res->kvm);
	fflush(stdout);
}

static const char *const cut_names[] = {
	[CUT_UNDEFINED_FLAGS] = "reads an undefined flag", [CUT_UNDEFINED_RESULT] = "undefined result",
	[CUT_UNIMPLEMENTED] = "not implemented", [CUT_REFUSED] = "KVM refused",
	[CUT_NO_REFERENCE] = "no reference",
};

static unsigned by_id[CUT_NO_REFERENCE + 1][X86_INS_ENDING];
static uint64_t compared_by_id[X86_INS_ENDING];

static void tally(const struct options *o, struct totals *t, const struct case_result *res)
{
	for (unsigned i = 0; i < res->nr_cuts && i < sizeof(res->cuts) / sizeof(res->cuts[0]); i++) {
		enum cut_reason why = res->cuts[i].reason;

		t->unimplemented += why == CUT_UNIMPLEMENTED;
		t->refused += why == CUT_REFUSED || why == CUT_NO_REFERENCE;
		if (o->verbose && !by_id[why][res->cuts[i].id])
			printf("  first cut (%s) at %s%s%s\n", cut_names[why], insn_name(res->cuts[i].id),
			       res->cuts[i].detail[0] ? ": " : "", res->cuts[i].detail);
		by_id[why][res->cuts[i].id]++;
	}
}

/* Per reason, the instructions cut and how often; and how often each
 * instruction was compared (in matching test cases). */
static void print_cuts(void)
{
	unsigned shown = 0;

	printf("  compared:");
	for (unsigned id = 0; id < X86_INS_ENDING; id++)
		if (compared_by_id[id])
			printf("%s %s %llu", shown++ % 12 ? "" : "\n   ", insn_name(id),
			       (unsigned long long)compared_by_id[id]);
	printf("\n");
	for (unsigned why = CUT_UNDEFINED_FLAGS; why <= CUT_NO_REFERENCE; why++) {
		unsigned n = 0;

		for (unsigned id = 0; id < X86_INS_ENDING; id++) {
			if (!by_id[why][id])
				continue;
			if (!n++)
				printf("  cut before, %s:", cut_names[why]);
			printf(" %s %u", insn_name(id), by_id[why][id]);
		}
		if (n)
			printf("\n");
	}
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const state_names[] = {
	"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI", "EFLAGS", "ES", "CS", "SS", "DS", "FS", "GS",
};

static void set_register(struct cpu_state *s, const char *assignment)
{
	const char *eq = strchr(assignment, '=');

	for (unsigned i = 0; eq && i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		uint32_t v = (uint32_t)strtoul(eq + 1, NULL, 16);

		if (strncmp(assignment, state_names[i], (size_t)(eq - assignment)) ||
		    strlen(state_names[i]) != (size_t)(eq - assignment))
			continue;
		if (i < 8)
			s->gpr[i] = v;
		else if (i == 8)
			s->eflags = v | 2;
		else
			s->sel[i - 9] = (uint16_t)v;
		return;
	}
	fprintf(stderr, "emu-diff: --set %s: not REG=HEX\n", assignment);
	exit(2);
}

/* --code and --set in place of the generated units and state. */
static void given_case(const struct options *o, struct test_case *tc)
{
	uint8_t code[MAX_CODE];
	unsigned len = 0, digits = 0;

	/* Hex digits in pairs; anything else separates. */
	for (const char *h = o->code; *h && len < sizeof(code); h++) {
		const char *hex = "0123456789abcdef", *d = strchr(hex, *h | 0x20);

		if (!d) {
			digits = 0;
			continue;
		}
		code[len] = (uint8_t)(digits ? code[len] << 4 | (d - hex) : (d - hex));
		if (++digits == 2) {
			len++;
			digits = 0;
		}
	}
	if (!units_from_code(code, len, tc)) {
		fprintf(stderr, "emu-diff: --code %s does not decode\n", o->code);
		exit(2);
	}
	for (unsigned i = 0; i < o->nr_set; i++)
		set_register(&tc->init, o->set[i]);
}

static void run_one(const struct options *o, struct totals *t, uint64_t k)
{
	static struct test_case tc;
	static struct case_result res;
	struct rng r = { case_seed(o->seed, k) };

	generate_case(&r, o->length, &tc);
	if (o->code)
		given_case(o, &tc);
	run_case(&tc, &res);
	t->cases++;
	tally(o, t, &res);
	if (o->only >= 0) {
		printf("test case %llu: %s, %u instructions compared, %u cuts\n", (unsigned long long)k,
		       res.kind == CASE_MATCH ? "match" : res.kind == CASE_MISMATCH ? "MISMATCH"
		       : res.kind == CASE_NO_REFERENCE ? "no reference" : "emulator error", res.emu.steps, res.nr_cuts);
		print_mismatch(stdout, &tc, &res.prog, &res.emu, &res.kvm);
	}
	for (unsigned i = 0; i < res.emu.steps && i < sizeof(res.emu.executed) / sizeof(res.emu.executed[0]); i++)
		compared_by_id[res.emu.executed[i]] += res.kind == CASE_MATCH;
	switch (res.kind) {
	case CASE_MATCH:
		t->compared += res.emu.steps;
		break;
	case CASE_NO_REFERENCE:
		t->no_reference++;
		if (o->verbose)
			printf("  test case %llu: no reference: %s\n", (unsigned long long)k, res.kvm.detail);
		break;
	case CASE_MISMATCH:
	case CASE_ERROR:
		t->compared += res.emu.steps;
		t->mismatches++;
		report_mismatch(o, k, &tc, &res);
		break;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: emu-diff [--seed N] [--instructions N] [--length N] [--only K] [--show N] "
		"[--verbose] [--code HEX [--set REG=HEX]...]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .seed = 1, .instructions = 100000, .length = 24, .only = -1, .show = 2 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long long v;
		char *end;

		if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o->verbose = true;
			continue;
		}
		if (i + 1 == argc)
			usage();
		if (!strcmp(a, "--code")) {
			o->code = argv[++i];
			continue;
		}
		if (!strcmp(a, "--set") && o->nr_set < 16) {
			o->set[o->nr_set++] = argv[++i];
			continue;
		}
		v = strtoull(argv[++i], &end, 0);
		if (*end)
			usage();
		if (!strcmp(a, "--seed"))
			o->seed = v;
		else if (!strcmp(a, "--instructions"))
			o->instructions = v;
		else if (!strcmp(a, "--length") && v >= 1 && v <= MAX_UNITS)
			o->length = (unsigned)v;
		else if (!strcmp(a, "--only"))
			o->only = (long)v;
		else if (!strcmp(a, "--show"))
			o->show = (unsigned)v;
		else
			usage();
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct totals t = { 0 };
	uint64_t next_report, k = 0;
	double t0 = seconds();
	char why[256];
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(argc, argv, &o);
	build_image(o.seed);
	emu_ram = guest_memory();
	kvm_ram = guest_memory();
	memcpy(emu_ram, image, RAM_SIZE);
	memcpy(kvm_ram, image, RAM_SIZE);
	r = kvm_runner_init(kvm_ram, why, sizeof(why));
	if (r) {
		printf("emu-diff: %s%s\n", r == 77 ? "SKIP, no KVM: " : "", why);
		return r;
	}
	if (emu_runner_init(emu_ram) < 0) {
		printf("emu-diff: cannot create the emulator\n");
		return 1;
	}
	generate_init();
	printf("emu-diff: seed %llu, %llu instructions, %u units per test case\n", (unsigned long long)o.seed,
	       (unsigned long long)o.instructions, o.length);
	next_report = o.instructions / 10;
	if (o.code && o.only < 0)
		o.only = 0;
	if (o.only >= 0)
		run_one(&o, &t, (uint64_t)o.only);
	for (; o.only < 0 && t.compared < o.instructions; k++) {
		run_one(&o, &t, k);
		if (t.compared >= next_report && t.compared < o.instructions) {
			printf("  %llu instructions compared in %llu test cases, %llu mismatches (%.1f s)\n",
			       (unsigned long long)t.compared, (unsigned long long)t.cases,
			       (unsigned long long)t.mismatches, seconds() - t0);
			next_report += o.instructions / 10;
		}
	}
	if (nr_kinds) {
		printf("\nmismatches by kind (minimised instructions => what differs):\n");
		for (unsigned i = 0; i < nr_kinds; i++)
			printf("  %6u  %s\n", kinds[i].count, kinds[i].signature);
	}
	if (o.verbose)
		print_cuts();
	printf("%llu instructions compared in %llu sequences, %llu mismatches, %llu without reference "
	       "(KVM refused), %llu not implemented (%.1f s)\n",
	       (unsigned long long)t.compared, (unsigned long long)t.cases, (unsigned long long)t.mismatches,
	       (unsigned long long)(t.refused + t.no_reference), (unsigned long long)t.unimplemented,
	       seconds() - t0);
	emu_runner_fini();
	kvm_runner_fini();
	generate_fini();
	return t.mismatches ? 1 : 0;
}
