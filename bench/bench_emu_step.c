/*
 * bench_emu_step - the latency of emulating one trapped instruction, as a
 * VMM does after a VM exit: IP set, then exactly one instruction from a
 * given real-mode state. Three instructions:
 *   mov [bx+si+4], ax   89 40 04   a store through DS:[bx+si+disp]
 *   out dx, al          EE         to a port callback that only counts
 *   rep movsb           F3 A4      CX = 16, DS:SI -> ES:DI
 * for libvcpu's emu_step, Unicorn's uc_emu_start(..., count = 1) and a
 * one-instruction x86emu_run (X86EMU_RUN_MAX_INSTR), warm (the same
 * instruction again: its decoded or translated code cached) and cold
 * (after emu_flush_code, or flushing Unicorn's translations; libx86emu
 * keeps nothing, so its cold is its warm).
 *
 * How: a batch of K times [restore what the instruction changed (rep
 * movsb: CX, SI, DI); cold: forget code; step] is timed, and the same
 * batch without the step; (difference) / K is one step, IP setting
 * included. Batches last about a millisecond and alternate between the
 * contenders; the table shows medians over BATCHES batches. Before timing,
 * one step of each contender is checked against what the instruction must
 * do (registers, all of memory, the callback's count).
 *
 * Usage: bench_emu_step [BATCHES]   (default 101; the whole run takes about a second)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_peers.h"

#define RAM_SIZE	(1u << 20)
#define BATCH_NS	1e6

struct step_case {
	const char *name;
	uint16_t ip;			/* CS = 0 */
	uint8_t bytes[3];
	uint8_t len;
	bool string;			/* restore CX, SI, DI before each */
	bool port;			/* OUT: the counting callback */
};

static const struct step_case cases[] = {
	{ "mov [bx+si+4], ax", 0x1000, { 0x89, 0x40, 0x04 }, 3, false, false },
	{ "out dx, al (callback)", 0x1010, { 0xee }, 1, false, true },
	{ "rep movsb (cx = 16)", 0x1020, { 0xf3, 0xa4 }, 2, true, false },
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* The state every step starts from. */
static const struct rm_state start = {
	/*        EAX     ECX   EDX   EBX   ESP     EBP  ESI   EDI */
	.gpr = { 0x1234, 16, 0x80, 0x10, 0xfff0, 0, 0x20, 0x40 },
	.eip = 0,
	.eflags = 0x2,
	/*          ES      CS  SS      DS      FS  GS */
	.sreg = { 0x2000, 0, 0x3000, 0x1000, 0, 0 },
};

enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI };

struct cell {
	bool ok;
	double ns[2];			/* warm, cold */
	char why[200];
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

static uint32_t phys(uint16_t seg, uint32_t off)
{
	return ((uint32_t)seg << 4) + off;
}

/* RAM as the test starts it: a pattern, and the instruction then HLTs. */
static void fill_ram(uint8_t *ram, const struct step_case *sc)
{
	for (uint32_t i = 0; i < RAM_SIZE; i++)
		ram[i] = (uint8_t)(i * 7 + (i >> 8));
	memcpy(ram + sc->ip, sc->bytes, sc->len);
	memset(ram + sc->ip + sc->len, 0xf4, 4);
}

/* What one step must leave: the state and memory after it. */
static void model(const struct step_case *sc, struct rm_state *s, uint8_t *ram)
{
	s->eip = sc->ip + sc->len;
	if (sc->bytes[0] == 0x89) {
		uint32_t at = phys(s->sreg[RM_DS], (s->gpr[R_BX] + s->gpr[R_SI] + 4) & 0xffff);

		ram[at] = (uint8_t)s->gpr[R_AX];
		ram[at + 1] = (uint8_t)(s->gpr[R_AX] >> 8);
	} else if (sc->string) {
		memmove(ram + phys(s->sreg[RM_ES], s->gpr[R_DI]), ram + phys(s->sreg[RM_DS], s->gpr[R_SI]),
			s->gpr[R_CX]);
		s->gpr[R_SI] += s->gpr[R_CX];
		s->gpr[R_DI] += s->gpr[R_CX];
		s->gpr[R_CX] = 0;
	}
}

/* One checked step; false with c->why set if it did something else. */
static bool check(struct peer *p, const struct step_case *sc, uint8_t *ram, struct cell *c)
{
	struct rm_state want = start, got;
	uint8_t *expect = malloc(RAM_SIZE);
	uint64_t outs = peer_outs(p);
	bool ok = false;

	if (!expect)
		return false;
	want.eip = sc->ip;
	memcpy(expect, ram, RAM_SIZE);
	model(sc, &want, expect);
	if (peer_set_state(p, &start) < 0 || peer_step_at(p, sc->ip) < 0) {
		snprintf(c->why, sizeof(c->why), "%s", peer_error(p));
		goto out;
	}
	memset(&got, 0, sizeof(got));
	peer_get_state(p, &got);
	if (memcmp(&got, &want, sizeof(got)))
		snprintf(c->why, sizeof(c->why), "wrong state after it: ip %04x cx %04x si %04x di %04x "
			 "flags %08x", got.eip, got.gpr[R_CX], got.gpr[R_SI], got.gpr[R_DI], got.eflags);
	else if (memcmp(ram, expect, RAM_SIZE))
		snprintf(c->why, sizeof(c->why), "wrong memory after it");
	else if (peer_outs(p) - outs != sc->port)
		snprintf(c->why, sizeof(c->why), "the port callback ran %llu times, not %d",
			 (unsigned long long)(peer_outs(p) - outs), sc->port);
	else
		ok = true;
out:
	free(expect);
	return ok;
}

/* K repetitions, with or without the step; ns. */
static double batch(struct peer *p, const struct step_case *sc, bool cold, bool step, unsigned k)
{
	double t0 = now_ns();

	for (unsigned i = 0; i < k; i++) {
		if (sc->string) {
			peer_set_gpr(p, R_CX, start.gpr[R_CX]);
			peer_set_gpr(p, R_SI, start.gpr[R_SI]);
			peer_set_gpr(p, R_DI, start.gpr[R_DI]);
		}
		if (cold)
			peer_forget_code(p);
		if (step && peer_step_at(p, sc->ip) < 0) {
			fprintf(stderr, "bench_emu_step: %s: %s\n", sc->name, peer_error(p));
			exit(1);
		}
	}
	return now_ns() - t0;
}

/* Repetitions for a batch of about BATCH_NS. */
static unsigned calibrate(struct peer *p, const struct step_case *sc, bool cold)
{
	double per = batch(p, sc, cold, true, 64) / 64;
	double k = per > 0 ? BATCH_NS / per : 1e6;

	return k < 16 ? 16 : k > 1e6 ? 1000000 : (unsigned)k;
}

/* One case, warm then cold, every contender that passed its check. */
static void measure(const struct step_case *sc, struct peer **peers, struct cell *cells, unsigned batches)
{
	double *per = calloc((size_t)PEER_KINDS * batches, sizeof(double));
	unsigned k[PEER_KINDS];

	if (!per)
		exit(1);
	for (int cold = 0; cold < 2; cold++) {
		for (unsigned i = 0; i < PEER_KINDS; i++)
			if (cells[i].ok)
				k[i] = calibrate(peers[i], sc, cold);
		for (unsigned b = 0; b < batches; b++) {
			for (unsigned i = 0; i < PEER_KINDS; i++) {
				if (!cells[i].ok)
					continue;
				double with = batch(peers[i], sc, cold, true, k[i]);
				double without = batch(peers[i], sc, cold, false, k[i]);

				per[i * batches + b] = (with - without) / k[i];
			}
		}
		for (unsigned i = 0; i < PEER_KINDS; i++) {
			if (!cells[i].ok)
				continue;
			qsort(per + i * batches, batches, sizeof(double), cmp_double);
			cells[i].ns[cold] = per[i * batches + batches / 2];
		}
	}
	free(per);
}

static void run_case(const struct step_case *sc, struct cell *cells, unsigned batches)
{
	struct peer *peers[PEER_KINDS] = { 0 };
	uint8_t *ram[PEER_KINDS] = { 0 };

	for (unsigned i = 0; i < PEER_KINDS; i++) {
		if (!peer_built_in((enum peer_kind)i))
			continue;
		ram[i] = aligned_alloc(4096, RAM_SIZE);
		if (!ram[i])
			exit(1);
		fill_ram(ram[i], sc);
		peers[i] = peer_create((enum peer_kind)i, ram[i], RAM_SIZE, sc->port);
		if (!peers[i])
			snprintf(cells[i].why, sizeof(cells[i].why), "could not be created");
		else
			cells[i].ok = check(peers[i], sc, ram[i], &cells[i]);
	}
	measure(sc, peers, cells, batches);
	for (unsigned i = 0; i < PEER_KINDS; i++) {
		peer_destroy(peers[i]);
		free(ram[i]);
	}
}

int main(int argc, char **argv)
{
	unsigned batches = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 101;
	struct cell cells[NR_CASES][PEER_KINDS];

	if (argc > 2 || !batches) {
		fprintf(stderr, "usage: bench_emu_step [BATCHES]\n");
		return 64;
	}
	memset(cells, 0, sizeof(cells));
	for (unsigned c = 0; c < NR_CASES; c++)
		run_case(&cases[c], cells[c], batches);

	printf("one emulated instruction from a set state, ns warm / cold (median of %u batches;\n"
	       "warm: decoded code cached, cold: after flushing it)\n", batches);
	printf("  %-22s", "instruction");
	for (unsigned i = 0; i < PEER_KINDS; i++)
		if (peer_built_in((enum peer_kind)i))
			printf(" %19s", peer_name((enum peer_kind)i));
	printf("\n");
	for (unsigned c = 0; c < NR_CASES; c++) {
		printf("  %-22s", cases[c].name);
		for (unsigned i = 0; i < PEER_KINDS; i++) {
			if (!peer_built_in((enum peer_kind)i))
				continue;
			char cell[40] = "FAILED";

			if (cells[c][i].ok)
				snprintf(cell, sizeof(cell), "%.1f / %.1f", cells[c][i].ns[0], cells[c][i].ns[1]);
			printf(" %19s", cell);
		}
		printf("\n");
	}
	for (unsigned c = 0; c < NR_CASES; c++)
		for (unsigned i = 0; i < PEER_KINDS; i++)
			if (peer_built_in((enum peer_kind)i) && !cells[c][i].ok)
				printf("  %s, %s: not timed: %s\n", peer_name((enum peer_kind)i), cases[c].name,
				       cells[c][i].why);
	if (peer_built_in(PEER_X86EMU))
		printf("  libx86emu decodes every instruction every time: its cold is its warm\n");
	if (peer_built_in(PEER_UNICORN))
		printf("  Unicorn's count = 1 retires one iteration of a REP: rep movsb is a call per iteration\n");
	printf("  goal: libvcpu warm < 25 ns for the first two\n");
	for (unsigned c = 0; c < NR_CASES; c++)
		if (!cells[c][PEER_LIBVCPU].ok)
			return 1;
	return 0;
}
