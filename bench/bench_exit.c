/*
 * bench_exit - the cost of one VM exit through the whole path on the mock
 * backend: entry (write-back of dirty state, memoized entry checks,
 * scripted exit) -> dispatch -> handler -> resume.
 *
 * Rows, each the median of several timed runs (ns per exit):
 *   cpuid-default   CPUID exit, the core's default handler (reads RAX/RCX,
 *                   looks up the table, writes 4 GPRs, advances RIP)
 *   io-out-default  OUT to a port, the default I/O handler and a callback
 *   resume-only     an embedder handler that just resumes: the path's floor
 *   call-baseline   an indirect call through a function pointer, the cost
 *                   of "dispatching" with nothing behind it
 * Usage: bench_exit [exits-per-run]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libvcpu/libvcpu.h"
#include "flat_pm.h"

/* Exits per script loop before the HLT that returns from vcpu_run; small
 * enough that the script itself stays in the L1 cache. */
#define BATCH 63
#define RUNS 7

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

static int resume_only(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	(void)vcpu;
	(void)exit;
	(void)opaque;
	return VCPU_EXIT_RESUME;
}

static int port_sink(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	(void)vcpu;
	(void)port;
	(void)size;
	(void)in;
	*(uint32_t *)opaque += *value;
	return 0;
}

static _Noreturn void die(const char *what, struct vcpu *vcpu, int r)
{
	fprintf(stderr, "bench_exit: %s: %s: %s\n", what, vcpu_error_name(r), vcpu ? vcpu_error_detail(vcpu) : "");
	exit(1);
}

/* Build a VM whose looping script is BATCH exits of `exit` then a HLT. */
static struct vcpu *make_vcpu(struct vm **vm, const struct vmx_exit *exit, vcpu_exit_handler_fn handler,
			      const struct vm_callbacks *cb, void *cb_opaque)
{
	static const struct vcpu_cpuid_entry cpuid[] = {
		{ 0, VCPU_CPUID_SUBLEAF_ANY, 1, 0x756e6547, 0x6c65746e, 0x49656e69 },
		{ 1, VCPU_CPUID_SUBLEAF_ANY, 0x000906ea, 0x00100800, 0x7ffafbbf, 0xbfebfbff },
	};
	struct vcpu_mock_exit step = { .exit = *exit };
	struct vcpu_mock_exit hlt = { .exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 } };
	struct vcpu *vcpu;
	int r;

	if ((r = vm_create(NULL, vm)) < 0 || (r = vcpu_create(*vm, 0, &vcpu)) < 0)
		die("create", NULL, r);
	vm_set_cpuid(*vm, cpuid, 2);
	if (handler)
		vm_set_exit_handler(*vm, vmx_exit_basic_reason(exit), handler, NULL);
	if (cb)
		vm_set_callbacks(*vm, cb, cb_opaque);
	if ((r = set_flat_protected_mode(vcpu)) < 0)	/* every profile's entry checks pass */
		die("protected mode", vcpu, r);
	for (unsigned i = 0; i < BATCH; i++)
		if ((r = vcpu_mock_push_exit(vcpu, &step)) < 0)
			die("script", vcpu, r);
	vcpu_mock_push_exit(vcpu, &hlt);
	vcpu_mock_set_loop(vcpu, true);
	return vcpu;
}

static double measure(const struct vmx_exit *exit, vcpu_exit_handler_fn handler, const struct vm_callbacks *cb,
		      unsigned exits)
{
	double samples[RUNS];
	uint32_t sink = 0;
	struct vm *vm;
	struct vcpu *vcpu = make_vcpu(&vm, exit, handler, cb, &sink);
	unsigned loops = exits / (BATCH + 1) + 1;
	struct vcpu_booking b0, b1;
	int r;

	for (unsigned run = 0; run < RUNS; run++) {
		double t0;

		vcpu_get_booking(vcpu, &b0);
		t0 = now_ns();
		for (unsigned i = 0; i < loops; i++) {
			vcpu_wake(vcpu);
			if ((r = vcpu_run(vcpu)) < 0)
				die("run", vcpu, r);
		}
		samples[run] = now_ns() - t0;
		vcpu_get_booking(vcpu, &b1);
		samples[run] /= (double)(b1.exits - b0.exits);
	}
	vm_destroy(vm);
	qsort(samples, RUNS, sizeof(samples[0]), cmp_double);
	return samples[RUNS / 2];
}

static int (*volatile call_target)(struct vcpu *, const struct vmx_exit *, void *) = resume_only;

static double measure_call_baseline(unsigned n)
{
	double samples[RUNS];
	struct vmx_exit e = { 0 };

	for (unsigned run = 0; run < RUNS; run++) {
		double t0 = now_ns();
		int acc = 0;

		for (unsigned i = 0; i < n; i++)
			acc += call_target(NULL, &e, NULL);
		samples[run] = (now_ns() - t0) / n;
		if (acc)
			abort();
	}
	qsort(samples, RUNS, sizeof(samples[0]), cmp_double);
	return samples[RUNS / 2];
}

int main(int argc, char **argv)
{
	unsigned exits = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 2000000;
	const struct vmx_exit cpuid = { .reason = VMX_EXIT_REASON_CPUID, .instruction_len = 2 };
	const struct vmx_exit out = { .reason = VMX_EXIT_REASON_IO_INSTRUCTION, .instruction_len = 1,
				      .qualification = 0x80u << 16 };
	const struct vm_callbacks cb = { .port_io = port_sink };
	double full, io, floor, call;

	if (!exits)
		exits = 1;
	full = measure(&cpuid, NULL, NULL, exits);
	io = measure(&out, NULL, &cb, exits);
	floor = measure(&cpuid, resume_only, NULL, exits);
	call = measure_call_baseline(exits);

	printf("libvcpu exit path on the mock backend (%u exits per run, median of %d runs)\n", exits, RUNS);
	printf("  %-16s %8.1f ns/exit\n", "cpuid-default", full);
	printf("  %-16s %8.1f ns/exit\n", "io-out-default", io);
	printf("  %-16s %8.1f ns/exit\n", "resume-only", floor);
	printf("  %-16s %8.1f ns/call\n", "call-baseline", call);
	printf("  cpuid-default / resume-only = %.2f, resume-only / call-baseline = %.1f\n", full / floor,
	       floor / call);
	return 0;
}
