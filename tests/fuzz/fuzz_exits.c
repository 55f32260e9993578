/*
 * Fuzz target: the exit handlers, through vcpu_run() with the real
 * dispatcher and the core's default handlers on the mock backend.
 *
 * The input picks a capability profile, guest RAM (exactly-sized heap
 * buffers, so ASan sees any access past them), callbacks, guest state and
 * controls written through the public API (invalid values welcome), a
 * script of up to MAX_EXITS exits and a few runs. Checked on every input:
 *  - vcpu_run() returns 0 or a named VCPU_E* error with a detail message,
 *    and 0 only after a handler said "return";
 *  - callbacks are called only for what the exit in hand names: the port
 *    and size of an I/O exit the bitmaps intercept, MMIO outside guest RAM,
 *    the address and error code of an intercepted #PF;
 *  - the VCPU ends in a legal state, can be read and dumped, is destroyed
 *    cleanly and refuses to run afterwards.
 * The byte layout is described in corpus/make_seeds_exits.py; with
 * LIBVCPU_FUZZ_TRACE set, each run's result is printed.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "flat_pm.h"
#include "libvcpu/libvcpu.h"
#include "libvcpu/mock.h"

#define MAX_EXITS 64
#define MAX_OPS 16
#define MAX_RUNS 8
#define MAX_RAM_PAGES 16
#define IDENTITY_MAP_GPA 0x40000000ull
#define HIGH_RAM_GPA 0x100000ull
#define EMULATED_SLICES 1	/* emulator slices (10 000 instructions) an input may take */
#define EXITS_PER_RUN 2048	/* then the run is asked to stop (VCPU_EINTR) */
#define WINDOW_EXITS_MAX 1024	/* window exits one run may take: more is a livelock */

struct region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct ctx {
	struct fuzz_input in;
	struct vm *vm;
	struct vcpu *vcpu;
	struct region ram[3];
	unsigned nr_ram;
	void *data[MAX_EXITS];		/* I/O and MMIO data of scripted exits */
	unsigned nr_data;
	unsigned failing_cb;		/* which callback returns cb_error */
	int cb_error;
	uint32_t in_value;		/* what port reads return */
	unsigned emulated;		/* emulator slices so far */
	unsigned windows, exits;	/* window exits and all exits in this run */
	bool tampered;			/* controls or host state written, or an
					 * impossible exit scripted */
	bool in_handler;		/* inside an exit handler (else the
					 * callback comes from the emulator) */
};

enum { CB_NONE, CB_PORT_IO, CB_MMIO, CB_PAGE_FAULT, CB_HYPERCALL, CB_PAGING };

static const int callback_errors[] = {
	VCPU_ENODEV, VCPU_EINVAL, VCPU_ENOMEM, VCPU_EFAULT, VCPU_EBACKEND, VCPU_ENOTSUP,
};

static bool named_error(int r)
{
	return r < 0 && strcmp(vcpu_error_name(r), "VCPU_E?") != 0;
}

/* Is [gpa, gpa + len) all guest RAM? */
static bool in_ram(const struct ctx *c, uint64_t gpa, uint64_t len)
{
	while (len) {
		const struct region *hit = NULL;
		uint64_t chunk;

		for (unsigned i = 0; i < c->nr_ram; i++)
			if (gpa >= c->ram[i].gpa && gpa - c->ram[i].gpa < c->ram[i].size)
				hit = &c->ram[i];
		if (!hit)
			return false;
		chunk = hit->size - (gpa - hit->gpa);
		if (chunk >= len)
			return true;
		gpa += chunk;
		len -= chunk;
	}
	return true;
}

/* ---- callbacks: each checks that the exit in hand justifies it ------------ */

static int cb_result(struct ctx *c, unsigned which, int ok)
{
	return c->failing_cb == which ? c->cb_error : ok;
}

static int port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in,
		   uint32_t *value)
{
	struct ctx *c = opaque;
	const struct vmx_exit *e = vcpu_last_exit(vcpu);
	struct vmx_io_access a = vmx_decode_io(e->qualification);

	FUZZ_ASSERT(vcpu == c->vcpu && value && c->in_handler, "port callback outside an I/O exit's handler");
	FUZZ_ASSERT(vmx_exit_basic_reason(e) == VMX_EXIT_REASON_IO_INSTRUCTION,
		    "port 0x%x accessed during exit %u", port, vmx_exit_basic_reason(e));
	FUZZ_ASSERT(port == a.port && size == a.size && in == a.in,
		    "port 0x%x size %u in %d, but the exit says 0x%x size %u in %d", port, size, in,
		    a.port, a.size, a.in);
	FUZZ_ASSERT(vcpu_io_intercepted(vcpu, port, size), "port 0x%x reached the callback "
		    "without being intercepted", port);
	if (in)
		*value = c->in_value;
	return cb_result(c, CB_PORT_IO, port & 1 ? VCPU_ENODEV : 0);
}

static int mmio(void *opaque, struct vcpu *vcpu, uint64_t gpa, unsigned size, bool write, void *data)
{
	struct ctx *c = opaque;
	const struct vmx_exit *e = vcpu_last_exit(vcpu);

	FUZZ_ASSERT(vcpu == c->vcpu && data && size >= 1 && size <= 4096, "MMIO of %u bytes", size);
	FUZZ_ASSERT(!in_ram(c, gpa, size), "MMIO callback for guest RAM at 0x%llx (%u bytes)",
		    (unsigned long long)gpa, size);
	if (c->in_handler && vmx_exit_basic_reason(e) == VMX_EXIT_REASON_EPT_VIOLATION && e->data)
		FUZZ_ASSERT(gpa == e->guest_physical_address && size == e->data_size && data == e->data,
			    "MMIO at 0x%llx size %u is not the exit's", (unsigned long long)gpa, size);
	if (!write)
		memset(data, 0xa5, size);
	return cb_result(c, CB_MMIO, gpa & 0x800 ? VCPU_ENODEV : 0);
}

static int page_fault(void *opaque, struct vcpu *vcpu, uint64_t address, uint32_t code)
{
	struct ctx *c = opaque;
	const struct vmx_exit *e = vcpu_last_exit(vcpu);
	struct vmx_intr_info i = vmx_decode_intr_info(e->intr_info);

	FUZZ_ASSERT(c->in_handler && vmx_exit_basic_reason(e) == VMX_EXIT_REASON_EXCEPTION_NMI && i.valid &&
		    i.vector == VMX_VECTOR_PF && i.type == VMX_INTR_TYPE_HARD_EXCEPTION,
		    "#PF callback on exit %u, interruption info 0x%x", vmx_exit_basic_reason(e), e->intr_info);
	FUZZ_ASSERT(address == e->qualification && code == e->intr_error_code,
		    "#PF callback with 0x%llx/0x%x, the exit says 0x%llx/0x%x", (unsigned long long)address,
		    code, (unsigned long long)e->qualification, e->intr_error_code);
	return cb_result(c, CB_PAGE_FAULT, (int)(address & 1));
}

static int hypercall(void *opaque, struct vcpu *vcpu)
{
	struct ctx *c = opaque;
	uint64_t rax = 0;

	FUZZ_ASSERT(c->in_handler && vmx_exit_basic_reason(vcpu_last_exit(vcpu)) == VMX_EXIT_REASON_VMCALL,
		    "hypercall callback on exit %u", vmx_exit_basic_reason(vcpu_last_exit(vcpu)));
	FUZZ_ASSERT(vcpu_get_reg(vcpu, VCPU_REG_RAX, &rax) == 0, "RAX unreadable in a callback");
	vcpu_set_reg(vcpu, VCPU_REG_RAX, rax + 1);
	return cb_result(c, CB_HYPERCALL, (int)(rax & 1));
}

static int paging_changed(void *opaque, struct vcpu *vcpu, const struct vcpu_paging_change *ch)
{
	struct ctx *c = opaque;

	FUZZ_ASSERT(vcpu == c->vcpu && ch, "paging callback without a change");
	FUZZ_ASSERT(ch->reg == 0 || ch->reg == 3 || ch->reg == 4 || ch->reg == VCPU_PAGING_EFER,
		    "paging change of register %u", ch->reg);
	FUZZ_ASSERT(ch->reg == 3 || ch->old_value != ch->new_value,
		    "paging change of register %u that changes nothing (0x%llx)", ch->reg,
		    (unsigned long long)ch->new_value);
	return cb_result(c, CB_PAGING, 0);
}

/* Real mode the core virtualizes (no unrestricted guest): the emulator's. */
static bool in_real_mode(struct ctx *c)
{
	uint64_t cr0 = 0;

	return !vm_unrestricted_guest(c->vm) && vcpu_get_cr(c->vcpu, 0, &cr0) == 0 && !(cr0 & VMX_CR0_PE);
}

/*
 * Every exit goes to the core's default handler, counted: a guest can loop
 * forever (a fault handler that faults, code looping in the emulator) as
 * on hardware, so a long run is asked to stop, as a host scheduler would.
 * Window exits, though, are the core's own and must not repeat forever.
 * Emulator slices arrive as external-interrupt exits.
 */
static int counted_exit(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct ctx *c = opaque;
	unsigned basic = vmx_exit_basic_reason(exit);
	int r;

	if (basic == VMX_EXIT_REASON_INTERRUPT_WINDOW || basic == VMX_EXIT_REASON_NMI_WINDOW)
		FUZZ_ASSERT(++c->windows < WINDOW_EXITS_MAX, "%u window exits in one run", c->windows);
	if (++c->exits == EXITS_PER_RUN)
		vcpu_request_exit(vcpu);
	c->in_handler = true;
	r = vcpu_default_exit_handler(vcpu, exit);
	c->in_handler = false;
	if (basic == VMX_EXIT_REASON_EXTERNAL_INTERRUPT && r == VCPU_EXIT_RESUME && in_real_mode(c) &&
	    ++c->emulated >= EMULATED_SLICES)
		return VCPU_EXIT_RETURN;
	return r;
}

/* ---- set-up ---------------------------------------------------------------- */

static uint8_t *new_ram(struct ctx *c, uint64_t gpa, unsigned pages)
{
	struct region *r = &c->ram[c->nr_ram];

	r->gpa = gpa;
	r->size = pages * 4096ull;
	r->host = malloc(r->size);
	FUZZ_ASSERT(r->host, "out of memory");
	/* HLT everywhere: code the emulator runs stops soon. */
	memset(r->host, 0xf4, r->size);
	FUZZ_ASSERT(vm_add_memory(c->vm, gpa, r->size, r->host) == 0, "vm_add_memory(0x%llx)",
		    (unsigned long long)gpa);
	c->nr_ram++;
	return r->host;
}

static void put(struct ctx *c, uint32_t field, uint64_t value)
{
	int r = vcpu_vmwrite(c->vcpu, field, value);

	FUZZ_ASSERT(r == 0 || named_error(r), "VMWRITE 0x%x: %d", field, r);
}

/* Flat 32-bit protected mode, CPL 0, paging off. */
static void protected_mode(struct ctx *c)
{
	int r = set_flat_protected_mode(c->vcpu);

	FUZZ_ASSERT(r == 0 || named_error(r), "flat protected mode: %d", r);
}

/* 64-bit mode where the CPU has the EFER field (the page tables are the
 * guest's business: no check walks them). */
static void long_mode(struct ctx *c)
{
	protected_mode(c);
	if (vcpu_vmwrite(c->vcpu, VMCS_GUEST_IA32_EFER, VMX_EFER_LME) < 0)
		return;
	vcpu_set_cr(c->vcpu, 3, 0x5000);
	vcpu_set_cr(c->vcpu, 4, VMX_CR4_PAE);
	vcpu_set_cr(c->vcpu, 0, VMX_CR0_PG | VMX_CR0_PE | VMX_CR0_ET);
	put(c, VMCS_GUEST_CS_AR_BYTES, 0xa09b);
}

/* A field: one of the SDM's list (its high half, sometimes), or any
 * encoding at all. */
static uint32_t take_field(struct ctx *c)
{
	uint16_t sel = (uint16_t)fuzz_take(&c->in, 2);
	uint32_t field;

	if (sel & 0x8000)
		return sel & 0x7fff;
	field = vmcs_field_at((sel & 0x3fff) % vmcs_field_count());
	if ((sel & 0x4000) && vmcs_field_width(field) == VMCS_WIDTH_64)
		field++;
	return field;
}

/* The control fields a test toggles bits of to enable exits. */
static const uint32_t control_fields[] = {
	VMCS_PIN_BASED_VM_EXEC_CONTROL, VMCS_CPU_BASED_VM_EXEC_CONTROL, VMCS_SECONDARY_VM_EXEC_CONTROL,
	VMCS_VM_EXIT_CONTROLS, VMCS_VM_ENTRY_CONTROLS, VMCS_EXCEPTION_BITMAP,
	VMCS_CR0_GUEST_HOST_MASK, VMCS_CR4_GUEST_HOST_MASK, VMCS_CR0_READ_SHADOW, VMCS_CR4_READ_SHADOW,
	VMCS_GUEST_INTERRUPTIBILITY_INFO, VMCS_GUEST_ACTIVITY_STATE,
};

static void setup_op(struct ctx *c)
{
	struct vcpu *v = c->vcpu;
	unsigned op = (unsigned)fuzz_take(&c->in, 1) % 12;
	uint64_t a, b, old;
	uint32_t field;
	int r = 0;

	switch (op) {
	case 0:
		field = take_field(c);
		r = vcpu_vmwrite(v, field, fuzz_take(&c->in, 8));
		c->tampered |= r == 0 && vmcs_field_type(field) != VMCS_TYPE_GUEST;
		break;
	case 1:
		a = fuzz_take(&c->in, 1) % (VCPU_NR_REGS + 2);
		r = vcpu_set_reg(v, (enum vcpu_reg)a, fuzz_take(&c->in, 8));
		break;
	case 2:
		a = fuzz_take(&c->in, 1);
		r = vcpu_set_cr(v, (unsigned)(a & 0x80 ? a : a % 9), fuzz_take(&c->in, 8));
		break;
	case 3:
		a = fuzz_take(&c->in, 2);
		b = fuzz_take(&c->in, 2);
		r = vcpu_set_io_intercept(v, (uint16_t)a, (unsigned)b, fuzz_take(&c->in, 1) & 1);
		break;
	case 4:
		a = fuzz_take(&c->in, 1);
		r = vcpu_set_exception_intercept(v, (unsigned)a % 40, fuzz_take(&c->in, 1) & 1);
		break;
	case 5:
		r = vcpu_set_tsc_offset(v, (int64_t)fuzz_take(&c->in, 8));
		break;
	case 6:
		r = vcpu_inject_interrupt(v, (uint8_t)fuzz_take(&c->in, 1));
		break;
	case 7:
		r = vcpu_inject_nmi(v);
		break;
	case 8:
		a = fuzz_take(&c->in, 1);
		r = vcpu_inject_exception(v, (uint8_t)a, (uint32_t)fuzz_take(&c->in, 4));
		break;
	case 9:
		vm_mock_set_tsc(c->vm, fuzz_take(&c->in, 8));
		break;
	case 10:
		/* Set (or clear) bits of a control: how exits get enabled. */
		a = fuzz_take(&c->in, 1);
		b = fuzz_take(&c->in, 4);
		field = control_fields[(a & 0x7f) % (sizeof(control_fields) / sizeof(control_fields[0]))];
		if (vcpu_vmread(v, field, &old) == 0)
			r = vcpu_vmwrite(v, field, (a & 0x80) ? old & ~b : old | b);
		c->tampered |= vmcs_field_type(field) != VMCS_TYPE_GUEST;
		break;
	default:
		r = vm_set_identity_map(c->vm, fuzz_take(&c->in, 4) << 12);
		break;
	}
	FUZZ_ASSERT(r == 0 || named_error(r), "set-up op %u returned %d", op, r);
}

/* ---- the script -------------------------------------------------------------- */

static const uint32_t interesting_reasons[] = {
	VMX_EXIT_REASON_EXCEPTION_NMI, VMX_EXIT_REASON_EXTERNAL_INTERRUPT, VMX_EXIT_REASON_TRIPLE_FAULT,
	VMX_EXIT_REASON_INTERRUPT_WINDOW, VMX_EXIT_REASON_NMI_WINDOW, VMX_EXIT_REASON_TASK_SWITCH,
	VMX_EXIT_REASON_CPUID, VMX_EXIT_REASON_HLT, VMX_EXIT_REASON_INVLPG, VMX_EXIT_REASON_RDPMC,
	VMX_EXIT_REASON_RDTSC, VMX_EXIT_REASON_VMCALL, VMX_EXIT_REASON_VMCLEAR, VMX_EXIT_REASON_VMLAUNCH,
	VMX_EXIT_REASON_VMREAD, VMX_EXIT_REASON_VMOFF, VMX_EXIT_REASON_CR_ACCESS, VMX_EXIT_REASON_DR_ACCESS,
	VMX_EXIT_REASON_IO_INSTRUCTION, VMX_EXIT_REASON_MSR_READ, VMX_EXIT_REASON_MSR_WRITE,
	VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY,
	VMX_EXIT_REASON_MSR_LOAD_FAIL | VMX_EXIT_REASON_FAILED_VMENTRY,
	VMX_EXIT_REASON_MWAIT_INSTRUCTION, VMX_EXIT_REASON_MONITOR_TRAP_FLAG, VMX_EXIT_REASON_PAUSE_INSTRUCTION,
	VMX_EXIT_REASON_MCE_DURING_VMENTRY | VMX_EXIT_REASON_FAILED_VMENTRY,
	VMX_EXIT_REASON_TPR_BELOW_THRESHOLD, VMX_EXIT_REASON_APIC_ACCESS, VMX_EXIT_REASON_GDTR_IDTR,
	VMX_EXIT_REASON_EPT_VIOLATION, VMX_EXIT_REASON_EPT_MISCONFIG, VMX_EXIT_REASON_RDTSCP,
	VMX_EXIT_REASON_PREEMPTION_TIMER, VMX_EXIT_REASON_INVEPT, VMX_EXIT_REASON_WBINVD,
	VMX_EXIT_REASON_XSETBV, VMX_EXIT_REASON_RDRAND, VMX_EXIT_REASON_INVPCID, VMX_EXIT_REASON_VMFUNC,
	VMX_EXIT_REASON_XSAVES, VMX_EXIT_REASON_PML_FULL, VMX_EXIT_REASON_BUS_LOCK,
};

#define NR_REASONS (sizeof(interesting_reasons) / sizeof(interesting_reasons[0]))

/* Shape byte of a scripted exit. */
#define SHAPE_UNCHECKED   0x01	/* deliver even if the controls forbid it */
#define SHAPE_TIDY        0x02	/* make the qualification an SDM layout */
#define SHAPE_DATA        0x04	/* carry I/O or MMIO data, as KVM does */
#define SHAPE_CHANGES(s)  (((s) >> 3) & 7)
#define SHAPE_IDT         0x40	/* the exit cut off an event's delivery */
#define SHAPE_MORE        0x80	/* instruction info, error code, linear address */

/* A guest-physical address: in, at the edge of or outside guest RAM. */
static uint64_t take_gpa(struct ctx *c)
{
	unsigned sel = (unsigned)fuzz_take(&c->in, 1);
	uint64_t raw = fuzz_take(&c->in, 8);
	const struct region *r = &c->ram[sel % c->nr_ram];

	switch ((sel >> 4) & 3) {
	case 0:
		return r->gpa + raw % r->size;
	case 1:
		return r->gpa + r->size - 1 - (raw & 7);
	case 2:
		return 0xfee00000ull + (raw & 0xfff);
	default:
		return raw;
	}
}

static void take_change(struct ctx *c, struct vcpu_mock_change *ch)
{
	unsigned sel = (unsigned)fuzz_take(&c->in, 1);

	ch->is_reg = !(sel & 0x80);
	if (ch->is_reg) {
		ch->id = (sel & 0x7f) % (VCPU_NR_REGS + 1);
	} else {
		/* Guest-state fields are 0x08xx, 0x28xx, 0x48xx and 0x68xx. */
		static const uint16_t guest_base[] = { 0x0800, 0x2800, 0x4800, 0x6800 };

		ch->id = guest_base[(sel >> 5) & 3] | ((sel & 0x1f) << 1);
	}
	ch->value = fuzz_take(&c->in, 8);
}

static void take_exit(struct ctx *c, struct vcpu_mock_exit *m)
{
	unsigned sel = (unsigned)fuzz_take(&c->in, 1);
	unsigned shape = (unsigned)fuzz_take(&c->in, 1);
	struct vmx_exit *e = &m->exit;

	memset(m, 0, sizeof(*m));
	e->reason = sel < 0xf0 ? interesting_reasons[sel % NR_REASONS] : (uint32_t)fuzz_take(&c->in, 4);
	e->qualification = fuzz_take(&c->in, 8);
	e->instruction_len = (uint32_t)fuzz_take(&c->in, 1) % 17;
	e->intr_info = (uint32_t)fuzz_take(&c->in, 4);
	if (shape & SHAPE_MORE) {
		e->instruction_info = (uint32_t)fuzz_take(&c->in, 4);
		e->intr_error_code = (uint32_t)fuzz_take(&c->in, 4);
		e->guest_linear_address = fuzz_take(&c->in, 8);
	}
	if (shape & SHAPE_IDT) {
		e->idt_vectoring_info = (uint32_t)fuzz_take(&c->in, 4) | VMX_INTR_INFO_VALID_MASK;
		e->idt_vectoring_error_code = (uint32_t)fuzz_take(&c->in, 4);
	}
	e->guest_physical_address = take_gpa(c);
	if (shape & SHAPE_TIDY) {
		switch (vmx_exit_basic_reason(e)) {
		case VMX_EXIT_REASON_IO_INSTRUCTION:
			e->qualification &= 0xffff0078ull;
			e->qualification |= (uint64_t[]){ 0, 1, 3, 3 }[e->intr_info & 3];
			break;
		case VMX_EXIT_REASON_CR_ACCESS:
			e->qualification &= 0xffff0f7full;
			break;
		case VMX_EXIT_REASON_EXCEPTION_NMI:
			e->intr_info = (e->intr_info & 0x1fffu) | VMX_INTR_INFO_VALID_MASK;
			break;
		case VMX_EXIT_REASON_EPT_VIOLATION:
			e->qualification &= 0x1fffull;
			break;
		}
	}
	if (shape & SHAPE_DATA) {
		/* Exactly data_count elements of data_size bytes. */
		unsigned size = (unsigned)fuzz_take(&c->in, 1) % 9, count = (unsigned)fuzz_take(&c->in, 1) % 17;

		if (size && count && c->nr_data < MAX_EXITS) {
			uint8_t *buf = malloc(size * count);

			FUZZ_ASSERT(buf, "out of memory");
			for (unsigned i = 0; i < size * count; i++)
				buf[i] = (uint8_t)(i * 7 + size);
			c->data[c->nr_data++] = buf;
			e->data = buf;
			e->data_size = size;
			e->data_count = count;
		}
	}
	m->unchecked = shape & SHAPE_UNCHECKED;
	m->nr_changes = SHAPE_CHANGES(shape);
	for (unsigned i = 0; i < m->nr_changes; i++)
		take_change(c, &m->changes[i]);
}

/* ---- runs and what must hold after them --------------------------------------- */

static void check_line(void *ctx, const char *line)
{
	(void)ctx;
	FUZZ_ASSERT(line && strlen(line) < 4096, "dump line");
}

static void check_dumps(struct ctx *c)
{
	FUZZ_ASSERT(vcpu_dump(c->vcpu, VCPU_DUMP_TEXT, check_line, NULL) == 0, "text dump failed");
	FUZZ_ASSERT(vcpu_dump(c->vcpu, VCPU_DUMP_JSON, check_line, NULL) == 0, "JSON dump failed");
}

static void check_readable(struct ctx *c)
{
	struct vcpu_booking b;
	uint64_t v;

	for (unsigned reg = 0; reg < VCPU_NR_REGS; reg++)
		FUZZ_ASSERT(vcpu_get_reg(c->vcpu, (enum vcpu_reg)reg, &v) == 0, "%s unreadable",
			    vcpu_reg_name((enum vcpu_reg)reg));
	vcpu_get_booking(c->vcpu, &b);
	FUZZ_ASSERT(b.state == VCPU_STATE_CREATED || b.state == VCPU_STATE_RUNNABLE ||
		    b.state == VCPU_STATE_BLOCKED, "VCPU left in state %s", vcpu_state_name(b.state));
}

/* Handlers that end a run with "return to the caller". */
static bool returning_reason(unsigned basic)
{
	return basic == VMX_EXIT_REASON_HLT || basic == VMX_EXIT_REASON_PAUSE_INSTRUCTION ||
	       basic == VMX_EXIT_REASON_VMCALL || basic == VMX_EXIT_REASON_EXTERNAL_INTERRUPT;
}

static void run_once(struct ctx *c)
{
	unsigned flags = (unsigned)fuzz_take(&c->in, 1);
	const struct vmx_entry_failure *f;
	const char *detail;
	int r;

	if (flags & 1)
		vcpu_wake(c->vcpu);
	if (flags & 2)
		vcpu_inject_interrupt(c->vcpu, (uint8_t)fuzz_take(&c->in, 1));
	if (flags & 4)
		vcpu_inject_nmi(c->vcpu);
	if (flags & 8)
		vcpu_request_exit(c->vcpu);
	c->in_value = (uint32_t)fuzz_take(&c->in, 4);
	c->windows = c->exits = 0;

	r = vcpu_run(c->vcpu);
	detail = vcpu_error_detail(c->vcpu);
	if (getenv("LIBVCPU_FUZZ_TRACE"))
		fprintf(stderr, "run: %s, exit %u: %s\n", vcpu_error_name(r),
			vmx_exit_basic_reason(vcpu_last_exit(c->vcpu)), detail);
	FUZZ_ASSERT(r <= 0, "vcpu_run returned %d", r);
	FUZZ_ASSERT(detail, "no detail string");
	if (r < 0) {
		FUZZ_ASSERT(named_error(r), "vcpu_run returned unnamed error %d (%s)", r, detail);
		FUZZ_ASSERT(detail[0], "vcpu_run failed with %s and no detail", vcpu_error_name(r));
		/* Nothing here touches the VMCS behind the core's back: its
		 * launch state and the mock's must agree. */
		FUZZ_ASSERT(r != VCPU_EVMX_INSN && r != VCPU_EVMFAIL_INVALID,
			    "the core and the mock disagree about the VMCS: %s", detail);
		/* The core keeps the controls and host state valid on its own. */
		FUZZ_ASSERT(c->tampered || (r != VCPU_EENTRY_CONTROL && r != VCPU_EENTRY_HOST),
			    "the core made the controls or host state invalid: %s", detail);
	} else {
		unsigned basic = vmx_exit_basic_reason(vcpu_last_exit(c->vcpu));

		FUZZ_ASSERT(returning_reason(basic), "vcpu_run returned 0 after exit %u", basic);
	}
	f = vcpu_entry_failure(c->vcpu);
	if (r == VCPU_EENTRY_CONTROL || r == VCPU_EENTRY_HOST || (f && r == VCPU_EENTRY_GUEST)) {
		FUZZ_ASSERT(f && vmx_check_name(f->id) && f->name && !strcmp(f->name, vmx_check_name(f->id)),
			    "entry failed (%s) without a named check: %s", vcpu_error_name(r), detail);
		FUZZ_ASSERT(strstr(detail, f->name), "detail does not name check %s: %s", f->name, detail);
	}
	check_readable(c);
	if (flags & 16)
		check_dumps(c);
}

static void set_callbacks(struct ctx *c)
{
	unsigned mask = (unsigned)fuzz_take(&c->in, 1);
	unsigned fail = (unsigned)fuzz_take(&c->in, 1);
	struct vm_callbacks cb = {
		.port_io = mask & 1 ? port_io : NULL,
		.mmio = mask & 2 ? mmio : NULL,
		.page_fault = mask & 4 ? page_fault : NULL,
		.hypercall = mask & 8 ? hypercall : NULL,
		.paging_changed = mask & 16 ? paging_changed : NULL,
	};

	c->failing_cb = fail & 7;
	c->cb_error = callback_errors[(fail >> 3) % (sizeof(callback_errors) / sizeof(callback_errors[0]))];
	vm_set_callbacks(c->vm, &cb, c);
	for (unsigned reason = 0; reason < VMX_NR_EXIT_REASONS; reason++)
		vm_set_exit_handler(c->vm, reason, counted_exit, c);
}

static const struct vcpu_cpuid_entry cpuid_table[] = {
	{ 0, VCPU_CPUID_SUBLEAF_ANY, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
	{ 1, VCPU_CPUID_SUBLEAF_ANY, 0x000906ea, 0x00100800, 0x7ffafbbf, 0xbfebfbff },
	{ 0xd, 0, 0x7, 0x340, 0x340, 0 },
	{ 0x80000000u, VCPU_CPUID_SUBLEAF_ANY, 0x80000008u, 0, 0, 0 },
};

/* VM, RAM, callbacks and the baseline guest state, from the header. */
static void make_vm(struct ctx *c)
{
	unsigned config = (unsigned)fuzz_take(&c->in, 1);
	unsigned pages = (unsigned)fuzz_take(&c->in, 1);
	struct vm_options opts = {
		.backend = "mock",
		.caps = vcpu_mock_profile(config & 1 ? "no-ug" : "modern"),
		.no_unrestricted_guest = (config & 2) != 0,
	};
	unsigned patch, offset;
	uint8_t *low;

	FUZZ_ASSERT(vm_create(&opts, &c->vm) == 0, "vm_create: %s", vm_last_error());
	FUZZ_ASSERT(vcpu_create(c->vm, 0, &c->vcpu) == 0, "vcpu_create");
	low = new_ram(c, 0, 1 + (pages & (MAX_RAM_PAGES - 1)));
	if (config & 4)
		new_ram(c, config & 8 ? c->ram[0].size : HIGH_RAM_GPA, 1 + ((pages >> 4) & 3));
	if (!vm_unrestricted_guest(c->vm)) {
		new_ram(c, IDENTITY_MAP_GPA, 1);
		FUZZ_ASSERT(vm_set_identity_map(c->vm, IDENTITY_MAP_GPA) == 0, "identity map");
	}
	if (config & 16)
		vm_set_unknown_port_policy(c->vm, VM_UNKNOWN_PORT_FAIL);
	if (config & 128)
		FUZZ_ASSERT(vm_set_cpuid(c->vm, cpuid_table, sizeof(cpuid_table) / sizeof(cpuid_table[0])) == 0,
			    "vm_set_cpuid");
	set_callbacks(c);

	/* Some guest code or data, at an offset in the low RAM. */
	patch = (unsigned)fuzz_take(&c->in, 1) % 65;
	offset = (unsigned)fuzz_take(&c->in, 2) % (unsigned)(c->ram[0].size - patch);
	for (unsigned i = 0; i < patch; i++)
		low[offset + i] = (uint8_t)fuzz_take(&c->in, 1);

	switch ((config >> 5) & 3) {
	case 1:
	case 3:
		protected_mode(c);
		break;
	case 2:
		long_mode(c);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { .in = { data, size, 0 } };
	struct vcpu_mock_exit m;
	unsigned nr_ops, nr_exits, nr_runs;
	int r;

	make_vm(&c);
	nr_ops = (unsigned)fuzz_take(&c.in, 1) % (MAX_OPS + 1);
	nr_exits = (unsigned)fuzz_take(&c.in, 1) % (MAX_EXITS + 1);
	nr_runs = 1 + (unsigned)fuzz_take(&c.in, 1) % MAX_RUNS;
	for (unsigned i = 0; i < nr_ops; i++)
		setup_op(&c);
	for (unsigned i = 0; i < nr_exits; i++) {
		take_exit(&c, &m);
		c.tampered |= m.unchecked;
		r = vcpu_mock_push_exit(c.vcpu, &m);
		FUZZ_ASSERT(r == 0 || r == VCPU_EINVAL, "push_exit returned %d", r);
	}
	/* A guest that loops (in the emulator, or faulting for ever) ends
	 * the input, as a host ends its time slice. */
	for (unsigned i = 0; i < nr_runs && c.emulated < EMULATED_SLICES && c.exits < EXITS_PER_RUN; i++)
		run_once(&c);

	r = vcpu_destroy(c.vcpu);
	FUZZ_ASSERT(r == 0, "vcpu_destroy: %s", vcpu_error_name(r));
	FUZZ_ASSERT(vcpu_run(c.vcpu) == VCPU_EDESTROYED, "a destroyed VCPU ran");
	FUZZ_ASSERT(vcpu_dump(c.vcpu, VCPU_DUMP_TEXT, check_line, NULL) == 0, "dump after destroy");
	FUZZ_ASSERT(vm_destroy(c.vm) == 0, "vm_destroy");
	for (unsigned i = 0; i < c.nr_ram; i++)
		free(c.ram[i].host);
	for (unsigned i = 0; i < c.nr_data; i++)
		free(c.data[i]);
	return 0;
}
