/*
 * minivm - a small virtual machine monitor on libvcpu's public API.
 *
 *   options -> image (open, validate) -> machine (VM, RAM, VCPUs, devices,
 *   exit handler) -> load -> run -> exit status
 *
 * A bad image is refused before the backend is touched, so its error does
 * not depend on the host. The run is one vcpu_run() per VCPU, each on a
 * host thread of its own (threads.c): minivm's exit handler returns to it
 * only when the guest halts, writes the exit or power-off port, or reaches
 * --max-exits; --timeout and the first VCPU to end the run stop the rest.
 * Statuses follow sysexits(3); --help lists them.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "demo.h"
#include "loader.h"
#include "machine.h"
#include "options.h"

#define ERRLEN 512

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

/* " on cpuN" where there is more than one VCPU to tell apart. */
static const char *on_cpu(const struct machine *m, const struct machine_cpu *cpu)
{
	static char buf[16];

	if (m->nr_vcpus == 1)
		return "";
	snprintf(buf, sizeof(buf), " on cpu%u", cpu->id);
	return buf;
}

static int guest_failure(struct machine *m, struct machine_cpu *cpu)
{
	const char *where = on_cpu(m, cpu);

	fprintf(stderr, "minivm: guest failure%s: %s (%s): %s\n", where, vcpu_error_name(cpu->result),
		vcpu_strerror(cpu->result), vcpu_error_detail(cpu->vcpu));
	fprintf(stderr, "minivm: VCPU state at the failure%s:\n", where);
	vcpu_dump(cpu->vcpu, VCPU_DUMP_TEXT, dump_line, stderr);
	return EX_SOFTWARE;
}

/* The VCPU that ended the run returned 0 from vcpu_run(): why, and with
 * which status. */
static int stopped(struct machine *m, struct machine_cpu *cpu, bool verbose)
{
	switch (cpu->stop) {
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
		fprintf(stderr, "minivm: --max-exits: stopped the guest after %llu exits at RIP 0x%llx%s\n",
			(unsigned long long)m->stats.total, (unsigned long long)rip_of(cpu->vcpu),
			on_cpu(m, cpu));
		return EX_TEMPFAIL;
	case MACHINE_STOP_HALT:
		/* A VCPU that halted with interrupts off never ends the run. */
		fprintf(stderr, "minivm: the guest halted with interrupts on at RIP 0x%llx%s, but minivm "
			"has no interrupt sources to wake it: stopped\n",
			(unsigned long long)rip_of(cpu->vcpu), on_cpu(m, cpu));
		return EX_TEMPFAIL;
	default:
		fprintf(stderr, "minivm: vcpu_run returned after exit reason %u%s, which minivm does not "
			"expect to end a run\n", vmx_exit_basic_reason(vcpu_last_exit(cpu->vcpu)),
			on_cpu(m, cpu));
		return EX_SOFTWARE;
	}
}

static int all_halted(struct machine *m, bool verbose)
{
	if (!verbose)
		return 0;
	if (m->nr_vcpus == 1)
		fprintf(stderr, "minivm: the guest halted with interrupts off (RIP 0x%llx)\n",
			(unsigned long long)rip_of(m->vcpu));
	else
		fprintf(stderr, "minivm: all %u VCPUs halted with interrupts off\n", m->nr_vcpus);
	return 0;
}

static int timed_out(struct machine *m, double timeout)
{
	fprintf(stderr, "minivm: timeout: the guest was still running after %g s (%llu VM exits "
		"handled); stopped it", timeout, (unsigned long long)m->stats.total);
	if (m->nr_vcpus == 1) {
		fprintf(stderr, " at RIP 0x%llx\n", (unsigned long long)rip_of(m->vcpu));
		return EX_TEMPFAIL;
	}
	for (unsigned i = 0, n = 0; i < m->nr_vcpus; i++) {
		if (machine_cpu_halted_for_good(&m->cpu[i]))
			continue;
		fprintf(stderr, "%s cpu%u at RIP 0x%llx", n++ ? "," : ":", i,
			(unsigned long long)rip_of(m->cpu[i].vcpu));
	}
	fputc('\n', stderr);
	return EX_TEMPFAIL;
}

static int run(struct machine *m, const struct options *o, bool verbose)
{
	int err = machine_run_threads(m, o->timeout);

	fflush(stdout);
	if (err) {
		fprintf(stderr, "minivm: cannot start the VCPU threads: %s\n", strerror(err));
		return EX_OSERR;
	}
	if (m->timed_out)
		return timed_out(m, o->timeout);
	if (m->ended_by < 0)
		return all_halted(m, verbose);
	if (m->cpu[m->ended_by].result < 0)
		return guest_failure(m, &m->cpu[m->ended_by]);
	return stopped(m, &m->cpu[m->ended_by], verbose);
}

/* --stats, after the table of exit reasons. */
static void print_cpu_stats(const struct machine *m)
{
	if (m->nr_vcpus > 1)
		machine_print_cpu_exits(m, stderr);
	if (m->lock_hints)
		fprintf(stderr, "minivm: %llu lock-holder hints (VMCALL 0x%x) answered\n",
			(unsigned long long)m->lock_hints, SCHED_HC_LOCK_HOLDER);
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

/* Every VCPU starts at the image's entry in the same state (loader.c). */
static int load(struct machine *m, const struct options *o, const struct image *img, char *err,
		size_t errlen)
{
	int status = image_load(img, &o->load, m->vm, m->vcpu, err, errlen);

	for (unsigned i = 1; i < m->nr_vcpus && !status; i++)
		status = image_boot(img, &o->load, m->vm, m->cpu[i].vcpu, err, errlen);
	return status;
}

static int boot(const struct options *o, struct image *img, bool demo)
{
	struct machine m = { 0 };
	char err[ERRLEN];
	int r, status;

	devices_init(&m.dev, stdout, devices_stdin_source(), stderr);
	m.trace = o->trace ? stderr : NULL;
	m.max_exits = o->max_exits;
	r = machine_create(&m, o->backend, o->device, o->load.ram_size, o->nr_vcpus, err,
			   sizeof(err));
	if (r < 0) {
		fprintf(stderr, "minivm: %s\n", err);
		/* No backend is one thing; a backend failing after it opened,
		 * or no memory, is the system's. */
		status = r != VCPU_ENOMEM && !m.vm ? EX_UNAVAILABLE : EX_OSERR;
		machine_destroy(&m);
		return status;
	}
	r = machine_attach(&m, o->strict_ports);
	status = r < 0 ? EX_SOFTWARE : load(&m, o, img, err, sizeof(err));
	if (status) {
		fprintf(stderr, "minivm: %s\n", r < 0 ? vcpu_error_name(r) : err);
	} else if (!strcmp(o->backend, "mock")) {
		status = mock_dry_run(&m, img);
	} else {
		if (demo)
			demo_explain(o);
		status = run(&m, o, demo || o->trace || o->stats);
		if (demo)
			demo_summarize(&m, o);
		if (o->stats) {
			stats_print(&m.stats, stderr, o->backend);
			print_cpu_stats(&m);
		}
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
		demo_image(&img, o.demo);
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
