/* The emulator's string instructions, port I/O and far pointer loads, for
 * what the 286 vectors cannot show: 32-bit address sizes, a REP stopped
 * by a fault or by TF, INS/OUTS through the callbacks, the VM86 I/O
 * bitmap, LSS/LFS/LGS. Instructions are assembled by hand at 1000:0000,
 * with DS = 2000 and ES = 3000. */
#include "harness.h"

#include "libvcpu/emulate.h"

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS };

#define CODE 0x10000u
#define DATA 0x20000u
#define EXTRA 0x30000u

#define F_ZF 0x40u
#define F_TF 0x100u
#define F_DF 0x400u
#define F_VM 0x20000u

static uint8_t ram[2u << 20];
static struct emu *e;

/* Ports: a log of what was written, and reads that count up from 0x40. */
static struct {
	unsigned outs, ins;
	uint16_t port[64];
	uint8_t size[64];
	uint32_t value[64];
	uint32_t next_in;
	int fail_after;		/* > 0: the call after that many fails */
} io;

static int io_in(void *opaque, uint16_t port, unsigned size, uint32_t *value)
{
	(void)opaque;
	if (io.fail_after && io.ins == (unsigned)io.fail_after)
		return VCPU_ENODEV;
	io.port[io.ins % 64] = port;
	io.size[io.ins % 64] = (uint8_t)size;
	io.ins++;
	*value = 0xabcd0000u | io.next_in++;
	return 0;
}

static int io_out(void *opaque, uint16_t port, unsigned size, uint32_t value)
{
	(void)opaque;
	if (io.fail_after && io.outs == (unsigned)io.fail_after)
		return VCPU_ENODEV;
	io.port[io.outs % 64] = port;
	io.size[io.outs % 64] = (uint8_t)size;
	io.value[io.outs % 64] = value;
	io.outs++;
	return 0;
}

static const struct emu_ops ops = { .io_in = io_in, .io_out = io_out };

static void make(const struct emu_ops *with)
{
	struct emu_config c = { .ops = with, .ram = ram, .ram_size = sizeof(ram) };

	ck_assert_int_eq(emu_create(&c, &e), 0);
	for (unsigned s = 0; s < 6; s++)
		emu_load_real_segment(e, s, 0);
	emu_load_real_segment(e, SEG_CS, CODE >> 4);
	emu_load_real_segment(e, SEG_DS, DATA >> 4);
	emu_load_real_segment(e, SEG_ES, EXTRA >> 4);
	emu_load_real_segment(e, SEG_SS, 0x8000);
	emu_set_reg(e, VCPU_REG_RSP, 0xfffe);
	emu_set_reg(e, VCPU_REG_RIP, 0);
	emu_set_reg(e, VCPU_REG_RFLAGS, 2);
}

static void setup(void)
{
	memset(ram, 0, sizeof(ram));
	memset(&io, 0, sizeof(io));
	io.next_in = 0x40;
	make(&ops);
}

static void teardown(void)
{
	emu_destroy(e);
	e = NULL;
}

/* The instruction at 1000:0000, then HLT. */
static void code(const uint8_t *bytes, size_t n)
{
	memcpy(ram + CODE, bytes, n);
	ram[CODE + n] = 0xf4;
	emu_flush_code(e);
}

#define CODE_OF(...) do { const uint8_t b_[] = { __VA_ARGS__ }; code(b_, sizeof(b_)); } while (0)

static uint32_t r(enum vcpu_reg reg) { return (uint32_t)emu_get_reg(e, reg); }
static void set(enum vcpu_reg reg, uint32_t v) { emu_set_reg(e, reg, v); }

static uint64_t fld(uint32_t f)
{
	uint64_t v = 0;

	ck_assert_int_eq(emu_get_field(e, f, &v), 0);
	return v;
}

/* Run to the HLT after the instruction. */
static void run_to_hlt(void)
{
	struct emu_stop stop;

	ck_assert_int_eq(emu_run(e, 100, &stop), 0);
	ck_assert_int_eq(stop.reason, EMU_STOP_HLT);
}

/* Run one instruction; exceptions in `vectors` stop instead of going
 * through the IVT. */
static struct emu_stop step(uint32_t vectors)
{
	struct emu_stop stop;

	emu_set_intercepts(e, 0, vectors);
	ck_assert_int_eq(emu_step(e, &stop), 0);
	return stop;
}

/* One step that must raise `vector` (stopping for it), or retire (-1). */
static struct emu_stop expect(uint32_t vectors, int vector)
{
	struct emu_stop s = step(vectors);

	if (vector < 0) {
		ck_assert_int_eq(s.reason, EMU_STOP_STEP);
	} else {
		ck_assert_int_eq(s.reason, EMU_STOP_EXCEPTION);
		ck_assert_uint_eq(s.exception.vector, (unsigned)vector);
	}
	return s;
}

/* ---- string instructions ---------------------------------------------------- */

START_TEST(rep_movsb_with_32_bit_addresses_uses_esi_edi_ecx_unwrapped)
{
	/* DS reaches 1 MiB (unreal mode): ESI runs past 64 KiB, no wrap. */
	emu_set_field(e, VMCS_GUEST_DS_LIMIT, 0xfffff);
	emu_set_field(e, VMCS_GUEST_ES_LIMIT, 0xfffff);
	for (unsigned i = 0; i < 6; i++)
		ram[DATA + 0xfffd + i] = (uint8_t)(0x10 + i);
	set(VCPU_REG_RSI, 0xfffd);
	set(VCPU_REG_RDI, 0x10000);
	set(VCPU_REG_RCX, 6);
	CODE_OF(0x67, 0xf3, 0xa4);		/* rep movsb es:[edi], [esi] */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x10003);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0x10006);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0);
	for (unsigned i = 0; i < 6; i++)
		ck_assert_uint_eq(ram[EXTRA + 0x10000 + i], 0x10 + i);
}
END_TEST

START_TEST(a_32_bit_index_past_a_64k_limit_faults_instead_of_wrapping)
{
	set(VCPU_REG_RSI, 0x10000);
	CODE_OF(0x67, 0xac);			/* lodsb al, [esi] */
	expect(1u << 13, 13);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0);
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x10000);
}
END_TEST

START_TEST(a_16_bit_index_wraps_and_keeps_the_upper_half)
{
	ram[DATA + 0xffff] = 0x5a;
	set(VCPU_REG_RSI, 0x1234ffff);
	set(VCPU_REG_RDI, 0xabcd0000);
	set(VCPU_REG_RCX, 0x77770001);
	CODE_OF(0xf3, 0xa4);			/* rep movsb */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x12340000);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0xabcd0001);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0x77770000);
	ck_assert_uint_eq(ram[EXTRA], 0x5a);
}
END_TEST

START_TEST(rep_with_a_zero_count_does_nothing)
{
	set(VCPU_REG_RCX, 0xffff0000);		/* CX = 0: ECX's upper half is not the count */
	set(VCPU_REG_RSI, 0x100);
	set(VCPU_REG_RDI, 0x200);
	set(VCPU_REG_RFLAGS, 2 | F_ZF);
	CODE_OF(0xf3, 0xa6);			/* repe cmpsb: flags untouched too */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x100);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0x200);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0xffff0000);
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS) & 0xfff, 2 | F_ZF);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 3);
}
END_TEST

START_TEST(repe_cmpsw_stops_at_the_first_difference)
{
	const uint8_t a[] = { 1, 0, 2, 0, 3, 0, 4, 0 }, b[] = { 1, 0, 2, 0, 9, 0, 4, 0 };

	memcpy(ram + DATA + 0x10, a, sizeof(a));
	memcpy(ram + EXTRA + 0x20, b, sizeof(b));
	set(VCPU_REG_RSI, 0x10);
	set(VCPU_REG_RDI, 0x20);
	set(VCPU_REG_RCX, 4);
	CODE_OF(0xf3, 0xa7);			/* repe cmpsw */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RCX), 1);
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x16);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0x26);
	ck_assert_uint_eq(r(VCPU_REG_RFLAGS) & (F_ZF | 1), 1);	/* 3 - 9: borrow, not equal */
}
END_TEST

START_TEST(repne_scasb_backwards_finds_the_byte)
{
	memcpy(ram + EXTRA + 0x30, "abcdefgh", 8);
	set(VCPU_REG_RAX, 'c');
	set(VCPU_REG_RDI, 0x37);
	set(VCPU_REG_RCX, 8);
	set(VCPU_REG_RFLAGS, 2 | F_DF);
	CODE_OF(0xf2, 0xae);			/* repne scasb */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0x31);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 2);
	ck_assert(r(VCPU_REG_RFLAGS) & F_ZF);
}
END_TEST

START_TEST(f2_on_stos_repeats_like_f3_and_stosd_takes_eax)
{
	set(VCPU_REG_RAX, 0x11223344);
	set(VCPU_REG_RDI, 0x40);
	set(VCPU_REG_RCX, 2);
	CODE_OF(0xf2, 0x66, 0xab);		/* repne stosd */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0x48);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0);
	ck_assert_uint_eq(ram[EXTRA + 0x40], 0x44);
	ck_assert_uint_eq(ram[EXTRA + 0x47], 0x11);
}
END_TEST

START_TEST(lods_takes_a_segment_override)
{
	ram[EXTRA + 0x50] = 0x99;
	set(VCPU_REG_RSI, 0x50);
	set(VCPU_REG_RAX, 0x12345678);
	CODE_OF(0x26, 0xac);			/* lodsb al, es:[si] */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RAX), 0x12345699);
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x51);
}
END_TEST

START_TEST(a_fault_in_the_middle_of_a_rep_keeps_the_iterations_done)
{
	struct emu_stop s;

	/* Words at FFF9, FFFB, FFFD; the one at FFFF crosses the limit. */
	set(VCPU_REG_RAX, 0xbeef);
	set(VCPU_REG_RDI, 0xfff9);
	set(VCPU_REG_RCX, 10);
	CODE_OF(0xf3, 0xab);			/* rep stosw */
	s = expect(1u << 13, 13);
	ck_assert(s.exception.has_error_code == false);	/* real mode pushes none */
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 7);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0xffff);
	ck_assert_uint_eq(ram[EXTRA + 0xfff9], 0xef);
	ck_assert_uint_eq(ram[EXTRA + 0xfffe], 0xbe);
	ck_assert_uint_eq(ram[EXTRA + 0xffff], 0);
}
END_TEST

START_TEST(tf_traps_after_each_rep_iteration_at_the_instruction)
{
	set(VCPU_REG_RSI, 0);
	set(VCPU_REG_RDI, 0);
	set(VCPU_REG_RCX, 3);
	set(VCPU_REG_RFLAGS, 2 | F_TF);
	CODE_OF(0xf3, 0xa4);
	for (unsigned left = 2; left > 0; left--) {
		expect(1u << 1, 1);
		ck_assert_uint_eq(r(VCPU_REG_RIP), 0);
		ck_assert_uint_eq(r(VCPU_REG_RCX), left);
	}
	expect(1u << 1, 1);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 2);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0);
}
END_TEST

START_TEST(a_very_long_rep_stops_between_iterations_and_resumes)
{
	emu_set_field(e, VMCS_GUEST_ES_LIMIT, 0xfffff);
	set(VCPU_REG_RAX, 0x77);
	set(VCPU_REG_RDI, 0);
	set(VCPU_REG_RCX, 70000);
	CODE_OF(0x67, 0xf3, 0xaa);		/* rep stosb es:[edi] */
	expect(0, -1);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0);
	ck_assert_uint_lt(r(VCPU_REG_RCX), 70000);
	ck_assert_uint_gt(r(VCPU_REG_RCX), 0);
	ck_assert_uint_eq(r(VCPU_REG_RDI) + r(VCPU_REG_RCX), 70000);
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 70000);
	ck_assert_uint_eq(ram[EXTRA + 69999], 0x77);
	ck_assert_uint_eq(ram[EXTRA + 70000], 0);
}
END_TEST

/* ---- INS and OUTS ------------------------------------------------------------- */

START_TEST(rep_outsb_hands_each_byte_to_the_callback)
{
	memcpy(ram + DATA + 0x60, "xyz", 3);
	set(VCPU_REG_RDX, 0x3f8);
	set(VCPU_REG_RSI, 0x60);
	set(VCPU_REG_RCX, 3);
	CODE_OF(0xf3, 0x6e);			/* rep outsb */
	run_to_hlt();
	ck_assert_uint_eq(io.outs, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(io.port[i], 0x3f8);
		ck_assert_uint_eq(io.size[i], 1);
		ck_assert_uint_eq(io.value[i], (uint32_t)"xyz"[i]);
	}
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x63);
}
END_TEST

START_TEST(rep_insw_backwards_with_32_bit_addresses)
{
	set(VCPU_REG_RDX, 0x1f0);
	set(VCPU_REG_RDI, 0x104);
	set(VCPU_REG_RCX, 3);
	set(VCPU_REG_RFLAGS, 2 | F_DF);
	CODE_OF(0x67, 0xf3, 0x6d);		/* rep insw es:[edi], dx */
	run_to_hlt();
	ck_assert_uint_eq(io.ins, 3);
	ck_assert_uint_eq(io.size[0], 2);
	ck_assert_uint_eq(ram[EXTRA + 0x104], 0x40);
	ck_assert_uint_eq(ram[EXTRA + 0x105], 0x00);
	ck_assert_uint_eq(ram[EXTRA + 0x102], 0x41);
	ck_assert_uint_eq(ram[EXTRA + 0x100], 0x42);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0xfe);
	ck_assert_uint_eq(r(VCPU_REG_RCX), 0);
}
END_TEST

START_TEST(ins_checks_the_destination_before_reading_the_port)
{
	set(VCPU_REG_RDI, 0xffff);
	CODE_OF(0x6d);				/* insw at ES:FFFF */
	expect(1u << 13, 13);
	ck_assert_uint_eq(io.ins, 0);
}
END_TEST

START_TEST(a_callback_error_stops_a_rep_between_iterations)
{
	io.fail_after = 2;
	set(VCPU_REG_RDX, 0x80);
	set(VCPU_REG_RCX, 5);
	CODE_OF(0xf3, 0x6c);			/* rep insb */
	ck_assert_int_eq(emu_step(e, &(struct emu_stop){ 0 }), VCPU_ENODEV);
	ck_assert_ptr_nonnull(strstr(emu_error_detail(e), "port 0x0080"));
	ck_assert_uint_eq(r(VCPU_REG_RCX), 3);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 2);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0);
}
END_TEST

/* ---- IN and OUT ------------------------------------------------------------------ */

START_TEST(in_and_out_by_immediate_and_by_dx)
{
	const uint8_t prog[] = {
		0xe4, 0x71,			/* in al, 0x71 */
		0x66, 0xed,			/* in eax, dx */
		0xe7, 0x92,			/* out 0x92, ax */
		0x66, 0xef,			/* out dx, eax */
	};

	set(VCPU_REG_RAX, 0x99999999);
	set(VCPU_REG_RDX, 0xcf8);
	code(prog, sizeof(prog));
	step(0);
	ck_assert_uint_eq(r(VCPU_REG_RAX), 0x99999940);
	ck_assert_uint_eq(io.port[0], 0x71);
	step(0);
	ck_assert_uint_eq(r(VCPU_REG_RAX), 0xabcd0041);
	ck_assert_uint_eq(io.port[1], 0xcf8);
	ck_assert_uint_eq(io.size[1], 4);
	step(0);
	step(0);
	ck_assert_uint_eq(io.outs, 2);
	ck_assert_uint_eq(io.port[0], 0x92);
	ck_assert_uint_eq(io.size[0], 2);
	ck_assert_uint_eq(io.value[0], 0x0041);
	ck_assert_uint_eq(io.port[1], 0xcf8);
	ck_assert_uint_eq(io.value[1], 0xabcd0041);
}
END_TEST

START_TEST(without_callbacks_in_reads_all_ones)
{
	emu_destroy(e);
	make(NULL);
	set(VCPU_REG_RAX, 0x12345678);
	CODE_OF(0xed, 0xee);			/* in ax, dx; out dx, al */
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RAX), 0x1234ffff);
}
END_TEST

/* ---- virtual-8086 mode ----------------------------------------------------------- */

static uint8_t bitmap[8192];

static void enter_vm86(unsigned iopl)
{
	emu_set_field(e, VMCS_GUEST_CR0, 0x60000011u);
	set(VCPU_REG_RFLAGS, 2 | F_VM | (iopl << 12));
	memset(bitmap, 0xff, sizeof(bitmap));
}

static void allow(unsigned port)
{
	bitmap[port >> 3] &= (uint8_t)~(1u << (port & 7));
}

START_TEST(vm86_without_a_bitmap_every_port_raises_gp0_whatever_iopl)
{
	struct emu_stop s;

	enter_vm86(3);
	CODE_OF(0xe6, 0x80);			/* out 0x80, al */
	s = expect(0, 13);
	ck_assert(s.exception.has_error_code);
	ck_assert_uint_eq(s.exception.error_code, 0);
	ck_assert_uint_eq(io.outs, 0);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0);
}
END_TEST

START_TEST(vm86_bitmap_allows_only_clear_bits_for_every_byte)
{
	enter_vm86(0);
	allow(0x80);
	emu_set_vm86_io_bitmap(e, bitmap);
	set(VCPU_REG_RDX, 0x80);
	CODE_OF(0xee, 0xed);			/* out dx, al (allowed); in ax, dx (0x81 is not) */
	expect(0, -1);
	ck_assert_uint_eq(io.outs, 1);
	expect(0, 13);
	ck_assert_uint_eq(io.ins, 0);
	allow(0x81);
	expect(0, -1);
	ck_assert_uint_eq(io.ins, 1);
}
END_TEST

START_TEST(vm86_a_word_at_port_ffff_reaches_past_the_bitmap)
{
	enter_vm86(3);
	allow(0xffff);
	emu_set_vm86_io_bitmap(e, bitmap);
	set(VCPU_REG_RDX, 0xffff);
	CODE_OF(0xec, 0xed);			/* in al, dx (allowed); in ax, dx */
	expect(0, -1);
	expect(0, 13);
}
END_TEST

START_TEST(vm86_string_io_is_checked_before_the_count)
{
	enter_vm86(3);
	emu_set_vm86_io_bitmap(e, bitmap);
	set(VCPU_REG_RDX, 0x60);
	set(VCPU_REG_RCX, 0);
	CODE_OF(0xf3, 0x6f);			/* rep outsw with CX = 0 */
	expect(0, 13);
	ck_assert_uint_eq(r(VCPU_REG_RIP), 0);
}
END_TEST

/* ---- far pointer loads ------------------------------------------------------------ */

static void far_pointer(uint32_t at, uint32_t offset, unsigned offset_size, uint16_t selector)
{
	for (unsigned i = 0; i < offset_size; i++)
		ram[at + i] = (uint8_t)(offset >> (8 * i));
	ram[at + offset_size] = (uint8_t)selector;
	ram[at + offset_size + 1] = (uint8_t)(selector >> 8);
}

START_TEST(lss_loads_ss_and_sp_and_holds_interrupts_off)
{
	far_pointer(DATA + 0x70, 0x1234, 2, 0x4000);
	set(VCPU_REG_RBX, 0x70);
	set(VCPU_REG_RSP, 0xaaaa0000);
	CODE_OF(0x0f, 0xb2, 0x27);		/* lss sp, [bx] */
	step(0);
	ck_assert_uint_eq(r(VCPU_REG_RSP), 0xaaaa1234);
	ck_assert_uint_eq(fld(VMCS_GUEST_SS_SELECTOR), 0x4000);
	ck_assert_uint_eq(fld(VMCS_GUEST_SS_BASE), 0x40000);
	ck_assert(fld(VMCS_GUEST_INTERRUPTIBILITY_INFO) & VMX_GUEST_INTR_STATE_MOV_SS);
	step(0);				/* the HLT: the shadow is gone */
	ck_assert(!(fld(VMCS_GUEST_INTERRUPTIBILITY_INFO) & VMX_GUEST_INTR_STATE_MOV_SS));
}
END_TEST

START_TEST(lfs_and_lgs_with_a_32_bit_offset)
{
	const uint8_t prog[] = {
		0x66, 0x0f, 0xb4, 0x36, 0x80, 0x00,	/* lfs esi, [0x80] */
		0x0f, 0xb5, 0x3e, 0x90, 0x00,		/* lgs di, [0x90] */
	};

	far_pointer(DATA + 0x80, 0x89abcdef, 4, 0x1111);
	far_pointer(DATA + 0x90, 0x5555, 2, 0x2222);
	set(VCPU_REG_RDI, 0xffff0000);
	code(prog, sizeof(prog));
	run_to_hlt();
	ck_assert_uint_eq(r(VCPU_REG_RSI), 0x89abcdef);
	ck_assert_uint_eq(fld(VMCS_GUEST_FS_SELECTOR), 0x1111);
	ck_assert_uint_eq(fld(VMCS_GUEST_FS_BASE), 0x11110);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0xffff5555);
	ck_assert_uint_eq(fld(VMCS_GUEST_GS_SELECTOR), 0x2222);
	ck_assert(!(fld(VMCS_GUEST_INTERRUPTIBILITY_INFO) & VMX_GUEST_INTR_STATE_MOV_SS));
}
END_TEST

START_TEST(les_past_the_limit_changes_nothing)
{
	set(VCPU_REG_RBX, 0xfffe);
	set(VCPU_REG_RDI, 0x1234);
	CODE_OF(0xc4, 0x3f);			/* les di, [bx]: the selector is at 0x10000 */
	expect(1u << 13, 13);
	ck_assert_uint_eq(r(VCPU_REG_RDI), 0x1234);
	ck_assert_uint_eq(fld(VMCS_GUEST_ES_SELECTOR), EXTRA >> 4);
}
END_TEST

START_TEST(lss_with_a_register_operand_is_ud)
{
	CODE_OF(0x0f, 0xb2, 0xc0);
	expect(1u << 6, 6);
	ck_assert_uint_eq(fld(VMCS_GUEST_SS_SELECTOR), 0x8000);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("emulate_string");
	TCase *tc = tcase_create("emulate_string");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rep_movsb_with_32_bit_addresses_uses_esi_edi_ecx_unwrapped);
	tcase_add_test(tc, a_32_bit_index_past_a_64k_limit_faults_instead_of_wrapping);
	tcase_add_test(tc, a_16_bit_index_wraps_and_keeps_the_upper_half);
	tcase_add_test(tc, rep_with_a_zero_count_does_nothing);
	tcase_add_test(tc, repe_cmpsw_stops_at_the_first_difference);
	tcase_add_test(tc, repne_scasb_backwards_finds_the_byte);
	tcase_add_test(tc, f2_on_stos_repeats_like_f3_and_stosd_takes_eax);
	tcase_add_test(tc, lods_takes_a_segment_override);
	tcase_add_test(tc, a_fault_in_the_middle_of_a_rep_keeps_the_iterations_done);
	tcase_add_test(tc, tf_traps_after_each_rep_iteration_at_the_instruction);
	tcase_add_test(tc, a_very_long_rep_stops_between_iterations_and_resumes);
	tcase_add_test(tc, rep_outsb_hands_each_byte_to_the_callback);
	tcase_add_test(tc, rep_insw_backwards_with_32_bit_addresses);
	tcase_add_test(tc, ins_checks_the_destination_before_reading_the_port);
	tcase_add_test(tc, a_callback_error_stops_a_rep_between_iterations);
	tcase_add_test(tc, in_and_out_by_immediate_and_by_dx);
	tcase_add_test(tc, without_callbacks_in_reads_all_ones);
	tcase_add_test(tc, vm86_without_a_bitmap_every_port_raises_gp0_whatever_iopl);
	tcase_add_test(tc, vm86_bitmap_allows_only_clear_bits_for_every_byte);
	tcase_add_test(tc, vm86_a_word_at_port_ffff_reaches_past_the_bitmap);
	tcase_add_test(tc, vm86_string_io_is_checked_before_the_count);
	tcase_add_test(tc, lss_loads_ss_and_sp_and_holds_interrupts_off);
	tcase_add_test(tc, lfs_and_lgs_with_a_32_bit_offset);
	tcase_add_test(tc, les_past_the_limit_changes_nothing);
	tcase_add_test(tc, lss_with_a_register_operand_is_ud);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
