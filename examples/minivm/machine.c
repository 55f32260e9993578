/*
 * minivm - the machine and its exit handler.
 *
 * minivm registers one handler for every basic exit reason. It adds
 * bookkeeping around the core's default handling and changes only what
 * "return to the caller" means: the exit port, the power-off port and
 * --max-exits stop the run; everything else (I/O through the port
 * callback, HLT, triple fault, MMIO...) is the library's default. The
 * handler holds the machine's lock throughout, so the callbacks it leads
 * to (devices, hypercalls) run one VCPU at a time.
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
		   unsigned nr_vcpus, char *err, size_t errlen)
{
	/* A logical CPU each: VCPUs sharing one take turns, and these run at once. */
	struct vm_options opts = { .backend = backend, .device = device, .nr_pcpus = nr_vcpus };
	pthread_condattr_t ca;
	int r;

	pthread_mutex_init(&m->lock, NULL);
	/* threads.c's timeout is a deadline on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->changed, &ca);
	pthread_condattr_destroy(&ca);
	m->nr_vcpus = nr_vcpus;
	m->ended_by = -1;
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
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct machine_cpu *cpu = &m->cpu[i];

		cpu->m = m;
		cpu->id = i;
		r = vcpu_create(m->vm, i, &cpu->vcpu);
		if (r < 0) {
			cpu->vcpu = NULL;
			snprintf(err, errlen, "VCPU %u: %s (%s)%s%s", i, vcpu_strerror(r),
				 vcpu_error_name(r), *vm_last_error() ? ": " : "", vm_last_error());
			return r;
		}
	}
	m->vcpu = m->cpu[0].vcpu;
	return 0;
}

void machine_destroy(struct machine *m)
{
	if (m->vm)
		vm_destroy(m->vm);
	if (m->ram)
		munmap(m->ram, m->ram_size);
	pthread_cond_destroy(&m->changed);
	pthread_mutex_destroy(&m->lock);
	m->vm = NULL;
	m->vcpu = NULL;
	m->ram = NULL;
	for (unsigned i = 0; i < MACHINE_MAX_VCPUS; i++)
		m->cpu[i].vcpu = NULL;
}

static void trace_exit(struct machine_cpu *cpu, const struct vmx_exit *exit,
		       const struct trace_pre *pre, int result)
{
	struct machine *m = cpu->m;
	char line[256];

	trace_format(line, sizeof(line), m->stats.total, cpu->vcpu, exit, pre, &m->dev, result);
	/* Guest output first, so the two streams read in order on a terminal. */
	fflush(m->dev.console);
	if (m->nr_vcpus > 1)
		fprintf(m->trace, "minivm: cpu%u: %s\n", cpu->id, line);
	else
		fprintf(m->trace, "minivm: %s\n", line);
}

/* After the default handler: does the run go on? */
static int machine_decide(struct machine_cpu *cpu, unsigned basic, int r)
{
	struct machine *m = cpu->m;

	if (m->dev.stop == DEVICES_EXIT_PORT) {
		cpu->stop = MACHINE_STOP_EXIT_PORT;
		return VCPU_EXIT_RETURN;
	}
	if (m->dev.stop == DEVICES_POWER_OFF) {
		cpu->stop = MACHINE_STOP_POWER_OFF;
		return VCPU_EXIT_RETURN;
	}
	if (r == VCPU_EXIT_RETURN) {
		cpu->stop = basic == VMX_EXIT_REASON_HLT ? MACHINE_STOP_HALT : MACHINE_STOP_OTHER;
		return r;
	}
	if (m->max_exits && m->stats.total >= m->max_exits) {
		cpu->stop = MACHINE_STOP_MAX_EXITS;
		return VCPU_EXIT_RETURN;
	}
	if (m->ending) {
		cpu->stop = MACHINE_STOP_ENDING;
		return VCPU_EXIT_RETURN;
	}
	return r;
}

static int machine_exit(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct machine *m = opaque;
	struct machine_cpu *cpu = &m->cpu[vcpu_id(vcpu)];
	unsigned basic = vmx_exit_basic_reason(exit);
	uint64_t t_exit = machine_now_ns(), t_start, t_end;
	struct trace_pre pre;
	int r;

	/* Waiting for the lock is neither guest nor handler time. */
	pthread_mutex_lock(&m->lock);
	if (m->trace)
		trace_capture(vcpu, exit, &pre);
	t_start = machine_now_ns();
	r = vcpu_default_exit_handler(vcpu, exit);
	t_end = machine_now_ns();
	stats_record(&m->stats, basic, t_exit - cpu->resumed_ns, t_end - t_start);
	cpu->exits++;
	if (m->trace)
		trace_exit(cpu, exit, &pre, r);
	if (r >= 0)
		r = machine_decide(cpu, basic, r);
	pthread_mutex_unlock(&m->lock);
	/* Tracing is neither guest nor handler time. */
	cpu->resumed_ns = machine_now_ns();
	return r;
}

static int machine_port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in,
			   uint32_t *value)
{
	struct machine *m = opaque;

	return devices_port_io(&m->dev, vcpu, port, size, in, value);
}

/* VMCALL, with RAX the call number. sched.h's lock-holder hint (RBX the
 * holder) is answered as the core answers it, 0 or -1 for an id that is no
 * VCPU, and counted: minivm has no scheduler to act on it. Any other call
 * gets -KVM_ENOSYS, as KVM answers hypercalls it does not know. Reached
 * only where the backend passes VMCALL on: KVM handles it in the kernel. */
static int machine_hypercall(void *opaque, struct vcpu *vcpu)
{
	struct machine *m = opaque;
	uint64_t rax = 0, rbx = 0;

	vcpu_get_reg(vcpu, VCPU_REG_RAX, &rax);
	vcpu_get_reg(vcpu, VCPU_REG_RBX, &rbx);
	if ((uint32_t)rax != SCHED_HC_LOCK_HOLDER)
		return vcpu_set_reg(vcpu, VCPU_REG_RAX, (uint64_t)-1000);
	m->lock_hints++;
	if ((uint32_t)rbx == SCHED_NO_LOCK_HOLDER || (uint32_t)rbx < m->nr_vcpus)
		return vcpu_set_reg(vcpu, VCPU_REG_RAX, 0);
	return vcpu_set_reg(vcpu, VCPU_REG_RAX, UINT64_MAX);
}

int machine_attach(struct machine *m, bool strict_ports)
{
	struct vm_callbacks cb = { .port_io = machine_port_io, .hypercall = machine_hypercall };
	int r;

	/* No mmio callback: minivm has no MMIO devices, so an access outside
	 * RAM fails the run with VCPU_EFAULT. */
	vm_set_callbacks(m->vm, &cb, m);
	m->dev.strict_ports = strict_ports;
	vm_set_unknown_port_policy(m->vm, strict_ports ? VM_UNKNOWN_PORT_FAIL : VM_UNKNOWN_PORT_IGNORE);
	for (unsigned reason = 0; reason < VMX_NR_EXIT_REASONS; reason++) {
		r = vm_set_exit_handler(m->vm, reason, machine_exit, m);
		if (r < 0)
			return r;
	}
	return 0;
}

int machine_cpu_run(struct machine_cpu *cpu)
{
	cpu->stop = MACHINE_STOP_NONE;
	cpu->resumed_ns = machine_now_ns();
	return vcpu_run(cpu->vcpu);
}

int machine_run(struct machine *m)
{
	return machine_cpu_run(&m->cpu[0]);
}

void machine_print_cpu_exits(const struct machine *m, FILE *out)
{
	fprintf(out, "minivm: VM exits per VCPU:");
	for (unsigned i = 0; i < m->nr_vcpus; i++)
		fprintf(out, "%s cpu%u %llu", i ? "," : "", i, (unsigned long long)m->cpu[i].exits);
	fputc('\n', out);
}

bool machine_cpu_halted_for_good(struct machine_cpu *cpu)
{
	uint64_t rflags = 0;

	if (cpu->stop != MACHINE_STOP_HALT)
		return false;
	vcpu_get_reg(cpu->vcpu, VCPU_REG_RFLAGS, &rflags);
	return !(rflags & VMX_RFLAGS_IF);
}
