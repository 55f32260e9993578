/*
 * emu_peers - the contenders of bench_emu and bench_emu_step behind one
 * interface (emu_peers.h): libvcpu's emulator always, libx86emu where
 * HAVE_X86EMU and Unicorn where HAVE_UNICORN (bench/meson.build defines
 * them when it finds the libraries).
 *
 * Each contender is a table of small functions over the caller's RAM:
 *   libvcpu    emu_create with the RAM window; OUT to emu_ops.io_out
 *   libx86emu  x86emu_new, every 4 KiB page mapped with x86emu_set_page;
 *              OUT through a memio handler put in front of its own
 *   Unicorn    UC_MODE_16, the RAM mapped with uc_mem_map_ptr; OUT
 *              through a UC_HOOK_INSN hook; begin/until are linear
 *              addresses in 16-bit mode (CS * 16 + IP)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvcpu/emulate.h"

#include "emu_peers.h"

#ifdef HAVE_X86EMU
#include <x86emu.h>
#endif
#ifdef HAVE_UNICORN
#include <unicorn/unicorn.h>
#endif

struct peer_ops {
	const char *name;
	int (*create)(struct peer *p, bool count_out);
	void (*destroy)(struct peer *p);
	int (*set_state)(struct peer *p, const struct rm_state *s);
	void (*get_state)(struct peer *p, struct rm_state *s);
	int (*set_gpr)(struct peer *p, unsigned reg, uint32_t value);
	int (*run)(struct peer *p, uint32_t stop_ip, uint64_t max_insns, struct peer_result *res);
	int (*step_at)(struct peer *p, uint32_t ip);
	void (*forget_code)(struct peer *p);
};

struct peer {
	const struct peer_ops *ops;
	enum peer_kind kind;
	uint8_t *ram;
	size_t ram_size;
	uint16_t cs;			/* Unicorn: linear = CS * 16 + IP */
	uint64_t outs;
	struct emu *vcpu;
#ifdef HAVE_X86EMU
	x86emu_t *x86emu;
	x86emu_memio_handler_t x86emu_memio;	/* its own, behind ours */
#endif
#ifdef HAVE_UNICORN
	uc_engine *uc;
#endif
	char error[256];
};

__attribute__((format(printf, 2, 3)))
static int fail(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- libvcpu ------------------------------------------------------------------ */

static int lv_out(void *opaque, uint16_t port, unsigned size, uint32_t value)
{
	(void)port;
	(void)size;
	(void)value;
	((struct peer *)opaque)->outs++;
	return 0;
}

static int lv_create(struct peer *p, bool count_out)
{
	static const struct emu_ops counting = { .io_out = lv_out };
	struct emu_config cfg = {
		.ops = count_out ? &counting : NULL, .opaque = p, .ram = p->ram, .ram_size = p->ram_size,
	};
	int r = emu_create(&cfg, &p->vcpu);

	return r < 0 ? fail(p, "emu_create: %s", vcpu_error_name(r)) : 0;
}

static void lv_destroy(struct peer *p)
{
	emu_destroy(p->vcpu);
}

static int lv_set_state(struct peer *p, const struct rm_state *s)
{
	int r = 0;

	for (unsigned i = 0; i < 8; i++)
		r |= emu_set_reg(p->vcpu, (enum vcpu_reg)i, s->gpr[i]);
	for (unsigned i = 0; i < 6; i++)
		r |= emu_load_real_segment(p->vcpu, i, s->sreg[i]);
	r |= emu_set_reg(p->vcpu, VCPU_REG_RIP, s->eip);
	r |= emu_set_reg(p->vcpu, VCPU_REG_RFLAGS, s->eflags);
	return r ? fail(p, "setting the state failed") : 0;
}

static void lv_get_state(struct peer *p, struct rm_state *s)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		s->gpr[i] = (uint32_t)emu_get_reg(p->vcpu, (enum vcpu_reg)i);
	for (unsigned i = 0; i < 6; i++) {
		emu_get_field(p->vcpu, VMCS_GUEST_ES_SELECTOR + 2 * i, &v);
		s->sreg[i] = (uint16_t)v;
	}
	s->eip = (uint32_t)emu_get_reg(p->vcpu, VCPU_REG_RIP);
	s->eflags = (uint32_t)emu_get_reg(p->vcpu, VCPU_REG_RFLAGS);
}

static int lv_set_gpr(struct peer *p, unsigned reg, uint32_t value)
{
	return emu_set_reg(p->vcpu, (enum vcpu_reg)reg, value);
}

static int lv_run(struct peer *p, uint32_t stop_ip, uint64_t max_insns, struct peer_result *res)
{
	struct emu_stats before, after;
	struct emu_stop stop;
	int r;

	emu_get_stats(p->vcpu, &before);
	r = emu_run(p->vcpu, max_insns, &stop);
	emu_get_stats(p->vcpu, &after);
	res->retired = after.instructions - before.instructions;
	if (r < 0)
		return fail(p, "emu_run: %s: %s", vcpu_error_name(r), emu_error_detail(p->vcpu));
	res->halted = stop.reason == EMU_STOP_HLT && emu_get_reg(p->vcpu, VCPU_REG_RIP) == stop_ip + 1;
	return 0;
}

static int lv_step_at(struct peer *p, uint32_t ip)
{
	struct emu_stop stop;
	int r;

	emu_set_reg(p->vcpu, VCPU_REG_RIP, ip);
	r = emu_step(p->vcpu, &stop);
	if (r < 0)
		return fail(p, "emu_step: %s: %s", vcpu_error_name(r), emu_error_detail(p->vcpu));
	return 0;
}

static void lv_forget_code(struct peer *p)
{
	emu_flush_code(p->vcpu);
}

static const struct peer_ops libvcpu_ops = {
	"libvcpu", lv_create, lv_destroy, lv_set_state, lv_get_state, lv_set_gpr, lv_run, lv_step_at,
	lv_forget_code,
};

/* ---- libx86emu ------------------------------------------------------------------- */
#ifdef HAVE_X86EMU

static unsigned xe_memio(x86emu_t *emu, u32 addr, u32 *val, unsigned type)
{
	struct peer *p = emu->_private;

	if ((type & ~0xffu) == X86EMU_MEMIO_O) {
		p->outs++;
		return 0;
	}
	return p->x86emu_memio(emu, addr, val, type);
}

static int xe_create(struct peer *p, bool count_out)
{
	p->x86emu = x86emu_new(X86EMU_PERM_RWX, 0);
	if (!p->x86emu)
		return fail(p, "x86emu_new failed");
	for (size_t page = 0; page < p->ram_size; page += 4096)
		x86emu_set_page(p->x86emu, (unsigned)page, p->ram + page);
	p->x86emu->_private = p;
	if (count_out)
		p->x86emu_memio = x86emu_set_memio_handler(p->x86emu, xe_memio);
	return 0;
}

static void xe_destroy(struct peer *p)
{
	x86emu_done(p->x86emu);
}

/* Its general registers in rm_state's order. */
static uint32_t *xe_gpr(x86emu_regs_t *x, unsigned reg)
{
	switch (reg) {
	case 0: return &x->R_EAX;
	case 1: return &x->R_ECX;
	case 2: return &x->R_EDX;
	case 3: return &x->R_EBX;
	case 4: return &x->R_ESP;
	case 5: return &x->R_EBP;
	case 6: return &x->R_ESI;
	default: return &x->R_EDI;
	}
}

static int xe_set_gpr(struct peer *p, unsigned reg, uint32_t value)
{
	*xe_gpr(&p->x86emu->x86, reg) = value;
	return 0;
}

static int xe_set_state(struct peer *p, const struct rm_state *s)
{
	x86emu_regs_t *x = &p->x86emu->x86;

	for (unsigned i = 0; i < 8; i++)
		*xe_gpr(x, i) = s->gpr[i];
	for (unsigned i = 0; i < 6; i++)
		x86emu_set_seg_register(p->x86emu, x->seg + i, s->sreg[i]);
	x->R_EIP = s->eip;
	x->R_EFLG = s->eflags;
	return 0;
}

static void xe_get_state(struct peer *p, struct rm_state *s)
{
	x86emu_regs_t *x = &p->x86emu->x86;

	for (unsigned i = 0; i < 8; i++)
		s->gpr[i] = *xe_gpr(x, i);
	for (unsigned i = 0; i < 6; i++)
		s->sreg[i] = x->seg[i].sel;
	s->eip = x->R_EIP;
	s->eflags = x->R_EFLG;
}

static int xe_run(struct peer *p, uint32_t stop_ip, uint64_t max_insns, struct peer_result *res)
{
	x86emu_t *e = p->x86emu;
	uint64_t tsc = e->x86.R_TSC;
	unsigned why;

	e->max_instr = tsc + max_insns;
	why = x86emu_run(e, X86EMU_RUN_MAX_INSTR);
	res->retired = e->x86.R_TSC - tsc;
	res->halted = why == 0 && e->x86.R_EIP == stop_ip + 1;
	return 0;
}

/* One instruction: its instruction limit is a time-stamp counter value. */
static int xe_step_at(struct peer *p, uint32_t ip)
{
	x86emu_t *e = p->x86emu;

	e->x86.R_EIP = ip;
	e->max_instr = e->x86.R_TSC + 1;
	if (x86emu_run(e, X86EMU_RUN_MAX_INSTR) != X86EMU_RUN_MAX_INSTR)
		return fail(p, "x86emu_run stopped before the instruction limit");
	return 0;
}

static void xe_forget_code(struct peer *p)
{
	(void)p;		/* it decodes every instruction every time */
}

static const struct peer_ops x86emu_ops = {
	"libx86emu", xe_create, xe_destroy, xe_set_state, xe_get_state, xe_set_gpr, xe_run, xe_step_at,
	xe_forget_code,
};
#endif

/* ---- Unicorn ----------------------------------------------------------------------- */
#ifdef HAVE_UNICORN

/* The order rm_state keeps them in; segments before EIP, which is
 * relative to CS in 16-bit mode. */
static const int un_regs[] = {
	UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
	UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI,
	UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS,
	UC_X86_REG_EIP, UC_X86_REG_EFLAGS,
};
#define UN_NREGS (sizeof(un_regs) / sizeof(un_regs[0]))

static void un_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	(void)uc;
	(void)port;
	(void)size;
	(void)value;
	((struct peer *)user)->outs++;
}

/* uc_hook_add takes every kind of callback as a void *. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
static uc_err un_hook_out(struct peer *p)
{
	uc_hook hook;

	return uc_hook_add(p->uc, &hook, UC_HOOK_INSN, (void *)un_out, p, 1, 0, UC_X86_INS_OUT);
}
#pragma GCC diagnostic pop

static int un_create(struct peer *p, bool count_out)
{
	uc_err err;

	if ((err = uc_open(UC_ARCH_X86, UC_MODE_16, &p->uc)) != UC_ERR_OK)
		return fail(p, "uc_open: %s", uc_strerror(err));
	if ((err = uc_mem_map_ptr(p->uc, 0, p->ram_size, UC_PROT_ALL, p->ram)) != UC_ERR_OK)
		return fail(p, "uc_mem_map_ptr: %s", uc_strerror(err));
	if (count_out && (err = un_hook_out(p)) != UC_ERR_OK)
		return fail(p, "uc_hook_add: %s", uc_strerror(err));
	return 0;
}

static void un_destroy(struct peer *p)
{
	if (p->uc)
		uc_close(p->uc);
}

static int un_set_state(struct peer *p, const struct rm_state *s)
{
	uint64_t v[UN_NREGS];
	uc_err err;

	for (unsigned i = 0; i < 8; i++)
		v[i] = s->gpr[i];
	for (unsigned i = 0; i < 6; i++)
		v[8 + i] = s->sreg[i];
	v[14] = s->eip;
	v[15] = s->eflags;
	/* One by one, in order: CS must be in place before EIP. */
	for (unsigned i = 0; i < UN_NREGS; i++)
		if ((err = uc_reg_write(p->uc, un_regs[i], &v[i])) != UC_ERR_OK)
			return fail(p, "uc_reg_write: %s", uc_strerror(err));
	p->cs = s->sreg[RM_CS];
	return 0;
}

static void un_get_state(struct peer *p, struct rm_state *s)
{
	uint64_t v[UN_NREGS] = { 0 };

	for (unsigned i = 0; i < UN_NREGS; i++)
		uc_reg_read(p->uc, un_regs[i], &v[i]);
	for (unsigned i = 0; i < 8; i++)
		s->gpr[i] = (uint32_t)v[i];
	for (unsigned i = 0; i < 6; i++)
		s->sreg[i] = (uint16_t)v[8 + i];
	s->eip = (uint32_t)v[14];
	s->eflags = (uint32_t)v[15];
}

static int un_set_gpr(struct peer *p, unsigned reg, uint32_t value)
{
	uint64_t v = value;
	uc_err err = uc_reg_write(p->uc, un_regs[reg], &v);

	return err != UC_ERR_OK ? fail(p, "uc_reg_write: %s", uc_strerror(err)) : 0;
}

static uint64_t un_linear(const struct peer *p, uint32_t ip)
{
	return (uint64_t)p->cs * 16 + ip;
}

/* No instruction count (it would hook every instruction): a time limit
 * assuming at least 1 MIPS, plus 10 s. */
static int un_run(struct peer *p, uint32_t stop_ip, uint64_t max_insns, struct peer_result *res)
{
	uint64_t eip = 0;
	uc_err err;

	uc_reg_read(p->uc, UC_X86_REG_EIP, &eip);
	err = uc_emu_start(p->uc, un_linear(p, (uint32_t)eip), un_linear(p, stop_ip), max_insns + 10000000, 0);
	res->retired = PEER_UNCOUNTED;
	if (err != UC_ERR_OK)
		return fail(p, "uc_emu_start: %s", uc_strerror(err));
	uc_reg_read(p->uc, UC_X86_REG_EIP, &eip);
	res->halted = eip == stop_ip;
	return 0;
}

/* count = 1. Unicorn retires a REP one iteration at a time (as QEMU's
 * TCG does), so a REP instruction takes calls until IP moves on (the
 * benchmark's REP has no other prefix before it). */
static int un_step_at(struct peer *p, uint32_t ip)
{
	uint64_t at = un_linear(p, ip), eip = ip;
	bool rep = at < p->ram_size && (p->ram[at] == 0xf3 || p->ram[at] == 0xf2);
	uc_err err;

	do {
		if ((err = uc_emu_start(p->uc, at, ~0ull, 0, 1)) != UC_ERR_OK)
			return fail(p, "uc_emu_start: %s", uc_strerror(err));
		if (rep)
			uc_reg_read(p->uc, UC_X86_REG_EIP, &eip);
	} while (rep && eip == ip);
	return 0;
}

/* Its translations of the code at CS:0-FFFF. (After a UC_CTL_TB_FLUSH
 * the next step costs some 170 us here: far more than this code.) */
static void un_forget_code(struct peer *p)
{
	uc_ctl_remove_cache(p->uc, un_linear(p, 0), un_linear(p, 0x10000));
}

static const struct peer_ops unicorn_ops = {
	"Unicorn", un_create, un_destroy, un_set_state, un_get_state, un_set_gpr, un_run, un_step_at,
	un_forget_code,
};
#endif

/* ---- the interface ----------------------------------------------------------------- */

static const char *const names[PEER_KINDS] = { "libvcpu", "libx86emu", "Unicorn" };

static const struct peer_ops *const all_ops[PEER_KINDS] = {
	[PEER_LIBVCPU] = &libvcpu_ops,
#ifdef HAVE_X86EMU
	[PEER_X86EMU] = &x86emu_ops,
#endif
#ifdef HAVE_UNICORN
	[PEER_UNICORN] = &unicorn_ops,
#endif
};

const char *peer_name(enum peer_kind kind)
{
	return names[kind];
}

bool peer_built_in(enum peer_kind kind)
{
	return all_ops[kind] != NULL;
}

struct peer *peer_create(enum peer_kind kind, uint8_t *ram, size_t ram_size, bool count_out)
{
	struct peer *p;

	if (!all_ops[kind])
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ops = all_ops[kind];
	p->kind = kind;
	p->ram = ram;
	p->ram_size = ram_size;
	if (p->ops->create(p, count_out) < 0) {
		fprintf(stderr, "%s: %s\n", p->ops->name, p->error);
		peer_destroy(p);
		return NULL;
	}
	return p;
}

void peer_destroy(struct peer *p)
{
	if (!p)
		return;
	p->ops->destroy(p);
	free(p);
}

enum peer_kind peer_kind_of(const struct peer *p)
{
	return p->kind;
}

int peer_set_state(struct peer *p, const struct rm_state *s)
{
	return p->ops->set_state(p, s);
}

void peer_get_state(struct peer *p, struct rm_state *s)
{
	p->ops->get_state(p, s);
}

int peer_set_gpr(struct peer *p, unsigned reg, uint32_t value)
{
	return p->ops->set_gpr(p, reg, value);
}

int peer_run(struct peer *p, uint32_t stop_ip, uint64_t max_insns, struct peer_result *res)
{
	res->halted = false;
	res->retired = PEER_UNCOUNTED;
	return p->ops->run(p, stop_ip, max_insns, res);
}

int peer_step_at(struct peer *p, uint32_t ip)
{
	return p->ops->step_at(p, ip);
}

void peer_forget_code(struct peer *p)
{
	p->ops->forget_code(p);
}

uint64_t peer_outs(const struct peer *p)
{
	return p->outs;
}

const char *peer_error(const struct peer *p)
{
	return p->error;
}
