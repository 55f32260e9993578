/*
 * The emulator's stack and control-transfer instructions where the 286
 * test vectors cannot reach: 32-bit operand and address sizes in 16-bit
 * code, ENTER with nesting, protected-mode far transfers between 32- and
 * 16-bit code segments (and IRETD into virtual-8086 mode), and the
 * IOPL-sensitive instructions of virtual-8086 mode. Guest code is
 * assembled by hand, each line commented with its source.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "libvcpu/emulate.h"

enum { ES, CS, SS, DS, FS, GS };

#define CODE_PHYS	0x10000u	/* CS = 0x1000 */
#define STACK_PHYS	0x20000u	/* SS = 0x2000, SP = 0x1000 */
#define DATA_PHYS	0x30000u	/* DS = ES = 0x3000 */
#define GDT_PHYS	0x500u

#define F_CF	0x0001u
#define F_TF	0x0100u
#define F_OF	0x0800u
#define F_IOPL	0x3000u
#define F_VM	0x20000u

static uint8_t ram[0x110000];
static struct emu *e;

static void setup(void)
{
	struct emu_config config = { .ram = ram, .ram_size = sizeof(ram) };

	memset(ram, 0, sizeof(ram));
	ck_assert_int_eq(emu_create(&config, &e), 0);
	emu_load_real_segment(e, CS, 0x1000);
	emu_load_real_segment(e, SS, 0x2000);
	emu_load_real_segment(e, DS, 0x3000);
	emu_load_real_segment(e, ES, 0x3000);
	emu_set_reg(e, VCPU_REG_RIP, 0);
	emu_set_reg(e, VCPU_REG_RSP, 0x1000);
	emu_set_field(e, VMCS_GUEST_IDTR_LIMIT, 0x3ff);
}

static void teardown(void)
{
	emu_destroy(e);
}

static void put(uint32_t phys, const uint8_t *bytes, size_t n)
{
	memcpy(ram + phys, bytes, n);
	emu_flush_code(e);
}

/* Guest bytes at a physical address. */
#define PUT(phys, ...) do { static const uint8_t b_[] = { __VA_ARGS__ }; put(phys, b_, sizeof(b_)); } while (0)

static void put16(uint32_t phys, uint16_t v)
{
	ram[phys] = (uint8_t)v;
	ram[phys + 1] = (uint8_t)(v >> 8);
}

static void put32(uint32_t phys, uint32_t v)
{
	put16(phys, (uint16_t)v);
	put16(phys + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(uint32_t phys)
{
	return (uint16_t)(ram[phys] | ram[phys + 1] << 8);
}

static uint32_t get32(uint32_t phys)
{
	return get16(phys) | (uint32_t)get16(phys + 2) << 16;
}

static uint64_t r(enum vcpu_reg reg)
{
	return emu_get_reg(e, reg);
}

static uint64_t fld(uint32_t field)
{
	uint64_t v = 0;

	ck_assert_int_eq(emu_get_field(e, field, &v), 0);
	return v;
}

static struct emu_stop step(void)
{
	struct emu_stop stop;

	ck_assert_int_eq(emu_step(e, &stop), 0);
	return stop;
}

static void step_ok(void)
{
	ck_assert_int_eq(step().reason, EMU_STOP_STEP);
}

static void run_to_hlt(void)
{
	struct emu_stop stop;

	ck_assert_int_eq(emu_run(e, 1000, &stop), 0);
	ck_assert_int_eq(stop.reason, EMU_STOP_HLT);
}

/* The next instruction raises `vector` (stopped through the exception
 * bitmap in real mode) and leaves EIP and ESP where they were. */
static void expect_exception(unsigned vector, bool software)
{
	uint64_t eip = r(VCPU_REG_RIP), esp = r(VCPU_REG_RSP);
	struct emu_stop stop;

	emu_set_intercepts(e, 0, vector < 32 ? 1u << vector : 0);
	stop = step();
	emu_set_intercepts(e, 0, 0);
	ck_assert_int_eq(stop.reason, EMU_STOP_EXCEPTION);
	ck_assert_uint_eq(stop.exception.vector, vector);
	ck_assert_int_eq(stop.exception.software, software);
	ck_assert_uint_eq(r(VCPU_REG_RSP), esp);
	if (!software)
		ck_assert_uint_eq(r(VCPU_REG_RIP), eip);
}

/* ---- the stack with a 32-bit operand size ----------------------------------- */

START_TEST(push_and_pop_with_a_32_bit_operand_size)
{
	PUT(CODE_PHYS,
	    0x66, 0x68, 0x78, 0x56, 0x34, 0x12,	/* push dword 0x12345678 */
	    0x66, 0x6a, 0xfe,			/* push dword -2 */
	    0x66, 0x59,				/* pop ecx */
	    0x66, 0x5a,				/* pop edx */
	    0x66, 0x06,				/* push es (o32) */
	    0xf4);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0xfffffffeu);
	ck_assert_uint_eq(r(VCPU_REG_RDX), 0x12345678u);
	/* A segment register with o32: SP moves by 4, only 16 bits written. */
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0xffc);
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffc), 0x3000);
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffe), 0x1234);
}
END_TEST

START_TEST(pop_segment_with_32_bit_operand_size_pops_four_bytes)
{
	put32(STACK_PHYS + 0xffc, 0xabcd4000u);
	emu_set_reg(e, VCPU_REG_RSP, 0xffc);
	PUT(CODE_PHYS, 0x66, 0x1f, 0xf4);	/* pop ds (o32) */
	run_to_hlt();
	ck_assert_uint_eq(fld(VMCS_GUEST_DS_SELECTOR), 0x4000);
	ck_assert_uint_eq(fld(VMCS_GUEST_DS_BASE), 0x40000);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000);
}
END_TEST

START_TEST(push_sp_and_pop_to_an_esp_based_address)
{
	PUT(CODE_PHYS,
	    0x54,				/* push sp */
	    0x68, 0x22, 0x22,			/* push 0x2222 */
	    0x67, 0x8f, 0x44, 0x24, 0x02,	/* pop word [esp+2] */
	    0xf4);
	run_to_hlt();
	/* PUSH SP pushed SP as it was; POP [ESP+2] addressed memory with
	 * the incremented ESP (0xffe + 2), leaving that copy alone. */
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0xffe);
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffe), 0x1000);
	ck_assert_uint_eq(get16(STACK_PHYS + 0x1000), 0x2222);
}
END_TEST

START_TEST(pushad_and_popad)
{
	static const enum vcpu_reg regs[] = { VCPU_REG_RAX, VCPU_REG_RCX, VCPU_REG_RDX, VCPU_REG_RBX,
					      VCPU_REG_RSP, VCPU_REG_RBP, VCPU_REG_RSI, VCPU_REG_RDI };

	for (unsigned i = 0; i < 8; i++)
		if (regs[i] != VCPU_REG_RSP)
			emu_set_reg(e, regs[i], 0x11111111u * (i + 1));
	PUT(CODE_PHYS, 0x66, 0x60, 0x66, 0x61, 0xf4);	/* pushad; popad */
	step_ok();
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000 - 32);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(get32(STACK_PHYS + 0x1000 - 4 * (i + 1)),
				  regs[i] == VCPU_REG_RSP ? 0x1000 : 0x11111111u * (i + 1));
	for (unsigned i = 0; i < 8; i++)
		if (regs[i] != VCPU_REG_RSP)
			emu_set_reg(e, regs[i], 0);
	put32(STACK_PHYS + 0x1000 - 20, 0xdeadbeef);	/* the ESP slot: skipped */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000);
	for (unsigned i = 0; i < 8; i++)
		if (regs[i] != VCPU_REG_RSP)
			ck_assert_uint_eq(r(regs[i]), 0x11111111u * (i + 1));
}
END_TEST

START_TEST(pushfd_and_popfd_in_real_mode)
{
	/* RF and AC set: PUSHFD shows AC, never RF. */
	emu_set_reg(e, VCPU_REG_RFLAGS, 0x50002);
	PUT(CODE_PHYS,
	    0x66, 0x9c,				/* pushfd */
	    0x66, 0x68, 0xd7, 0x7c, 0x3f, 0x00,	/* push dword 0x003f7cd7 */
	    0x66, 0x9d,				/* popfd */
	    0xf4);
	run_to_hlt();
	ck_assert_uint_eq(get32(STACK_PHYS + 0xffc), 0x40002);
	/* Real mode loads IOPL, NT, AC, ID; VM, VIF and VIP stay clear; RF
	 * is cleared. */
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS), 0x00247cd7);
}
END_TEST

START_TEST(iretd_in_real_mode)
{
	put32(STACK_PHYS + 0xff4, 0x20);		/* EIP */
	put32(STACK_PHYS + 0xff8, 0xdead1000u);		/* CS: the high half ignored */
	put32(STACK_PHYS + 0xffc, 0x001b7cd7u);		/* EFLAGS with VIP VIF VM RF */
	emu_set_reg(e, VCPU_REG_RSP, 0xff4);
	PUT(CODE_PHYS, 0x66, 0xcf);			/* iretd */
	PUT(CODE_PHYS + 0x20, 0xf4);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x21);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x1000);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000);
	/* RF loaded, VM VIF VIP kept as they were (clear). */
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS), 0x00017cd7);
}
END_TEST

START_TEST(iretd_past_the_cs_limit_faults_with_nothing_popped)
{
	put32(STACK_PHYS + 0xff4, 0x10020);
	put32(STACK_PHYS + 0xff8, 0x2000);
	put32(STACK_PHYS + 0xffc, 0x2);
	emu_set_reg(e, VCPU_REG_RSP, 0xff4);
	PUT(CODE_PHYS, 0x66, 0xcf);			/* iretd */
	expect_exception(13, false);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x1000);
}
END_TEST

/* ---- ENTER and LEAVE ------------------------------------------------------------ */

START_TEST(enter_with_nesting_and_leave)
{
	/* An enclosing frame at BP = 0x0ff0 with two frame pointers below it. */
	put16(STACK_PHYS + 0x0fee, 0xaaaa);
	put16(STACK_PHYS + 0x0fec, 0xbbbb);
	emu_set_reg(e, VCPU_REG_RBP, 0x0ff0);
	emu_set_reg(e, VCPU_REG_RSP, 0x0fe0);
	PUT(CODE_PHYS,
	    0xc8, 0x10, 0x00, 0x03,		/* enter 16, 3 */
	    0xc9,				/* leave */
	    0xf4);
	step_ok();
	ck_assert_uint_eq(get16(STACK_PHYS + 0xfde), 0x0ff0);	/* old BP */
	ck_assert_uint_eq(get16(STACK_PHYS + 0xfdc), 0xaaaa);	/* copied frame pointers */
	ck_assert_uint_eq(get16(STACK_PHYS + 0xfda), 0xbbbb);
	ck_assert_uint_eq(get16(STACK_PHYS + 0xfd8), 0x0fde);	/* this frame */
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0x0fde);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x0fd8 - 16);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0x0ff0);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x0fe0);
}
END_TEST

START_TEST(enter_and_leave_with_a_32_bit_operand_size)
{
	put32(STACK_PHYS + 0x0fec, 0x11223344u);
	emu_set_reg(e, VCPU_REG_RBP, 0xabcd0ff0u);
	emu_set_reg(e, VCPU_REG_RSP, 0x0fe0);
	/* With a 16-bit stack the frame walk uses BP, not EBP. */
	PUT(CODE_PHYS,
	    0x66, 0xc8, 0x08, 0x00, 0x02,	/* enter 8, 2 (o32) */
	    0x66, 0xc9,				/* leave (o32) */
	    0xf4);
	step_ok();
	ck_assert_uint_eq(get32(STACK_PHYS + 0xfdc), 0xabcd0ff0u);
	ck_assert_uint_eq(get32(STACK_PHYS + 0xfd8), 0x11223344u);
	ck_assert_uint_eq(get32(STACK_PHYS + 0xfd4), 0x0fdc);
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0x0fdc);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x0fd4 - 8);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0xabcd0ff0u);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x0fe0);
}
END_TEST

START_TEST(enter_level_is_taken_modulo_32)
{
	emu_set_reg(e, VCPU_REG_RBP, 0x0ff0);
	PUT(CODE_PHYS, 0xc8, 0x02, 0x00, 0x21, 0xf4);	/* enter 2, 33 = level 1 */
	run_to_hlt();
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffe), 0x0ff0);
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffc), 0x0ffe);
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0x0ffe);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x0ffc - 2);
}
END_TEST

START_TEST(enter_that_faults_leaves_sp_alone)
{
	/* The frame-pointer copy reads BP - 2 = 0xffff: past the limit. */
	emu_set_reg(e, VCPU_REG_RBP, 0x0001);
	PUT(CODE_PHYS, 0xc8, 0x00, 0x00, 0x02);		/* enter 0, 2 */
	expect_exception(12, false);
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0x0001);
}
END_TEST

/* ---- near and far transfers with 32-bit sizes -------------------------------------- */

START_TEST(near_call_and_ret_with_a_32_bit_operand_size)
{
	PUT(CODE_PHYS,
	    0x6a, 0x00,				/* 0: push 0 */
	    0x6a, 0x00,				/* 2: push 0 */
	    0x66, 0xe8, 0x06, 0x00, 0x00, 0x00,	/* 4: call dword 0x10 */
	    0xf4);				/* 10: hlt */
	PUT(CODE_PHYS + 0x10, 0x66, 0xc2, 0x04, 0x00);	/* ret dword 4 */
	step_ok();
	step_ok();
	step_ok();
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x10);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0xff8);
	ck_assert_uint_eq(get32(STACK_PHYS + 0xff8), 10);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RIP), 11);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000);
}
END_TEST

START_TEST(branch_past_the_cs_limit_raises_gp)
{
	PUT(CODE_PHYS, 0x66, 0xe9, 0xfa, 0xff, 0x00, 0x00);	/* jmp dword 0x10000 */
	expect_exception(13, false);
	PUT(CODE_PHYS, 0x66, 0xe8, 0xfa, 0xff, 0x00, 0x00);	/* call dword 0x10000 */
	expect_exception(13, false);
	ck_assert_uint_eq(get32(STACK_PHYS + 0xffc), 0);	/* nothing pushed */
}
END_TEST

START_TEST(sixteen_bit_branches_wrap_at_64k)
{
	emu_set_reg(e, VCPU_REG_RIP, 0xfff0);
	PUT(CODE_PHYS + 0xfff0, 0xe9, 0x10, 0x00);	/* jmp 0x0003 (0xfff3 + 0x10) */
	PUT(CODE_PHYS + 3, 0xf4);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RIP), 4);
}
END_TEST

START_TEST(loop_and_jcxz_count_by_the_address_size)
{
	emu_set_reg(e, VCPU_REG_RCX, 0x00010000);
	PUT(CODE_PHYS,
	    0x67, 0xe2, 0x01,			/* 0: loop (ECX) +1 */
	    0xf4,				/* 3 */
	    0xf4,				/* 4 */
	    0xe2, 0x01,				/* 5: loop (CX) +1 */
	    0xf4,				/* 7 */
	    0xf4);				/* 8 */
	run_to_hlt();
	/* ECX 0x10000 -> 0xffff: taken. */
	ck_assert_uint_eq(r(VCPU_REG_RIP), 5);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0xffff);
	emu_set_reg(e, VCPU_REG_RCX, 0x00010001);
	run_to_hlt();
	/* CX 1 -> 0: not taken, ECX's high half untouched. */
	ck_assert_uint_eq(r(VCPU_REG_RIP), 8);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0x00010000);

	PUT(CODE_PHYS,
	    0x67, 0xe3, 0x03,			/* 0: jecxz +3 */
	    0xe3, 0x01,				/* 3: jcxz +1 */
	    0xf4,				/* 5 */
	    0xf4);				/* 6 */
	emu_set_reg(e, VCPU_REG_RIP, 0);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RIP), 7);
}
END_TEST

START_TEST(far_call_and_retf_with_a_32_bit_operand_size)
{
	PUT(CODE_PHYS,
	    0x66, 0x9a, 0x20, 0x00, 0x00, 0x00, 0x00, 0x20,	/* call dword 0x2000:0x20 */
	    0xf4);
	PUT(0x20020, 0x66, 0xcb);				/* retf (o32) */
	put32(STACK_PHYS + 0xff8, 0xffffffffu);
	step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x2000);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_BASE), 0x20000);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x20);
	ck_assert_uint_eq(get32(STACK_PHYS + 0xffc), 0x1000);	/* CS, zero-extended */
	ck_assert_uint_eq(get32(STACK_PHYS + 0xff8), 8);
	run_to_hlt();
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x1000);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 9);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000);
}
END_TEST

START_TEST(far_call_that_faults_on_the_stack_keeps_cs)
{
	/* The second push (IP) lands at offset 0xffff: past the limit. */
	emu_set_reg(e, VCPU_REG_RSP, 3);
	PUT(CODE_PHYS, 0x9a, 0x20, 0x00, 0x00, 0x20);	/* call 0x2000:0x20 */
	expect_exception(12, false);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x1000);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_BASE), CODE_PHYS);
	/* A far CALL checks the stack before the new IP (a near one the
	 * other way round): with both wrong, #SS. */
	emu_set_field(e, VMCS_GUEST_CS_LIMIT, 0x0fff);
	PUT(CODE_PHYS, 0x9a, 0x00, 0x20, 0x00, 0x20);	/* call 0x2000:0x2000 */
	expect_exception(12, false);
	emu_set_reg(e, VCPU_REG_RSP, 0x1000);
	expect_exception(13, false);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x1000);
	PUT(CODE_PHYS, 0xe8, 0x00, 0x20);		/* call 0x2003 */
	emu_set_reg(e, VCPU_REG_RSP, 1);
	expect_exception(13, false);
}
END_TEST

START_TEST(indirect_far_jmp_reads_a_48_bit_pointer)
{
	put32(DATA_PHYS + 0x100, 0x30);
	put16(DATA_PHYS + 0x104, 0x1000);
	PUT(CODE_PHYS, 0x66, 0xff, 0x2e, 0x00, 0x01);	/* jmp far dword [0x100] */
	PUT(CODE_PHYS + 0x30, 0xf4);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x31);
	/* The register forms of FF /3 and FF /5 are undefined. */
	emu_set_reg(e, VCPU_REG_RIP, 0);
	PUT(CODE_PHYS, 0xff, 0xd8);			/* call far ax */
	expect_exception(6, false);
	PUT(CODE_PHYS, 0xff, 0xe8);			/* jmp far ax */
	expect_exception(6, false);
}
END_TEST

START_TEST(bound_with_a_32_bit_operand_size)
{
	put32(DATA_PHYS + 0x100, (uint32_t)-5);
	put32(DATA_PHYS + 0x104, 100);
	PUT(CODE_PHYS, 0x66, 0x62, 0x06, 0x00, 0x01, 0xf4);	/* bound eax, [0x100] */
	emu_set_reg(e, VCPU_REG_RAX, (uint32_t)-5);
	step_ok();
	emu_set_reg(e, VCPU_REG_RIP, 0);
	emu_set_reg(e, VCPU_REG_RAX, 101);
	expect_exception(5, false);
	emu_set_reg(e, VCPU_REG_RAX, (uint32_t)-6);
	expect_exception(5, false);
}
END_TEST

/* ---- interrupts and single-step ------------------------------------------------------ */

START_TEST(int_with_tf_set_enters_the_handler_without_a_trap)
{
	put16(0x21 * 4, 0x40);
	put16(0x21 * 4 + 2, 0x1000);
	PUT(CODE_PHYS, 0xcd, 0x21);			/* int 0x21 */
	PUT(CODE_PHYS + 0x40, 0xf4);
	emu_set_reg(e, VCPU_REG_RFLAGS, 0x2 | F_TF);
	emu_set_intercepts(e, 0, 1u << 1);		/* a #DB would stop */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x41);
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS) & F_TF, 0);
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffe), 0x2 | F_TF);	/* FLAGS image */
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffa), 2);		/* return IP */
}
END_TEST

START_TEST(popf_setting_tf_traps_after_the_next_instruction)
{
	put16(STACK_PHYS + 0xffe, 0x2 | F_TF);
	emu_set_reg(e, VCPU_REG_RSP, 0xffe);
	PUT(CODE_PHYS, 0x9d, 0x90);			/* popf; nop */
	emu_set_intercepts(e, 0, 1u << 1);
	step_ok();
	ck_assert_int_eq(step().reason, EMU_STOP_EXCEPTION);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 2);
}
END_TEST

START_TEST(pop_ss_blocks_interrupts_for_one_instruction)
{
	PUT(CODE_PHYS, 0x16, 0x17, 0x90);		/* push ss; pop ss; nop */
	step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
	step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_INTERRUPTIBILITY_INFO), VMX_GUEST_INTR_STATE_MOV_SS);
	step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
}
END_TEST

START_TEST(into_traps_only_with_of)
{
	PUT(CODE_PHYS, 0xce, 0xce);			/* into; into */
	step_ok();
	emu_set_reg(e, VCPU_REG_RFLAGS, 0x2 | F_OF);
	expect_exception(4, true);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 1);
}
END_TEST

/* ---- protected mode ------------------------------------------------------------------ */

static void put_descriptor(unsigned selector, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	uint8_t *d = ram + GDT_PHYS + selector;

	d[0] = (uint8_t)limit;
	d[1] = (uint8_t)(limit >> 8);
	d[2] = (uint8_t)base;
	d[3] = (uint8_t)(base >> 8);
	d[4] = (uint8_t)(base >> 16);
	d[5] = access;
	d[6] = (uint8_t)(flags << 4 | ((limit >> 16) & 0xf));
	d[7] = (uint8_t)(base >> 24);
}

static void load_gdt(void)
{
	put_descriptor(0x08, 0, 0xfffff, 0x9a, 0xc);		/* flat 32-bit code */
	put_descriptor(0x10, CODE_PHYS, 0xffff, 0x9a, 0x0);	/* 16-bit code at CS_PHYS */
	put_descriptor(0x18, 0, 0xfffff, 0x92, 0xc);		/* flat 32-bit data */
	put_descriptor(0x20, 0, 0xffff, 0xfa, 0x0);		/* DPL 3 code */
	put_descriptor(0x28, 0x00080000, 0x0008, 0x8c, 0x0);	/* a 386 call gate */
	emu_set_field(e, VMCS_GUEST_GDTR_BASE, GDT_PHYS);
	emu_set_field(e, VMCS_GUEST_GDTR_LIMIT, 0x2f);
}

START_TEST(protected_mode_far_jumps_between_32_and_16_bit_code)
{
	load_gdt();
	PUT(CODE_PHYS,
	    0x0f, 0x20, 0xc0,				/* 00: mov eax, cr0 */
	    0x66, 0x83, 0xc8, 0x01,			/* 03: or eax, 1 */
	    0x0f, 0x22, 0xc0,				/* 07: mov cr0, eax */
	    0x66, 0xea, 0x20, 0x00, 0x01, 0x00, 0x08, 0x00);	/* 0a: jmp dword 0x08:0x10020 */
	PUT(CODE_PHYS + 0x20,
	    0xbb, 0x78, 0x56, 0x34, 0x12,		/* 20: mov ebx, 0x12345678 (32-bit code) */
	    0xea, 0x30, 0x00, 0x00, 0x00, 0x10, 0x00);	/* 25: jmp 0x10:0x30 */
	PUT(CODE_PHYS + 0x30,
	    0x66, 0x9a, 0x50, 0x00, 0x01, 0x00, 0x08, 0x00,	/* 30: call dword 0x08:0x10050 */
	    0x0f, 0x20, 0xc0,				/* 38: mov eax, cr0 */
	    0x66, 0x83, 0xe0, 0xfe,			/* 3b: and eax, ~1 */
	    0x0f, 0x22, 0xc0,				/* 3f: mov cr0, eax */
	    0xea, 0x60, 0x00, 0x00, 0x10);		/* 42: jmp 0x1000:0x60 (real mode) */
	PUT(CODE_PHYS + 0x50,
	    0x43,					/* 50: inc ebx (32-bit code) */
	    0xcb);					/* 51: retf (o32) */
	PUT(CODE_PHYS + 0x60, 0xf4);

	for (unsigned i = 0; i < 4; i++)
		step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x08);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_AR_BYTES) & 0x4000, 0x4000);	/* D: 32-bit code */
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x10020);
	step_ok();
	ck_assert_uint_eq(r(VCPU_REG_RBX), 0x12345678);	/* imm32: decoded as 32-bit code */
	step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x10);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_BASE), CODE_PHYS);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_AR_BYTES) & 0x4000, 0);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x30);
	step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x08);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x10050);
	ck_assert_uint_eq(get32(STACK_PHYS + 0xffc), 0x10);
	ck_assert_uint_eq(get32(STACK_PHYS + 0xff8), 0x38);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RBX), 0x12345679);
	ck_assert_uint_eq(fld(VMCS_GUEST_CR0) & 1, 0);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x1000);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_BASE), CODE_PHYS);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x61);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000);
}
END_TEST

/* Flat protected mode, 32-bit code at CS = 0x08, the stack SS:SP as set up. */
static void enter_protected_mode(void)
{
	load_gdt();
	emu_set_field(e, VMCS_GUEST_CR0, 0x11);
	emu_set_field(e, VMCS_GUEST_CS_SELECTOR, 0x08);
	emu_set_field(e, VMCS_GUEST_CS_BASE, 0);
	emu_set_field(e, VMCS_GUEST_CS_LIMIT, 0xffffffffu);
	emu_set_field(e, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
	emu_set_reg(e, VCPU_REG_RIP, CODE_PHYS);
}

START_TEST(thirty_two_bit_code_with_a_32_bit_stack)
{
	enter_protected_mode();
	emu_set_field(e, VMCS_GUEST_SS_SELECTOR, 0x18);
	emu_set_field(e, VMCS_GUEST_SS_BASE, 0);
	emu_set_field(e, VMCS_GUEST_SS_LIMIT, 0xffffffffu);
	emu_set_field(e, VMCS_GUEST_SS_AR_BYTES, 0xc093);
	emu_set_reg(e, VCPU_REG_RSP, 0x00021000);
	emu_set_reg(e, VCPU_REG_RBP, 0x12345678);
	PUT(CODE_PHYS,
	    0xe8, 0x01, 0x00, 0x00, 0x00,		/* call +1 */
	    0xf4,					/* hlt */
	    0xc8, 0x08, 0x00, 0x01,			/* enter 8, 1 */
	    0xc9,					/* leave */
	    0xc3);					/* ret */
	step_ok();
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x20ffc);
	ck_assert_uint_eq(get32(0x20ffc), CODE_PHYS + 5);
	step_ok();
	ck_assert_uint_eq(get32(0x20ff8), 0x12345678);
	ck_assert_uint_eq(get32(0x20ff4), 0x20ff8);
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0x20ff8);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x20ff4 - 8);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RIP), CODE_PHYS + 6);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x21000);
	ck_assert_uint_eq(r(VCPU_REG_RBP), 0x12345678);
}
END_TEST

START_TEST(protected_mode_far_jump_checks_the_descriptor)
{
	enter_protected_mode();
	PUT(CODE_PHYS, 0xea, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00);	/* jmp 0x18:0 (data) */
	expect_exception(13, false);
	PUT(CODE_PHYS, 0xea, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00);	/* jmp 0x20:0 (DPL 3) */
	expect_exception(13, false);
	PUT(CODE_PHYS, 0xea, 0x00, 0x00, 0x01, 0x00, 0x10, 0x00);	/* jmp 0x10:0x10000 */
	expect_exception(13, false);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x08);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_AR_BYTES), 0xc09b);
}
END_TEST

START_TEST(far_call_through_a_gate_is_refused_by_name)
{
	struct emu_stop stop;

	enter_protected_mode();
	PUT(CODE_PHYS, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00);	/* call 0x28:0 */
	ck_assert_int_eq(emu_step(e, &stop), VCPU_EUNIMPLEMENTED);
	ck_assert_ptr_nonnull(strstr(emu_error_detail(e), "gate"));
	ck_assert_uint_eq(r(VCPU_REG_RIP), CODE_PHYS);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x1000);
}
END_TEST

START_TEST(iretd_from_protected_mode_enters_virtual_8086_mode)
{
	static const uint32_t frame[] = { 0x10, 0x1000, F_VM | F_IOPL | 0x2, 0x800,
					  0x2000, 0x3000, 0x3000, 0x4000, 0x5000 };

	enter_protected_mode();
	for (unsigned i = 0; i < 9; i++)
		put32(STACK_PHYS + 0xf00 + 4 * i, frame[i]);
	emu_set_reg(e, VCPU_REG_RSP, 0xf00);
	PUT(CODE_PHYS, 0xcf);				/* iretd (32-bit code) */
	PUT(CODE_PHYS + 0x10, 0xcd, 0x21);		/* int 0x21, in VM86 */
	step_ok();
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS), F_VM | F_IOPL | 0x2);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x10);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0x800);
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_BASE), 0x10000);
	ck_assert_uint_eq(fld(VMCS_GUEST_SS_BASE), 0x20000);
	ck_assert_uint_eq(fld(VMCS_GUEST_FS_SELECTOR), 0x4000);
	ck_assert_uint_eq(fld(VMCS_GUEST_GS_BASE), 0x50000);
	ck_assert_uint_eq(fld(VMCS_GUEST_GS_LIMIT), 0xffff);
	/* IOPL 3: INT n goes to the monitor as the software interrupt. */
	expect_exception(0x21, true);
}
END_TEST

/* ---- virtual-8086 mode ------------------------------------------------------------------ */

static void enter_vm86(uint32_t iopl)
{
	emu_set_field(e, VMCS_GUEST_CR0, 0x11);
	emu_set_reg(e, VCPU_REG_RFLAGS, F_VM | iopl | 0x2);
}

/* In VM86 every exception stops for the monitor. */
static void expect_vm86_gp(void)
{
	uint64_t eip = r(VCPU_REG_RIP), esp = r(VCPU_REG_RSP);
	struct emu_stop stop = step();

	ck_assert_int_eq(stop.reason, EMU_STOP_EXCEPTION);
	ck_assert_uint_eq(stop.exception.vector, 13);
	ck_assert(stop.exception.has_error_code);
	ck_assert_uint_eq(stop.exception.error_code, 0);
	ck_assert(!stop.exception.software);
	ck_assert_uint_eq(r(VCPU_REG_RIP), eip);
	ck_assert_uint_eq(r(VCPU_REG_RSP), esp);
}

START_TEST(vm86_with_iopl_below_3_traps_the_iopl_sensitive_instructions)
{
	static const uint8_t insns[][2] = {
		{ 0x9c, 0x90 },		/* pushf */
		{ 0x66, 0x9c },		/* pushfd */
		{ 0x9d, 0x90 },		/* popf */
		{ 0x66, 0x9d },		/* popfd */
		{ 0xcd, 0x21 },		/* int 0x21 */
		{ 0xcf, 0x90 },		/* iret */
	};
	struct emu_stop stop;

	enter_vm86(0x1000);	/* IOPL 1 */
	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		put(CODE_PHYS, insns[i], 2);
		expect_vm86_gp();
	}
	/* INT3 and INTO are not IOPL-sensitive: they go to the monitor as
	 * themselves. */
	PUT(CODE_PHYS, 0xcc);
	stop = step();
	ck_assert_int_eq(stop.reason, EMU_STOP_EXCEPTION);
	ck_assert_uint_eq(stop.exception.vector, 3);
	ck_assert(stop.exception.software);
}
END_TEST

START_TEST(vm86_with_iopl_3_runs_pushf_popf_and_iret)
{
	enter_vm86(F_IOPL);
	put16(STACK_PHYS + 0xffe, 0x0ed7);	/* popped FLAGS: IOPL 0, CF, ... */
	put16(STACK_PHYS + 0xffc, 0x2000);	/* CS for IRET */
	put16(STACK_PHYS + 0xffa, 0x0010);	/* IP for IRET */
	emu_set_reg(e, VCPU_REG_RSP, 0xffa);
	PUT(CODE_PHYS, 0xcf);			/* iret */
	PUT(0x20010,
	    0x9c,				/* pushf */
	    0x6a, 0x01,				/* push 1 */
	    0x9d,				/* popf */
	    0xf4);
	step_ok();
	ck_assert_uint_eq(fld(VMCS_GUEST_CS_SELECTOR), 0x2000);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0x10);
	/* IRET in VM86 cannot change IOPL, nor leave VM86. */
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS), F_VM | F_IOPL | 0x0ed7);
	step_ok();
	ck_assert_uint_eq(get16(STACK_PHYS + 0xffe), F_IOPL | 0x0ed7);
	step_ok();
	step_ok();
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS), F_VM | F_IOPL | 0x3);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("emulate_flow");
	TCase *tc = tcase_create("emulate_flow");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, push_and_pop_with_a_32_bit_operand_size);
	tcase_add_test(tc, pop_segment_with_32_bit_operand_size_pops_four_bytes);
	tcase_add_test(tc, push_sp_and_pop_to_an_esp_based_address);
	tcase_add_test(tc, pushad_and_popad);
	tcase_add_test(tc, pushfd_and_popfd_in_real_mode);
	tcase_add_test(tc, iretd_in_real_mode);
	tcase_add_test(tc, iretd_past_the_cs_limit_faults_with_nothing_popped);
	tcase_add_test(tc, enter_with_nesting_and_leave);
	tcase_add_test(tc, enter_and_leave_with_a_32_bit_operand_size);
	tcase_add_test(tc, enter_level_is_taken_modulo_32);
	tcase_add_test(tc, enter_that_faults_leaves_sp_alone);
	tcase_add_test(tc, near_call_and_ret_with_a_32_bit_operand_size);
	tcase_add_test(tc, branch_past_the_cs_limit_raises_gp);
	tcase_add_test(tc, sixteen_bit_branches_wrap_at_64k);
	tcase_add_test(tc, loop_and_jcxz_count_by_the_address_size);
	tcase_add_test(tc, far_call_and_retf_with_a_32_bit_operand_size);
	tcase_add_test(tc, far_call_that_faults_on_the_stack_keeps_cs);
	tcase_add_test(tc, indirect_far_jmp_reads_a_48_bit_pointer);
	tcase_add_test(tc, bound_with_a_32_bit_operand_size);
	tcase_add_test(tc, int_with_tf_set_enters_the_handler_without_a_trap);
	tcase_add_test(tc, popf_setting_tf_traps_after_the_next_instruction);
	tcase_add_test(tc, pop_ss_blocks_interrupts_for_one_instruction);
	tcase_add_test(tc, into_traps_only_with_of);
	tcase_add_test(tc, protected_mode_far_jumps_between_32_and_16_bit_code);
	tcase_add_test(tc, thirty_two_bit_code_with_a_32_bit_stack);
	tcase_add_test(tc, protected_mode_far_jump_checks_the_descriptor);
	tcase_add_test(tc, far_call_through_a_gate_is_refused_by_name);
	tcase_add_test(tc, iretd_from_protected_mode_enters_virtual_8086_mode);
	tcase_add_test(tc, vm86_with_iopl_below_3_traps_the_iopl_sensitive_instructions);
	tcase_add_test(tc, vm86_with_iopl_3_runs_pushf_popf_and_iret);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
