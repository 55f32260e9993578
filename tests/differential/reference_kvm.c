/*
 * emu-diff - a test case as a real-mode guest on KVM, through libvcpu's
 * public API: one VM and VCPU for every case (registers and segments set
 * afresh, RAM restored by the caller), run to the HLT that ends it.
 *
 * Where KVM cannot emulate an instruction it stops with an internal error
 * (KVM_EXIT_INTERNAL_ERROR, reported as VCPU_EBACKEND) at that
 * instruction: the case is cut there and run again, the instruction
 * counted as refused. KVM also queues a #UD for the guest when it gives
 * up, which the next run would take: it is let through to the HLT
 * handler at once (drain()). After anything else unexpected, and after
 * a shutdown, the VM is made anew.
 */
#include <stdlib.h>
#include <string.h>

#include "libvcpu/libvcpu.h"

#include "diff.h"

static struct vm *vm;
static struct vcpu *vcpu;
static uint8_t *ram;

static int create(char *why, size_t why_len)
{
	int r = vm_create(&(struct vm_options){ .backend = "kvm" }, &vm);

	if (r < 0) {
		snprintf(why, why_len, "vm_create: %s: %s", vcpu_error_name(r), vm_last_error());
		return r == VCPU_ENOTSUP || r == VCPU_EACCES ? 77 : 1;
	}
	if ((r = vm_add_memory(vm, 0, RAM_SIZE, ram)) < 0 || (r = vcpu_create(vm, 0, &vcpu)) < 0) {
		snprintf(why, why_len, "VM set-up: %s: %s", vcpu_error_name(r), vm_last_error());
		return 1;
	}
	return 0;
}

int kvm_runner_init(uint8_t *guest_ram, char *why, size_t why_len)
{
	ram = guest_ram;
	return create(why, why_len);
}

void kvm_runner_fini(void)
{
	if (vm)
		vm_destroy(vm);
	vm = NULL;
}

static const uint32_t selector_field[NR_SEGS] = {
	VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR,
	VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
};
static const uint32_t base_field[NR_SEGS] = {
	VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
	VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
};

static int set_state(const struct cpu_state *s)
{
	int r = 0;

	for (unsigned i = 0; i < 8 && !r; i++)
		r = vcpu_set_reg(vcpu, (enum vcpu_reg)(VCPU_REG_RAX + i), s->gpr[i]);
	for (unsigned seg = 0; seg < NR_SEGS && !r; seg++)
		if (!(r = vcpu_vmwrite(vcpu, selector_field[seg], s->sel[seg])))
			r = vcpu_vmwrite(vcpu, base_field[seg], (uint32_t)s->sel[seg] << 4);
	if (!r)
		r = vcpu_set_reg(vcpu, VCPU_REG_RIP, s->eip);
	if (!r)
		r = vcpu_set_reg(vcpu, VCPU_REG_RFLAGS, s->eflags);
	return r;
}

static void get_state(struct cpu_state *s)
{
	uint64_t v;

	for (unsigned i = 0; i < 8; i++) {
		vcpu_get_reg(vcpu, (enum vcpu_reg)(VCPU_REG_RAX + i), &v);
		s->gpr[i] = (uint32_t)v;
	}
	vcpu_get_reg(vcpu, VCPU_REG_RIP, &v);
	s->eip = (uint32_t)v;
	vcpu_get_reg(vcpu, VCPU_REG_RFLAGS, &v);
	s->eflags = (uint32_t)v;
	for (unsigned seg = 0; seg < NR_SEGS; seg++) {
		vcpu_vmread(vcpu, selector_field[seg], &v);
		s->sel[seg] = (uint16_t)v;
	}
}

/* Start over after KVM gave up on the guest (see the top). */
static void recreate(void)
{
	char why[160];

	kvm_runner_fini();
	if (create(why, sizeof(why)) != 0) {
		fprintf(stderr, "emu-diff: cannot make a new KVM VM: %s\n", why);
		exit(1);
	}
}

/* Take the #UD KVM queued after refusing an instruction: the guest at
 * the HLT handler, with a stack, delivers it there and halts (or just
 * halts if nothing was queued). The frame it pushes is in RAM the caller
 * restores before the next run. */
static bool drain(void)
{
	struct cpu_state s = { .gpr = { [4] = 0x1000 }, .eip = HANDLER, .eflags = 2,
			       .sel = { 0x1000, 0, 0x1000, 0x1000, 0x1000, 0x1000 } };
	uint64_t rip = 0;

	vcpu_wake(vcpu);
	if (set_state(&s) < 0 || vcpu_run(vcpu) != 0 ||
	    vmx_exit_basic_reason(vcpu_last_exit(vcpu)) != VMX_EXIT_REASON_HLT)
		return false;
	vcpu_get_reg(vcpu, VCPU_REG_RIP, &rip);
	return rip == HANDLER + 1;
}

void kvm_runner_run(const struct program *p, const struct cpu_state *init, struct outcome *out)
{
	const struct vmx_exit *e;
	int r;

	memset(out, 0, sizeof(*out));
	memcpy(ram + CODE_BASE, p->code, p->len);
	vcpu_wake(vcpu);
	if ((r = set_state(init)) < 0) {
		out->status = RUN_ERROR;
		snprintf(out->detail, sizeof(out->detail), "setting the state: %s: %s", vcpu_error_name(r),
			 vcpu_error_detail(vcpu));
		return;
	}
	r = vcpu_run(vcpu);
	get_state(&out->final);
	e = vcpu_last_exit(vcpu);
	if (r == 0 && vmx_exit_basic_reason(e) == VMX_EXIT_REASON_HLT) {
		out->status = RUN_HALTED;
	} else if (r == VCPU_ETRIPLE_FAULT) {
		out->status = RUN_TRIPLE_FAULT;
	} else if (r == VCPU_EBACKEND && strstr(vcpu_error_detail(vcpu), "KVM internal error") &&
		   out->final.sel[S_CS] == CODE_SEGMENT && out->final.eip < p->cut &&
		   p->insn_at[out->final.eip] >= 0) {
		out->status = RUN_CUT;
		out->cut_at = out->final.eip;
		out->cut_reason = CUT_REFUSED;
		out->cut_id = p->facts[p->insn_at[out->final.eip]].id;
		snprintf(out->detail, sizeof(out->detail), "%s", vcpu_error_detail(vcpu));
	} else {
		out->status = RUN_ERROR;
		snprintf(out->detail, sizeof(out->detail), "vcpu_run: %s: %s (exit reason %u)",
			 vcpu_error_name(r), vcpu_error_detail(vcpu), vmx_exit_basic_reason(e));
	}
	if (out->status == RUN_CUT ? !drain() : out->status != RUN_HALTED)
		recreate();
}
