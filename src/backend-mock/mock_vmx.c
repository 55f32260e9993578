/*
 * libvcpu - the mock's VMX instructions, with the SDM's outcomes
 * (Vol. 3C "VMX Instruction Reference"): VMsucceed, VMfailInvalid when no
 * VMCS is current, VMfailValid with a VM-instruction error number in the
 * current VMCS otherwise.
 */
#include <string.h>

#include "entry_check_one.h"
#include "fmt.h"
#include "mock_internal.h"

void mock_store(struct mock_vmcs *v, unsigned slot, uint64_t value)
{
	if (v->val[slot] == value)
		return;
	v->val[slot] = value;
	for (unsigned w = 0; w < MOCK_CHECK_WORDS; w++)
		v->pending[w] |= v->readers[slot][w];
}

int mock_number_checks(struct mock_vm *m)
{
	m->nr_checks = 0;
	for (unsigned fam = 0; fam < VMX_NR_CHECK_FAMILIES; fam++) {
		for (unsigned i = 0; i < vmx_check_family_size((enum vmx_check_family)fam); i++) {
			if (m->nr_checks == MOCK_MAX_CHECKS)
				return VCPU_ELIMIT;
			m->check_family[m->nr_checks] = (uint8_t)fam;
			m->check_index[m->nr_checks++] = (uint8_t)i;
		}
	}
	return 0;
}

struct mock_vmcs *mock_vmcs_new(struct mock_vm *m)
{
	struct mock_vmcs *v = plat_alloc_aligned(sizeof(*v), 4096);
	uint64_t hpa;

	if (!v)
		return NULL;
	memset(v, 0, sizeof(*v));
	if (mock_page_add(m, NULL, v, &hpa) < 0) {
		plat_free(v);
		return NULL;
	}
	v->hpa = hpa;
	/* Software writes the revision id into a new region before VMPTRLD. */
	v->revision_id = (uint32_t)(m->vm->caps.basic & VMX_BASIC_REVISION_MASK);
	v->active_on = -1;
	/* Every check is due before the first entry. */
	for (unsigned check = 0; check < m->nr_checks; check++)
		v->pending[check / 64] |= 1ull << (check % 64);
	return v;
}

int mock_vmxon_all(struct mock_vm *m)
{
	for (unsigned cpu = 0; cpu < m->nr_pcpus; cpu++) {
		int r = mock_page_add(m, NULL, NULL, &m->cpu[cpu].vmxon_hpa);

		if (r < 0)
			return r;
		m->cpu[cpu].current = NULL;
	}
	return 0;
}

static int vmfail_valid(struct mock_vm *m, unsigned cpu, unsigned number, int err)
{
	struct mock_vmcs *cur = m->cpu[cpu].current;

	if (!cur)
		return VCPU_EVMFAIL_INVALID;
	cur->val[VMCS_SLOT_VM_INSTRUCTION_ERROR] = number;
	return err;
}

/* A physical-address operand must be 4 KiB aligned and within MAXPHYADDR. */
static bool address_valid(const struct mock_vm *m, uint64_t hpa)
{
	return !(hpa & 0xfff) && !(hpa >> m->vm->caps.maxphyaddr);
}

int mock_vmclear(struct mock_vm *m, unsigned cpu, uint64_t hpa)
{
	struct mock_page *page;
	struct mock_vmcs *v;

	if (!address_valid(m, hpa))
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMCLEAR_INVALID_ADDRESS, VCPU_EVMX_INSN);
	if (hpa == m->cpu[cpu].vmxon_hpa)
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMCLEAR_VMXON_POINTER, VCPU_EVMX_INSN);
	page = mock_page_find(m, hpa);
	v = page ? page->vmcs : NULL;
	if (v) {
		v->launch_state = MOCK_CLEAR;
		if (v->active_on >= 0 && m->cpu[v->active_on].current == v)
			m->cpu[v->active_on].current = NULL;
		v->active_on = -1;
	}
	return 0;
}

int mock_vmptrld(struct mock_vm *m, unsigned cpu, uint64_t hpa)
{
	struct mock_page *page;
	struct mock_vmcs *v;

	if (!address_valid(m, hpa))
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMPTRLD_INVALID_ADDRESS, VCPU_EVMX_INSN);
	if (hpa == m->cpu[cpu].vmxon_hpa)
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMPTRLD_VMXON_POINTER, VCPU_EVMX_INSN);
	page = mock_page_find(m, hpa);
	v = page ? page->vmcs : NULL;
	/* Memory that is no VMCS region holds no matching revision id. Bit
	 * 31 marks a shadow VMCS, which needs VMCS shadowing (SDM VMPTRLD). */
	if (!v || (v->revision_id & VMX_BASIC_REVISION_MASK) != (m->vm->caps.basic & VMX_BASIC_REVISION_MASK) ||
	    ((v->revision_id & MOCK_SHADOW_VMCS) &&
	     !vmx_ctl_can_set(&m->vm->caps, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_SHADOW_VMCS)))
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID,
				    VCPU_EVMX_INSN);
	/* The SDM leaves a VMCS active on two processors undefined; the mock
	 * refuses it so a missing VMCLEAR in a migration shows up in tests. */
	if (v->active_on >= 0 && v->active_on != (int)cpu)
		return VCPU_ESTATE;
	v->active_on = (int)cpu;
	m->cpu[cpu].current = v;
	return 0;
}

static int field_access(struct mock_vm *m, unsigned cpu, uint32_t field, unsigned *slot)
{
	if (!m->cpu[cpu].current)
		return VCPU_EVMFAIL_INVALID;
	*slot = vmcs_slot_of(field);
	if (*slot == SLOT_NONE || !slot_set_has(&m->vm->supported, *slot))
		return vmfail_valid(m, cpu, VMX_INSN_ERR_UNSUPPORTED_VMCS_COMPONENT,
				    VCPU_EVMCS_UNSUPPORTED);
	return 0;
}

int mock_vmread(struct mock_vm *m, unsigned cpu, uint32_t field, uint64_t *value)
{
	unsigned slot;
	int r = field_access(m, cpu, field, &slot);
	uint64_t v;

	if (r < 0)
		return r;
	v = m->cpu[cpu].current->val[slot];
	*value = vmcs_field_access(field) == VMCS_ACCESS_HIGH ? v >> 32 : v & vmcs_field_value_mask(field);
	return 0;
}

int mock_vmwrite(struct mock_vm *m, unsigned cpu, uint32_t field, uint64_t value)
{
	struct mock_vmcs *cur;
	unsigned slot;
	int r = field_access(m, cpu, field, &slot);

	if (r < 0)
		return r;
	cur = m->cpu[cpu].current;
	if (vmcs_field_is_read_only(field) && !(m->vm->caps.misc & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS))
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMWRITE_READ_ONLY_VMCS_COMPONENT,
				    VCPU_EVMCS_READ_ONLY);
	if (vmcs_field_access(field) == VMCS_ACCESS_HIGH)
		value = (cur->val[slot] & 0xffffffffull) | (value << 32);
	else
		value &= vmcs_field_value_mask(field);
	mock_store(cur, slot, value);
	return 0;
}

/* ---- VM entry: the checks, memoized one by one ------------------------- */

struct check_ctx {
	struct mock_vmcs *v;
	struct vm *vm;
	unsigned check;
	bool unmemoizable;		/* read guest memory */
};

/* The checks cut the value to the field's width; only a high access
 * needs shifting here. */
static uint64_t check_read_field(void *opaque, uint32_t field)
{
	struct check_ctx *c = opaque;
	struct mock_vmcs *v = c->v;
	unsigned slot = vmcs_slot_of(field), w = c->check / 64;
	uint64_t bit = 1ull << (c->check % 64);

	if (slot == SLOT_NONE || !slot_set_has(&c->vm->supported, slot))
		return 0;
	v->readers[slot][w] |= bit;
	return (field & 1) ? v->val[slot] >> 32 : v->val[slot];
}

/* Guest memory can change without a VMWRITE: a check that reads it (the
 * PDPTE checks without EPT) is never memoized. */
static int check_read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct check_ctx *c = opaque;

	c->unmemoizable = true;
	return vm_read_guest(c->vm, gpa, buf, len);
}

/* Checks in SDM order, skipping those whose last pass still holds. */
static int run_pending_checks(struct mock_vm *m, unsigned cpu, struct mock_vmcs *v,
			      struct vmx_entry_failure *f)
{
	struct check_ctx c = { v, m->vm, 0, false };
	struct vmx_check_env env = { &m->vm->caps, check_read_field, check_read_guest, &c };

	for (unsigned w = 0; w < MOCK_CHECK_WORDS; w++) {
		for (uint64_t todo = v->pending[w]; todo; todo &= todo - 1) {
			unsigned check = w * 64 + (unsigned)__builtin_ctzll(todo);
			int r;

			c.check = check;
			c.unmemoizable = false;
			r = vmx_check_one(&env, (enum vmx_check_family)m->check_family[check],
					  m->check_index[check], f);
			if (r == VCPU_EENTRY_CONTROL)
				return vmfail_valid(m, cpu, VMX_INSN_ERR_ENTRY_INVALID_CONTROL_FIELD, r);
			if (r == VCPU_EENTRY_HOST)
				return vmfail_valid(m, cpu, VMX_INSN_ERR_ENTRY_INVALID_HOST_STATE_FIELD, r);
			if (r < 0)
				return r;
			if (!c.unmemoizable)
				v->pending[w] &= ~(1ull << (check % 64));
		}
	}
	return 0;
}

int mock_vmentry_checks(struct mock_vm *m, unsigned cpu, bool launch, struct vmx_entry_failure *f)
{
	struct mock_vmcs *v = m->cpu[cpu].current;

	/* No current VMCS, or a shadow one: VMfailInvalid (SDM 26.1). */
	if (!v || (v->revision_id & MOCK_SHADOW_VMCS))
		return VCPU_EVMFAIL_INVALID;
	if (launch && v->launch_state != MOCK_CLEAR)
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMLAUNCH_NONCLEAR_VMCS, VCPU_EVMX_INSN);
	if (!launch && v->launch_state != MOCK_LAUNCHED)
		return vmfail_valid(m, cpu, VMX_INSN_ERR_VMRESUME_NONLAUNCHED_VMCS, VCPU_EVMX_INSN);
	for (unsigned w = 0; w < MOCK_CHECK_WORDS; w++) {
		if (v->pending[w]) {
			int r = run_pending_checks(m, cpu, v, f);

			/* A failure on the guest state is recorded as an exit
			 * would be; the other exit information stays (SDM 26.7). */
			if (r == VCPU_EENTRY_GUEST) {
				mock_store(v, VMCS_SLOT_VM_EXIT_REASON,
					   VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY);
				mock_store(v, VMCS_SLOT_EXIT_QUALIFICATION, f->qualification);
			}
			if (r < 0)
				return r;
			break;
		}
	}
	return 0;
}

/* ---- the public test interface ----------------------------------------- */

static struct mock_vm *mock_of(struct vm *vm, unsigned pcpu)
{
	if (!vm || strcmp(vm->ops->name, "mock") || pcpu >= mock_vm_of(vm)->nr_pcpus)
		return NULL;
	return mock_vm_of(vm);
}

int vm_mock_vmclear(struct vm *vm, unsigned pcpu, uint64_t hpa)
{
	struct mock_vm *m = mock_of(vm, pcpu);

	return m ? mock_vmclear(m, pcpu, hpa) : VCPU_EINVAL;
}

int vm_mock_vmptrld(struct vm *vm, unsigned pcpu, uint64_t hpa)
{
	struct mock_vm *m = mock_of(vm, pcpu);

	return m ? mock_vmptrld(m, pcpu, hpa) : VCPU_EINVAL;
}

int vm_mock_vmread(struct vm *vm, unsigned pcpu, uint32_t field, uint64_t *value)
{
	struct mock_vm *m = mock_of(vm, pcpu);

	return m && value ? mock_vmread(m, pcpu, field, value) : VCPU_EINVAL;
}

int vm_mock_vmwrite(struct vm *vm, unsigned pcpu, uint32_t field, uint64_t value)
{
	struct mock_vm *m = mock_of(vm, pcpu);

	return m ? mock_vmwrite(m, pcpu, field, value) : VCPU_EINVAL;
}

int vm_mock_vmenter(struct vm *vm, unsigned pcpu, bool launch, struct vmx_entry_failure *failure)
{
	struct mock_vm *m = mock_of(vm, pcpu);
	int r;

	if (!m || !failure)
		return VCPU_EINVAL;
	r = mock_vmentry_checks(m, pcpu, launch, failure);
	if (r == 0)
		m->cpu[pcpu].current->launch_state = MOCK_LAUNCHED;
	return r;
}

uint32_t vm_mock_insn_error(struct vm *vm, unsigned pcpu)
{
	struct mock_vm *m = mock_of(vm, pcpu);

	if (!m || !m->cpu[pcpu].current)
		return 0;
	return (uint32_t)m->cpu[pcpu].current->val[VMCS_SLOT_VM_INSTRUCTION_ERROR];
}

int vm_mock_alloc_vmcs(struct vm *vm, uint64_t *hpa)
{
	struct mock_vm *m = mock_of(vm, 0);
	struct mock_vmcs *v;

	if (!m || !hpa)
		return VCPU_EINVAL;
	v = mock_vmcs_new(m);
	if (!v)
		return VCPU_ENOMEM;
	*hpa = v->hpa;
	return 0;
}

uint64_t vm_mock_vmxon_hpa(struct vm *vm, unsigned pcpu)
{
	struct mock_vm *m = mock_of(vm, pcpu);

	return m ? m->cpu[pcpu].vmxon_hpa : 0;
}

int vm_mock_set_revision(struct vm *vm, uint64_t hpa, uint32_t revision_id)
{
	struct mock_vm *m = mock_of(vm, 0);
	struct mock_page *page = m ? mock_page_find(m, hpa) : NULL;

	if (!page || !page->vmcs)
		return VCPU_EINVAL;
	page->vmcs->revision_id = revision_id;
	return 0;
}
