/*
 * libvcpu - the mock backend's ops table: the core's VMCLEAR, VMPTRLD,
 * VMREAD, VMWRITE and VMLAUNCH/VMRESUME land on the mock's model of VMX
 * hardware, and the guest is a script of exits.
 */
#include <string.h>

#include "fmt.h"
#include "mock_internal.h"

static int mock_vm_init(struct vm *vm, const struct vm_options *opts)
{
	const struct vmx_caps *caps = opts->caps ? opts->caps : vcpu_mock_profile("modern");
	struct mock_vm *m;
	uint64_t ept_page;
	int r;

	if (vm->nr_pcpus > MOCK_MAX_PCPUS)
		return VCPU_ELIMIT;
	m = plat_alloc_aligned(sizeof(*m), 64);
	if (!m)
		return VCPU_ENOMEM;
	memset(m, 0, sizeof(*m));
	m->vm = vm;
	m->nr_pcpus = vm->nr_pcpus;
	m->next_hpa = MOCK_HPA_BASE;
	m->tsc = 0x100000000ull;
	vm->caps = *caps;
	vm->backend = m;

	r = mock_number_checks(m);
	if (r == 0)
		r = mock_vmxon_all(m);
	if (r == 0)
		r = mock_page_add(m, NULL, NULL, &ept_page);
	if (r < 0) {
		mock_pages_free(m);
		plat_free(m);
		return r;
	}
	/* EPTP: write-back, 4-level walk (SDM "Extended-Page-Table Pointer"). */
	m->eptp = ept_page | 6 | (3 << 3);

	/* Exit information is new on every exit. Guest state changes only as
	 * the script says, and the mock tells the core which slots it touched
	 * (vmcs_changed_by_exit), so the rest stays cached across exits. */
	for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++)
		if (vmcs_field_type(vmcs_slot_field(slot)) == VMCS_TYPE_EXIT_INFO)
			slot_set_add(&vm->volatile_slots, slot);
	return 0;
}

static void mock_vm_fini(struct vm *vm)
{
	struct mock_vm *m = mock_vm_of(vm);

	mock_pages_free(m);
	plat_free(m);
	vm->backend = NULL;
}

/* A synthetic 64-bit host that passes the host-state checks. */
static void put_host_state(struct vcpu *vcpu)
{
	static const struct { uint16_t slot; uint64_t value; } host[] = {
		{ VMCS_SLOT_HOST_CR0, 0x80050033 },	/* PG WP NE ET MP PE */
		{ VMCS_SLOT_HOST_CR3, 0x1000 },
		{ VMCS_SLOT_HOST_CR4, 0x26b0 },		/* VMXE OSXMMEXCPT OSFXSR PGE PAE PSE */
		{ VMCS_SLOT_HOST_CS_SELECTOR, 0x10 },
		{ VMCS_SLOT_HOST_SS_SELECTOR, 0x18 },
		{ VMCS_SLOT_HOST_DS_SELECTOR, 0 },
		{ VMCS_SLOT_HOST_ES_SELECTOR, 0 },
		{ VMCS_SLOT_HOST_FS_SELECTOR, 0 },
		{ VMCS_SLOT_HOST_GS_SELECTOR, 0 },
		{ VMCS_SLOT_HOST_TR_SELECTOR, 0x40 },
		{ VMCS_SLOT_HOST_FS_BASE, 0 },
		{ VMCS_SLOT_HOST_GS_BASE, 0 },
		{ VMCS_SLOT_HOST_TR_BASE, 0xfffffe0000001000ull },
		{ VMCS_SLOT_HOST_GDTR_BASE, 0xfffffe0000000000ull },
		{ VMCS_SLOT_HOST_IDTR_BASE, 0xfffffe0000002000ull },
		{ VMCS_SLOT_HOST_IA32_SYSENTER_CS, 0 },
		{ VMCS_SLOT_HOST_IA32_SYSENTER_ESP, 0 },
		{ VMCS_SLOT_HOST_IA32_SYSENTER_EIP, 0 },
		{ VMCS_SLOT_HOST_IA32_EFER, VMX_EFER_SCE | VMX_EFER_LME | VMX_EFER_LMA | VMX_EFER_NXE },
		{ VMCS_SLOT_HOST_IA32_PAT, 0x0007040600070406ull },
		{ VMCS_SLOT_HOST_RSP, 0xffffc90000010000ull },
		{ VMCS_SLOT_HOST_RIP, 0xffffffff81000000ull },
	};

	for (unsigned i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		if (slot_set_has(&vcpu->vm->supported, host[i].slot))
			vmcs_put(vcpu, host[i].slot, host[i].value);
}

static int mock_vcpu_init(struct vcpu *vcpu)
{
	struct mock_vm *m = mock_vm_of(vcpu->vm);
	struct mock_vcpu *mv = plat_alloc_aligned(sizeof(*mv), 64);

	if (!mv)
		return VCPU_ENOMEM;
	memset(mv, 0, sizeof(*mv));
	mv->vmcs = mock_vmcs_new(m);
	if (!mv->vmcs) {
		plat_free(mv);
		return VCPU_ENOMEM;
	}
	vcpu->backend = mv;
	/* GPRs and the other non-VMCS registers live in the core's register
	 * file (as a real exit stub saves them there): always current. */
	for (unsigned slot = VMCS_NR_FIELD_SLOTS; slot < NR_SLOTS; slot++)
		slot_set_add(&vcpu->vmcs.cached, slot);
	put_host_state(vcpu);
	return 0;
}

static void mock_vcpu_fini(struct vcpu *vcpu)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);

	/* The region itself belongs to the mock's memory until vm_destroy. */
	mock_script_free(mv);
	plat_free(mv);
	vcpu->backend = NULL;
}

static int mock_core_vmclear(struct vcpu *vcpu)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);
	unsigned cpu = vcpu->pcpu >= 0 ? (unsigned)vcpu->pcpu : 0;

	return mock_vmclear(mock_vm_of(vcpu->vm), cpu, mv->vmcs->hpa);
}

static int mock_core_vmptrld(struct vcpu *vcpu, unsigned pcpu)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);
	int r = mock_vmptrld(mock_vm_of(vcpu->vm), pcpu, mv->vmcs->hpa);

	if (r == VCPU_ESTATE)
		return vcpu_fail(vcpu, r, "mock: VMCS of VCPU %u is still active on logical CPU %d; "
				 "VMCLEAR it there before VMPTRLD on %u", vcpu->id, mv->vmcs->active_on, pcpu);
	return r;
}

/* The core's VMCS accesses need the VCPU's VMCS to be current. */
static struct mock_vmcs *current_vmcs(struct vcpu *vcpu)
{
	struct mock_vm *m = mock_vm_of(vcpu->vm);
	struct mock_vmcs *v = mock_vcpu_of(vcpu)->vmcs;

	if (vcpu->pcpu < 0 || m->cpu[vcpu->pcpu].current != v)
		return NULL;
	return v;
}

static int mock_read_slot(struct vcpu *vcpu, unsigned slot, uint64_t *value)
{
	struct mock_vmcs *v = current_vmcs(vcpu);

	if (!v)
		return VCPU_EVMFAIL_INVALID;
	if (slot >= VMCS_NR_FIELD_SLOTS)
		return VCPU_EINVAL;
	*value = v->val[slot];
	return 0;
}

static int mock_flush(struct vcpu *vcpu, const slot_set *dirty)
{
	struct mock_vmcs *v = current_vmcs(vcpu);

	if (!v)
		return VCPU_EVMFAIL_INVALID;
	/* Only VMCS slots: the registers outside it already live in the
	 * core's register file. */
	for (unsigned w = 0; w * 64 < VMCS_NR_FIELD_SLOTS; w++) {
		uint64_t bits = dirty->w[w];

		if (VMCS_NR_FIELD_SLOTS - w * 64 < 64)
			bits &= (1ull << (VMCS_NR_FIELD_SLOTS - w * 64)) - 1;
		for (; bits; bits &= bits - 1) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);

			/* As VMWRITE would: error 12 for a component the CPU lacks. */
			if (!slot_set_has(&vcpu->vm->supported, slot))
				return vcpu_fail(vcpu, VCPU_EVMCS_UNSUPPORTED, "VMWRITE %s: VM-instruction "
						 "error 12, the CPU has no such component",
						 vmcs_field_name(vmcs_slot_field(slot)));
			mock_store(v, slot, vcpu->vmcs.val[slot]);
		}
	}
	return 0;
}

static int mock_enter(struct vcpu *vcpu, bool launch)
{
	struct mock_vm *m = mock_vm_of(vcpu->vm);
	struct vmx_entry_failure *f = &vcpu->entry_failure;
	const char *insn = launch ? "VMLAUNCH" : "VMRESUME";
	struct mock_vmcs *v = current_vmcs(vcpu);
	struct mock_plan plan;
	unsigned number;
	int r;

	if (!v)
		return vcpu_fail(vcpu, VCPU_EVMFAIL_INVALID, "%s: VMfailInvalid, no current VMCS on "
				 "logical CPU %d", insn, vcpu->pcpu);
	r = mock_vmentry_checks(m, (unsigned)vcpu->pcpu, launch, f);
	switch (r) {
	case 0:
		break;
	case VCPU_EENTRY_GUEST: {
		/* Checks on the guest state fail as an exit with bit 31 set;
		 * the launch state stays as it was (SDM 26.7). */
		struct vmx_exit e = { .reason = VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY,
				      .qualification = f->qualification };

		vcpu->exit = e;
		vcpu->has_entry_failure = true;
		return 0;
	}
	case VCPU_EVMFAIL_INVALID:
		return vcpu_fail(vcpu, r, "%s: VMfailInvalid, the current VMCS of VCPU %u is a shadow VMCS "
				 "(revision id 0x%x)", insn, vcpu->id, v->revision_id);
	case VCPU_EENTRY_CONTROL:
	case VCPU_EENTRY_HOST:
		vcpu->has_entry_failure = true;
		return vcpu_fail(vcpu, r, "%s failed (VMfailValid, VM-instruction error %u): %s [%s, SDM %s]",
				 insn, r == VCPU_EENTRY_CONTROL ? 7 : 8, f->message, f->name, f->sdm);
	default:
		number = (unsigned)v->val[VMCS_SLOT_VM_INSTRUCTION_ERROR];
		return vcpu_fail(vcpu, r, "%s failed: VMfailValid, VM-instruction error %u (%s)", insn, number,
				 vmx_insn_error_description(number) ? vmx_insn_error_description(number) : "?");
	}
	/* The exit is chosen before anything commits: a script that cannot go
	 * on leaves the VMCS (launch state included) as it was. */
	r = mock_prepare_exit(vcpu, &plan);
	if (r < 0)
		return r;
	/* A scripted entry failure (an unchecked step) leaves the launch
	 * state as a real one does, as the core expects (SDM 26.7). */
	if (!plan.step || !vmx_exit_is_failed_entry(&plan.step->exit))
		v->launch_state = MOCK_LAUNCHED;
	mock_commit_exit(vcpu, &plan);
	return 0;
}

static bool mock_core_field_supported(struct vm *vm, uint32_t field)
{
	return vmx_caps_field_supported(&vm->caps, field);
}

static uint64_t mock_page_hpa(struct vm *vm, void *page)
{
	struct mock_vm *m = mock_vm_of(vm);
	uint64_t hpa = 0;

	for (unsigned i = 0; i < m->nr_pages; i++)
		if (m->pages[i].hva == page)
			return m->pages[i].hpa;
	/* If the page cannot be recorded, address 0 is an unknown page that
	 * reads as all ones: every port and MSR stays intercepted. */
	mock_page_add(m, page, NULL, &hpa);
	return hpa;
}

static uint64_t mock_eptp(struct vm *vm)
{
	return mock_vm_of(vm)->eptp;
}

static uint64_t mock_host_tsc(struct vm *vm)
{
	return mock_vm_of(vm)->tsc;
}

void vm_mock_set_tsc(struct vm *vm, uint64_t tsc)
{
	if (vm && !strcmp(vm->ops->name, "mock"))
		mock_vm_of(vm)->tsc = tsc;
}

uint64_t vcpu_mock_vmcs_hpa(const struct vcpu *vcpu)
{
	if (!vcpu || strcmp(vcpu->vm->ops->name, "mock") || !vcpu->backend)
		return 0;
	return mock_vcpu_of(vcpu)->vmcs->hpa;
}

const struct vcpu_backend_ops mock_backend_ops = {
	.name = "mock",
	.caps = VCPU_BACKEND_CAP_IO_BITMAPS | VCPU_BACKEND_CAP_MSR_BITMAPS | VCPU_BACKEND_CAP_CR_SHADOW |
		VCPU_BACKEND_CAP_EPT | VCPU_BACKEND_CAP_VMX_INSN | VCPU_BACKEND_CAP_VMX_CONTROLS |
		VCPU_BACKEND_CAP_EXCEPTION_BITMAP | VCPU_BACKEND_CAP_TSC_OFFSET,
	.vm_init = mock_vm_init,
	.vm_fini = mock_vm_fini,
	.vcpu_init = mock_vcpu_init,
	.vcpu_fini = mock_vcpu_fini,
	.vmclear = mock_core_vmclear,
	.vmptrld = mock_core_vmptrld,
	.read_slot = mock_read_slot,
	.flush = mock_flush,
	.enter = mock_enter,
	.field_supported = mock_core_field_supported,
	.page_hpa = mock_page_hpa,
	.eptp = mock_eptp,
	.host_tsc = mock_host_tsc,
};
