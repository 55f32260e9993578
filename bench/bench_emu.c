/*
 * bench_emu - emulated MIPS of libvcpu's real-mode emulator against
 * libx86emu, Unicorn and QEMU's TCG, all running the same bytes:
 * guests/emu_loop.asm, a boot sector whose loop mixes ALU, DS:[bx+si+disp]
 * loads and stores, an ES: override, push/pop, call/ret, a Jcc and a
 * 16-byte rep movsb, counted by a 32-bit iteration counter, so the number
 * of instructions retired is known exactly (a REP instruction counts once).
 *
 * Each round runs every contender once from the same state (0000:7C00,
 * everything else 0; the program sets up the rest), in an order that
 * rotates between rounds; the table shows medians. A contender is timed
 * only if, in every round, it stopped at the program's HLT, retired the
 * expected number of instructions (where it counts them: libvcpu and
 * libx86emu), and left the same 512 bytes of result (its registers and its
 * data) as the majority of contenders; anything else is reported instead.
 *
 * QEMU, where qemu-system-x86_64 is on PATH: the same sector booted by
 * SeaBIOS under -M pc -accel tcg, its result read from debugcon. Each
 * round boots it twice, with the full count and with zero iterations;
 * MIPS = (insns(N) - insns(0)) / (t(N) - t(0)) takes QEMU's start-up and
 * the BIOS out.
 *
 * Usage: bench_emu [MINSNS [ROUNDS [ONLY]]]
 *   MINSNS  millions of instructions per run (default 100; 1 for a quick look,
 *           though QEMU's start-up noise then swamps its run)
 *   ROUNDS  default 5
 *   ONLY    libvcpu, libx86emu, unicorn or qemu: that contender alone
 *           (`perf record bench_emu 100 1 libvcpu` profiles the emulator)
 * Exit status 1 if libvcpu could not be timed (an error, a wrong result).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu_peers.h"
#include "emu_qemu.h"

#define RAM_SIZE	(1u << 20)
#define LOAD_ADDR	0x7c00
#define SECTOR		512
#define DATA_PHYS	0x10000		/* DS:0000 and ES:0000 of emu_loop.asm */
#define COPY_PHYS	0x20000
#define HALF		256
#define RESULT_LEN	(2 * HALF)	/* DS:0000-00FF, then ES:0000-00FF */
#define QEMU_STATUS	85		/* isa-debug-exit: (0x2a << 1) | 1 */
#define QEMU		PEER_KINDS	/* the contender after the in-process ones */
#define NR_CONTENDERS	(PEER_KINDS + 1)

/* guests/emu_loop_image.asm */
extern const uint8_t emu_loop_image[];
extern const uint64_t emu_loop_image_size;

struct program {
	uint8_t sector[SECTOR];		/* iterations patched in */
	uint32_t iterations;
	uint64_t insns;			/* retired by a full run */
	uint16_t init, iter, fini;	/* the header's instruction counts */
	uint16_t halt_ip;
};

struct contender {
	const char *name;
	struct peer *peer;		/* NULL for QEMU */
	uint8_t *ram;
	bool present;
	bool failed;			/* reported, not timed */
	char why[320];
	bool have_result;
	uint8_t result[RESULT_LEN];
	double *ns, *ns_zero;		/* per round; ns_zero: QEMU's empty boots */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void *must_alloc(size_t align, size_t size)
{
	void *p;

	size = (size + align - 1) / align * align;	/* as C11 asks of aligned_alloc */
	p = aligned_alloc(align, size);

	if (!p) {
		fprintf(stderr, "bench_emu: out of memory\n");
		exit(1);
	}
	memset(p, 0, size);
	return p;
}

/* The sector with `iterations` patched in (offset 2), and its header. */
static void make_program(struct program *pg, uint32_t iterations)
{
	if (emu_loop_image_size != SECTOR) {
		fprintf(stderr, "bench_emu: the loop image is %llu bytes, not a sector\n",
			(unsigned long long)emu_loop_image_size);
		exit(1);
	}
	memcpy(pg->sector, emu_loop_image, SECTOR);
	for (unsigned i = 0; i < 4; i++)
		pg->sector[2 + i] = (uint8_t)(iterations >> (8 * i));
	pg->iterations = iterations;
	pg->init = le16(pg->sector + 6);
	pg->iter = le16(pg->sector + 8);
	pg->fini = le16(pg->sector + 10);
	pg->halt_ip = le16(pg->sector + 12);
	pg->insns = pg->init + (uint64_t)iterations * pg->iter + pg->fini;
}

__attribute__((format(printf, 2, 3)))
static void disqualify(struct contender *c, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

/* A run's result: the first, or the same as the first. */
static void keep_result(struct contender *c, const uint8_t *result)
{
	if (!c->have_result) {
		memcpy(c->result, result, RESULT_LEN);
		c->have_result = true;
	} else if (memcmp(c->result, result, RESULT_LEN)) {
		disqualify(c, "its result changed from one round to the next");
	}
}

static void run_in_process(struct contender *c, const struct program *pg, unsigned round)
{
	struct rm_state start = { .eip = LOAD_ADDR, .eflags = 0x2 };
	struct peer_result res;
	uint8_t result[RESULT_LEN];
	double t0;
	int r;

	/* Poison what the program must initialise itself. */
	memset(c->ram + DATA_PHYS, 0xa5, 0x30000);
	if (peer_set_state(c->peer, &start) < 0) {
		disqualify(c, "%s", peer_error(c->peer));
		return;
	}
	t0 = now_ns();
	r = peer_run(c->peer, pg->halt_ip, pg->insns + 1000, &res);
	c->ns[round] = now_ns() - t0;
	if (r < 0) {
		disqualify(c, "%s", peer_error(c->peer));
	} else if (!res.halted) {
		struct rm_state s;

		peer_get_state(c->peer, &s);
		disqualify(c, "did not stop at the HLT (0000:%04x) but at %04x:%04x", pg->halt_ip,
			   s.sreg[RM_CS], s.eip);
	} else if (res.retired != PEER_UNCOUNTED && res.retired != pg->insns) {
		disqualify(c, "retired %llu instructions, not %llu", (unsigned long long)res.retired,
			   (unsigned long long)pg->insns);
	}
	memcpy(result, c->ram + DATA_PHYS, HALF);
	memcpy(result + HALF, c->ram + COPY_PHYS, HALF);
	keep_result(c, result);
}

/* One boot of `pg`; its time, or a negative value when it went wrong. */
static double boot_qemu(struct contender *c, const struct program *pg, bool keep)
{
	struct qemu_boot boot;

	if (qemu_boot_sector(pg->sector, &boot) < 0) {
		disqualify(c, "could not run qemu-system-x86_64");
		return -1;
	}
	if (boot.status != QEMU_STATUS) {
		disqualify(c, "exit status %d, not %d (%u iterations)", boot.status, QEMU_STATUS,
			   pg->iterations);
		return -1;
	}
	if (boot.out_len != RESULT_LEN) {
		disqualify(c, "wrote %zu bytes to debugcon, not %d", boot.out_len, RESULT_LEN);
		return -1;
	}
	if (keep)
		keep_result(c, boot.out);
	return boot.ns;
}

static void run_qemu(struct contender *c, const struct program *full, const struct program *zero,
		     unsigned round)
{
	c->ns[round] = boot_qemu(c, full, true);
	if (!c->failed)
		c->ns_zero[round] = boot_qemu(c, zero, false);
}

/* The result most contenders agree on; the others are disqualified. With
 * no majority, every contender is. */
static void verify(struct contender *cs)
{
	unsigned best = 0, best_votes = 0, tie = 0;

	for (unsigned i = 0; i < NR_CONTENDERS; i++) {
		unsigned votes = 0;

		if (!cs[i].present || !cs[i].have_result || cs[i].failed)
			continue;
		for (unsigned j = 0; j < NR_CONTENDERS; j++)
			votes += cs[j].present && cs[j].have_result && !cs[j].failed &&
				 !memcmp(cs[i].result, cs[j].result, RESULT_LEN);
		if (votes > best_votes) {
			best = i;
			best_votes = votes;
			tie = 0;
		} else if (votes == best_votes && memcmp(cs[i].result, cs[best].result, RESULT_LEN)) {
			tie = 1;
		}
	}
	for (unsigned i = 0; i < NR_CONTENDERS; i++) {
		struct contender *c = &cs[i];
		const uint8_t *r = c->result;

		if (!c->present || c->failed || !c->have_result || (!tie && !memcmp(r, cs[best].result, RESULT_LEN)))
			continue;
		disqualify(c, "computed something else%s: ax %04x bx %04x cx %04x dx %04x si %04x di %04x "
			   "ebp %04x%04x flags %04x, data %08x", tie ? " (no majority)" : "",
			   le16(r), le16(r + 2), le16(r + 4), le16(r + 6), le16(r + 8), le16(r + 10),
			   le16(r + 16), le16(r + 14), le16(r + 18), fnv1a(r + 20, RESULT_LEN - 20));
	}
}

static bool selected(const char *name, const char *only)
{
	return !only || !strncasecmp(name, only, strlen(only));
}

static void setup(struct contender *cs, unsigned rounds, const char *only)
{
	for (unsigned k = 0; k < NR_CONTENDERS; k++) {
		struct contender *c = &cs[k];

		c->name = k == QEMU ? "QEMU TCG" : peer_name((enum peer_kind)k);
		c->ns = must_alloc(16, rounds * sizeof(double));
		c->ns_zero = must_alloc(16, rounds * sizeof(double));
		if (!selected(k == QEMU ? "qemu" : c->name, only))
			continue;
		if (k == QEMU) {
			c->present = qemu_found();
			if (!c->present)
				printf("bench_emu: qemu-system-x86_64 not found, QEMU TCG skipped "
				       "(apt-get install qemu-system-x86)\n");
			continue;
		}
		if (!peer_built_in((enum peer_kind)k)) {
			printf("bench_emu: %s not built in (its development package was not found)\n", c->name);
			continue;
		}
		c->ram = must_alloc(4096, RAM_SIZE);
		c->peer = peer_create((enum peer_kind)k, c->ram, RAM_SIZE, false);
		c->present = c->peer != NULL;
	}
}

static void report(struct contender *cs, const struct program *full, const struct program *zero,
		   unsigned rounds)
{
	double mips[NR_CONTENDERS] = { 0 }, run_ns[NR_CONTENDERS] = { 0 };

	for (unsigned k = 0; k < NR_CONTENDERS; k++) {
		struct contender *c = &cs[k];
		double ns;

		if (!c->present || c->failed)
			continue;
		if (k == QEMU) {
			ns = median(c->ns, rounds) - median(c->ns_zero, rounds);
			if (ns <= 0) {
				disqualify(c, "the run is lost in the noise of QEMU's start-up (%.1f ms): "
					   "ask for more instructions", median(c->ns_zero, rounds) / 1e6);
				continue;
			}
			mips[k] = (double)(full->insns - zero->insns) / ns * 1e3;
		} else {
			ns = median(c->ns, rounds);
			mips[k] = (double)full->insns / ns * 1e3;
		}
		run_ns[k] = ns;
	}
	printf("emulated MIPS, real-mode loop: %.1f M instructions per run (%u iterations x %u + %u), "
	       "median of %u rounds\n", (double)full->insns / 1e6, full->iterations, full->iter,
	       full->init + full->fini, rounds);
	printf("  %-10s %10s %9s %11s  %s\n", "contender", "ms/run", "MIPS", "libvcpu is", "result");
	for (unsigned k = 0; k < NR_CONTENDERS; k++) {
		struct contender *c = &cs[k];

		if (!c->present)
			continue;
		if (c->failed) {
			printf("  %-10s NOT TIMED: %s\n", c->name, c->why);
			continue;
		}
		printf("  %-10s %10.1f %9.2f ", c->name, run_ns[k] / 1e6, mips[k]);
		if (k == PEER_LIBVCPU || mips[PEER_LIBVCPU] <= 0)
			printf("%11s", "-");
		else
			printf("%10.2fx", mips[PEER_LIBVCPU] / mips[k]);
		printf("  ok %08x%s\n", fnv1a(c->result, RESULT_LEN),
		       k == QEMU ? ", start-up subtracted" : "");
	}
	if (mips[PEER_LIBVCPU] > 0)
		printf("  goal: libvcpu >= 100 MIPS, >= 4x libx86emu, ahead of QEMU TCG\n");
}

int main(int argc, char **argv)
{
	double minsns = argc > 1 ? strtod(argv[1], NULL) : 100;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 5;
	const char *only = argc > 3 ? argv[3] : NULL;
	struct contender cs[NR_CONTENDERS] = { 0 };
	struct program full, zero;
	double want;

	if (argc > 4 || minsns <= 0 || !rounds) {
		fprintf(stderr, "usage: bench_emu [MINSNS [ROUNDS [libvcpu|libx86emu|unicorn|qemu]]]\n");
		return 64;
	}
	make_program(&zero, 0);
	want = (minsns * 1e6 - (double)zero.insns) / zero.iter;
	make_program(&full, want < 1 ? 1 : want > 4e9 ? 4000000000u : (uint32_t)want);
	setup(cs, rounds, only);
	for (unsigned k = 0; k < PEER_KINDS; k++)
		if (cs[k].present)
			memcpy(cs[k].ram + LOAD_ADDR, full.sector, SECTOR);
	for (unsigned round = 0; round < rounds; round++) {
		for (unsigned i = 0; i < NR_CONTENDERS; i++) {
			unsigned k = (i + round) % NR_CONTENDERS;

			if (!cs[k].present || cs[k].failed)
				continue;
			if (k == QEMU)
				run_qemu(&cs[k], &full, &zero, round);
			else
				run_in_process(&cs[k], &full, round);
		}
	}
	verify(cs);
	report(cs, &full, &zero, rounds);
	for (unsigned k = 0; k < NR_CONTENDERS; k++) {
		peer_destroy(cs[k].peer);
		free(cs[k].ram);
		free(cs[k].ns);
		free(cs[k].ns_zero);
	}
	return cs[PEER_LIBVCPU].failed ? 1 : 0;
}
