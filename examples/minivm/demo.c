/*
 * minivm - the built-in demo guests and what minivm says around them.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "demo_guest.h"

void demo_image(struct image *img, enum demo demo)
{
	if (demo == DEMO_SMP)
		image_from_memory(img, "smp demo", minivm_smp_guest, minivm_smp_guest_size);
	else
		image_from_memory(img, "demo", minivm_demo_guest, minivm_demo_guest_size);
}

static void explain_exits(const char *backend)
{
	fputs("minivm: no IMAGE given: running the built-in demo guest (examples/minivm/guest/demo.asm).\n"
	      "\n", stderr);
	if (!strcmp(backend, "emulate"))
		fputs("  The guest's instructions run in libvcpu's instruction emulator, which plays\n"
		      "  the CPU (--backend emulate). When it does something the\n", stderr);
	else
		fputs("  The guest's instructions run directly on the CPU. When it does something the\n",
		      stderr);
	fputs("  hypervisor keeps for itself (port I/O and HLT; on VT-x also CPUID and writes to\n"
	      "  CR0), the CPU stops the guest and hands control back with a VM exit: a basic\n"
	      "  exit reason (Intel SDM Vol. 3D, Appendix C) and an exit qualification saying\n"
	      "  exactly what happened. minivm handles the exit (here: it plays a 16550 serial\n"
	      "  port at I/O ports 0x3f8-0x3ff, whose output follows) and resumes the guest.\n"
	      "  --trace prints every exit as it happens.\n\n",
	      stderr);
}

static void explain_smp(unsigned nr_vcpus)
{
	fprintf(stderr, "minivm: no IMAGE given: running the built-in SMP demo guest "
		"(examples/minivm/guest/smp.asm) on %u VCPU%s.\n\n", nr_vcpus, nr_vcpus > 1 ? "s" : "");
	fprintf(stderr,
		"  Each VCPU runs vcpu_run() on a host thread of its own, all at once. minivm has\n"
		"  no local APIC to start processors with INIT and STARTUP IPIs, so every VCPU\n"
		"  starts at 0000:7C00 in real mode with ECX = %u and asks CPUID leaf 1 for its\n"
		"  initial APIC ID, which is its VCPU id. VCPU 0, the bootstrap processor, sets\n"
		"  up shared memory while the others spin with PAUSE on a flag it then sets.\n"
		"  It holds a spinlock (an XCHG test-and-set) until every other VCPU is waiting\n"
		"  for it, which they can only be if they run at the same time. Then each takes\n"
		"  the lock over and over, and holding it adds one to a shared counter with a\n"
		"  plain load and store: only the lock keeps the total right. VCPU 0 waits for\n"
		"  the others and prints the counts on the serial port, whose output follows.\n"
		"  --trace prefixes every exit with the VCPU that took it.\n\n", nr_vcpus);
}

void demo_explain(const struct options *o)
{
	if (o->demo == DEMO_SMP)
		explain_smp(o->nr_vcpus);
	else
		explain_exits(o->backend);
}

static void summarize_exits(const struct machine *m, const char *backend)
{
	if (strcmp(backend, "kvm") || stats_count(&m->stats, VMX_EXIT_REASON_CPUID) ||
	    stats_count(&m->stats, VMX_EXIT_REASON_CR_ACCESS))
		return;
	fputs("minivm: the guest also executed CPUID and wrote CR0 (into protected mode and back).\n"
	      "  On VT-x those are VM exits too (basic reasons 10 CPUID and 28 CR_ACCESS), but KVM\n"
	      "  handles them inside the kernel and never passes them to user space, so minivm\n"
	      "  did not see them. Port I/O, HLT, MMIO, shutdown and failed entries do reach it.\n",
	      stderr);
}

static void summarize_smp(const struct machine *m)
{
	/* More than one VCPU: KVM (options.c). */
	if (m->nr_vcpus == 1)
		return;
	machine_print_cpu_exits(m, stderr);
	fputs("  Only VCPU 0 does port I/O; the others exit to minivm once, on their HLT. Their\n"
	      "  CPUID and any PAUSE-loop exits KVM handled in the kernel.\n", stderr);
}

void demo_summarize(const struct machine *m, const struct options *o)
{
	fprintf(stderr, "\nminivm: VM exits minivm handled:\n");
	stats_summary(&m->stats, stderr);
	if (o->demo == DEMO_SMP)
		summarize_smp(m);
	else
		summarize_exits(m, o->backend);
}
