/*
 * vmxhost: minivm's demo guest (host.h: demo_guest_start) run on a libvcpu
 * backend, for scenarios that compare backends: the same guest must print
 * the same on "emulate" and on the raw VMX backend.
 */
#ifndef VMXHOST_DEMO_GUEST_H
#define VMXHOST_DEMO_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <libvcpu/libvcpu.h>

struct demo_guest_run {
	char output[2048];		/* COM1 and port 0xE9, as minivm shows them */
	size_t output_len;		/* NUL-terminated; truncated if longer */
	unsigned exits[VMX_NR_EXIT_REASONS];	/* by basic reason */
	unsigned total_exits;
	uint64_t rip;			/* where the guest stopped */
	int error;			/* 0, or the libvcpu error that ended the run */
	char detail[256];		/* what failed, if error */
};

/* Runs the demo guest on `backend` (a vm_options.backend name) from 0000:7C00
 * until it halts; returns run->error. Its RAM is the host's low memory
 * (host_low_memory_claim: 4 KiB to 640 KiB), guest-physical = host-physical,
 * so it runs the same with and without EPT; it needs no IVT. */
int demo_guest_run(const char *backend, struct demo_guest_run *run);

/* Prints the guest's output and its exits by reason, indented two spaces. */
void demo_guest_print(const struct demo_guest_run *run);

#endif
