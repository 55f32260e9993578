/*
 * The emulator's test fixture (test_emulate.c, test_emulate_system.c): an
 * emulator over a RAM window of the host's buffer, real mode with a known
 * layout, callbacks that log what reaches them (and serve the same buffer,
 * so a smaller window only changes the path), and a snapshot of all the
 * state the API shows, to check an instruction left it as it was.
 *
 * Layout (physical): IVT at 0; vector v's handler at 0500:v, a HLT; code
 * at 0100:0000 (0x1000); stack 2000:1000 (0x21000 down); DS 3000, ES 4000.
 */
#ifndef LIBVCPU_TEST_EMU_FIXTURE_H
#define LIBVCPU_TEST_EMU_FIXTURE_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define RAM_SIZE	0x110000u	/* FFFF:FFFF (0x10FFEF) lies inside */
#define CODE_SEG	0x0100u
#define STACK_SEG	0x2000u
#define STACK_TOP	0x1000u
#define DATA_SEG	0x3000u
#define EXTRA_SEG	0x4000u
#define HANDLER_SEG	0x0500u

#define FL_CF	0x0001u
#define FL_TF	0x0100u
#define FL_IF	0x0200u
#define FL_IOPL	0x3000u
#define FL_VM	0x20000u

#define CR0_REAL 0x60000010u		/* CD NW ET, as after reset */

enum { ES, CS, SS, DS, FS, GS };

struct host {
	unsigned reads, writes;		/* memory callback calls */
	uint64_t read_phys, write_phys;	/* the last of each */
	unsigned read_len, write_len;
	int fail;			/* returned for accesses covering fail_phys */
	uint64_t fail_phys;
	unsigned cpuid_calls;
	uint32_t leaf, subleaf;
	int cpuid_fail;
	unsigned rdtsc_calls;
	unsigned io_calls;
};

static uint8_t *ram;
static struct emu *e;
static struct host host;
static struct emu_stop st;

static inline bool covers_fail(uint64_t phys, unsigned len)
{
	return host.fail && host.fail_phys >= phys && host.fail_phys < phys + len;
}

static inline int host_read(void *opaque, uint64_t phys, void *buf, unsigned len)
{
	(void)opaque;
	host.reads++;
	host.read_phys = phys;
	host.read_len = len;
	if (covers_fail(phys, len))
		return host.fail;
	for (unsigned i = 0; i < len; i++)
		((uint8_t *)buf)[i] = phys + i < RAM_SIZE ? ram[phys + i] : 0xff;
	return 0;
}

static inline int host_write(void *opaque, uint64_t phys, const void *buf, unsigned len)
{
	(void)opaque;
	host.writes++;
	host.write_phys = phys;
	host.write_len = len;
	if (covers_fail(phys, len))
		return host.fail;
	for (unsigned i = 0; i < len && phys + i < RAM_SIZE; i++)
		ram[phys + i] = ((const uint8_t *)buf)[i];
	return 0;
}

static inline int host_io_in(void *opaque, uint16_t port, unsigned size, uint32_t *value)
{
	(void)opaque;
	(void)port;
	host.io_calls++;
	*value = 0xa5a5a5a5u & (size == 4 ? ~0u : (1u << (size * 8)) - 1);
	return 0;
}

static inline int host_io_out(void *opaque, uint16_t port, unsigned size, uint32_t value)
{
	(void)opaque;
	(void)port;
	(void)size;
	(void)value;
	host.io_calls++;
	return 0;
}

static inline int host_cpuid(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)opaque;
	host.cpuid_calls++;
	host.leaf = leaf;
	host.subleaf = subleaf;
	if (host.cpuid_fail)
		return host.cpuid_fail;
	for (unsigned i = 0; i < 4; i++)
		out[i] = 0x10000000u * (i + 1) + leaf;
	return 0;
}

static inline uint64_t host_rdtsc(void *opaque)
{
	(void)opaque;
	host.rdtsc_calls++;
	return 0x1122334455667788ull;
}

static const struct emu_ops host_ops = {
	.read = host_read, .write = host_write, .io_in = host_io_in, .io_out = host_io_out,
	.cpuid = host_cpuid, .rdtsc = host_rdtsc,
};

static const struct emu_ops no_ops;

/* ---- state ------------------------------------------------------------------ */

static inline uint64_t ereg(enum vcpu_reg r)
{
	return emu_get_reg(e, r);
}

static inline void set_reg(enum vcpu_reg r, uint64_t v)
{
	ck_assert_int_eq(emu_set_reg(e, r, v), 0);
}

static inline uint64_t efield(uint32_t f)
{
	uint64_t v = 0;

	ck_assert_int_eq(emu_get_field(e, f, &v), 0);
	return v;
}

static inline void set_field(uint32_t f, uint64_t v)
{
	ck_assert_int_eq(emu_set_field(e, f, v), 0);
}

static inline void load_seg(unsigned seg, uint16_t selector)
{
	ck_assert_int_eq(emu_load_real_segment(e, seg, selector), 0);
}

static inline uint16_t selector(unsigned seg)
{
	return (uint16_t)efield(VMCS_GUEST_ES_SELECTOR + 2 * seg);
}

static inline uint16_t rd16(uint32_t phys)
{
	return (uint16_t)(ram[phys] | ram[phys + 1] << 8);
}

static inline void wr16(uint32_t phys, uint16_t v)
{
	ram[phys] = (uint8_t)v;
	ram[phys + 1] = (uint8_t)(v >> 8);
}

/* The word at SS:SP + 2 * depth. */
static inline uint16_t stack_word(unsigned depth)
{
	return rd16(selector(SS) * 16u + (uint16_t)(ereg(VCPU_REG_RSP) + 2 * depth));
}

static inline void real_mode_state(void)
{
	set_field(VMCS_GUEST_CR0, CR0_REAL);
	set_field(VMCS_GUEST_CR4, 0);
	set_field(VMCS_GUEST_IDTR_BASE, 0);
	set_field(VMCS_GUEST_IDTR_LIMIT, 0x3ff);
	for (unsigned v = 0; v < 256; v++) {
		wr16(v * 4, (uint16_t)v);
		wr16(v * 4 + 2, HANDLER_SEG);
		ram[HANDLER_SEG * 16 + v] = 0xf4;
	}
	load_seg(ES, EXTRA_SEG);
	load_seg(CS, CODE_SEG);
	load_seg(SS, STACK_SEG);
	load_seg(DS, DATA_SEG);
	load_seg(FS, 0);
	load_seg(GS, 0);
	for (enum vcpu_reg r = VCPU_REG_RAX; r <= VCPU_REG_RDI; r++)
		set_reg(r, 0);
	set_reg(VCPU_REG_RSP, STACK_TOP);
	set_reg(VCPU_REG_RIP, 0);
	set_reg(VCPU_REG_RFLAGS, 0x2);
}

/* A new emulator with RAM window `window` (the callbacks serve the rest). */
static inline void fixture_start(uint64_t window, const struct emu_ops *ops)
{
	struct emu_config c = { .ops = ops, .opaque = &host, .ram = ram, .ram_size = window };

	emu_destroy(e);
	e = NULL;
	ck_assert_int_eq(emu_create(&c, &e), 0);
	real_mode_state();
}

static inline void emu_fixture_setup(void)
{
	ram = calloc(RAM_SIZE, 1);
	ck_assert_ptr_nonnull(ram);
	memset(&host, 0, sizeof(host));
	e = NULL;
	fixture_start(RAM_SIZE, &host_ops);
}

static inline void emu_fixture_teardown(void)
{
	emu_destroy(e);
	e = NULL;
	free(ram);
}

/* Virtual-8086 mode (CR0.PE, EFLAGS.VM) with IOPL `iopl` and IF set; the
 * segments keep their real-mode values. */
static inline void enter_vm86(unsigned iopl)
{
	set_field(VMCS_GUEST_CR0, CR0_REAL | 1);
	set_reg(VCPU_REG_RFLAGS, FL_VM | FL_IF | iopl << 12 | 0x2);
}

/* ---- code --------------------------------------------------------------------- */

/* Place hand-assembled bytes at CS:ip (a host-side write: the decode
 * cache is flushed) and point IP there. */
static inline void code_at(uint16_t ip, const uint8_t *bytes, size_t n)
{
	memcpy(ram + CODE_SEG * 16 + ip, bytes, n);
	emu_flush_code(e);
	set_reg(VCPU_REG_RIP, ip);
}

#define CODE(ip, ...) code_at(ip, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* One instruction, which must not fail; its stop reason. */
static inline enum emu_stop_reason step(void)
{
	int r = emu_step(e, &st);

	ck_assert_msg(r == 0, "emu_step: %s: %s", vcpu_error_name(r), emu_error_detail(e));
	return st.reason;
}

static inline void expect_exception(unsigned vector, bool has_error, uint32_t error)
{
	ck_assert_msg(st.reason == EMU_STOP_EXCEPTION, "stopped with %d, not an exception", st.reason);
	ck_assert_uint_eq(st.exception.vector, vector);
	ck_assert_int_eq(st.exception.has_error_code, has_error);
	if (has_error)
		ck_assert_uint_eq(st.exception.error_code, error);
}

/* The instruction raised `vector` and it went through the IVT: the
 * handler (0500:vector) is entered with FLAGS, CS and `ip` pushed. */
static inline void expect_delivered(unsigned vector, uint16_t ip, uint16_t flags)
{
	ck_assert_uint_eq(selector(CS), HANDLER_SEG);
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), vector);
	ck_assert_uint_eq(ereg(VCPU_REG_RSP), STACK_TOP - 6);
	ck_assert_uint_eq(stack_word(0), ip);
	ck_assert_uint_eq(stack_word(1), CODE_SEG);
	ck_assert_uint_eq(stack_word(2), flags);
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS) & (FL_IF | FL_TF), 0);
}

/* ---- snapshots ------------------------------------------------------------------ */

static const uint32_t snap_fields[] = {
	VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR,
	VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
	VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
	VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
	VMCS_GUEST_ES_LIMIT, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_SS_LIMIT,
	VMCS_GUEST_DS_LIMIT, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_GS_LIMIT,
	VMCS_GUEST_ES_AR_BYTES, VMCS_GUEST_CS_AR_BYTES, VMCS_GUEST_SS_AR_BYTES,
	VMCS_GUEST_DS_AR_BYTES, VMCS_GUEST_FS_AR_BYTES, VMCS_GUEST_GS_AR_BYTES,
	VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR_BYTES,
	VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR_BYTES,
	VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT, VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT,
	VMCS_GUEST_CR0, VMCS_GUEST_CR3, VMCS_GUEST_CR4, VMCS_GUEST_RIP, VMCS_GUEST_RSP,
	VMCS_GUEST_RFLAGS, VMCS_GUEST_INTERRUPTIBILITY_INFO,
};

struct snap {
	uint64_t gpr[8], cr2;
	uint64_t f[ARRAY_SIZE(snap_fields)];
	uint8_t *ram;
};

static inline void snap_take(struct snap *s)
{
	for (unsigned r = 0; r < 8; r++)
		s->gpr[r] = ereg(r);
	s->cr2 = ereg(VCPU_REG_CR2);
	for (unsigned i = 0; i < ARRAY_SIZE(snap_fields); i++)
		s->f[i] = efield(snap_fields[i]);
	s->ram = malloc(RAM_SIZE);
	ck_assert_ptr_nonnull(s->ram);
	memcpy(s->ram, ram, RAM_SIZE);
}

/* Everything as it was when `s` was taken; frees it. */
static inline void snap_unchanged(struct snap *s)
{
	for (unsigned r = 0; r < 8; r++)
		ck_assert_msg(ereg(r) == s->gpr[r], "%s changed", vcpu_reg_name(r));
	ck_assert_uint_eq(ereg(VCPU_REG_CR2), s->cr2);
	for (unsigned i = 0; i < ARRAY_SIZE(snap_fields); i++)
		ck_assert_msg(efield(snap_fields[i]) == s->f[i], "field 0x%04x changed: 0x%llx -> 0x%llx",
			      snap_fields[i], (unsigned long long)s->f[i],
			      (unsigned long long)efield(snap_fields[i]));
	if (memcmp(ram, s->ram, RAM_SIZE)) {
		uint32_t a = 0;

		while (ram[a] == s->ram[a])
			a++;
		ck_abort_msg("RAM at 0x%x changed: 0x%02x -> 0x%02x", a, s->ram[a], ram[a]);
	}
	free(s->ram);
}

#endif
