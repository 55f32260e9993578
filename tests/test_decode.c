/*
 * Exit-qualification and interruption-information decoders
 * (include/libvcpu/exit.h), against values worked out by hand from the
 * SDM Vol. 3C tables:
 *   "Exit Qualification for Control-Register Accesses"
 *   "Exit Qualification for MOV DR"
 *   "Exit Qualification for I/O Instructions"
 *   "Exit Qualification for EPT Violations"
 *   "Format of the VM-Exit Instruction-Information Field as Used for INS and OUTS"
 *   "Format of the VM-Exit Interruption-Information Field" (and entry, IDT-vectoring)
 *   "Format of Exit Reason"
 */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- control-register accesses ------------------------------------------
 * Bits 3:0 CR number (0 for CLTS and LMSW), 5:4 access type (0 MOV to CR,
 * 1 MOV from CR, 2 CLTS, 3 LMSW), 6 LMSW operand type (0 register,
 * 1 memory), 11:8 GPR for MOV CR (0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP,
 * 6 RSI, 7 RDI, 8-15 R8-R15), 31:16 LMSW source data. */

struct cr_row {
	const char *insn;
	uint64_t qual;
	unsigned cr;
	enum vmx_cr_access_type type;
	bool mem;
	unsigned gpr;
	uint16_t lmsw_source;
};

static const struct cr_row cr_rows[] = {
	{ "mov cr0, rax", 0x00000000, 0, VMX_CR_ACCESS_MOV_TO_CR, false, 0, 0 },
	{ "mov cr3, rcx", 0x00000103, 3, VMX_CR_ACCESS_MOV_TO_CR, false, 1, 0 },
	{ "mov cr4, rdx", 0x00000204, 4, VMX_CR_ACCESS_MOV_TO_CR, false, 2, 0 },
	{ "mov cr8, r8", 0x00000808, 8, VMX_CR_ACCESS_MOV_TO_CR, false, 8, 0 },
	{ "mov cr0, rsp", 0x00000400, 0, VMX_CR_ACCESS_MOV_TO_CR, false, 4, 0 },
	{ "mov rbx, cr3", 0x00000313, 3, VMX_CR_ACCESS_MOV_FROM_CR, false, 3, 0 },
	{ "mov r15, cr4", 0x00000f14, 4, VMX_CR_ACCESS_MOV_FROM_CR, false, 15, 0 },
	{ "mov rdi, cr8", 0x00000718, 8, VMX_CR_ACCESS_MOV_FROM_CR, false, 7, 0 },
	{ "clts", 0x00000020, 0, VMX_CR_ACCESS_CLTS, false, 0, 0 },
	{ "lmsw ax (ax=1)", 0x00010030, 0, VMX_CR_ACCESS_LMSW, false, 0, 0x0001 },
	{ "lmsw r9w (=0x000f)", 0x000f0030, 0, VMX_CR_ACCESS_LMSW, false, 0, 0x000f },
	{ "lmsw [mem] (=0xfff1)", 0xfff10070, 0, VMX_CR_ACCESS_LMSW, true, 0, 0xfff1 },
	{ "lmsw [mem] (=0xffff)", 0xffff0070, 0, VMX_CR_ACCESS_LMSW, true, 0, 0xffff },
	{ "lmsw [mem] (=0x8000)", 0x80000070, 0, VMX_CR_ACCESS_LMSW, true, 0, 0x8000 },
	/* Reserved bits 7, 15:12 and 63:32 do not leak into the fields. */
	{ "mov cr3, rcx + reserved", 0xffffffff0000f183ull, 3, VMX_CR_ACCESS_MOV_TO_CR, false, 1,
	  0x0000 },
	{ "lmsw + reserved 63:32", 0x0000000100050030ull, 0, VMX_CR_ACCESS_LMSW, false, 0, 0x0005 },
};

START_TEST(test_cr_access_decodes_sdm_qualifications)
{
	const struct cr_row *r = &cr_rows[_i];
	struct vmx_cr_access a = vmx_decode_cr_access(r->qual);

	ck_assert_msg(a.cr == r->cr, "%s: cr %u", r->insn, a.cr);
	ck_assert_msg(a.type == r->type, "%s: type %d", r->insn, a.type);
	ck_assert_msg(a.lmsw_from_memory == r->mem, "%s: memory %d", r->insn, a.lmsw_from_memory);
	ck_assert_msg(a.gpr == r->gpr, "%s: gpr %u", r->insn, a.gpr);
	ck_assert_msg(a.lmsw_source == r->lmsw_source, "%s: source 0x%x", r->insn, a.lmsw_source);
}
END_TEST

START_TEST(test_cr_access_enum_is_sdm_numbering)
{
	ck_assert_int_eq(VMX_CR_ACCESS_MOV_TO_CR, 0);
	ck_assert_int_eq(VMX_CR_ACCESS_MOV_FROM_CR, 1);
	ck_assert_int_eq(VMX_CR_ACCESS_CLTS, 2);
	ck_assert_int_eq(VMX_CR_ACCESS_LMSW, 3);
}
END_TEST

START_TEST(test_cr_access_every_gpr_cr_and_direction)
{
	static const unsigned crs[] = { 0, 3, 4, 8 };

	for (unsigned gpr = 0; gpr < 16; gpr++)
		for (size_t c = 0; c < ARRAY_SIZE(crs); c++)
			for (unsigned dir = 0; dir < 2; dir++) {
				uint64_t q = crs[c] | (dir << 4) | (gpr << 8);
				struct vmx_cr_access a = vmx_decode_cr_access(q);

				ck_assert_msg(a.cr == crs[c] && a.gpr == gpr &&
						      a.type == (dir ? VMX_CR_ACCESS_MOV_FROM_CR
								     : VMX_CR_ACCESS_MOV_TO_CR) &&
						      !a.lmsw_from_memory && a.lmsw_source == 0,
					      "qual 0x%llx", (unsigned long long)q);
			}
}
END_TEST

START_TEST(test_cr_access_lmsw_source_takes_all_16_bits)
{
	for (unsigned bit = 0; bit < 16; bit++)
		for (unsigned mem = 0; mem < 2; mem++) {
			uint64_t q = (1ull << (16 + bit)) | (mem << 6) | 0x30;
			struct vmx_cr_access a = vmx_decode_cr_access(q);

			ck_assert_uint_eq(a.type, VMX_CR_ACCESS_LMSW);
			ck_assert_uint_eq(a.lmsw_source, 1u << bit);
			ck_assert_int_eq(a.lmsw_from_memory, mem);
			ck_assert_uint_eq(a.cr, 0);
		}
}
END_TEST

/* ---- I/O instructions -----------------------------------------------------
 * Bits 2:0 size - 1 (0 = 1 byte, 1 = 2 bytes, 3 = 4 bytes; others not used),
 * 3 direction (0 OUT, 1 IN), 4 string, 5 REP, 6 operand encoding (0 DX,
 * 1 immediate), 15:7 reserved, 31:16 port, 63:32 reserved. */

struct io_row {
	const char *insn;
	uint64_t qual;
	uint16_t port;
	uint8_t size;
	bool in, string, rep, immediate;
};

static const struct io_row io_rows[] = {
	{ "out dx, al (dx=0x3f8)", 0x03f80000, 0x3f8, 1, false, false, false, false },
	{ "in al, 0x60", 0x00600048, 0x60, 1, true, false, false, true },
	{ "in ax, dx (dx=0x1f0)", 0x01f00009, 0x1f0, 2, true, false, false, false },
	{ "out 0x80, eax", 0x00800043, 0x80, 4, false, false, false, true },
	{ "out 0x80, al", 0x00800040, 0x80, 1, false, false, false, true },
	{ "out dx, ax (dx=0xcf8)", 0x0cf80001, 0xcf8, 2, false, false, false, false },
	{ "in eax, dx (dx=0xffff)", 0xffff000b, 0xffff, 4, true, false, false, false },
	{ "in eax, dx (dx=0)", 0x0000000b, 0x0000, 4, true, false, false, false },
	{ "insb (dx=0x3f8)", 0x03f80018, 0x3f8, 1, true, true, false, false },
	{ "rep insw (dx=0x1f0)", 0x01f00039, 0x1f0, 2, true, true, true, false },
	{ "outsb (dx=0x3f8)", 0x03f80010, 0x3f8, 1, false, true, false, false },
	{ "rep outsd (dx=0xcfc)", 0x0cfc0033, 0xcfc, 4, false, true, true, false },
	{ "rep outsw (dx=0x8000)", 0x80000031, 0x8000, 2, false, true, true, false },
};

START_TEST(test_io_decodes_sdm_qualifications)
{
	const struct io_row *r = &io_rows[_i];
	struct vmx_io_access a = vmx_decode_io(r->qual);

	ck_assert_msg(vmx_io_qualification_valid(r->qual), "%s: 0x%llx invalid", r->insn,
		      (unsigned long long)r->qual);
	ck_assert_msg(a.port == r->port, "%s: port 0x%x", r->insn, a.port);
	ck_assert_msg(a.size == r->size, "%s: size %u", r->insn, a.size);
	ck_assert_msg(a.in == r->in, "%s: in %d", r->insn, a.in);
	ck_assert_msg(a.string == r->string, "%s: string %d", r->insn, a.string);
	ck_assert_msg(a.rep == r->rep, "%s: rep %d", r->insn, a.rep);
	ck_assert_msg(a.immediate == r->immediate, "%s: immediate %d", r->insn, a.immediate);
}
END_TEST

START_TEST(test_io_every_flag_combination_and_size)
{
	static const struct {
		unsigned enc;
		uint8_t bytes;
	} sizes[] = { { 0, 1 }, { 1, 2 }, { 3, 4 } };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
		for (unsigned flags = 0; flags < 16; flags++) {
			uint64_t q = 0xbeef0000ull | (flags << 3) | sizes[s].enc;
			struct vmx_io_access a = vmx_decode_io(q);

			ck_assert(vmx_io_qualification_valid(q));
			ck_assert_uint_eq(a.size, sizes[s].bytes);
			ck_assert_int_eq(a.in, (flags >> 0) & 1);
			ck_assert_int_eq(a.string, (flags >> 1) & 1);
			ck_assert_int_eq(a.rep, (flags >> 2) & 1);
			ck_assert_int_eq(a.immediate, (flags >> 3) & 1);
			ck_assert_uint_eq(a.port, 0xbeef);
		}
}
END_TEST

START_TEST(test_io_qualification_valid_rejects_unused_sizes_and_reserved_bits)
{
	static const struct {
		uint64_t qual;
		bool valid;
		const char *why;
	} rows[] = {
		{ 0x00000000, true, "size 1" },
		{ 0x00000001, true, "size 2" },
		{ 0x00000003, true, "size 4" },
		{ 0x00000002, false, "size encoding 2 not used" },
		{ 0x00000004, false, "size encoding 4 not used" },
		{ 0x00000005, false, "size encoding 5 not used" },
		{ 0x00000006, false, "size encoding 6 not used" },
		{ 0x00000007, false, "size encoding 7 not used" },
		{ 0xffff007b, true, "all defined bits with size 4" },
		{ 0x00000080, false, "bit 7 reserved" },
		{ 0x00000100, false, "bit 8 reserved" },
		{ 0x00001000, false, "bit 12 reserved" },
		{ 0x00008000, false, "bit 15 reserved" },
		{ 0x0000ff80, false, "bits 15:7 reserved" },
		{ 0x100000000ull, false, "bit 32 reserved" },
		{ 0x8000000000000000ull, false, "bit 63 reserved" },
		{ 0xffffffff00000000ull, false, "bits 63:32 reserved" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		ck_assert_msg(vmx_io_qualification_valid(rows[i].qual) == rows[i].valid,
			      "0x%llx (%s)", (unsigned long long)rows[i].qual, rows[i].why);
	/* Every single reserved bit on its own, on an otherwise valid value. */
	for (unsigned bit = 7; bit < 64; bit++) {
		if (bit >= 16 && bit < 32)
			continue;
		ck_assert_msg(!vmx_io_qualification_valid(0x03f80008ull | (1ull << bit)), "bit %u",
			      bit);
	}
}
END_TEST

START_TEST(test_io_insn_info_address_size_and_segment)
{
	/* Bits 9:7 address size (0 16-bit, 1 32-bit, 2 64-bit), bits 17:15
	 * segment (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS); 6:0 and 14:10
	 * undefined. */
	static const struct {
		uint32_t info;
		unsigned bits;
		unsigned seg;
	} rows[] = {
		{ 0x00000000, 16, VMX_SEG_ES },
		{ 0x00000080, 32, VMX_SEG_ES },
		{ 0x00000100, 64, VMX_SEG_ES },
		{ 0x00008000, 16, VMX_SEG_CS },
		{ 0x00010080, 32, VMX_SEG_SS },
		{ 0x00018100, 64, VMX_SEG_DS },
		{ 0x00020000, 16, VMX_SEG_FS },
		{ 0x00028080, 32, VMX_SEG_GS },
		/* Undefined bits 6:0, 14:10 and 31:18 do not change either. */
		{ 0x00007c7f, 16, VMX_SEG_ES },
		{ 0xfffdfd7f, 64, VMX_SEG_DS },
		{ 0xfffc7cff, 32, VMX_SEG_ES },
	};

	ck_assert_int_eq(VMX_SEG_ES, 0);
	ck_assert_int_eq(VMX_SEG_CS, 1);
	ck_assert_int_eq(VMX_SEG_SS, 2);
	ck_assert_int_eq(VMX_SEG_DS, 3);
	ck_assert_int_eq(VMX_SEG_FS, 4);
	ck_assert_int_eq(VMX_SEG_GS, 5);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		ck_assert_msg(vmx_io_insn_address_bits(rows[i].info) == rows[i].bits,
			      "0x%08x: %u-bit address", rows[i].info,
			      vmx_io_insn_address_bits(rows[i].info));
		ck_assert_msg(vmx_io_insn_segment(rows[i].info) == rows[i].seg,
			      "0x%08x: segment %u", rows[i].info, vmx_io_insn_segment(rows[i].info));
	}
}
END_TEST

/* ---- MOV DR -----------------------------------------------------------------
 * Bits 2:0 debug register, 4 direction (0 MOV to DR, 1 MOV from DR), 11:8
 * GPR; 3, 7:5 and 63:12 reserved. */

START_TEST(test_dr_access_decodes_sdm_qualifications)
{
	static const struct {
		const char *insn;
		uint64_t qual;
		unsigned dr;
		bool from;
		unsigned gpr;
	} rows[] = {
		{ "mov dr7, rax", 0x007, 7, false, 0 },
		{ "mov rbx, dr6", 0x316, 6, true, 3 },
		{ "mov dr0, r15", 0xf00, 0, false, 15 },
		{ "mov r8, dr3", 0x813, 3, true, 8 },
		{ "mov dr1, rsi", 0x601, 1, false, 6 },
		{ "mov rsp, dr2", 0x412, 2, true, 4 },
		/* Reserved bits 3, 7:5, 63:12 do not leak into the fields. */
		{ "mov dr7, rcx + reserved", 0xfffffffffffff1efull, 7, false, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct vmx_dr_access a = vmx_decode_dr_access(rows[i].qual);

		ck_assert_msg(a.dr == rows[i].dr, "%s: dr %u", rows[i].insn, a.dr);
		ck_assert_msg(a.from_dr == rows[i].from, "%s: from %d", rows[i].insn, a.from_dr);
		ck_assert_msg(a.gpr == rows[i].gpr, "%s: gpr %u", rows[i].insn, a.gpr);
	}
}
END_TEST

START_TEST(test_dr_access_every_dr_gpr_and_direction)
{
	for (unsigned dr = 0; dr < 8; dr++)
		for (unsigned gpr = 0; gpr < 16; gpr++)
			for (unsigned from = 0; from < 2; from++) {
				uint64_t q = dr | (from << 4) | (gpr << 8);
				struct vmx_dr_access a = vmx_decode_dr_access(q);

				ck_assert_msg(a.dr == dr && a.gpr == gpr && a.from_dr == from,
					      "qual 0x%llx", (unsigned long long)q);
			}
}
END_TEST

/* ---- EPT violations -------------------------------------------------------
 * One bit each: 0 read, 1 write, 2 fetch, 3 readable, 4 writable,
 * 5 executable (supervisor), 6 user-mode executable, 7 guest-linear address
 * valid, 8 access to the translated address, 9 user-mode linear address,
 * 10 read/write linear address, 11 execute-disable linear address, 12 NMI
 * unblocking due to IRET, 13 shadow-stack access. */

static unsigned ept_bits(const struct vmx_ept_violation *v)
{
	return (unsigned)v->read << 0 | (unsigned)v->write << 1 | (unsigned)v->fetch << 2 |
	       (unsigned)v->readable << 3 | (unsigned)v->writable << 4 |
	       (unsigned)v->executable << 5 | (unsigned)v->user_executable << 6 |
	       (unsigned)v->gla_valid << 7 | (unsigned)v->gla_translated << 8 |
	       (unsigned)v->user_mode << 9 | (unsigned)v->rw_linear << 10 |
	       (unsigned)v->xd_linear << 11 | (unsigned)v->nmi_unblocking << 12 |
	       (unsigned)v->shadow_stack << 13;
}

START_TEST(test_ept_violation_each_bit_sets_exactly_its_flag)
{
	static const struct {
		uint64_t qual;
		const char *flag;
		size_t offset;
	} rows[] = {
#define EPT_ROW_(bit, member) { 1ull << (bit), #member, offsetof(struct vmx_ept_violation, member) }
		EPT_ROW_(0, read),
		EPT_ROW_(1, write),
		EPT_ROW_(2, fetch),
		EPT_ROW_(3, readable),
		EPT_ROW_(4, writable),
		EPT_ROW_(5, executable),
		EPT_ROW_(6, user_executable),
		EPT_ROW_(7, gla_valid),
		EPT_ROW_(8, gla_translated),
		EPT_ROW_(9, user_mode),
		EPT_ROW_(10, rw_linear),
		EPT_ROW_(11, xd_linear),
		EPT_ROW_(12, nmi_unblocking),
		EPT_ROW_(13, shadow_stack),
#undef EPT_ROW_
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct vmx_ept_violation v = vmx_decode_ept_violation(rows[i].qual);
		const bool *flag = (const bool *)((const char *)&v + rows[i].offset);

		ck_assert_msg(*flag, "bit %zu does not set %s", i, rows[i].flag);
		ck_assert_msg(ept_bits(&v) == rows[i].qual, "bit %zu sets 0x%x, not only %s", i,
			      ept_bits(&v), rows[i].flag);
	}
	ck_assert_uint_eq(ept_bits(&(struct vmx_ept_violation){ 0 }), 0);
}
END_TEST

START_TEST(test_ept_violation_typical_qualifications)
{
	static const struct {
		const char *what;
		uint64_t qual;
		unsigned want;
	} rows[] = {
		/* Write to a read-only, executable page through a linear address. */
		{ "write to RX page", 0x1aa, 0x1aa },
		/* Fetch from a non-present page, linear address valid. */
		{ "fetch, not present", 0x184, 0x184 },
		/* Read during a page walk (paging-structure access). */
		{ "page-walk read", 0x089, 0x089 },
		/* Nothing above bit 13 is decoded (bits 14-16 and reserved). */
		{ "high bits ignored", 0xffffffffffffc000ull, 0 },
		{ "all decoded bits", 0x3fff, 0x3fff },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct vmx_ept_violation v = vmx_decode_ept_violation(rows[i].qual);

		ck_assert_msg(ept_bits(&v) == rows[i].want, "%s: 0x%x", rows[i].what, ept_bits(&v));
	}
}
END_TEST

/* ---- interruption information --------------------------------------------
 * Bits 7:0 vector, 10:8 type (0 external interrupt, 1 reserved, 2 NMI,
 * 3 hardware exception, 4 software interrupt, 5 privileged software
 * exception, 6 software exception, 7 other event), 11 error code valid,
 * 12 NMI unblocking due to IRET, 30:13 reserved, 31 valid. */

START_TEST(test_intr_type_enum_is_sdm_numbering)
{
	ck_assert_int_eq(VMX_INTR_TYPE_EXT_INTR, 0);
	ck_assert_int_eq(VMX_INTR_TYPE_RESERVED, 1);
	ck_assert_int_eq(VMX_INTR_TYPE_NMI_INTR, 2);
	ck_assert_int_eq(VMX_INTR_TYPE_HARD_EXCEPTION, 3);
	ck_assert_int_eq(VMX_INTR_TYPE_SOFT_INTR, 4);
	ck_assert_int_eq(VMX_INTR_TYPE_PRIV_SW_EXCEPTION, 5);
	ck_assert_int_eq(VMX_INTR_TYPE_SOFT_EXCEPTION, 6);
	ck_assert_int_eq(VMX_INTR_TYPE_OTHER_EVENT, 7);
}
END_TEST

struct intr_row {
	const char *event;
	uint32_t info;
	bool valid;
	uint8_t vector;
	enum vmx_intr_type type;
	bool ec;
	bool nmi_unblock;
};

static const struct intr_row intr_rows[] = {
	{ "#PF with error code", 0x80000b0e, true, 14, VMX_INTR_TYPE_HARD_EXCEPTION, true, false },
	{ "#GP with error code", 0x80000b0d, true, 13, VMX_INTR_TYPE_HARD_EXCEPTION, true, false },
	{ "#DF, NMI unblocked by IRET", 0x80001b08, true, 8, VMX_INTR_TYPE_HARD_EXCEPTION, true,
	  true },
	{ "#UD", 0x80000306, true, 6, VMX_INTR_TYPE_HARD_EXCEPTION, false, false },
	{ "#DE", 0x80000300, true, 0, VMX_INTR_TYPE_HARD_EXCEPTION, false, false },
	{ "NMI", 0x80000202, true, 2, VMX_INTR_TYPE_NMI_INTR, false, false },
	{ "external interrupt 0x20", 0x80000020, true, 0x20, VMX_INTR_TYPE_EXT_INTR, false, false },
	{ "external interrupt 0xff", 0x800000ff, true, 0xff, VMX_INTR_TYPE_EXT_INTR, false, false },
	{ "INT 0x80", 0x80000480, true, 0x80, VMX_INTR_TYPE_SOFT_INTR, false, false },
	{ "INT1 (ICEBP)", 0x80000501, true, 1, VMX_INTR_TYPE_PRIV_SW_EXCEPTION, false, false },
	{ "INT3", 0x80000603, true, 3, VMX_INTR_TYPE_SOFT_EXCEPTION, false, false },
	{ "INTO", 0x80000604, true, 4, VMX_INTR_TYPE_SOFT_EXCEPTION, false, false },
	{ "other event (pending MTF)", 0x80000700, true, 0, VMX_INTR_TYPE_OTHER_EVENT, false,
	  false },
	{ "not valid", 0x00000000, false, 0, VMX_INTR_TYPE_EXT_INTR, false, false },
	{ "stale, not valid", 0x00000b0e, false, 14, VMX_INTR_TYPE_HARD_EXCEPTION, true, false },
};

START_TEST(test_intr_info_decodes_sdm_values)
{
	const struct intr_row *r = &intr_rows[_i];
	struct vmx_intr_info i = vmx_decode_intr_info(r->info);

	ck_assert_msg(i.valid == r->valid, "%s: valid %d", r->event, i.valid);
	ck_assert_msg(i.vector == r->vector, "%s: vector %u", r->event, i.vector);
	ck_assert_msg(i.type == r->type, "%s: type %d", r->event, i.type);
	ck_assert_msg(i.has_error_code == r->ec, "%s: error code %d", r->event, i.has_error_code);
	ck_assert_msg(i.nmi_unblocking == r->nmi_unblock, "%s: NMI unblocking %d", r->event,
		      i.nmi_unblocking);
	/* Valid events without bit 12 are what vmx_intr_info_make produces. */
	if (r->valid && !r->nmi_unblock)
		ck_assert_msg(vmx_intr_info_make(r->vector, r->type, r->ec) == r->info,
			      "%s: make gives 0x%08x", r->event,
			      vmx_intr_info_make(r->vector, r->type, r->ec));
}
END_TEST

START_TEST(test_intr_info_make_round_trips_every_type_vector_and_error_code)
{
	for (unsigned type = 0; type < 8; type++)
		for (unsigned vector = 0; vector < 256; vector++)
			for (unsigned ec = 0; ec < 2; ec++) {
				uint32_t info = vmx_intr_info_make((uint8_t)vector,
								   (enum vmx_intr_type)type, ec);
				struct vmx_intr_info d = vmx_decode_intr_info(info);

				/* Exact layout, and nothing in reserved bits 30:12. */
				ck_assert_uint_eq(info, 0x80000000u | (ec << 11) | (type << 8) | vector);
				ck_assert_uint_eq(info & VMX_INTR_INFO_RESVD_BITS_MASK, 0);
				ck_assert(d.valid);
				ck_assert_uint_eq(d.vector, vector);
				ck_assert_uint_eq(d.type, type);
				ck_assert_int_eq(d.has_error_code, ec);
				ck_assert(!d.nmi_unblocking);
			}
}
END_TEST

START_TEST(test_intr_info_masks_are_sdm_bits)
{
	ck_assert_uint_eq(VMX_INTR_INFO_VECTOR_MASK, 0x000000ffu);
	ck_assert_uint_eq(VMX_INTR_INFO_INTR_TYPE_MASK, 0x00000700u);
	ck_assert_uint_eq(VMX_INTR_INFO_INTR_TYPE_SHIFT, 8);
	ck_assert_uint_eq(VMX_INTR_INFO_DELIVER_CODE_MASK, 0x00000800u);
	ck_assert_uint_eq(VMX_INTR_INFO_UNBLOCK_NMI, 0x00001000u);
	ck_assert_uint_eq(VMX_INTR_INFO_VALID_MASK, 0x80000000u);
	/* Bits 30:12 are reserved in the VM-entry interruption-information field. */
	ck_assert_uint_eq(VMX_INTR_INFO_RESVD_BITS_MASK, 0x7ffff000u);
}
END_TEST

START_TEST(test_vector_has_error_code_matches_sdm_list)
{
	/* SDM Vol. 3A "Exceptions and Interrupts" table (Error Code column) and
	 * the VM-entry check on "deliver error code": #DF(8), #TS(10), #NP(11),
	 * #SS(12), #GP(13), #PF(14), #AC(17), #CP(21). */
	static const bool sdm[32] = {
		[8] = true,  [10] = true, [11] = true, [12] = true,
		[13] = true, [14] = true, [17] = true, [21] = true,
	};

	for (unsigned v = 0; v < 32; v++)
		ck_assert_msg(vmx_vector_has_error_code(v) == sdm[v], "vector %u: %d, SDM %d", v,
			      vmx_vector_has_error_code(v), sdm[v]);
	/* Interrupts 32-255 never push an error code as exceptions do. */
	for (unsigned v = 32; v < 256; v++)
		ck_assert_msg(!vmx_vector_has_error_code(v), "vector %u", v);
	ck_assert(!vmx_vector_has_error_code(0xffffffffu));
	ck_assert(vmx_vector_has_error_code(VMX_VECTOR_PF));
	ck_assert(!vmx_vector_has_error_code(VMX_VECTOR_UD));
}
END_TEST

START_TEST(test_vector_enum_is_sdm_numbering)
{
	static const struct {
		unsigned got, sdm;
		const char *name;
	} rows[] = {
		{ VMX_VECTOR_DE, 0, "#DE" },  { VMX_VECTOR_DB, 1, "#DB" },   { VMX_VECTOR_NMI, 2, "NMI" },
		{ VMX_VECTOR_BP, 3, "#BP" },  { VMX_VECTOR_OF, 4, "#OF" },   { VMX_VECTOR_BR, 5, "#BR" },
		{ VMX_VECTOR_UD, 6, "#UD" },  { VMX_VECTOR_NM, 7, "#NM" },   { VMX_VECTOR_DF, 8, "#DF" },
		{ VMX_VECTOR_TS, 10, "#TS" }, { VMX_VECTOR_NP, 11, "#NP" },  { VMX_VECTOR_SS, 12, "#SS" },
		{ VMX_VECTOR_GP, 13, "#GP" }, { VMX_VECTOR_PF, 14, "#PF" },  { VMX_VECTOR_MF, 16, "#MF" },
		{ VMX_VECTOR_AC, 17, "#AC" }, { VMX_VECTOR_MC, 18, "#MC" },  { VMX_VECTOR_XM, 19, "#XM" },
		{ VMX_VECTOR_VE, 20, "#VE" }, { VMX_VECTOR_CP, 21, "#CP" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		ck_assert_msg(rows[i].got == rows[i].sdm, "%s is %u", rows[i].name, rows[i].got);
}
END_TEST

/* ---- exit reason --------------------------------------------------------
 * Bits 15:0 basic reason, 27 enclave mode, 28 pending MTF, 29 exit from VMX
 * root, 31 VM-entry failure. */

START_TEST(test_exit_reason_basic_and_failed_entry)
{
	static const struct {
		uint32_t reason;
		unsigned basic;
		bool failed;
		const char *what;
	} rows[] = {
		{ 0x0000000a, 10, false, "CPUID" },
		{ 0x0000001e, 30, false, "I/O instruction" },
		{ 0x00000030, 48, false, "EPT violation" },
		{ 0x80000021, 33, true, "entry failure: invalid guest state" },
		{ 0x80000022, 34, true, "entry failure: MSR loading" },
		{ 0x80000029, 41, true, "entry failure: machine-check event" },
		{ 0x10000025, 37, false, "MTF with pending MTF bit" },
		{ 0x2000000c, 12, false, "HLT, exit from VMX root" },
		{ 0x08000000, 0, false, "exception in enclave mode" },
		{ 0x38000028, 40, false, "PAUSE with bits 29:27" },
		{ 0xffff0021, 33, true, "all flag bits" },
		{ 0x0000ffff, 0xffff, false, "basic reason uses all of 15:0" },
	};

	ck_assert_uint_eq(VMX_EXIT_REASON_BASIC_MASK, 0xffffu);
	ck_assert_uint_eq(VMX_EXIT_REASON_FAILED_VMENTRY, 0x80000000u);
	ck_assert_uint_eq(VMX_EXIT_REASON_ENCLAVE_MODE, 1u << 27);
	ck_assert_uint_eq(VMX_EXIT_REASON_PENDING_MTF, 1u << 28);
	ck_assert_uint_eq(VMX_EXIT_REASON_FROM_ROOT, 1u << 29);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct vmx_exit e = { .reason = rows[i].reason };

		ck_assert_msg(vmx_exit_basic_reason(&e) == rows[i].basic, "%s: basic %u",
			      rows[i].what, vmx_exit_basic_reason(&e));
		ck_assert_msg(vmx_exit_is_failed_entry(&e) == rows[i].failed, "%s: failed %d",
			      rows[i].what, vmx_exit_is_failed_entry(&e));
	}
}
END_TEST

START_TEST(test_entry_failure_qualification_values)
{
	/* SDM "VM-Entry Failures During or After Loading Guest State": exit
	 * qualification 0 default, 2 PDPTE load, 3 NMI injection with
	 * virtual NMIs, 4 invalid VMCS link pointer. */
	ck_assert_int_eq(VMX_ENTRY_FAIL_DEFAULT, 0);
	ck_assert_int_eq(VMX_ENTRY_FAIL_PDPTE, 2);
	ck_assert_int_eq(VMX_ENTRY_FAIL_NMI, 3);
	ck_assert_int_eq(VMX_ENTRY_FAIL_VMCS_LINK_PTR, 4);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc;

	tc = tcase_create("cr_access");
	tcase_add_loop_test(tc, test_cr_access_decodes_sdm_qualifications, 0,
			    (int)ARRAY_SIZE(cr_rows));
	tcase_add_test(tc, test_cr_access_enum_is_sdm_numbering);
	tcase_add_test(tc, test_cr_access_every_gpr_cr_and_direction);
	tcase_add_test(tc, test_cr_access_lmsw_source_takes_all_16_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_loop_test(tc, test_io_decodes_sdm_qualifications, 0, (int)ARRAY_SIZE(io_rows));
	tcase_add_test(tc, test_io_every_flag_combination_and_size);
	tcase_add_test(tc, test_io_qualification_valid_rejects_unused_sizes_and_reserved_bits);
	tcase_add_test(tc, test_io_insn_info_address_size_and_segment);
	suite_add_tcase(s, tc);

	tc = tcase_create("dr_access");
	tcase_add_test(tc, test_dr_access_decodes_sdm_qualifications);
	tcase_add_test(tc, test_dr_access_every_dr_gpr_and_direction);
	suite_add_tcase(s, tc);

	tc = tcase_create("ept_violation");
	tcase_add_test(tc, test_ept_violation_each_bit_sets_exactly_its_flag);
	tcase_add_test(tc, test_ept_violation_typical_qualifications);
	suite_add_tcase(s, tc);

	tc = tcase_create("intr_info");
	tcase_add_test(tc, test_intr_type_enum_is_sdm_numbering);
	tcase_add_loop_test(tc, test_intr_info_decodes_sdm_values, 0, (int)ARRAY_SIZE(intr_rows));
	tcase_add_test(tc, test_intr_info_make_round_trips_every_type_vector_and_error_code);
	tcase_add_test(tc, test_intr_info_masks_are_sdm_bits);
	tcase_add_test(tc, test_vector_has_error_code_matches_sdm_list);
	tcase_add_test(tc, test_vector_enum_is_sdm_numbering);
	suite_add_tcase(s, tc);

	tc = tcase_create("exit_reason");
	tcase_add_test(tc, test_exit_reason_basic_and_failed_entry);
	tcase_add_test(tc, test_entry_failure_qualification_values);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
