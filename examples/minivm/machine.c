/*
 * minivm - the machine and its exit handler.
 *
 * minivm registers one handler for every basic exit reason. It adds
 * bookkeeping around the core's default handling and changes only what
 * "return to the caller" means: the exit port, the power-off port and
 * --max-exits stop the run; everything else (I/O through the port
 * callback, HLT, triple fault, MMIO...) is the library's default.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "machine.h"

uint64_t machine_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int machine_create(struct machine *m, const char *backend, const char *device, uint64_t ram_size,
		   char *err, size_t errlen)
{
	struct vm_options opts = { .backend = backend, .device = device };
	int r;

	m->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->ram == MAP_FAILED) {
		m->ram = NULL;
		snprintf(err, errlen, "cannot map %llu bytes of guest RAM", (unsigned long long)ram_size);
		return VCPU_ENOMEM;
	}
	m->ram_size = ram_size;
	r = vm_create(&opts, &m->vm);
	if (r < 0) {
		m->vm = NULL;
		snprintf(err, errlen, "backend %s: %s (%s)%s%s", backend, vcpu_strerror(r),
			 vcpu_error_name(r), *vm_last_error() ? ": " : "", vm_last_error());
		return r;
	}
	r = vm_add_memory(m->vm, 0, ram_size, m->ram);
	if (r < 0) {
		snprintf(err, errlen, "guest RAM of %llu bytes: %s (%s)%s%s",
			 (unsigned long long)ram_size, vcpu_strerror(r), vcpu_error_name(r),
			 *vm_last_error() ? ": " : "", vm_last_error());
		return r;
	}
	r = vcpu_create(m->vm, 0, &m->vcpu);
	if (r < 0) {
		m->vcpu = NULL;
		snprintf(err, errlen, "VCPU 0: %s (%s)%s%s", vcpu_strerror(r), vcpu_error_name(r),
			 *vm_last_error() ? ": " : "", vm_last_error());
		return r;
	}
	return 0;
}

void machine_destroy(struct machine *m)
{
	if (m->vm)
		vm_destroy(m->vm);
	if (m->ram)
		munmap(m->ram, m->ram_size);
	m->vm = NULL;
	m->vcpu = NULL;
	m->ram = NULL;
}

static void trace_exit(struct machine *m, const struct vmx_exit *exit, const struct trace_pre *pre,
		       int result)
{
	char line[256];

	trace_format(line, sizeof(line), m->stats.total, m->vcpu, exit, pre, &m->dev, result);
	/* Guest output first, so the two streams read in order on a terminal. */
	fflush(m->dev.console);
	fprintf(m->trace, "minivm: %s\n", line);
}

/* After the default handler: does the run go on? */
static int machine_decide(struct machine *m, unsigned basic, int r)
{
	if (m->dev.stop == DEVICES_EXIT_PORT) {
		m->stop = MACHINE_STOP_EXIT_PORT;
		return VCPU_EXIT_RETURN;
	}
	if (m->dev.stop == DEVICES_POWER_OFF) {
		m->stop = MACHINE_STOP_POWER_OFF;
		return VCPU_EXIT_RETURN;
	}
	if (r == VCPU_EXIT_RETURN) {
		m->stop = basic == VMX_EXIT_REASON_HLT ? MACHINE_STOP_HALT : MACHINE_STOP_OTHER;
		return r;
	}
	if (m->max_exits && m->stats.total >= m->max_exits) {
		m->stop = MACHINE_STOP_MAX_EXITS;
		return VCPU_EXIT_RETURN;
	}
	return r;
}

static int machine_exit(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct machine *m = opaque;
	unsigned basic = vmx_exit_basic_reason(exit);
	uint64_t t_exit = machine_now_ns(), t_start, t_end;
	struct trace_pre pre;
	int r;

	if (m->trace)
		trace_capture(vcpu, exit, &pre);
	t_start = machine_now_ns();
	r = vcpu_default_exit_handler(vcpu, exit);
	t_end = machine_now_ns();
	stats_record(&m->stats, basic, t_exit - m->resumed_ns, t_end - t_start);
	if (m->trace)
		trace_exit(m, exit, &pre, r);
	/* Tracing is neither guest nor handler time. */
	m->resumed_ns = machine_now_ns();
	return r < 0 ? r : machine_decide(m, basic, r);
}

int machine_attach(struct machine *m, bool strict_ports)
{
	struct vm_callbacks cb = { .port_io = devices_port_io };
	int r;

	/* No mmio callback: minivm has no MMIO devices, so an access outside
	 * RAM fails the run with VCPU_EFAULT. */
	vm_set_callbacks(m->vm, &cb, &m->dev);
	m->dev.strict_ports = strict_ports;
	vm_set_unknown_port_policy(m->vm, strict_ports ? VM_UNKNOWN_PORT_FAIL : VM_UNKNOWN_PORT_IGNORE);
	for (unsigned reason = 0; reason < VMX_NR_EXIT_REASONS; reason++) {
		r = vm_set_exit_handler(m->vm, reason, machine_exit, m);
		if (r < 0)
			return r;
	}
	return 0;
}

int machine_run(struct machine *m)
{
	m->stop = MACHINE_STOP_NONE;
	m->resumed_ns = machine_now_ns();
	return vcpu_run(m->vcpu);
}
