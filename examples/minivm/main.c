/*
 * minivm - a small virtual machine monitor on libvcpu's public API.
 *
 *   options -> image (open, validate) -> machine (VM, RAM, VCPU, devices,
 *   exit handler) -> load -> run -> exit status
 *
 * A bad image is refused before the backend is touched, so its error does
 * not depend on the host. The run is one vcpu_run(): minivm's exit handler
 * returns to it only when the guest halts, writes the exit or power-off
 * port, or reaches --max-exits; --timeout interrupts it from SIGALRM.
 * Statuses follow sysexits(3); --help lists them.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sysexits.h>

#include "demo_guest.h"
#include "loader.h"
#include "machine.h"
#include "options.h"

#define ERRLEN 512

static struct vcpu *volatile timer_vcpu;
static volatile sig_atomic_t timer_fired;

static void on_timer(int sig)
{
	(void)sig;
	timer_fired = 1;
	if (timer_vcpu)
		vcpu_request_exit(timer_vcpu);
}

static int start_timer(struct vcpu *vcpu, double seconds)
{
	struct sigaction sa = { .sa_handler = on_timer };
	struct itimerval it = { 0 };

	/* No SA_RESTART: the signal must interrupt the backend's KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	timer_vcpu = vcpu;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -1;
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)it.it_value.tv_sec) * 1e6);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_timer(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void explain_demo(const char *backend)
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

static void summarize_demo(const struct machine *m, const char *backend)
{
	fprintf(stderr, "\nminivm: VM exits minivm handled:\n");
	stats_summary(&m->stats, stderr);
	if (strcmp(backend, "kvm") || stats_count(&m->stats, VMX_EXIT_REASON_CPUID) ||
	    stats_count(&m->stats, VMX_EXIT_REASON_CR_ACCESS))
		return;
	fputs("minivm: the guest also executed CPUID and wrote CR0 (into protected mode and back).\n"
	      "  On VT-x those are VM exits too (basic reasons 10 CPUID and 28 CR_ACCESS), but KVM\n"
	      "  handles them inside the kernel and never passes them to user space, so minivm\n"
	      "  did not see them. Port I/O, HLT, MMIO, shutdown and failed entries do reach it.\n",
	      stderr);
}

static void dump_line(void *ctx, const char *line)
{
	fprintf(ctx, "  %s\n", line);
}

static uint64_t rip_of(struct vcpu *vcpu)
{
	uint64_t rip = 0;

	vcpu_get_reg(vcpu, VCPU_REG_RIP, &rip);
	return rip;
}

static int guest_failure(struct machine *m, int r)
{
	fprintf(stderr, "minivm: guest failure: %s (%s): %s\n", vcpu_error_name(r), vcpu_strerror(r),
		vcpu_error_detail(m->vcpu));
	fprintf(stderr, "minivm: VCPU state at the failure:\n");
	vcpu_dump(m->vcpu, VCPU_DUMP_TEXT, dump_line, stderr);
	return EX_SOFTWARE;
}

/* vcpu_run() returned 0: why, and with which status. */
static int stopped(struct machine *m, bool verbose)
{
	uint64_t rflags = 0;

	switch (m->stop) {
	case MACHINE_STOP_EXIT_PORT:
		if (verbose)
			fprintf(stderr, "minivm: the guest wrote 0x%x to the exit port: status %d\n",
				m->dev.exit_value, devices_exit_status(&m->dev));
		return devices_exit_status(&m->dev);
	case MACHINE_STOP_POWER_OFF:
		if (verbose)
			fprintf(stderr, "minivm: the guest powered off\n");
		return 0;
	case MACHINE_STOP_MAX_EXITS:
		fprintf(stderr, "minivm: --max-exits: stopped the guest after %llu exits at RIP 0x%llx\n",
			(unsigned long long)m->stats.total, (unsigned long long)rip_of(m->vcpu));
		return EX_TEMPFAIL;
	case MACHINE_STOP_HALT:
		vcpu_get_reg(m->vcpu, VCPU_REG_RFLAGS, &rflags);
		if (!(rflags & VMX_RFLAGS_IF)) {
			if (verbose)
				fprintf(stderr, "minivm: the guest halted with interrupts off (RIP 0x%llx)\n",
					(unsigned long long)rip_of(m->vcpu));
			return 0;
		}
		fprintf(stderr, "minivm: the guest halted with interrupts on at RIP 0x%llx, but minivm "
			"has no interrupt sources to wake it: stopped\n",
			(unsigned long long)rip_of(m->vcpu));
		return EX_TEMPFAIL;
	default:
		fprintf(stderr, "minivm: vcpu_run returned after exit reason %u, which minivm does not "
			"expect to end a run\n", vmx_exit_basic_reason(vcpu_last_exit(m->vcpu)));
		return EX_SOFTWARE;
	}
}

static int run(struct machine *m, const struct options *o, bool verbose)
{
	int r;

	if (o->timeout > 0 && start_timer(m->vcpu, o->timeout) < 0) {
		perror("minivm: --timeout");
		return EX_OSERR;
	}
	r = machine_run(m);
	stop_timer();
	fflush(stdout);
	if (r == VCPU_EINTR && timer_fired) {
		fprintf(stderr, "minivm: timeout: the guest was still running after %g s (%llu VM exits "
			"handled); stopped it at RIP 0x%llx\n", o->timeout, (unsigned long long)m->stats.total,
			(unsigned long long)rip_of(m->vcpu));
		return EX_TEMPFAIL;
	}
	if (r < 0)
		return guest_failure(m, r);
	return stopped(m, verbose);
}

/* The mock replays exits a test scripts: nothing here could run the
 * image, but the load and the boot state can still be checked. */
static int mock_dry_run(struct machine *m, const struct image *img)
{
	struct vmx_entry_failure f;
	char what[256];
	int r = vcpu_check_entry(m->vcpu, &f);

	image_describe(img, what, sizeof(what));
	if (r < 0) {
		fprintf(stderr, "minivm: %s: boot state fails VM-entry check %s (SDM %s): %s\n",
			img->name, f.name, f.sdm, f.message);
		return EX_SOFTWARE;
	}
	fprintf(stderr, "minivm: %s: %s; the boot state passes the VM-entry checks\n", img->name, what);
	fprintf(stderr, "minivm: backend mock cannot execute guest code (it replays VM exits that a "
		"test scripts): nothing run; use --backend kvm\n");
	return EX_UNAVAILABLE;
}

static int boot(const struct options *o, struct image *img, bool demo)
{
	struct machine m = { 0 };
	char err[ERRLEN];
	int r, status;

	devices_init(&m.dev, stdout, devices_stdin_source(), stderr);
	m.trace = o->trace ? stderr : NULL;
	m.max_exits = o->max_exits;
	r = machine_create(&m, o->backend, o->device, o->load.ram_size, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "minivm: %s\n", err);
		/* No backend is one thing; a backend failing after it opened,
		 * or no memory, is the system's. */
		status = r != VCPU_ENOMEM && !m.vm ? EX_UNAVAILABLE : EX_OSERR;
		machine_destroy(&m);
		return status;
	}
	r = machine_attach(&m, o->strict_ports);
	status = r < 0 ? EX_SOFTWARE : image_load(img, &o->load, m.vm, m.vcpu, err, sizeof(err));
	if (status) {
		fprintf(stderr, "minivm: %s\n", r < 0 ? vcpu_error_name(r) : err);
	} else if (!strcmp(o->backend, "mock")) {
		status = mock_dry_run(&m, img);
	} else {
		if (demo)
			explain_demo(o->backend);
		status = run(&m, o, demo || o->trace || o->stats);
		if (demo)
			summarize_demo(&m, o->backend);
		if (o->stats)
			stats_print(&m.stats, stderr, o->backend);
	}
	machine_destroy(&m);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	struct image img;
	char err[ERRLEN];
	int status;

	status = options_parse(&o, argc, argv, err, sizeof(err));
	if (status < 0)
		return 0;
	if (status) {
		fprintf(stderr, "minivm: %s (see minivm --help)\n", err);
		return status;
	}
	if (o.image)
		status = image_open(&img, o.image, err, sizeof(err));
	else
		image_from_memory(&img, "demo", minivm_demo_guest, minivm_demo_guest_size);
	if (!status)
		status = image_parse(&img, &o.load, err, sizeof(err));
	if (status) {
		fprintf(stderr, "minivm: %s\n", err);
		image_close(&img);
		return status;
	}
	status = boot(&o, &img, !o.image);
	image_close(&img);
	fflush(stdout);
	return status;
}
