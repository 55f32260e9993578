/*
 * libvcpu - guest state between the core's software VMCS and KVM's register
 * groups. A group is fetched whole on the first read of any of its slots
 * after an exit (dirty slots keep the core's newer value) and written back
 * whole, from the last fetched copy with the core's values merged in, only
 * if one of its slots is dirty. Fields KVM keeps that have no slot (APIC
 * base, CR8, the pending-interrupt bitmap, the events in flight) round-trip
 * untouched: a group holding such fields is fetched afresh before it is
 * written back.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fmt.h"
#include "kvm_internal.h"

#define SEGMENTS(X) X(ES, es) X(CS, cs) X(SS, ss) X(DS, ds) X(FS, fs) X(GS, gs) X(LDTR, ldt) X(TR, tr)

static const uint32_t group_msrs[] = {
	VMX_MSR_IA32_SYSENTER_CS, VMX_MSR_IA32_SYSENTER_ESP, VMX_MSR_IA32_SYSENTER_EIP,
	VMX_MSR_IA32_PAT, VMX_MSR_IA32_DEBUGCTL,
};
static const uint16_t msr_slots[] = {
	VMCS_SLOT_GUEST_SYSENTER_CS, VMCS_SLOT_GUEST_SYSENTER_ESP, VMCS_SLOT_GUEST_SYSENTER_EIP,
	VMCS_SLOT_GUEST_IA32_PAT, VMCS_SLOT_GUEST_IA32_DEBUGCTL,
};
#define NR_GROUP_MSRS (sizeof(group_msrs) / sizeof(group_msrs[0]))

/* struct kvm_msrs with room for the group's entries; its header spelled
 * out, since a struct ending in a flexible array cannot be a member. */
struct kvm_msrs_buf {
	uint32_t nmsrs;
	uint32_t pad;
	struct kvm_msr_entry entries[NR_GROUP_MSRS];
};
_Static_assert(offsetof(struct kvm_msrs_buf, entries) == offsetof(struct kvm_msrs, entries),
	       "struct kvm_msrs_buf must lay out like struct kvm_msrs");

/* The last copy of each group fetched from KVM (per VCPU, kept with the
 * backend data so the fields without slots round-trip). */
struct kvm_groups {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_debugregs debug;
	struct kvm_vcpu_events events;
	struct kvm_msrs_buf msrs;
	struct kvm_xcrs xcrs;
};

_Static_assert(sizeof(struct kvm_groups) <= KVM_GROUPS_SIZE, "KVM_GROUPS_SIZE too small");

static struct kvm_groups *groups_of(struct vcpu *vcpu)
{
	return (struct kvm_groups *)kvm_vcpu_of(vcpu)->groups;
}

void kvm_state_init_groups(struct kvm_vm *k)
{
	uint8_t *g = k->group_of;

	memset(g, KVM_GROUP_NONE, sizeof(k->group_of));
	for (unsigned n = 0; n < 16; n++)
		if (n != VCPU_REG_RSP)
			g[SLOT_GPR_BASE + n] = KVM_GROUP_REGS;
	g[VMCS_SLOT_GUEST_RSP] = g[VMCS_SLOT_GUEST_RIP] = g[VMCS_SLOT_GUEST_RFLAGS] = KVM_GROUP_REGS;
#define SEG_GROUP_(V, k) g[VMCS_SLOT_GUEST_##V##_SELECTOR] = g[VMCS_SLOT_GUEST_##V##_BASE] = \
	g[VMCS_SLOT_GUEST_##V##_LIMIT] = g[VMCS_SLOT_GUEST_##V##_AR_BYTES] = KVM_GROUP_SREGS;
	SEGMENTS(SEG_GROUP_)
#undef SEG_GROUP_
	g[VMCS_SLOT_GUEST_GDTR_BASE] = g[VMCS_SLOT_GUEST_GDTR_LIMIT] = KVM_GROUP_SREGS;
	g[VMCS_SLOT_GUEST_IDTR_BASE] = g[VMCS_SLOT_GUEST_IDTR_LIMIT] = KVM_GROUP_SREGS;
	g[VMCS_SLOT_GUEST_CR0] = g[VMCS_SLOT_GUEST_CR3] = g[VMCS_SLOT_GUEST_CR4] = KVM_GROUP_SREGS;
	g[SLOT_CR2] = g[VMCS_SLOT_GUEST_IA32_EFER] = KVM_GROUP_SREGS;
	g[SLOT_DR0] = g[SLOT_DR1] = g[SLOT_DR2] = g[SLOT_DR3] = g[SLOT_DR6] = KVM_GROUP_DEBUG;
	g[VMCS_SLOT_GUEST_DR7] = KVM_GROUP_DEBUG;
	g[VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO] = KVM_GROUP_EVENTS;
	for (unsigned i = 0; i < NR_GROUP_MSRS; i++)
		g[msr_slots[i]] = KVM_GROUP_MSRS;
	g[SLOT_XCR0] = KVM_GROUP_XCRS;
	/* Kept by the core and applied at entry by kvm_state_flush(). */
	g[VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL] = KVM_GROUP_CORE;
	g[VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD] = KVM_GROUP_CORE;
	g[VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE] = KVM_GROUP_CORE;
	g[VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN] = KVM_GROUP_CORE;
	if (k->tsc_offset)
		g[VMCS_SLOT_TSC_OFFSET] = KVM_GROUP_CORE;
	for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++)
		if (vmcs_field_type(vmcs_slot_field(slot)) == VMCS_TYPE_EXIT_INFO)
			g[slot] = KVM_GROUP_CORE;
}

/* KVM resets debug registers, pending events, these MSRs and XCR0 to the
 * same architectural power-on values the core writes (tested); leaving
 * them to KVM saves four ioctls before the first entry. The general and
 * segment registers are written: the core's EDX signature differs. */
void kvm_state_power_on_written(struct vcpu *vcpu)
{
	const uint8_t *group_of = kvm_vm_of(vcpu->vm)->group_of;

	for (unsigned slot = 0; slot < NR_SLOTS; slot++) {
		if (group_of[slot] == KVM_GROUP_DEBUG || group_of[slot] == KVM_GROUP_EVENTS ||
		    group_of[slot] == KVM_GROUP_MSRS || group_of[slot] == KVM_GROUP_XCRS) {
			slot_set_del(&vcpu->vmcs.dirty, slot);
			slot_set_del(&vcpu->vmcs.cached, slot);
		}
	}
}

/* ---- segments: VMX access rights <-> struct kvm_segment ----------------- */

static uint32_t segment_ar(const struct kvm_segment *s)
{
	return (uint32_t)(s->type & 0xf) | (uint32_t)s->s << 4 | (uint32_t)(s->dpl & 3) << 5 |
	       (uint32_t)s->present << 7 | (uint32_t)s->avl << 12 | (uint32_t)s->l << 13 |
	       (uint32_t)s->db << 14 | (uint32_t)s->g << 15 | (uint32_t)s->unusable << 16;
}

static void set_segment_ar(struct kvm_segment *s, uint32_t ar)
{
	s->type = ar & 0xf;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = (ar >> 16) & 1;
}

/* ---- one table drives both directions -----------------------------------
 * slot_value() reads a slot's value out of the fetched groups;
 * store_value() writes one into them. */

static __u64 *gpr_in(struct kvm_regs *r, unsigned n)
{
	__u64 *const by_sdm_number[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
		&r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return by_sdm_number[n];
}

static __u64 *u64_field(struct kvm_groups *g, unsigned slot)
{
	if (slot >= SLOT_GPR_BASE && slot < SLOT_GPR_BASE + 16)
		return gpr_in(&g->regs, slot - SLOT_GPR_BASE);
	switch (slot) {
	case VMCS_SLOT_GUEST_RSP: return &g->regs.rsp;
	case VMCS_SLOT_GUEST_RIP: return &g->regs.rip;
	case VMCS_SLOT_GUEST_RFLAGS: return &g->regs.rflags;
	case VMCS_SLOT_GUEST_CR0: return &g->sregs.cr0;
	case VMCS_SLOT_GUEST_CR3: return &g->sregs.cr3;
	case VMCS_SLOT_GUEST_CR4: return &g->sregs.cr4;
	case SLOT_CR2: return &g->sregs.cr2;
	case VMCS_SLOT_GUEST_IA32_EFER: return &g->sregs.efer;
	case VMCS_SLOT_GUEST_GDTR_BASE: return &g->sregs.gdt.base;
	case VMCS_SLOT_GUEST_IDTR_BASE: return &g->sregs.idt.base;
	case SLOT_DR0: case SLOT_DR1: case SLOT_DR2: case SLOT_DR3:
		return &g->debug.db[slot - SLOT_DR0];
	case SLOT_DR6: return &g->debug.dr6;
	case VMCS_SLOT_GUEST_DR7: return &g->debug.dr7;
	default: return NULL;
	}
}

static struct kvm_segment *segment_of(struct kvm_groups *g, unsigned slot, unsigned *part)
{
#define SEG_CASES_(V, k)                                                                     \
	case VMCS_SLOT_GUEST_##V##_SELECTOR: *part = 0; return &g->sregs.k;                 \
	case VMCS_SLOT_GUEST_##V##_BASE: *part = 1; return &g->sregs.k;                     \
	case VMCS_SLOT_GUEST_##V##_LIMIT: *part = 2; return &g->sregs.k;                    \
	case VMCS_SLOT_GUEST_##V##_AR_BYTES: *part = 3; return &g->sregs.k;
	switch (slot) {
	SEGMENTS(SEG_CASES_)
	default: return NULL;
	}
#undef SEG_CASES_
}

static int msr_index(unsigned slot)
{
	for (unsigned i = 0; i < NR_GROUP_MSRS; i++)
		if (msr_slots[i] == slot)
			return (int)i;
	return -1;
}

/* KVM's interrupt shadow: bit 0 MOV SS, bit 1 STI (KVM_X86_SHADOW_INT_*). */
static uint64_t interruptibility(const struct kvm_vcpu_events *e)
{
	return ((e->interrupt.shadow & 2) ? VMX_GUEST_INTR_STATE_STI : 0) |
	       ((e->interrupt.shadow & 1) ? VMX_GUEST_INTR_STATE_MOV_SS : 0) |
	       (e->nmi.masked ? VMX_GUEST_INTR_STATE_NMI : 0);
}

static uint64_t slot_value(struct kvm_groups *g, unsigned slot)
{
	__u64 *p = u64_field(g, slot);
	struct kvm_segment *seg;
	unsigned part;
	int i;

	if (p)
		return *p;
	if ((seg = segment_of(g, slot, &part)))
		return part == 0 ? seg->selector : part == 1 ? seg->base : part == 2 ? seg->limit : segment_ar(seg);
	if ((i = msr_index(slot)) >= 0)
		return g->msrs.entries[i].data;
	switch (slot) {
	case VMCS_SLOT_GUEST_GDTR_LIMIT: return g->sregs.gdt.limit;
	case VMCS_SLOT_GUEST_IDTR_LIMIT: return g->sregs.idt.limit;
	case VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO: return interruptibility(&g->events);
	case SLOT_XCR0: return g->xcrs.xcrs[0].value;
	default: return 0;
	}
}

static void store_value(struct kvm_groups *g, unsigned slot, uint64_t v)
{
	__u64 *p = u64_field(g, slot);
	struct kvm_segment *seg;
	unsigned part;
	int i;

	if (p) {
		*p = v;
	} else if ((seg = segment_of(g, slot, &part))) {
		if (part == 0)
			seg->selector = (uint16_t)v;
		else if (part == 1)
			seg->base = v;
		else if (part == 2)
			seg->limit = (uint32_t)v;
		else
			set_segment_ar(seg, (uint32_t)v);
	} else if ((i = msr_index(slot)) >= 0) {
		g->msrs.entries[i].data = v;
	} else if (slot == VMCS_SLOT_GUEST_GDTR_LIMIT) {
		g->sregs.gdt.limit = (uint16_t)v;
	} else if (slot == VMCS_SLOT_GUEST_IDTR_LIMIT) {
		g->sregs.idt.limit = (uint16_t)v;
	} else if (slot == VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO) {
		g->events.interrupt.shadow = (uint8_t)(((v & VMX_GUEST_INTR_STATE_STI) ? 2 : 0) |
						       ((v & VMX_GUEST_INTR_STATE_MOV_SS) ? 1 : 0));
		g->events.nmi.masked = (v & VMX_GUEST_INTR_STATE_NMI) != 0;
		g->events.flags |= KVM_VCPUEVENT_VALID_SHADOW;
	} else if (slot == SLOT_XCR0) {
		g->xcrs.nr_xcrs = 1;
		g->xcrs.xcrs[0].xcr = 0;
		g->xcrs.xcrs[0].value = v;
	}
}

/* ---- fetch and write back ----------------------------------------------- */

static const struct {
	unsigned long get, set;
	const char *get_name, *set_name;
	size_t offset;
} group_io[KVM_NR_GROUPS] = {
	[KVM_GROUP_REGS] = { KVM_GET_REGS, KVM_SET_REGS, "KVM_GET_REGS", "KVM_SET_REGS",
			     offsetof(struct kvm_groups, regs) },
	[KVM_GROUP_SREGS] = { KVM_GET_SREGS, KVM_SET_SREGS, "KVM_GET_SREGS", "KVM_SET_SREGS",
			      offsetof(struct kvm_groups, sregs) },
	[KVM_GROUP_DEBUG] = { KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, "KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS",
			      offsetof(struct kvm_groups, debug) },
	[KVM_GROUP_EVENTS] = { KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS",
			       "KVM_SET_VCPU_EVENTS", offsetof(struct kvm_groups, events) },
	[KVM_GROUP_MSRS] = { KVM_GET_MSRS, KVM_SET_MSRS, "KVM_GET_MSRS", "KVM_SET_MSRS",
			     offsetof(struct kvm_groups, msrs) },
	[KVM_GROUP_XCRS] = { KVM_GET_XCRS, KVM_SET_XCRS, "KVM_GET_XCRS", "KVM_SET_XCRS",
			     offsetof(struct kvm_groups, xcrs) },
};

static int fetch_group(struct vcpu *vcpu, enum kvm_group group)
{
	struct kvm_groups *g = groups_of(vcpu);
	const uint8_t *group_of = kvm_vm_of(vcpu->vm)->group_of;
	int r;

	if (group == KVM_GROUP_MSRS) {
		g->msrs.nmsrs = NR_GROUP_MSRS;
		for (unsigned i = 0; i < NR_GROUP_MSRS; i++)
			g->msrs.entries[i].index = group_msrs[i];
	}
	r = kvm_vcpu_ioctl(vcpu, group_io[group].get, (char *)g + group_io[group].offset,
			   group_io[group].get_name);
	if (r < 0)
		return r;
	/* KVM_GET_MSRS answers how many it read, stopping at the first it
	 * cannot. */
	if (group == KVM_GROUP_MSRS && r != (int)NR_GROUP_MSRS)
		return vcpu_fail(vcpu, VCPU_EBACKEND, "KVM_GET_MSRS could not read MSR 0x%x", group_msrs[r]);
	if (group == KVM_GROUP_EVENTS)
		g->events.flags = 0;
	kvm_vcpu_of(vcpu)->fresh_groups |= 1u << group;
	/* The core's dirty values are newer than KVM's. */
	for (unsigned slot = 0; slot < NR_SLOTS; slot++) {
		if (group_of[slot] != group || slot_set_has(&vcpu->vmcs.dirty, slot))
			continue;
		vcpu->vmcs.val[slot] = slot_value(g, slot);
		slot_set_add(&vcpu->vmcs.cached, slot);
	}
	return 0;
}

int kvm_state_read(struct vcpu *vcpu, unsigned slot, uint64_t *value)
{
	enum kvm_group group = (enum kvm_group)kvm_vm_of(vcpu->vm)->group_of[slot];
	int r;

	/* The core's own fields and ones KVM lacks read as they stand. */
	if (group == KVM_GROUP_NONE || group == KVM_GROUP_CORE) {
		*value = vcpu->vmcs.val[slot];
		return 0;
	}
	r = fetch_group(vcpu, group);
	if (r < 0)
		return r;
	*value = vcpu->vmcs.val[slot];
	return 0;
}

/* Groups with state no slot holds (SREGS: APIC base, CR8, the interrupt
 * bitmap; EVENTS: the exception, interrupt and NMI in flight). */
static bool has_unslotted_state(enum kvm_group group)
{
	return group == KVM_GROUP_SREGS || group == KVM_GROUP_EVENTS;
}

/* Make the stored copy of a group current before changing part of it. */
static int complete_group(struct vcpu *vcpu, enum kvm_group group)
{
	const uint8_t *group_of = kvm_vm_of(vcpu->vm)->group_of;

	if (kvm_vcpu_of(vcpu)->fresh_groups & (1u << group))
		return 0;
	if (has_unslotted_state(group))
		return fetch_group(vcpu, group);
	for (unsigned slot = 0; slot < NR_SLOTS; slot++)
		if (group_of[slot] == group && !slot_set_has(&vcpu->vmcs.cached, slot))
			return fetch_group(vcpu, group);
	return 0;
}

static int write_group(struct vcpu *vcpu, enum kvm_group group)
{
	struct kvm_groups *g = groups_of(vcpu);
	const uint8_t *group_of = kvm_vm_of(vcpu->vm)->group_of;
	int r = complete_group(vcpu, group);

	if (r < 0)
		return r;
	for (unsigned slot = 0; slot < NR_SLOTS; slot++)
		if (group_of[slot] == group)
			store_value(g, slot, vcpu->vmcs.val[slot]);
	r = kvm_vcpu_ioctl(vcpu, group_io[group].set, (char *)g + group_io[group].offset,
			   group_io[group].set_name);
	if (r < 0)
		return r;
	/* KVM_SET_MSRS, like GET, stops at the first MSR it refuses. */
	if (group == KVM_GROUP_MSRS && r != (int)NR_GROUP_MSRS)
		return vcpu_fail(vcpu, VCPU_EBACKEND, "KVM refused the value 0x%llx for MSR 0x%x",
				 (unsigned long long)g->msrs.entries[r].data, group_msrs[r]);
	return 0;
}

/* The entry's event (VM-entry interruption information), as KVM takes it. */
static int inject(struct vcpu *vcpu)
{
	struct kvm_groups *g = groups_of(vcpu);
	uint64_t info = vcpu->vmcs.val[VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD];
	struct vmx_intr_info i = vmx_decode_intr_info((uint32_t)info);
	struct kvm_interrupt irq = { .irq = i.vector };
	int r;

	if (!i.valid)
		return 0;
	if (i.type != VMX_INTR_TYPE_EXT_INTR && i.type != VMX_INTR_TYPE_NMI_INTR &&
	    i.type != VMX_INTR_TYPE_HARD_EXCEPTION)
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "KVM cannot inject an event of type %u (it injects "
				 "external interrupts, NMIs and hardware exceptions)", i.type);
	switch (i.type) {
	case VMX_INTR_TYPE_EXT_INTR:
		/* KVM takes one when the guest can: otherwise back in the
		 * queue, with a request for the window. */
		if (!kvm_vcpu_of(vcpu)->run->ready_for_interrupt_injection) {
			vcpu->vmcs.val[VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL] |= VMX_CPU_BASED_INTR_WINDOW_EXITING;
			return vcpu_inject_interrupt(vcpu, i.vector);
		}
		r = kvm_vcpu_ioctl(vcpu, KVM_INTERRUPT, &irq, "KVM_INTERRUPT");
		return r < 0 ? r : 0;
	case VMX_INTR_TYPE_NMI_INTR:
		r = kvm_vcpu_ioctl(vcpu, KVM_NMI, NULL, "KVM_NMI");
		return r < 0 ? r : 0;
	default:
		/* On top of KVM's current events, never a stale copy. */
		if ((r = complete_group(vcpu, KVM_GROUP_EVENTS)) < 0)
			return r;
		store_value(g, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO,
			    vcpu->vmcs.val[VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO]);
		g->events.exception.injected = 1;
		g->events.exception.nr = i.vector;
		g->events.exception.has_error_code = i.has_error_code;
		g->events.exception.error_code = (uint32_t)vcpu->vmcs.val[VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE];
		r = kvm_vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &g->events, "KVM_SET_VCPU_EVENTS");
		return r < 0 ? r : 0;
	}
}

/* The offset VMX would apply: TSC_OFFSET with "use TSC offsetting", else
 * none. KVM starts its own (guest TSC 0 at creation), so the first entry
 * always sets it. */
static int set_tsc_offset(struct vcpu *vcpu)
{
	struct kvm_vcpu_data *kv = kvm_vcpu_of(vcpu);
	bool offsetting = vcpu->vmcs.val[VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL] & VMX_CPU_BASED_USE_TSC_OFFSETTING;
	uint64_t offset = offsetting ? vcpu->vmcs.val[VMCS_SLOT_TSC_OFFSET] : 0;
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET, .addr = (uint64_t)(uintptr_t)&offset,
	};
	int r;

	if (kv->tsc_offset_known && offset == kv->tsc_offset_set)
		return 0;
	r = kvm_vcpu_ioctl(vcpu, KVM_SET_DEVICE_ATTR, &attr, "KVM_SET_DEVICE_ATTR(TSC_OFFSET)");
	if (r < 0)
		return r;
	kv->tsc_offset_set = offset;
	kv->tsc_offset_known = true;
	return 0;
}

int kvm_state_flush(struct vcpu *vcpu, const slot_set *dirty)
{
	const uint8_t *group_of = kvm_vm_of(vcpu->vm)->group_of;
	unsigned groups = 0;
	int r;

	for (unsigned w = 0; w < SLOT_WORDS; w++) {
		for (uint64_t bits = dirty->w[w]; bits; bits &= bits - 1) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);

			if (group_of[slot] == KVM_GROUP_NONE)
				return vcpu_fail(vcpu, VCPU_ENOTSUP, "KVM cannot express %s, which was written",
						 slot < VMCS_NR_FIELD_SLOTS ? vmcs_field_name(vmcs_slot_field(slot))
									    : "a register");
			groups |= 1u << group_of[slot];
		}
	}
	for (unsigned group = KVM_GROUP_REGS; group < KVM_GROUP_CORE; group++)
		if ((groups & (1u << group)) && (r = write_group(vcpu, (enum kvm_group)group)) < 0)
			return r;
	if (groups & (1u << KVM_GROUP_CORE)) {
		if (kvm_vm_of(vcpu->vm)->tsc_offset &&
		    (slot_set_has(dirty, VMCS_SLOT_TSC_OFFSET) || slot_set_has(dirty, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL)) &&
		    (r = set_tsc_offset(vcpu)) < 0)
			return r;
		if (slot_set_has(dirty, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD) && (r = inject(vcpu)) < 0)
			return r;
	}
	/* Interrupt-window exiting becomes KVM's request for the window. */
	kvm_vcpu_of(vcpu)->run->request_interrupt_window =
		(vcpu->vmcs.val[VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL] & VMX_CPU_BASED_INTR_WINDOW_EXITING) != 0;
	return 0;
}
