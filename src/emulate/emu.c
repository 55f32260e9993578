/*
 * libvcpu emulator - creation, state, and the loop that runs instructions:
 * fetch and decode (cached) -> intercept check -> execute -> retire, or
 * deliver the exception it raised -> single-step trap.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec.h"

int emu_fail(struct emu *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
	return err;
}

const char *emu_error_detail(const struct emu *emu)
{
	return emu->detail;
}

void emu_get_stats(const struct emu *emu, struct emu_stats *out)
{
	*out = emu->stats;
}

static void power_on(struct emu *e)
{
	memset(e->gpr, 0, sizeof(e->gpr));
	e->gpr[R_DX] = 0x600;		/* the processor signature, as after reset */
	for (unsigned s = 0; s < EMU_NR_SEGS; s++)
		e->seg[s] = (struct emu_segment){ .base = 0, .limit = 0xffff, .ar = 0x93, .selector = 0 };
	e->seg[SEG_CS] = (struct emu_segment){ .base = 0xffff0000u, .limit = 0xffff, .ar = 0x9b,
					       .selector = 0xf000 };
	e->ldtr = (struct emu_segment){ .limit = 0xffff, .ar = 0x82 };
	e->tr = (struct emu_segment){ .limit = 0xffff, .ar = 0x8b };
	e->eip = 0xfff0;
	e->eflags = F_FIXED1;
	e->cr0 = 0x60000010u;
	e->cr2 = e->cr3 = e->cr4 = 0;
	e->gdtr_base = e->idtr_base = 0;
	e->gdtr_limit = e->idtr_limit = 0xffff;
	e->a20_mask = ~0u;
}

int emu_create(const struct emu_config *config, struct emu **out)
{
	struct emu *e;
	int r;

	if (!config || !out || (config->ram_size && !config->ram))
		return VCPU_EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return VCPU_ENOMEM;
	e->ops = config->ops;
	e->opaque = config->opaque;
	e->ram = config->ram;
	e->ram_size = config->ram ? config->ram_size : 0;
	power_on(e);
	r = emu_decode_init(e, config->cache_entries);
	if (r < 0) {
		emu_destroy(e);
		return r;
	}
	*out = e;
	return 0;
}

void emu_destroy(struct emu *emu)
{
	if (!emu)
		return;
	emu_decode_fini(emu);
	free(emu);
}

/* ---- state by the library's names --------------------------------------------- */

uint64_t emu_get_reg(const struct emu *e, enum vcpu_reg reg)
{
	if (reg <= VCPU_REG_RDI)
		return e->gpr[reg];
	switch (reg) {
	case VCPU_REG_RIP: return e->eip;
	case VCPU_REG_RFLAGS: return e->eflags;
	case VCPU_REG_CR2: return e->cr2;
	default: return 0;
	}
}

int emu_set_reg(struct emu *e, enum vcpu_reg reg, uint64_t value)
{
	if (reg <= VCPU_REG_RDI) {
		e->gpr[reg] = (uint32_t)value;
		return 0;
	}
	switch (reg) {
	case VCPU_REG_RIP: e->eip = (uint32_t)value; return 0;
	case VCPU_REG_RFLAGS: e->eflags = ((uint32_t)value & 0x3f7fd7u) | F_FIXED1; return 0;
	case VCPU_REG_CR2: e->cr2 = (uint32_t)value; return 0;
	default: return VCPU_EINVAL;
	}
}

/* A guest field: its storage and width, or NULL. */
static void *field_slot(struct emu *e, uint32_t field, unsigned *width)
{
	unsigned seg;

	*width = 4;
	switch (field) {
	case VMCS_GUEST_LDTR_SELECTOR: *width = 2; return &e->ldtr.selector;
	case VMCS_GUEST_TR_SELECTOR: *width = 2; return &e->tr.selector;
	case VMCS_GUEST_LDTR_LIMIT: return &e->ldtr.limit;
	case VMCS_GUEST_TR_LIMIT: return &e->tr.limit;
	case VMCS_GUEST_LDTR_AR_BYTES: return &e->ldtr.ar;
	case VMCS_GUEST_TR_AR_BYTES: return &e->tr.ar;
	case VMCS_GUEST_LDTR_BASE: return &e->ldtr.base;
	case VMCS_GUEST_TR_BASE: return &e->tr.base;
	default: break;
	}
	if (field >= VMCS_GUEST_ES_SELECTOR && field <= VMCS_GUEST_GS_SELECTOR && !(field & 1)) {
		*width = 2;
		return &e->seg[(field - VMCS_GUEST_ES_SELECTOR) / 2].selector;
	}
	if (field >= VMCS_GUEST_ES_LIMIT && field <= VMCS_GUEST_GS_LIMIT && !(field & 1))
		return &e->seg[(field - VMCS_GUEST_ES_LIMIT) / 2].limit;
	if (field >= VMCS_GUEST_ES_AR_BYTES && field <= VMCS_GUEST_GS_AR_BYTES && !(field & 1))
		return &e->seg[(field - VMCS_GUEST_ES_AR_BYTES) / 2].ar;
	if (field >= VMCS_GUEST_ES_BASE && field <= VMCS_GUEST_GS_BASE && !(field & 1)) {
		seg = (field - VMCS_GUEST_ES_BASE) / 2;
		return &e->seg[seg].base;
	}
	switch (field) {
	case VMCS_GUEST_GDTR_BASE: return &e->gdtr_base;
	case VMCS_GUEST_IDTR_BASE: return &e->idtr_base;
	case VMCS_GUEST_GDTR_LIMIT: *width = 2; return &e->gdtr_limit;
	case VMCS_GUEST_IDTR_LIMIT: *width = 2; return &e->idtr_limit;
	case VMCS_GUEST_CR0: return &e->cr0;
	case VMCS_GUEST_CR3: return &e->cr3;
	case VMCS_GUEST_CR4: return &e->cr4;
	case VMCS_GUEST_RSP: return &e->gpr[R_SP];
	case VMCS_GUEST_RIP: return &e->eip;
	case VMCS_GUEST_RFLAGS: return &e->eflags;
	default: return NULL;
	}
}

bool emu_has_field(uint32_t field)
{
	static struct emu probe;	/* only addresses are taken */
	unsigned width;

	return field == VMCS_GUEST_INTERRUPTIBILITY_INFO || field_slot(&probe, field, &width) != NULL;
}

int emu_get_field(const struct emu *e, uint32_t field, uint64_t *value)
{
	unsigned width;
	const void *p;

	if (field == VMCS_GUEST_INTERRUPTIBILITY_INFO) {
		*value = (e->shadow_sti ? VMX_GUEST_INTR_STATE_STI : 0) |
			 (e->shadow_mov_ss ? VMX_GUEST_INTR_STATE_MOV_SS : 0);
		return 0;
	}
	p = field_slot((struct emu *)e, field, &width);
	if (!p)
		return VCPU_EVMCS_UNSUPPORTED;
	*value = width == 2 ? *(const uint16_t *)p : *(const uint32_t *)p;
	return 0;
}

int emu_set_field(struct emu *e, uint32_t field, uint64_t value)
{
	unsigned width;
	void *p;

	if (field == VMCS_GUEST_INTERRUPTIBILITY_INFO) {
		e->shadow_sti = (value & VMX_GUEST_INTR_STATE_STI) != 0;
		e->shadow_mov_ss = (value & VMX_GUEST_INTR_STATE_MOV_SS) != 0;
		return 0;
	}
	if (field == VMCS_GUEST_RFLAGS)
		return emu_set_reg(e, VCPU_REG_RFLAGS, value);
	p = field_slot(e, field, &width);
	if (!p)
		return VCPU_EVMCS_UNSUPPORTED;
	if (width == 2)
		*(uint16_t *)p = (uint16_t)value;
	else
		*(uint32_t *)p = (uint32_t)value;
	return 0;
}

int emu_load_real_segment(struct emu *e, unsigned seg, uint16_t selector)
{
	if (seg >= EMU_NR_SEGS)
		return VCPU_EINVAL;
	e->seg[seg] = (struct emu_segment){ .base = (uint32_t)selector << 4, .limit = 0xffff,
					    .ar = seg == SEG_CS ? 0x9b : 0x93, .selector = selector };
	return 0;
}

void emu_flush_code(struct emu *e)
{
	emu_code_written(e, 0, 1);
}

void emu_set_a20(struct emu *e, bool enabled)
{
	uint32_t mask = enabled ? ~0u : ~(1u << 20);

	/* Cached code is tagged by linear address: above 1 MiB that now
	 * reaches other memory. */
	if (mask != e->a20_mask)
		emu_flush_code(e);
	e->a20_mask = mask;
}

void emu_set_vm86_io_bitmap(struct emu *e, const uint8_t *bitmap)
{
	e->vm86_io_bitmap = bitmap;
}

void emu_set_intercepts(struct emu *e, unsigned intercepts, uint32_t exceptions)
{
	e->intercepts = intercepts;
	e->exception_bitmap = exceptions;
}

/* ---- running ----------------------------------------------------------------------- */

/* Faults on privilege come before the VM exit an intercept causes (SDM
 * Vol. 3C 26.1.1): in virtual-8086 mode HLT, CR writes and (with
 * CR4.TSD) RDTSC raise #GP(0) instead. */
static int privilege_fault(struct emu *e, const struct emu_insn *in)
{
	bool refused = false;

	if (!emu_cpl(e))
		return EMU_NEXT;
	switch (in->intercept) {
	case EMU_INTERCEPT_HLT: case EMU_INTERCEPT_CR_WRITE:
		refused = true;
		break;
	case EMU_INTERCEPT_RDTSC:
		refused = (e->cr4 & CR4_TSD) != 0;
		break;
	}
	return refused ? emu_raise_error(e, EXC_GP, 0) : EMU_NEXT;
}

/* An intercepted instruction: what a VM exit would say about it in
 * *stop (EMU_NEXT), or EMU_FAULT for a fault that comes first (privilege,
 * the I/O permission bitmap, fetching LMSW's memory operand), or an error. */
static int stop_intercepted(struct emu *e, const struct emu_insn *in, struct emu_stop *stop)
{
	uint32_t v = 0;
	int r = privilege_fault(e, in);

	if (r)
		return r;
	memset(stop, 0, sizeof(*stop));
	stop->intercepted = true;
	stop->instruction_len = in->len;
	switch (in->intercept) {
	case EMU_INTERCEPT_IO: {
		bool string = in->id != X86_INS_IN && in->id != X86_INS_OUT;
		const struct emu_operand *port = in->id == X86_INS_IN || in->id == X86_INS_INSB ||
						 in->id == X86_INS_INSW || in->id == X86_INS_INSD
						 ? &in->op[1] : &in->op[0];
		const struct emu_operand *data = port == &in->op[0] ? &in->op[1] : &in->op[0];

		stop->reason = EMU_STOP_IO;
		stop->io.port = (uint16_t)(port->kind == OPK_IMM ? (uint32_t)port->value & 0xff
								 : e->gpr[R_DX] & 0xffff);
		stop->io.size = data->size;
		stop->io.in = port == &in->op[1];
		stop->io.string = string;
		stop->io.rep = string && (in->prefixes & (PFX_REP | PFX_REPNE));
		stop->io.address_size = in->adsize;
		stop->io.segment = in->seg == SEG_NONE ? SEG_DS : in->seg;
		if ((r = emu_io_permitted(e, stop->io.port, stop->io.size)) != 0)
			return r;
		break;
	}
	case EMU_INTERCEPT_HLT:
		stop->reason = EMU_STOP_HLT;
		break;
	case EMU_INTERCEPT_CPUID:
		stop->reason = EMU_STOP_CPUID;
		break;
	case EMU_INTERCEPT_RDTSC:
		stop->reason = EMU_STOP_RDTSC;
		break;
	case EMU_INTERCEPT_CR_WRITE:
		stop->reason = EMU_STOP_CR_WRITE;
		if (in->id == X86_INS_CLTS) {
			stop->cr.kind = 2;
		} else if (in->id == X86_INS_LMSW) {
			stop->cr.kind = 3;
			if ((r = emu_op_read(e, in, &in->op[0], &v)) != 0)
				return r;
			stop->cr.lmsw_source = (uint16_t)v;
		} else {
			stop->cr.cr = in->op[0].reg;
			stop->cr.gpr = in->op[1].reg;
		}
		break;
	}
	return EMU_NEXT;
}

/* The single-step trap after an instruction that began with TF set. */
static int single_step_trap(struct emu *e, struct emu_stop *stop)
{
	emu_raise(e, EXC_DB);
	return emu_deliver_pending(e, stop, 0, e->eip);
}

/* After an instruction's exec function returned r: retire it, or deliver
 * what it raised. 0: nothing stops; 1: *stop filled; < 0: an error. */
static int complete(struct emu *e, const struct emu_insn *in, int r, uint32_t eip, bool trap, bool sti,
		    bool mov_ss, struct emu_stop *stop)
{
	if (r == EMU_FAULT) {
		e->shadow_sti = sti;
		e->shadow_mov_ss = mov_ss;
		if (e->fault_software != EMU_EVENT_HARD) {
			e->stats.instructions++;
			return emu_deliver_pending(e, stop, in->len, e->next_eip);
		}
		return emu_deliver_pending(e, stop, in->len, eip);
	}
	if (r < 0) {
		e->shadow_sti = sti;
		e->shadow_mov_ss = mov_ss;
		return r;
	}
	e->eip = e->next_eip;
	e->stats.instructions++;
	if (r == EMU_HALTED) {
		memset(stop, 0, sizeof(*stop));
		stop->reason = EMU_STOP_HLT;
		stop->instruction_len = in->len;
		return 1;
	}
	/* MOV SS and POP SS hold their own trap back to the end of the next
	 * instruction, which then traps (SDM Vol. 3A 6.8.3). */
	if (trap && !e->shadow_mov_ss)
		return single_step_trap(e, stop);
	return 0;
}

/* One instruction. 0: retired (or its exception delivered) and nothing
 * stops; 1: *stop filled; < 0: an error, no state changed. */
static int execute_one(struct emu *e, struct emu_stop *stop)
{
	const struct emu_insn *in;
	uint32_t eip = e->eip;
	bool trap = (e->eflags & F_TF) != 0;
	bool sti = e->shadow_sti, mov_ss = e->shadow_mov_ss;
	int r;

	in = emu_cached_insn(e);
	if (!in) {
		r = emu_fetch_decode(e, &in);
		if (r == EMU_FAULT)
			return emu_deliver_pending(e, stop, 0, eip);
		if (r < 0)
			return r;
	}
	if (in->intercept & e->intercepts) {
		r = stop_intercepted(e, in, stop);
		if (r == EMU_FAULT)
			return emu_deliver_pending(e, stop, in->len, eip);
		return r < 0 ? r : 1;
	}
	e->next_eip = (eip + in->len) & (in->mode == 2 ? 0xffffu : ~0u);
	e->shadow_sti = e->shadow_mov_ss = false;
	return complete(e, in, in->exec(e, in), eip, trap, sti, mov_ss, stop);
}

int emu_step(struct emu *emu, struct emu_stop *stop)
{
	int r;

	if (!emu || !stop)
		return VCPU_EINVAL;
	if (emu->cr0 & CR0_PG)
		return emu_fail(emu, VCPU_ENOTSUP, "paging is on: the emulator runs real, virtual-8086 "
				"and flat protected mode without paging");
	r = execute_one(emu, stop);
	if (r == 0) {
		memset(stop, 0, sizeof(*stop));
		stop->reason = EMU_STOP_STEP;
	}
	return r < 0 ? r : 0;
}

int emu_inject(struct emu *emu, uint8_t vector, struct emu_stop *stop)
{
	uint32_t bitmap;
	int r;

	if (!emu || !stop)
		return VCPU_EINVAL;
	memset(stop, 0, sizeof(*stop));
	emu_raise(emu, vector);
	/* An injected event is delivered, never caught by the bitmap. */
	bitmap = emu->exception_bitmap;
	emu->exception_bitmap = 0;
	r = emu_deliver_pending(emu, stop, 0, emu->eip);
	emu->exception_bitmap = bitmap;
	if (r == 0) {
		stop->reason = EMU_STOP_STEP;
		emu->shadow_sti = emu->shadow_mov_ss = false;
	}
	return r < 0 ? r : 0;
}

#define NOT_PLAIN 2

/* The common instruction: cached, not intercepted, no single-step trap
 * or interrupt shadow to honour. NOT_PLAIN (nothing done) for the rest,
 * which execute_one takes; else as execute_one. */
static inline int execute_plain(struct emu *e, struct emu_stop *stop)
{
	const struct emu_insn *in = emu_cached_insn(e);
	uint32_t eip = e->eip;
	int r;

	if (!in || (in->intercept & e->intercepts) || (e->eflags & F_TF) || e->shadow_sti || e->shadow_mov_ss)
		return NOT_PLAIN;
	e->next_eip = (eip + in->len) & (in->mode == 2 ? 0xffffu : ~0u);
	r = in->exec(e, in);
	if (r == EMU_NEXT) {
		e->eip = e->next_eip;
		e->stats.instructions++;
		return 0;
	}
	return complete(e, in, r, eip, false, false, false, stop);
}

int emu_run(struct emu *emu, uint64_t max_steps, struct emu_stop *stop)
{
	uint64_t n = 0;
	int r;

	if (!emu || !stop)
		return VCPU_EINVAL;
	while (!max_steps || n < max_steps) {
		if (emu->cr0 & CR0_PG)
			return emu_fail(emu, VCPU_ENOTSUP, "paging is on: the emulator runs real, "
					"virtual-8086 and flat protected mode without paging");
		r = execute_plain(emu, stop);
		if (r == NOT_PLAIN)
			r = execute_one(emu, stop);
		n++;
		if (r)
			return r < 0 ? r : 0;
	}
	memset(stop, 0, sizeof(*stop));
	stop->reason = EMU_STOP_LIMIT;
	return 0;
}
