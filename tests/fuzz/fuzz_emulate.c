/*
 * Fuzz target: the real-mode and virtual-8086 instruction emulator
 * (include/libvcpu/emulate.h).
 *
 * An input is a small machine: a header (struct config: memory layout,
 * mode, intercepts, registers), code put at CS:IP, then patches of memory.
 * Memory is up to 64 KiB from address 0 and an optional 4 KiB high region,
 * each in a malloc'ed buffer of exactly its size; the RAM window covers
 * the first part of the low memory, the callbacks serve the rest and
 * refuse (VCPU_EFAULT) or, on an open bus, ignore everything else.
 *
 * The input runs from the same start two or three times and must end
 * the same way (registers, memory, stop):
 *   stepped  emu_step with the decode cache flushed before every step,
 *            the invariants checked after each step;
 *   chunked  emu_run a few steps at a time, the cache on;
 *   again without the RAM window, all memory through the callbacks.
 * A step that promises to change nothing (an error, an intercept, an
 * event stopped for the caller) is run a third time, to compare memory
 * before and after it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "fuzz_emulate.h"

/* ---- state --------------------------------------------------------------------------- */

static const uint32_t other_fields[] = {
	VMCS_GUEST_CR0, VMCS_GUEST_CR3, VMCS_GUEST_CR4, VMCS_GUEST_INTERRUPTIBILITY_INFO,
	VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR_BYTES,
	VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR_BYTES,
	VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT, VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT,
};

enum { SEL, BASE, LIMIT, AR };

struct state {
	uint64_t gpr[NR_GPRS], rip, rflags, cr2;
	uint64_t seg[NR_SEGS][4];
	uint64_t other[ARRAY_SIZE(other_fields)];
};

#define STATE_CR0 0	/* its other_fields[] index */

static uint64_t get_field(const struct machine *m, uint32_t field)
{
	uint64_t v = 0;

	FUZZ_ASSERT(emu_get_field(m->emu, field, &v) == 0, "emu_get_field(0x%x)", field);
	return v;
}

static void state_take(const struct machine *m, struct state *s)
{
	static const uint32_t seg_fields[4] = {
		VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR_BYTES,
	};

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < NR_GPRS; i++)
		s->gpr[i] = emu_get_reg(m->emu, (enum vcpu_reg)i);
	s->rip = emu_get_reg(m->emu, VCPU_REG_RIP);
	s->rflags = emu_get_reg(m->emu, VCPU_REG_RFLAGS);
	s->cr2 = emu_get_reg(m->emu, VCPU_REG_CR2);
	for (unsigned i = 0; i < NR_SEGS; i++)
		for (unsigned f = 0; f < 4; f++)
			s->seg[i][f] = get_field(m, seg_fields[f] + 2 * i);
	for (unsigned i = 0; i < ARRAY_SIZE(other_fields); i++)
		s->other[i] = get_field(m, other_fields[i]);
}

/* The first difference, by name, or NULL. */
static const char *state_diff(const struct state *a, const struct state *b, bool rep_string)
{
	static const char *const gpr_names[] = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI" };
	uint64_t flag_mask = rep_string ? ~(uint64_t)FL_ARITH : ~(uint64_t)0;

	for (unsigned i = 0; i < NR_GPRS; i++)
		if (a->gpr[i] != b->gpr[i] && !(rep_string && (i == AX || i == CX || i == SI || i == DI)))
			return gpr_names[i];
	if (a->rip != b->rip)
		return "RIP";
	if ((a->rflags ^ b->rflags) & flag_mask)
		return "RFLAGS";
	if (a->cr2 != b->cr2)
		return "CR2";
	if (memcmp(a->seg, b->seg, sizeof(a->seg)))
		return "a segment register";
	for (unsigned i = 0; i < ARRAY_SIZE(other_fields); i++)
		if (a->other[i] != b->other[i])
			return "a system register or the interruptibility";
	return NULL;
}

static bool code32(const struct state *s)
{
	return (s->other[STATE_CR0] & CR0_PE) && !(s->rflags & FL_VM) && (s->seg[CS][AR] & (1u << 14));
}

/* ---- the instruction at CS:IP, as the machine's memory holds it ------------------- */

/* The bytes at CS:IP up to CS's limit and the first byte outside memory. */
static unsigned code_bytes(const struct machine *m, const struct state *s, uint8_t *buf)
{
	uint32_t linear = (uint32_t)(s->seg[CS][BASE] + s->rip), a20 = (m->c->mode & M_A20_OFF) ? ~(1u << 20) : ~0u;
	unsigned n = 0;

	if (s->rip > s->seg[CS][LIMIT])
		return 0;
	for (; n < MAX_INSN && s->rip + n <= s->seg[CS][LIMIT]; n++) {
		const uint8_t *p = mem_byte(m, (linear + n) & a20);

		if (!p)
			break;
		buf[n] = *p;
	}
	return n;
}

/* A REP string instruction: its iterations before a fault or an error
 * stay done (SI, DI, CX, AX for LODS, flags and memory). */
static bool rep_string_at_ip(const struct machine *m, const struct state *s)
{
	uint8_t b[MAX_INSN];
	unsigned n = code_bytes(m, s, b);
	bool rep = false;

	for (unsigned i = 0; i < n; i++) {
		switch (b[i]) {
		case 0xf2: case 0xf3:
			rep = true;
			break;
		case 0xf0: case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		case 0x66: case 0x67:
			break;
		default:
			return rep && ((b[i] >= 0x6c && b[i] <= 0x6f) || (b[i] >= 0xa4 && b[i] <= 0xa7) ||
				       (b[i] >= 0xaa && b[i] <= 0xaf));
		}
	}
	return false;
}

/* Length of the instruction at CS:IP if its bytes all lie in memory (and
 * within CS's limit), else 0. */
static unsigned mapped_insn_len(const struct machine *m, const struct state *s)
{
	static csh handle[2];
	static cs_insn *insn[2];
	uint8_t b[MAX_INSN];
	const uint8_t *code = b;
	size_t size = code_bytes(m, s, b);
	uint64_t address = s->rip;
	unsigned mode = code32(s);

	if (!handle[mode]) {
		FUZZ_ASSERT(cs_open(CS_ARCH_X86, mode ? CS_MODE_32 : CS_MODE_16, &handle[mode]) == CS_ERR_OK,
			    "cs_open");
		insn[mode] = cs_malloc(handle[mode]);
	}
	return cs_disasm_iter(handle[mode], &code, &size, &address, insn[mode]) ? insn[mode]->size : 0;
}

/* ---- invariants ------------------------------------------------------------------------ */

static bool known_error(int r)
{
	return r == VCPU_EUNIMPLEMENTED || r == VCPU_ENOTSUP || r == VCPU_EFAULT || r == VCPU_ENODEV;
}

static void check_stop(const struct machine *m, const struct state *after, const struct emu_stop *st,
		       bool stepped)
{
	unsigned icpt = m->c->intercepts;

	FUZZ_ASSERT(st->instruction_len <= MAX_INSN, "instruction length %u", st->instruction_len);
	switch (st->reason) {
	case EMU_STOP_STEP:
	case EMU_STOP_LIMIT:
		FUZZ_ASSERT((st->reason == EMU_STOP_STEP) == stepped, "stop %d from %s", st->reason,
			    stepped ? "emu_step" : "emu_run");
		FUZZ_ASSERT(!st->intercepted, "an intercepted plain step");
		break;
	case EMU_STOP_HLT:
		FUZZ_ASSERT(!st->intercepted || (icpt & EMU_INTERCEPT_HLT), "HLT intercepted, not asked for");
		break;
	case EMU_STOP_IO:
		FUZZ_ASSERT(st->intercepted && (icpt & EMU_INTERCEPT_IO), "I/O stop, not asked for");
		FUZZ_ASSERT(st->io.size == 1 || st->io.size == 2 || st->io.size == 4, "I/O size %u", st->io.size);
		FUZZ_ASSERT(st->io.address_size == 2 || st->io.address_size == 4, "address size %u",
			    st->io.address_size);
		FUZZ_ASSERT(st->io.segment < NR_SEGS, "I/O segment %u", st->io.segment);
		FUZZ_ASSERT(st->io.string || !st->io.rep, "REP on IN or OUT");
		break;
	case EMU_STOP_CPUID:
		FUZZ_ASSERT(st->intercepted && (icpt & EMU_INTERCEPT_CPUID), "CPUID stop, not asked for");
		break;
	case EMU_STOP_RDTSC:
		FUZZ_ASSERT(st->intercepted && (icpt & EMU_INTERCEPT_RDTSC), "RDTSC stop, not asked for");
		break;
	case EMU_STOP_CR_WRITE:
		FUZZ_ASSERT(st->intercepted && (icpt & EMU_INTERCEPT_CR_WRITE), "CR stop, not asked for");
		FUZZ_ASSERT(st->cr.cr == 0 || st->cr.cr == 3 || st->cr.cr == 4, "CR%u", st->cr.cr);
		FUZZ_ASSERT(st->cr.kind == 0 || st->cr.kind == 2 || st->cr.kind == 3, "CR access kind %u",
			    st->cr.kind);
		FUZZ_ASSERT(st->cr.kind != 0 || st->cr.gpr < NR_GPRS, "MOV to CR from register %u", st->cr.gpr);
		break;
	case EMU_STOP_EXCEPTION:
		FUZZ_ASSERT(st->intercepted, "an exception stop not marked intercepted");
		/* Real mode delivers through the IVT what the bitmap does not catch. */
		if (!(after->other[STATE_CR0] & CR0_PE))
			FUZZ_ASSERT(st->exception.vector < 32 && ((m->c->exceptions >> st->exception.vector) & 1),
				    "real mode stopped for vector %u, not in the bitmap 0x%x",
				    st->exception.vector, m->c->exceptions);
		FUZZ_ASSERT(!st->exception.has_error_code || st->exception.vector < 32,
			    "vector %u with an error code", st->exception.vector);
		break;
	case EMU_STOP_TRIPLE_FAULT:
		break;
	default:
		FUZZ_ASSERT(0, "stop reason %d", st->reason);
	}
}

/* What holds after any step (or, for the chunked run, any chunk). */
static void check_state(const struct state *before, const struct state *after, bool one_step)
{
	uint64_t f = after->rflags;

	FUZZ_ASSERT((f & FL_FIXED1) && !(f & FL_FIXED0), "EFLAGS 0x%llx: a fixed bit is wrong",
		    (unsigned long long)f);
	/* 16-bit code keeps IP to 16 bits: branches past a 64 KiB limit fault. */
	if (!code32(after) && after->seg[CS][LIMIT] <= 0xffff)
		FUZZ_ASSERT(after->rip <= 0xffff, "16-bit code with EIP 0x%llx", (unsigned long long)after->rip);
	/* Virtual-8086 mode: every way out goes to the monitor; IOPL and CR0
	 * are beyond reach; below IOPL 3 so is IF. */
	if (before->rflags & FL_VM) {
		FUZZ_ASSERT(f & FL_VM, "left virtual-8086 mode");
		FUZZ_ASSERT(!((before->rflags ^ f) & FL_IOPL), "VM86 changed IOPL");
		FUZZ_ASSERT(before->other[STATE_CR0] == after->other[STATE_CR0], "VM86 changed CR0");
		if ((before->rflags & FL_IOPL) != FL_IOPL)
			FUZZ_ASSERT(!((before->rflags ^ f) & FL_IF), "VM86 at IOPL %u changed IF",
				    (unsigned)(before->rflags >> 12) & 3);
	}
	/* Only IRETD in protected mode enters virtual-8086 mode. */
	if (one_step && !(before->other[STATE_CR0] & CR0_PE))
		FUZZ_ASSERT(!(f & FL_VM), "real mode entered virtual-8086 mode");
}

static void check_error(const struct machine *m, int r)
{
	const char *detail = emu_error_detail(m->emu);

	FUZZ_ASSERT(strcmp(vcpu_error_name(r), "VCPU_E?") != 0, "error %d has no name", r);
	FUZZ_ASSERT(known_error(r), "unexpected error %s (%s)", vcpu_error_name(r), detail);
	FUZZ_ASSERT(detail && *detail, "%s without a message", vcpu_error_name(r));
}

/* The step must not have changed the state (see emulate.h): an error,
 * an intercept, or an event for the caller, unless TF was set (then the
 * error or the event may come from the trap after a retired instruction). */
static bool promises_unchanged(const struct state *before, int r, const struct emu_stop *st)
{
	if (r < 0 || st->reason == EMU_STOP_EXCEPTION || st->reason == EMU_STOP_TRIPLE_FAULT)
		return !(before->rflags & FL_TF);
	return st->intercepted;
}

/* A refused fetch must be of bytes the instruction needs. */
static void check_fetch_refusal(const struct machine *m, const struct state *before, int r)
{
	uint32_t linear = (uint32_t)(before->seg[CS][BASE] + before->rip), start, n;
	unsigned len;

	if (r != VCPU_EFAULT || !m->refusals || m->refused.write || (m->c->mode & M_A20_OFF) ||
	    before->rip > before->seg[CS][LIMIT])
		return;
	n = (uint32_t)(before->seg[CS][LIMIT] - before->rip) + 1;
	n = n < MAX_INSN ? n : MAX_INSN;
	start = linear > m->window_size ? linear : m->window_size;
	/* The last refusal has the fetch's shape: the rest of the 15 bytes. */
	if (m->refused.phys != start || (uint64_t)m->refused.phys + m->refused.len != (uint64_t)linear + n)
		return;
	len = mapped_insn_len(m, before);
	FUZZ_ASSERT(!len, "an instruction of %u bytes at 0x%x, all in memory, failed: the fetch of "
		    "0x%x+%u was refused (%s)", len, linear, start, m->refused.len, emu_error_detail(m->emu));
}

/* ---- running ------------------------------------------------------------------------- */

/* Step `i` of a stepped run: the injected event first, if any. */
static int machine_step(struct machine *m, unsigned i, struct emu_stop *st)
{
	memset(st, 0, sizeof(*st));
	if (i == 0 && (m->c->mode & M_INJECT))
		return emu_inject(m->emu, m->c->inject_vector, st);
	emu_flush_code(m->emu);
	return emu_step(m->emu, st);
}

static bool ends_run(int r, const struct emu_stop *st)
{
	return r < 0 || (st->reason != EMU_STOP_STEP && st->reason != EMU_STOP_LIMIT);
}

struct outcome {
	unsigned steps;
	int r;
	struct emu_stop stop;
};

/* Memory may differ only in the bytes below the stack pointer. */
static bool below_stack(const struct machine *m, const struct state *s, uint64_t phys)
{
	bool big = (s->other[STATE_CR0] & CR0_PE) && !(s->rflags & FL_VM) && (s->seg[SS][AR] & (1u << 14));
	uint32_t mask = big ? ~0u : 0xffffu, a20 = (m->c->mode & M_A20_OFF) ? ~(1u << 20) : ~0u;

	for (uint32_t i = 1; i <= STACK_SLACK; i++)
		if ((((uint32_t)s->seg[SS][BASE] + (((uint32_t)s->gpr[SP] - i) & mask)) & a20) == phys)
			return true;
	return false;
}

static uint8_t *memory_copy(const struct machine *m)
{
	size_t high = m->high ? HIGH_SIZE : 0;
	uint8_t *copy = malloc(m->low_size + high);

	FUZZ_ASSERT(copy, "out of memory");
	if (m->window_size)
		memcpy(copy, m->window, m->window_size);
	if (m->low)
		memcpy(copy + m->window_size, m->low, m->low_size - m->window_size);
	if (high)
		memcpy(copy + m->low_size, m->high, high);
	return copy;
}

/* The machine's memory as memory_copy() lays it out: [0, low) then high. */
static uint64_t copy_phys(const struct machine *m, size_t i)
{
	return i < m->low_size ? i : m->high_base + (i - m->low_size);
}

static size_t copy_size(const struct machine *m)
{
	return m->low_size + (m->high ? HIGH_SIZE : 0);
}

static void compare_memory(const struct machine *a, const uint8_t *before, const struct state *s)
{
	uint8_t *now = memory_copy(a);

	/* Byte by byte only where something changed: coverage instrumentation
	 * makes a plain loop the fuzzer's slowest part. */
	if (memcmp(now, before, copy_size(a))) {
		for (size_t i = 0; i < copy_size(a); i++)
			if (now[i] != before[i])
				FUZZ_ASSERT(below_stack(a, s, copy_phys(a, i)),
					    "memory at 0x%llx changed (0x%02x -> 0x%02x) by a step that promised not to",
					    (unsigned long long)copy_phys(a, i), before[i], now[i]);
	}
	free(now);
}

/* Replay up to step `last` and check that it left memory as it was. */
static void check_memory_unchanged(const struct config *c, unsigned last)
{
	struct machine m;
	struct emu_stop st;
	struct state before;
	uint8_t *copy;

	machine_start(&m, c);
	for (unsigned i = 0; i < last; i++)
		machine_step(&m, i, &st);
	state_take(&m, &before);
	copy = memory_copy(&m);
	machine_step(&m, last, &st);
	compare_memory(&m, copy, &before);
	free(copy);
	machine_free(&m);
}

/* LIBVCPU_FUZZ_TRACE set: each step of the stepped run on stderr, to see
 * what a finding did. Before the step, its bytes; after it, the result. */
static void trace_before(const struct machine *m, unsigned i, const struct state *s)
{
	uint8_t b[MAX_INSN];
	unsigned n = code_bytes(m, s, b);

	fprintf(stderr, "step %u: %04x:%04llx", i, (unsigned)s->seg[CS][SEL], (unsigned long long)s->rip);
	for (unsigned k = 0; k < n; k++)
		fprintf(stderr, " %02x", b[k]);
	fputc('\n', stderr);
}

static void trace_after(const struct machine *m, const struct state *s, int r, const struct emu_stop *st)
{
	fprintf(stderr, "  -> %04x:%04llx flags %llx, %s, stop %d (intercepted %d, vector %u) %s\n",
		(unsigned)s->seg[CS][SEL], (unsigned long long)s->rip, (unsigned long long)s->rflags,
		vcpu_error_name(r), st->reason, st->intercepted, st->exception.vector,
		r < 0 ? emu_error_detail(m->emu) : "");
}

static void run_stepped(struct machine *m, struct outcome *out)
{
	bool trace = getenv("LIBVCPU_FUZZ_TRACE") != NULL;
	unsigned max = m->c->steps + 1u + ((m->c->mode & M_INJECT) ? 1 : 0), reps = 0;
	struct state before, after;
	bool rep = false;
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < max; i++) {
		state_take(m, &before);
		rep = !(i == 0 && (m->c->mode & M_INJECT)) && rep_string_at_ip(m, &before);
		m->refusals = 0;
		if (trace)
			trace_before(m, i, &before);
		r = machine_step(m, i, &out->stop);
		state_take(m, &after);
		out->steps = i + 1;
		if (trace)
			trace_after(m, &after, r, &out->stop);
		if (r < 0) {
			check_error(m, r);
			check_fetch_refusal(m, &before, r);
		} else {
			FUZZ_ASSERT(r == 0, "emu_step returned %d", r);
			check_stop(m, &after, &out->stop, true);
		}
		check_state(&before, &after, true);
		if (promises_unchanged(&before, r, &out->stop)) {
			/* Intercepts stop before the first iteration. */
			bool partial = rep && (r < 0 || out->stop.reason == EMU_STOP_EXCEPTION ||
					       out->stop.reason == EMU_STOP_TRIPLE_FAULT);
			const char *diff = state_diff(&before, &after, partial);

			FUZZ_ASSERT(!diff, "%s changed by a step that promised not to (error %s, stop %d, "
				    "vector %u)", diff, vcpu_error_name(r), out->stop.reason,
				    out->stop.exception.vector);
			if (!partial)
				check_memory_unchanged(m->c, i);
		}
		if (ends_run(r, &out->stop) || (rep && ++reps >= MAX_REP_STEPS))
			break;
	}
	out->r = r;
}

/* The same number of steps through emu_run, the decode cache on. */
static void run_chunked(struct machine *m, unsigned steps, struct outcome *out)
{
	unsigned chunk = 1 + (m->c->cache >> 2), done = 0;
	struct state before, after;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (m->c->mode & M_INJECT) {
		r = emu_inject(m->emu, m->c->inject_vector, &out->stop);
		done = 1;
		if (ends_run(r, &out->stop)) {
			out->steps = done;
			out->r = r;
			return;
		}
	}
	while (done < steps) {
		unsigned n = steps - done < chunk ? steps - done : chunk;

		state_take(m, &before);
		r = emu_run(m->emu, n, &out->stop);
		state_take(m, &after);
		if (r < 0)
			check_error(m, r);
		else
			check_stop(m, &after, &out->stop, false);
		check_state(&before, &after, false);
		done += n;
		if (ends_run(r, &out->stop))
			break;
	}
	out->steps = done;
	out->r = r;
}

static void compare_stops(const struct emu_stop *a, const struct emu_stop *b)
{
	FUZZ_ASSERT(a->reason == b->reason && a->intercepted == b->intercepted &&
		    a->instruction_len == b->instruction_len,
		    "stopped differently: reason %d/%d, intercepted %d/%d, length %u/%u",
		    a->reason, b->reason, a->intercepted, b->intercepted, a->instruction_len,
		    b->instruction_len);
	switch (a->reason) {
	case EMU_STOP_IO:
		FUZZ_ASSERT(!memcmp(&a->io, &b->io, sizeof(a->io)), "different I/O stops");
		break;
	case EMU_STOP_EXCEPTION:
		FUZZ_ASSERT(!memcmp(&a->exception, &b->exception, sizeof(a->exception)),
			    "different exceptions: vector %u/%u", a->exception.vector, b->exception.vector);
		break;
	case EMU_STOP_CR_WRITE:
		FUZZ_ASSERT(!memcmp(&a->cr, &b->cr, sizeof(a->cr)), "different CR stops");
		break;
	default:
		break;
	}
}

/* Two runs of one input agree: the stepped one (a) and a chunked one (b),
 * which `what` names. */
static void compare_runs(const struct machine *a, const struct outcome *oa, const struct machine *b,
			 const struct outcome *ob, const char *what)
{
	struct state sa, sb;
	struct emu_stats ta, tb;
	const char *diff;
	uint8_t *ma, *mb;

	FUZZ_ASSERT(oa->r == ob->r, "%s: %s / %s", what, vcpu_error_name(oa->r), vcpu_error_name(ob->r));
	if (oa->r == 0) {
		if (oa->stop.reason == EMU_STOP_STEP)
			FUZZ_ASSERT(ob->stop.reason == EMU_STOP_LIMIT, "%s: stopped early (%d)", what,
				    ob->stop.reason);
		else
			compare_stops(&oa->stop, &ob->stop);
	}
	state_take(a, &sa);
	state_take(b, &sb);
	diff = state_diff(&sa, &sb, false);
	FUZZ_ASSERT(!diff, "%s: %s differs after %u steps", what, diff, oa->steps);
	/* By address: the two may split memory between window and callbacks differently. */
	ma = memory_copy(a);
	mb = memory_copy(b);
	if (memcmp(ma, mb, copy_size(a))) {
		size_t i = 0;

		while (ma[i] == mb[i])
			i++;
		FUZZ_ASSERT(0, "%s: memory at 0x%llx differs", what, (unsigned long long)copy_phys(a, i));
	}
	free(ma);
	free(mb);
	emu_get_stats(a->emu, &ta);
	emu_get_stats(b->emu, &tb);
	FUZZ_ASSERT(ta.instructions == tb.instructions, "%s: instructions retired: %llu / %llu", what,
		    (unsigned long long)ta.instructions, (unsigned long long)tb.instructions);
}

/* The input chunked through emu_run on `c`, compared with the stepped run. */
static void check_chunked(const struct config *c, const struct machine *stepped, const struct outcome *os,
			  const char *what)
{
	struct machine m;
	struct outcome o;

	machine_start(&m, c);
	run_chunked(&m, os->steps, &o);
	compare_runs(stepped, os, &m, &o, what);
	machine_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	struct machine stepped;
	struct outcome os;
	struct config c, windowless;

	parse(&in, &c);
	memset(io_bitmap, c.io_bitmap_fill, sizeof(io_bitmap));
	machine_start(&stepped, &c);
	run_stepped(&stepped, &os);
	check_chunked(&c, &stepped, &os, "with the decode cache");
	/* The RAM window is a fast path: without it, the same end. */
	windowless = c;
	windowless.layout &= (uint8_t)~3u;
	if (L_WINDOW(c.layout))
		check_chunked(&windowless, &stepped, &os, "without the RAM window");
	machine_free(&stepped);
	return 0;
}
