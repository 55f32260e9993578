/*
 * libvcpu emulator - exceptions and interrupts. In real mode they are
 * delivered through the IVT (IDTR base and limit, as the 386 keeps them):
 * FLAGS, CS and IP pushed, IF, TF and AC cleared, CS:IP loaded from the
 * vector's entry. A fault while delivering a contributory exception (#DE,
 * #TS, #NP, #SS, #GP) becomes a double fault, one while delivering a
 * double fault shuts the processor down (triple fault); after a benign
 * one the new fault is delivered instead. In virtual-8086 mode the events
 * go to the caller, the monitor, as the processor would take them through
 * the protected-mode IDT. In protected mode only the IDT's limit is
 * checked here (a gate past it is #GP, and so on to a triple fault, as
 * boot code with an empty IDT sees); an event with a gate goes to the
 * caller, which delivers it.
 */
#include "emu_internal.h"

static int raise(struct emu *e, unsigned vector, bool has_error, uint32_t error_code)
{
	e->fault_pending = true;
	e->fault_vector = (uint8_t)vector;
	e->fault_has_error = has_error;
	e->fault_error = error_code;
	e->fault_software = EMU_EVENT_HARD;
	return EMU_FAULT;
}

int emu_raise(struct emu *e, unsigned vector)
{
	return raise(e, vector, false, 0);
}

int emu_raise_error(struct emu *e, unsigned vector, uint32_t error_code)
{
	return raise(e, vector, true, error_code);
}

int emu_raise_soft(struct emu *e, unsigned vector, unsigned kind)
{
	raise(e, vector, false, 0);
	e->fault_software = (uint8_t)kind;
	return EMU_FAULT;
}

static bool contributory(unsigned vector)
{
	return vector == EXC_DE || vector == EXC_TS || vector == EXC_NP || vector == EXC_SS ||
	       vector == EXC_GP;
}

int emu_interrupt_real(struct emu *e, unsigned vector, uint32_t return_ip)
{
	uint32_t entry, sp = e->gpr[R_SP];
	uint16_t old_cs = e->seg[SEG_CS].selector;
	int r;

	if (vector * 4 + 3 > e->idtr_limit)
		return emu_raise_error(e, EXC_GP, vector * 8 + 2);
	r = emu_linear_read(e, e->idtr_base + vector * 4, &entry, 4);
	if (r < 0)
		return r;
	/* All three pushes or none. */
	if ((r = emu_push(e, 2, e->eflags & 0xffff)) != 0 || (r = emu_push(e, 2, old_cs)) != 0 ||
	    (r = emu_push(e, 2, return_ip & 0xffff)) != 0) {
		e->gpr[R_SP] = sp;
		return r;
	}
	e->eflags &= ~(F_IF | F_TF | F_AC | F_RF);
	emu_load_real_segment_raw(e, SEG_CS, (uint16_t)(entry >> 16));
	e->eip = entry & 0xffff;
	return EMU_NEXT;
}

/* Protected mode: the 8-byte gate must lie within the IDT. */
static int gate_check(struct emu *e, unsigned vector)
{
	if (vector * 8 + 7 > e->idtr_limit)
		return emu_raise_error(e, EXC_GP, vector * 8 + 2);
	return EMU_NEXT;
}

/* Deliver (real mode) or check (protected mode) one event. */
static int deliver_one(struct emu *e, unsigned vector, uint32_t return_ip)
{
	return emu_real(e) ? emu_interrupt_real(e, vector, return_ip) : gate_check(e, vector);
}

static void stop_for_caller(struct emu *e, struct emu_stop *stop, unsigned len)
{
	stop->reason = EMU_STOP_EXCEPTION;
	stop->intercepted = true;
	stop->instruction_len = (uint8_t)len;
	stop->exception.vector = e->fault_vector;
	stop->exception.has_error_code = e->fault_has_error && !emu_real(e);
	stop->exception.error_code = e->fault_error;
	stop->exception.software = e->fault_software != EMU_EVENT_HARD;
	e->fault_pending = false;
}

/* The bitmap has a bit for vectors 0-31 only (INT n goes higher). */
static bool in_bitmap(const struct emu *e, unsigned vector)
{
	return vector < 32 && ((e->exception_bitmap >> vector) & 1);
}

int emu_deliver_pending(struct emu *e, struct emu_stop *stop, unsigned len, uint32_t return_ip)
{
	unsigned vector = e->fault_vector;
	int r;

	/* The exception bitmap catches exceptions, not INT n (as in VMX). */
	if ((in_bitmap(e, vector) && e->fault_software != EMU_EVENT_SOFT_INTERRUPT) ||
	    emu_vm86(e)) {
		stop_for_caller(e, stop, len);
		return 1;
	}
	for (;;) {
		uint8_t kind = e->fault_software;
		bool has_error = e->fault_has_error;
		uint32_t error = e->fault_error;

		e->fault_pending = false;
		r = deliver_one(e, vector, return_ip);
		if (r == EMU_NEXT && !emu_real(e)) {
			/* A gate exists: the caller delivers the event. */
			e->fault_vector = (uint8_t)vector;
			e->fault_software = kind;
			e->fault_has_error = has_error;
			e->fault_error = error;
			stop_for_caller(e, stop, len);
			return 1;
		}
		if (r != EMU_FAULT)
			return r;
		/* A fault while delivering `vector`. */
		if (vector == EXC_DF) {
			stop->reason = EMU_STOP_TRIPLE_FAULT;
			stop->intercepted = false;
			stop->instruction_len = (uint8_t)len;
			e->fault_pending = false;
			return 1;
		}
		if (contributory(vector) && contributory(e->fault_vector))
			e->fault_vector = EXC_DF;
		if (in_bitmap(e, e->fault_vector)) {
			stop_for_caller(e, stop, len);
			return 1;
		}
		vector = e->fault_vector;
		/* The nested fault returns to the faulting instruction. */
		return_ip = e->eip;
	}
}
