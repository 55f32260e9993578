/* The KVM backend on the real /dev/kvm: small real-mode guests (tests/guests,
 * assembled at build time) and what the core sees of them. Skipped (exit
 * 77) where /dev/kvm cannot be opened. */
#define _GNU_SOURCE	/* sched_getaffinity, CPU_COUNT */
#include <cpuid.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"

#define RAM_SIZE (64 * 1024)

struct kvm_fixture {
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *ram;
	char out[256];		/* bytes written to 0xE9 and 0x3F8 */
	size_t out_len;
	uint32_t port80[16];	/* dwords written to 0x80 */
	unsigned nr_port80;
	unsigned reasons[64];	/* basic reasons of the exits taken */
	unsigned nr_reasons;
	uint64_t mmio_writes[4][2];	/* (gpa, value) */
	unsigned nr_mmio_writes;
};

static struct kvm_fixture k;

static int port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	struct kvm_fixture *f = opaque;

	(void)vcpu;
	if (in) {
		*value = port == 0x60 ? 'Z' : 0xffffffffu;
		return 0;
	}
	if ((port == 0xe9 || port == 0x3f8) && f->out_len + 1 < sizeof(f->out))
		f->out[f->out_len++] = (char)*value;
	else if (port == 0x80 && size == 4 && f->nr_port80 < 16)
		f->port80[f->nr_port80++] = *value;
	return 0;
}

static int mmio(void *opaque, struct vcpu *vcpu, uint64_t gpa, unsigned size, bool write, void *data)
{
	struct kvm_fixture *f = opaque;

	(void)vcpu;
	if (write && f->nr_mmio_writes < 4) {
		uint64_t v = 0;

		memcpy(&v, data, size);
		f->mmio_writes[f->nr_mmio_writes][0] = gpa;
		f->mmio_writes[f->nr_mmio_writes++][1] = v;
	} else if (!write) {
		uint64_t v = 0x1234;

		memcpy(data, &v, size);
	}
	return 0;
}

static int record(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct kvm_fixture *f = opaque;

	if (f->nr_reasons < 64)
		f->reasons[f->nr_reasons++] = vmx_exit_basic_reason(exit);
	return vcpu_default_exit_handler(vcpu, exit);
}

static void load_guest(const char *name)
{
	char path[512];
	FILE *file;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.bin", getenv("LIBVCPU_GUESTS") ? getenv("LIBVCPU_GUESTS") : ".", name);
	file = fopen(path, "rb");
	ck_assert_msg(file, "cannot open %s", path);
	n = fread(k.ram + 0x7c00, 1, RAM_SIZE - 0x7c00, file);
	fclose(file);
	ck_assert_uint_gt(n, 0);
}

static void boot(const char *guest, bool with_mmio)
{
	struct vm_callbacks cb = { .port_io = port_io, .mmio = with_mmio ? mmio : NULL };
	int r;

	memset(&k, 0, sizeof(k));
	r = vm_create(&(struct vm_options){ .backend = "kvm" }, &k.vm);
	ck_assert_msg(r == 0, "vm_create: %s: %s", vcpu_error_name(r), vm_last_error());
	k.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(k.ram, MAP_FAILED);
	ck_assert_int_eq(vm_add_memory(k.vm, 0, RAM_SIZE, k.ram), 0);
	load_guest(guest);
	vm_set_callbacks(k.vm, &cb, &k);
	for (unsigned reason = 0; reason < VMX_NR_EXIT_REASONS; reason++)
		vm_set_exit_handler(k.vm, reason, record, &k);
	ck_assert_int_eq(vcpu_create(k.vm, 0, &k.vcpu), 0);
	/* Like a BIOS handing over a boot sector: CS:IP = 0000:7C00. */
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_GUEST_CS_SELECTOR, 0), 0);
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_GUEST_CS_BASE, 0), 0);
	ck_assert_int_eq(vcpu_set_reg(k.vcpu, VCPU_REG_RIP, 0x7c00), 0);
}

static void shutdown_vm(void)
{
	if (k.vm)
		ck_assert_int_eq(vm_destroy(k.vm), 0);
	if (k.ram)
		munmap(k.ram, RAM_SIZE);
	memset(&k, 0, sizeof(k));
}

START_TEST(io_exits_carry_their_data_to_the_port_callback)
{
	struct vcpu_booking b;

	boot("io", false);
	run_ok(k.vcpu);
	k.out[k.out_len] = '\0';
	ck_assert_str_eq(k.out, "AZhello");
	/* OUT, IN, OUT, REP OUTSB of five bytes (KVM may take an exit per
	 * element, or one for all), then HLT. */
	ck_assert_uint_ge(k.nr_reasons, 5);
	ck_assert_uint_le(k.nr_reasons, 9);
	for (unsigned i = 0; i + 1 < k.nr_reasons; i++)
		ck_assert_uint_eq(k.reasons[i], VMX_EXIT_REASON_IO_INSTRUCTION);
	ck_assert_uint_eq(k.reasons[k.nr_reasons - 1], VMX_EXIT_REASON_HLT);
	vcpu_get_booking(k.vcpu, &b);
	ck_assert_int_eq(b.state, VCPU_STATE_BLOCKED);
	/* KVM completed each instruction itself: RIP is past the HLT, the
	 * guest's last byte before its message (25 bytes of code). */
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_RIP), 0x7c00 + 25);
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_RCX), 0);
	shutdown_vm();
}
END_TEST

static int stop_at_io(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	int r = vcpu_default_exit_handler(vcpu, exit);

	(void)opaque;
	return r < 0 ? r : VCPU_EXIT_RETURN;
}

START_TEST(each_io_exit_decodes_as_the_instruction)
{
	struct vmx_io_access a;
	const struct vmx_exit *e;

	boot("io", false);
	ck_assert_int_eq(vm_set_exit_handler(k.vm, VMX_EXIT_REASON_IO_INSTRUCTION, stop_at_io, NULL), 0);
	run_ok(k.vcpu);				/* OUT 0xE9, AL */
	e = vcpu_last_exit(k.vcpu);
	a = vmx_decode_io(e->qualification);
	ck_assert(vmx_io_qualification_valid(e->qualification));
	ck_assert_uint_eq(a.port, 0xe9);
	ck_assert_uint_eq(a.size, 1);
	ck_assert(!a.in);
	run_ok(k.vcpu);				/* IN AL, 0x60 */
	a = vmx_decode_io(vcpu_last_exit(k.vcpu)->qualification);
	ck_assert_uint_eq(a.port, 0x60);
	ck_assert(a.in);
	run_ok(k.vcpu);				/* OUT 0xE9, AL */
	run_ok(k.vcpu);				/* REP OUTSB to 0x3F8 */
	e = vcpu_last_exit(k.vcpu);
	a = vmx_decode_io(e->qualification);
	ck_assert_uint_eq(a.port, 0x3f8);
	ck_assert_uint_eq(e->data_size, 1);
	/* KVM reports string instructions only by their element count. */
	ck_assert(e->data_count == 1 || (a.string && a.rep && e->data_count == 5));
	shutdown_vm();
}
END_TEST

START_TEST(mmio_outside_ram_goes_to_the_mmio_callback)
{
	boot("mmio", true);
	run_ok(k.vcpu);
	ck_assert_uint_eq(k.nr_mmio_writes, 1);
	ck_assert_uint_eq(k.mmio_writes[0][0], 0x20010);
	ck_assert_uint_eq(k.mmio_writes[0][1], 0xbeef);
	ck_assert_uint_eq(k.out_len, 2);
	ck_assert_uint_eq((uint8_t)k.out[0], 0x34);
	ck_assert_uint_eq((uint8_t)k.out[1], 0x12);
	ck_assert_uint_eq(k.reasons[0], VMX_EXIT_REASON_EPT_VIOLATION);
	shutdown_vm();
}
END_TEST

START_TEST(mmio_nobody_claims_is_a_named_fault)
{
	boot("mmio", false);
	ck_assert_int_eq(vcpu_run(k.vcpu), VCPU_EFAULT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(k.vcpu), "0x20010"));
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(k.vcpu), "outside guest RAM"));
	shutdown_vm();
}
END_TEST

START_TEST(triple_fault_is_reported_not_looped)
{
	boot("triple", false);
	set_protected_mode(k.vcpu);
	ck_assert_int_eq(vcpu_set_reg(k.vcpu, VCPU_REG_RIP, 0x7c00), 0);
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_GUEST_IDTR_LIMIT, 0), 0);
	int r = vcpu_run(k.vcpu);

	ck_assert_msg(r == VCPU_ETRIPLE_FAULT, "%s: %s", vcpu_error_name(r), vcpu_error_detail(k.vcpu));
	ck_assert_uint_eq(vmx_exit_basic_reason(vcpu_last_exit(k.vcpu)), VMX_EXIT_REASON_TRIPLE_FAULT);
	shutdown_vm();
}
END_TEST

/* Code outside RAM: KVM cannot run or emulate it. A named backend error,
 * not a crash or a loop. */
/* Writing SREGS (the boot's CS) must not lose what KVM keeps beside it:
 * the APIC base, and with it CPUID's APIC bit. */
START_TEST(state_without_a_field_survives_register_writes)
{
	boot("apic_base", false);
	run_ok(k.vcpu);
	ck_assert_uint_eq(k.nr_port80, 2);
	ck_assert_uint_eq(k.port80[0] & 0xfffff000u, 0xfee00000u);
	ck_assert(k.port80[0] & (1u << 11));	/* APIC globally enabled */
	ck_assert(k.port80[1] & (1u << 9));	/* CPUID.1:EDX.APIC */
	shutdown_vm();
}
END_TEST

/* An injected exception is delivered once: writing the event group back
 * later (here: the interruptibility state, never read) must not replay it. */
START_TEST(an_injected_exception_is_delivered_once)
{
	boot("exception", false);
	vm_set_exit_handler(k.vm, VMX_EXIT_REASON_IO_INSTRUCTION, stop_at_io, NULL);
	run_ok(k.vcpu);
	ck_assert_int_eq(vcpu_inject_exception(k.vcpu, VMX_VECTOR_GP, 0), 0);
	for (int i = 0; i < 3; i++) {
		run_ok(k.vcpu);
		ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0), 0);
	}
	k.out[k.out_len] = '\0';
	ck_assert_str_eq(k.out, "XEXX");
	shutdown_vm();
}
END_TEST

/* After a failed KVM_RUN the guest had run: reads fetch KVM's state. */
START_TEST(state_after_a_failed_run_is_kvms)
{
	boot("bx_then_fetch_outside_ram", true);
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_RBX), 0);	/* cached before the run */
	ck_assert_int_eq(vcpu_run(k.vcpu), VCPU_EBACKEND);
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_RBX), 0x64);
	shutdown_vm();
}
END_TEST

START_TEST(kvm_internal_error_is_a_named_backend_error)
{
	boot("fetch_outside_ram", true);
	ck_assert_int_eq(vcpu_run(k.vcpu), VCPU_EBACKEND);
	ck_assert_msg(strstr(vcpu_error_detail(k.vcpu), "KVM internal error"), "detail: %s",
		      vcpu_error_detail(k.vcpu));
	shutdown_vm();
}
END_TEST

START_TEST(cpuid_table_reaches_the_guest_per_vcpu)
{
	const struct vcpu_cpuid_entry table[] = {
		{ 0, VCPU_CPUID_SUBLEAF_ANY, 1, 0x63707662, 0x74736554, 0x21216c75 },
		{ 1, VCPU_CPUID_SUBLEAF_ANY, 0x000906ea, 0x00010800, 0, 0 },
	};
	struct vcpu *second;

	boot("cpuid", false);
	ck_assert_int_eq(vm_set_cpuid(k.vm, table, 2), 0);
	run_ok(k.vcpu);
	ck_assert_uint_eq(k.nr_port80, 4);
	ck_assert_uint_eq(k.port80[0], 0x63707662);	/* the guest sends EBX, EDX, ECX */
	ck_assert_uint_eq(k.port80[1], 0x21216c75);
	ck_assert_uint_eq(k.port80[2], 0x74736554);
	/* CPUID.1:EBX[31:24], the initial APIC ID, is the VCPU's id. */
	ck_assert_uint_eq(k.port80[3] >> 24, 0);
	/* KVM takes no CPUID changes once a VCPU ran: named, not ignored, and
	 * the VM keeps the table its VCPUs have (a new VCPU gets it too). */
	ck_assert_int_eq(vm_set_cpuid(k.vm, (const struct vcpu_cpuid_entry[]){
		{ 0, VCPU_CPUID_SUBLEAF_ANY, 1, 1, 2, 3 } }, 1), VCPU_EBUSY);
	ck_assert_ptr_nonnull(strstr(vm_last_error(), "KVM"));
	ck_assert_int_eq(vcpu_create(k.vm, 1, &second), 0);
	ck_assert_int_eq(vcpu_vmwrite(second, VMCS_GUEST_CS_SELECTOR, 0), 0);
	ck_assert_int_eq(vcpu_vmwrite(second, VMCS_GUEST_CS_BASE, 0), 0);
	ck_assert_int_eq(vcpu_set_reg(second, VCPU_REG_RIP, 0x7c00), 0);
	k.nr_port80 = 0;
	run_ok(second);
	ck_assert_uint_eq(k.nr_port80, 4);
	ck_assert_uint_eq(k.port80[0], 0x63707662);
	ck_assert_uint_eq(k.port80[3] >> 24, 1);	/* its own APIC ID */
	shutdown_vm();
}
END_TEST

START_TEST(interrupt_wakes_a_halted_guest)
{
	struct vcpu_booking b;

	boot("interrupt", false);
	run_ok(k.vcpu);
	vcpu_get_booking(k.vcpu, &b);
	ck_assert_int_eq(b.state, VCPU_STATE_BLOCKED);
	ck_assert_int_eq(vcpu_run(k.vcpu), VCPU_EBLOCKED);
	ck_assert_int_eq(vcpu_inject_interrupt(k.vcpu, 0x20), 0);
	run_ok(k.vcpu);
	k.out[k.out_len] = '\0';
	ck_assert_str_eq(k.out, "SID");
	shutdown_vm();
}
END_TEST

static struct vcpu *alarm_vcpu;

static void on_alarm(int sig)
{
	(void)sig;
	vcpu_request_exit(alarm_vcpu);
}

START_TEST(request_exit_stops_a_guest_that_never_exits)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval t = { .it_value = { 0, 100000 } };

	boot("spin", false);
	alarm_vcpu = k.vcpu;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &t, NULL), 0);
	ck_assert_int_eq(vcpu_run(k.vcpu), VCPU_EINTR);
	/* A request made before the run is honoured before entering. */
	vcpu_request_exit(k.vcpu);
	ck_assert_int_eq(vcpu_run(k.vcpu), VCPU_EINTR);
	signal(SIGALRM, SIG_DFL);
	shutdown_vm();
}
END_TEST

START_TEST(what_kvm_cannot_express_is_refused_by_name)
{
	uint64_t proc;

	boot("io", false);
	ck_assert(!vm_has_capability(k.vm, VM_CAP_CR_SHADOW));
	ck_assert(!vm_has_capability(k.vm, VM_CAP_IO_BITMAPS));
	ck_assert(!vm_has_capability(k.vm, VM_CAP_VMX_CONTROLS));
	ck_assert(vm_unrestricted_guest(k.vm));
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_CR0_READ_SHADOW, 1), VCPU_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(k.vcpu), "CR0_READ_SHADOW"));
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_EXCEPTION_BITMAP, 1u << 14), VCPU_ENOTSUP);
	ck_assert_int_eq(vcpu_set_io_intercept(k.vcpu, 0x80, 1, false), VCPU_ENOTSUP);
	ck_assert_int_eq(vcpu_vmread(k.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL, &proc), 0);
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc | VMX_CPU_BASED_RDTSC_EXITING),
			 VCPU_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(k.vcpu), "KVM"));
	/* Software events: KVM would take their length from its own last exit. */
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_VM_ENTRY_INTR_INFO_FIELD,
				      vmx_intr_info_make(0x21, VMX_INTR_TYPE_SOFT_INTR, false)), VCPU_ENOTSUP);
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_VM_ENTRY_INTR_INFO_FIELD,
				      vmx_intr_info_make(3, VMX_INTR_TYPE_SOFT_EXCEPTION, false)), VCPU_ENOTSUP);
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_VM_ENTRY_INSTRUCTION_LEN, 2), VCPU_ENOTSUP);
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_VM_ENTRY_INTR_INFO_FIELD,
				      vmx_intr_info_make(13, VMX_INTR_TYPE_HARD_EXCEPTION, false)), 0);
	ck_assert_int_eq(vcpu_vmwrite(k.vcpu, VMCS_VM_ENTRY_INTR_INFO_FIELD, 0), 0);
	/* Guest state reads back through the same encodings. */
	ck_assert_uint_eq(field(k.vcpu, VMCS_GUEST_CS_SELECTOR), 0);
	ck_assert_uint_eq(field(k.vcpu, VMCS_GUEST_RIP), 0x7c00);
	ck_assert_uint_eq(field(k.vcpu, VMCS_GUEST_CR0) & 1, 0);
	shutdown_vm();
}
END_TEST

/* The core leaves these to KVM's own reset (they cost no ioctl before the
 * first entry): what KVM holds must be the power-on state the mock shows. */
START_TEST(kvm_reset_state_is_the_power_on_state)
{
	const uint32_t fields[] = {
		VMCS_GUEST_DR7, VMCS_GUEST_IA32_PAT, VMCS_GUEST_IA32_DEBUGCTL, VMCS_GUEST_SYSENTER_CS,
		VMCS_GUEST_SYSENTER_ESP, VMCS_GUEST_SYSENTER_EIP, VMCS_GUEST_INTERRUPTIBILITY_INFO,
	};
	const enum vcpu_reg regs[] = { VCPU_REG_DR0, VCPU_REG_DR3, VCPU_REG_DR6, VCPU_REG_XCR0 };
	struct vm *mock_vm;
	struct vcpu *mock;

	boot("loop", false);
	ck_assert_int_eq(vm_create(&(struct vm_options){ .backend = "mock" }, &mock_vm), 0);
	ck_assert_int_eq(vcpu_create(mock_vm, 0, &mock), 0);
	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		ck_assert_msg(field(k.vcpu, fields[i]) == field(mock, fields[i]), "%s: KVM 0x%llx, power-on 0x%llx",
			      vmcs_field_name(fields[i]), (unsigned long long)field(k.vcpu, fields[i]),
			      (unsigned long long)field(mock, fields[i]));
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		ck_assert_uint_eq(reg(k.vcpu, regs[i]), reg(mock, regs[i]));
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_DR6), 0xffff0ff0);
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_XCR0), 1);
	vm_destroy(mock_vm);
	shutdown_vm();
}
END_TEST

/* KVM's supported CPUID is asked once per process; one VM's own table
 * must not leak into the next VM's. */
START_TEST(one_vms_cpuid_table_does_not_reach_the_next_vm)
{
	const struct vcpu_cpuid_entry mine[] = {
		{ 0, VCPU_CPUID_SUBLEAF_ANY, 1, 0x63707662, 0x74736554, 0x21216c75 },
	};
	unsigned eax, ebx, ecx, edx;

	boot("cpuid", false);
	ck_assert_int_eq(vm_set_cpuid(k.vm, mine, 1), 0);
	run_ok(k.vcpu);
	ck_assert_uint_eq(k.port80[0], 0x63707662);
	shutdown_vm();

	boot("cpuid", false);
	run_ok(k.vcpu);
	__cpuid(0, eax, ebx, ecx, edx);
	(void)eax;
	ck_assert_uint_eq(k.nr_port80, 4);
	ck_assert_uint_eq(k.port80[0], ebx);	/* the host's vendor, as KVM passes it */
	ck_assert_uint_eq(k.port80[1], edx);
	ck_assert_uint_eq(k.port80[2], ecx);
	shutdown_vm();
}
END_TEST

START_TEST(lazy_state_makes_no_ioctls_per_io_exit)
{
	struct vcpu_kvm_stats before, after;

	boot("loop", false);
	ck_assert_int_eq(vm_set_exit_handler(k.vm, VMX_EXIT_REASON_IO_INSTRUCTION, NULL, NULL), 0);
	vm_set_exit_handler(k.vm, VMX_EXIT_REASON_IO_INSTRUCTION, stop_at_io, NULL);
	run_ok(k.vcpu);			/* the first entry writes the set-up back */
	ck_assert_int_eq(vcpu_kvm_stats(k.vcpu, &before), 0);
	for (int i = 0; i < 200; i++)
		run_ok(k.vcpu);
	ck_assert_int_eq(vcpu_kvm_stats(k.vcpu, &after), 0);
	ck_assert_uint_eq(after.runs - before.runs, 200);
	/* Nothing read, nothing written: no register ioctls at all. */
	ck_assert_uint_eq(after.state_ioctls, before.state_ioctls);
	ck_assert_uint_eq(after.state_ioctls_eager - before.state_ioctls_eager, 800);
	/* Reading RAX fetches the register group once. */
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_RAX) & 0xff, 200);
	reg(k.vcpu, VCPU_REG_RBX);
	ck_assert_int_eq(vcpu_kvm_stats(k.vcpu, &after), 0);
	ck_assert_uint_eq(after.state_ioctls, before.state_ioctls + 1);
	shutdown_vm();
}
END_TEST

START_TEST(register_writes_reach_the_guest)
{
	boot("loop", false);
	vm_set_exit_handler(k.vm, VMX_EXIT_REASON_IO_INSTRUCTION, stop_at_io, NULL);
	ck_assert_int_eq(vcpu_set_reg(k.vcpu, VCPU_REG_RAX, 0x40), 0);
	run_ok(k.vcpu);
	ck_assert_uint_eq(k.out_len, 0);
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_RAX) & 0xff, 0x40);
	run_ok(k.vcpu);
	ck_assert_uint_eq(reg(k.vcpu, VCPU_REG_RAX) & 0xff, 0x41);
	shutdown_vm();
}
END_TEST

START_TEST(missing_device_is_enotsup_with_the_path)
{
	struct vm *vm = NULL;

	ck_assert_int_eq(vm_create(&(struct vm_options){ .backend = "kvm", .device = "/nonexistent/kvm" }, &vm),
			 VCPU_ENOTSUP);
	ck_assert_ptr_null(vm);
	ck_assert_ptr_nonnull(strstr(vm_last_error(), "/nonexistent/kvm"));
}
END_TEST

/* KVM keeps the VMCS: migrating a VCPU moves the thread that runs it. */
START_TEST(migration_pins_the_running_thread_to_the_target_cpu)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct vcpu_booking b;
	struct vcpu_kvm_stats st;
	uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	ck_assert_ptr_ne(ram, MAP_FAILED);
	ram[0x7c00] = ram[0x7c01] = 0xf4;	/* hlt; hlt */
	ck_assert_int_eq(vm_create(&(struct vm_options){ .backend = "kvm", .nr_pcpus = 2 }, &vm), 0);
	ck_assert_int_eq(vm_add_memory(vm, 0, RAM_SIZE, ram), 0);
	ck_assert_int_eq(vcpu_create(vm, 0, &vcpu), 0);
	ck_assert_int_eq(vcpu_vmwrite(vcpu, VMCS_GUEST_CS_SELECTOR, 0), 0);
	ck_assert_int_eq(vcpu_vmwrite(vcpu, VMCS_GUEST_CS_BASE, 0), 0);
	ck_assert_int_eq(vcpu_set_reg(vcpu, VCPU_REG_RIP, 0x7c00), 0);
	run_ok(vcpu);
	ck_assert_int_eq(vcpu_kvm_pinned_cpu(vcpu), -1);
	ck_assert_int_eq(vcpu_migrate(vcpu, 1), 0);
	run_ok(vcpu);
	ck_assert_uint_eq(reg(vcpu, VCPU_REG_RIP), 0x7c02);
	ck_assert_int_eq(vcpu_kvm_pinned_cpu(vcpu), 1);
	ck_assert_int_eq(vcpu_kvm_stats(vcpu, &st), 0);
	ck_assert_uint_eq(st.thread_moves, 1);
	vcpu_get_booking(vcpu, &b);
	ck_assert_uint_eq(b.migrations, 1);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 1);
	ck_assert(CPU_ISSET(1 % online, &set));
	/* KVM keeps pause-loop exiting in its kernel module. */
	ck_assert_int_eq(vcpu_set_pause_loop_exiting(vcpu, 128, 4096), VCPU_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(vcpu), "KVM"));
	ck_assert_int_eq(vm_destroy(vm), 0);
	munmap(ram, RAM_SIZE);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kvm");
	TCase *tc = tcase_create("kvm");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, io_exits_carry_their_data_to_the_port_callback);
	tcase_add_test(tc, each_io_exit_decodes_as_the_instruction);
	tcase_add_test(tc, mmio_outside_ram_goes_to_the_mmio_callback);
	tcase_add_test(tc, mmio_nobody_claims_is_a_named_fault);
	tcase_add_test(tc, triple_fault_is_reported_not_looped);
	tcase_add_test(tc, kvm_internal_error_is_a_named_backend_error);
	tcase_add_test(tc, state_without_a_field_survives_register_writes);
	tcase_add_test(tc, an_injected_exception_is_delivered_once);
	tcase_add_test(tc, state_after_a_failed_run_is_kvms);
	tcase_add_test(tc, cpuid_table_reaches_the_guest_per_vcpu);
	tcase_add_test(tc, interrupt_wakes_a_halted_guest);
	tcase_add_test(tc, request_exit_stops_a_guest_that_never_exits);
	tcase_add_test(tc, what_kvm_cannot_express_is_refused_by_name);
	tcase_add_test(tc, kvm_reset_state_is_the_power_on_state);
	tcase_add_test(tc, one_vms_cpuid_table_does_not_reach_the_next_vm);
	tcase_add_test(tc, lazy_state_makes_no_ioctls_per_io_exit);
	tcase_add_test(tc, register_writes_reach_the_guest);
	tcase_add_test(tc, missing_device_is_enotsup_with_the_path);
	tcase_add_test(tc, migration_pins_the_running_thread_to_the_target_cpu);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: /dev/kvm cannot be opened read/write: the KVM tests need it\n");
		return 77;
	}
	close(fd);
	return run_suite(make_suite());
}
