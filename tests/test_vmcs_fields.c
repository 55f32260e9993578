/*
 * VMCS component encodings (include/libvcpu/vmcs.h, vmcs_fields.h) checked
 * against an independent, hand-written transcription of Intel SDM Vol. 3D
 * Appendix B ("Field Encoding in VMCS") and the encoding layout of SDM
 * Vol. 3C "VMCS Component Encoding" (bit 0 access type, bits 9:1 index,
 * bits 11:10 type, bit 12 reserved, bits 14:13 width, bits 31:15 reserved).
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Width and type in the SDM's own terms, kept apart from the library's enums
 * so that a wrong enum value would show. */
enum sdm_width { W16, W64, W32, WNAT };
enum sdm_type { T_CONTROL, T_RO_DATA, T_GUEST, T_HOST };

/*
 * Appendix B, section by section, in the Appendix's order. Each row is a run
 * of consecutive full encodings (step 2) and the index (bits 9:1) the SDM
 * gives its first component; gaps in a section are separate rows.
 */
struct sdm_range {
	const char *section;
	enum sdm_width width;
	enum sdm_type type;
	uint32_t first, last;
	unsigned first_index;
};

static const struct sdm_range sdm_appendix_b[] = {
	{ "B.1.1 16-bit control", W16, T_CONTROL, 0x0000, 0x0008, 0 },
	{ "B.1.2 16-bit guest-state", W16, T_GUEST, 0x0800, 0x0814, 0 },
	{ "B.1.3 16-bit host-state", W16, T_HOST, 0x0c00, 0x0c0c, 0 },
	{ "B.2.1 64-bit control", W64, T_CONTROL, 0x2000, 0x2044, 0 },
	{ "B.2.1 64-bit control (IA32_SPEC_CTRL)", W64, T_CONTROL, 0x204a, 0x204c, 37 },
	{ "B.2.1 64-bit control (injected-event data)", W64, T_CONTROL, 0x2052, 0x2052, 41 },
	{ "B.2.2 64-bit read-only data (guest-physical address)", W64, T_RO_DATA, 0x2400, 0x2400, 0 },
	{ "B.2.2 64-bit read-only data (original-event data)", W64, T_RO_DATA, 0x2404, 0x2404, 2 },
	{ "B.2.3 64-bit guest-state", W64, T_GUEST, 0x2800, 0x2828, 0 },
	{ "B.2.4 64-bit host-state", W64, T_HOST, 0x2c00, 0x2c16, 0 },
	{ "B.3.1 32-bit control", W32, T_CONTROL, 0x4000, 0x4024, 0 },
	{ "B.3.2 32-bit read-only data", W32, T_RO_DATA, 0x4400, 0x440e, 0 },
	{ "B.3.3 32-bit guest-state", W32, T_GUEST, 0x4800, 0x482a, 0 },
	{ "B.3.3 32-bit guest-state (preemption timer)", W32, T_GUEST, 0x482e, 0x482e, 23 },
	{ "B.3.4 32-bit host-state", W32, T_HOST, 0x4c00, 0x4c00, 0 },
	{ "B.4.1 natural-width control", WNAT, T_CONTROL, 0x6000, 0x600e, 0 },
	{ "B.4.2 natural-width read-only data", WNAT, T_RO_DATA, 0x6400, 0x640a, 0 },
	{ "B.4.3 natural-width guest-state", WNAT, T_GUEST, 0x6800, 0x682c, 0 },
	{ "B.4.4 natural-width host-state", WNAT, T_HOST, 0x6c00, 0x6c1c, 0 },
};

/* Components per section, counted by hand from Appendix B. */
#define SDM_NR_COMPONENTS (5 + 11 + 7 + (35 + 2 + 1) + 2 + 21 + 12 + 19 + 8 + (22 + 1) + 1 + 8 + 6 + 23 + 15)

static unsigned range_len(const struct sdm_range *r)
{
	return (unsigned)((r->last - r->first) / 2 + 1);
}

/* The SDM row holding full encoding `enc`, or NULL. */
static const struct sdm_range *sdm_find(uint32_t enc)
{
	for (size_t i = 0; i < ARRAY_SIZE(sdm_appendix_b); i++) {
		const struct sdm_range *r = &sdm_appendix_b[i];

		if (enc >= r->first && enc <= r->last && ((enc - r->first) & 1) == 0)
			return r;
	}
	return NULL;
}

/* True if `enc` (either access) names an Appendix B component. */
static bool sdm_is_component(uint32_t enc)
{
	const struct sdm_range *r;

	if (enc & 1) {
		r = sdm_find(enc - 1);
		return r && r->width == W64;
	}
	return sdm_find(enc) != NULL;
}

static unsigned sdm_width_bits(enum sdm_width w)
{
	switch (w) {
	case W16:
		return 16;
	case W32:
		return 32;
	default:
		return 64;	/* natural width is 64 bits on Intel 64 */
	}
}

/* The list expanded by the test itself. */
struct listed {
	const char *name;
	uint32_t enc;
	bool x64;
};

static const struct listed listed_fields[] = {
#define LISTED_(n, e) { #n, (e), false },
#define LISTED64_(n, e) { #n, (e), true },
	VMCS_FIELD_LIST(LISTED_, LISTED64_)
#undef LISTED_
#undef LISTED64_
};

/* Library enums against the SDM's bit values. */
static enum vmcs_width lib_width(enum sdm_width w)
{
	static const enum vmcs_width map[] = { VMCS_WIDTH_16, VMCS_WIDTH_64, VMCS_WIDTH_32,
					       VMCS_WIDTH_NATURAL };
	return map[w];
}

static enum vmcs_type lib_type(enum sdm_type t)
{
	static const enum vmcs_type map[] = { VMCS_TYPE_CONTROL, VMCS_TYPE_EXIT_INFO,
					      VMCS_TYPE_GUEST, VMCS_TYPE_HOST };
	return map[t];
}

/* ---- encoding layout ---------------------------------------------------- */

START_TEST(test_enum_values_are_sdm_bit_values)
{
	/* Width bits 14:13: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural. */
	ck_assert_int_eq(VMCS_WIDTH_16, 0);
	ck_assert_int_eq(VMCS_WIDTH_64, 1);
	ck_assert_int_eq(VMCS_WIDTH_32, 2);
	ck_assert_int_eq(VMCS_WIDTH_NATURAL, 3);
	/* Type bits 11:10: 0 control, 1 VM-exit information, 2 guest, 3 host. */
	ck_assert_int_eq(VMCS_TYPE_CONTROL, 0);
	ck_assert_int_eq(VMCS_TYPE_EXIT_INFO, 1);
	ck_assert_int_eq(VMCS_TYPE_GUEST, 2);
	ck_assert_int_eq(VMCS_TYPE_HOST, 3);
	ck_assert_int_eq(VMCS_ACCESS_FULL, 0);
	ck_assert_int_eq(VMCS_ACCESS_HIGH, 1);
}
END_TEST

START_TEST(test_derivations_read_the_right_bits_of_synthetic_encodings)
{
	static const struct {
		uint32_t enc;
		enum vmcs_width width;
		enum vmcs_type type;
		enum vmcs_access access;
		unsigned index;
		bool ro;
	} rows[] = {
		{ 0x0000, VMCS_WIDTH_16, VMCS_TYPE_CONTROL, VMCS_ACCESS_FULL, 0, false },
		{ 0x0001, VMCS_WIDTH_16, VMCS_TYPE_CONTROL, VMCS_ACCESS_HIGH, 0, false },
		{ 0x0002, VMCS_WIDTH_16, VMCS_TYPE_CONTROL, VMCS_ACCESS_FULL, 1, false },
		{ 0x03fe, VMCS_WIDTH_16, VMCS_TYPE_CONTROL, VMCS_ACCESS_FULL, 511, false },
		{ 0x0400, VMCS_WIDTH_16, VMCS_TYPE_EXIT_INFO, VMCS_ACCESS_FULL, 0, true },
		{ 0x0800, VMCS_WIDTH_16, VMCS_TYPE_GUEST, VMCS_ACCESS_FULL, 0, false },
		{ 0x0c00, VMCS_WIDTH_16, VMCS_TYPE_HOST, VMCS_ACCESS_FULL, 0, false },
		{ 0x2000, VMCS_WIDTH_64, VMCS_TYPE_CONTROL, VMCS_ACCESS_FULL, 0, false },
		{ 0x2001, VMCS_WIDTH_64, VMCS_TYPE_CONTROL, VMCS_ACCESS_HIGH, 0, false },
		{ 0x2401, VMCS_WIDTH_64, VMCS_TYPE_EXIT_INFO, VMCS_ACCESS_HIGH, 0, true },
		{ 0x4000, VMCS_WIDTH_32, VMCS_TYPE_CONTROL, VMCS_ACCESS_FULL, 0, false },
		{ 0x4402, VMCS_WIDTH_32, VMCS_TYPE_EXIT_INFO, VMCS_ACCESS_FULL, 1, true },
		{ 0x482e, VMCS_WIDTH_32, VMCS_TYPE_GUEST, VMCS_ACCESS_FULL, 23, false },
		{ 0x6000, VMCS_WIDTH_NATURAL, VMCS_TYPE_CONTROL, VMCS_ACCESS_FULL, 0, false },
		{ 0x640a, VMCS_WIDTH_NATURAL, VMCS_TYPE_EXIT_INFO, VMCS_ACCESS_FULL, 5, true },
		{ 0x681e, VMCS_WIDTH_NATURAL, VMCS_TYPE_GUEST, VMCS_ACCESS_FULL, 15, false },
		{ 0x6c16, VMCS_WIDTH_NATURAL, VMCS_TYPE_HOST, VMCS_ACCESS_FULL, 11, false },
		{ 0x7fff, VMCS_WIDTH_NATURAL, VMCS_TYPE_HOST, VMCS_ACCESS_HIGH, 511, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		uint32_t e = rows[i].enc;

		ck_assert_msg(vmcs_field_width(e) == rows[i].width, "width of 0x%04x", e);
		ck_assert_msg(vmcs_field_type(e) == rows[i].type, "type of 0x%04x", e);
		ck_assert_msg(vmcs_field_access(e) == rows[i].access, "access of 0x%04x", e);
		ck_assert_msg(vmcs_field_index(e) == rows[i].index, "index of 0x%04x: %u", e,
			      vmcs_field_index(e));
		ck_assert_msg(vmcs_field_is_read_only(e) == rows[i].ro, "read-only of 0x%04x", e);
	}
}
END_TEST

/* ---- the list against Appendix B --------------------------------------- */

START_TEST(test_field_count_is_the_number_of_appendix_b_components)
{
	unsigned sdm = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sdm_appendix_b); i++)
		sdm += range_len(&sdm_appendix_b[i]);
	ck_assert_uint_eq(sdm, SDM_NR_COMPONENTS);
	ck_assert_uint_eq(vmcs_field_count(), SDM_NR_COMPONENTS);
	ck_assert_uint_eq(ARRAY_SIZE(listed_fields), SDM_NR_COMPONENTS);
}
END_TEST

START_TEST(test_field_at_walks_appendix_b_in_order)
{
	unsigned i = 0;

	for (size_t r = 0; r < ARRAY_SIZE(sdm_appendix_b); r++) {
		const struct sdm_range *s = &sdm_appendix_b[r];

		for (uint32_t enc = s->first; enc <= s->last; enc += 2, i++) {
			ck_assert_msg(i < vmcs_field_count(), "list ends before %s 0x%04x",
				      s->section, enc);
			ck_assert_msg(vmcs_field_at(i) == enc,
				      "entry %u is 0x%04x, Appendix %s has 0x%04x here", i,
				      vmcs_field_at(i), s->section, enc);
		}
	}
	ck_assert_uint_eq(i, vmcs_field_count());
	/* Past the end there is no field. */
	ck_assert_uint_eq(vmcs_field_at(vmcs_field_count()), VMCS_NO_FIELD);
	ck_assert_uint_eq(vmcs_field_at(0xffffffffu), VMCS_NO_FIELD);
}
END_TEST

START_TEST(test_every_field_derives_width_type_access_index_of_its_section)
{
	for (unsigned i = 0; i < vmcs_field_count(); i++) {
		uint32_t enc = vmcs_field_at(i);
		const struct sdm_range *s = sdm_find(enc);

		ck_assert_msg(s != NULL, "0x%04x (%s) is in no Appendix B section", enc,
			      vmcs_field_name(enc));
		ck_assert_msg(vmcs_field_width(enc) == lib_width(s->width), "%s 0x%04x width %s",
			      s->section, enc, vmcs_width_name(vmcs_field_width(enc)));
		ck_assert_msg(vmcs_field_type(enc) == lib_type(s->type), "%s 0x%04x type %s",
			      s->section, enc, vmcs_type_name(vmcs_field_type(enc)));
		ck_assert_msg(vmcs_field_access(enc) == VMCS_ACCESS_FULL, "0x%04x not full", enc);
		ck_assert_msg(vmcs_field_index(enc) == s->first_index + (enc - s->first) / 2,
			      "%s 0x%04x index %u", s->section, enc, vmcs_field_index(enc));
		ck_assert_msg(vmcs_field_is_read_only(enc) == (s->type == T_RO_DATA),
			      "%s 0x%04x read-only-ness", s->section, enc);
	}
}
END_TEST

START_TEST(test_high_access_of_64bit_fields_keeps_width_type_index)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vmcs_field_count(); i++) {
		uint32_t enc = vmcs_field_at(i);
		const struct sdm_range *s = sdm_find(enc);

		ck_assert_ptr_nonnull(s);
		if (s->width != W64)
			continue;
		n++;
		ck_assert_msg(vmcs_field_access(enc + 1) == VMCS_ACCESS_HIGH, "0x%04x", enc + 1);
		ck_assert_msg(vmcs_field_width(enc + 1) == VMCS_WIDTH_64, "0x%04x", enc + 1);
		ck_assert_msg(vmcs_field_type(enc + 1) == lib_type(s->type), "0x%04x", enc + 1);
		ck_assert_msg(vmcs_field_index(enc + 1) == vmcs_field_index(enc), "0x%04x", enc + 1);
		ck_assert_msg(vmcs_field_is_read_only(enc + 1) == (s->type == T_RO_DATA),
			      "0x%04x", enc + 1);
	}
	/* B.2.1-B.2.4 hold 38 + 2 + 21 + 12 components. */
	ck_assert_uint_eq(n, 73);
}
END_TEST

START_TEST(test_value_mask_and_bits_follow_width_and_access)
{
	for (unsigned i = 0; i < vmcs_field_count(); i++) {
		uint32_t enc = vmcs_field_at(i);
		const struct sdm_range *s = sdm_find(enc);
		unsigned bits;
		uint64_t mask;

		ck_assert_ptr_nonnull(s);
		bits = sdm_width_bits(s->width);
		mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
		ck_assert_msg(vmcs_field_bits(enc) == bits, "%s 0x%04x: %u bits", s->section, enc,
			      vmcs_field_bits(enc));
		ck_assert_msg(vmcs_field_value_mask(enc) == mask, "%s 0x%04x: mask 0x%llx",
			      s->section, enc, (unsigned long long)vmcs_field_value_mask(enc));
		if (s->width == W64) {
			/* A high access reads and writes bits 63:32 as 32 bits. */
			ck_assert_uint_eq(vmcs_field_bits(enc + 1), 32);
			ck_assert_uint_eq(vmcs_field_value_mask(enc + 1), 0xffffffffull);
		}
	}
}
END_TEST

START_TEST(test_x_macro_expansion_matches_library_iteration)
{
	for (size_t i = 0; i < ARRAY_SIZE(listed_fields); i++) {
		const struct listed *l = &listed_fields[i];
		const char *name = vmcs_field_name(l->enc);

		ck_assert_uint_eq(vmcs_field_at((unsigned)i), l->enc);
		/* X64 lines are exactly the 64-bit components (bits 14:13 = 1). */
		ck_assert_msg(l->x64 == (((l->enc >> 13) & 3) == 1), "%s 0x%04x X/X64 mismatch",
			      l->name, l->enc);
		ck_assert_msg(name && strcmp(name, l->name) == 0, "name of 0x%04x: %s, list says %s",
			      l->enc, name ? name : "(null)", l->name);
	}
}
END_TEST

START_TEST(test_list_encodings_are_distinct_full_and_well_formed)
{
	for (size_t i = 0; i < ARRAY_SIZE(listed_fields); i++) {
		uint32_t e = listed_fields[i].enc;

		ck_assert_msg((e & 1) == 0, "%s has access type high", listed_fields[i].name);
		ck_assert_msg((e & 0xffff9000u) == 0, "%s has reserved bits", listed_fields[i].name);
		for (size_t j = i + 1; j < ARRAY_SIZE(listed_fields); j++)
			ck_assert_msg(listed_fields[j].enc != e, "%s and %s share 0x%04x",
				      listed_fields[i].name, listed_fields[j].name, e);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(listed_fields[j].name, listed_fields[i].name) != 0,
				      "name %s listed twice", listed_fields[i].name);
	}
}
END_TEST

/* ---- known encodings by constant (values from the SDM, not the header) -- */

START_TEST(test_constants_have_sdm_encodings)
{
	static const struct {
		const char *what;
		uint32_t constant;
		uint32_t sdm;
	} rows[] = {
		{ "VPID", VMCS_VIRTUAL_PROCESSOR_ID, 0x0000 },
		{ "posted-interrupt notification vector", VMCS_POSTED_INTR_NV, 0x0002 },
		{ "EPTP index", VMCS_EPTP_INDEX, 0x0004 },
		{ "guest ES selector", VMCS_GUEST_ES_SELECTOR, 0x0800 },
		{ "guest CS selector", VMCS_GUEST_CS_SELECTOR, 0x0802 },
		{ "guest TR selector", VMCS_GUEST_TR_SELECTOR, 0x080e },
		{ "guest interrupt status", VMCS_GUEST_INTR_STATUS, 0x0810 },
		{ "PML index", VMCS_GUEST_PML_INDEX, 0x0812 },
		{ "host CS selector", VMCS_HOST_CS_SELECTOR, 0x0c02 },
		{ "host TR selector", VMCS_HOST_TR_SELECTOR, 0x0c0c },
		{ "I/O bitmap A (full)", VMCS_IO_BITMAP_A, 0x2000 },
		{ "I/O bitmap A (high)", VMCS_IO_BITMAP_A_HIGH, 0x2001 },
		{ "I/O bitmap B", VMCS_IO_BITMAP_B, 0x2002 },
		{ "MSR bitmaps", VMCS_MSR_BITMAP, 0x2004 },
		{ "VM-exit MSR-store address", VMCS_VM_EXIT_MSR_STORE_ADDR, 0x2006 },
		{ "VM-entry MSR-load address", VMCS_VM_ENTRY_MSR_LOAD_ADDR, 0x200a },
		{ "TSC offset", VMCS_TSC_OFFSET, 0x2010 },
		{ "TSC offset (high)", VMCS_TSC_OFFSET_HIGH, 0x2011 },
		{ "virtual-APIC address", VMCS_VIRTUAL_APIC_PAGE_ADDR, 0x2012 },
		{ "APIC-access address", VMCS_APIC_ACCESS_ADDR, 0x2014 },
		{ "EPT pointer", VMCS_EPT_POINTER, 0x201a },
		{ "TSC multiplier", VMCS_TSC_MULTIPLIER, 0x2032 },
		{ "guest-physical address", VMCS_GUEST_PHYSICAL_ADDRESS, 0x2400 },
		{ "VMCS link pointer", VMCS_VMCS_LINK_POINTER, 0x2800 },
		{ "VMCS link pointer (high)", VMCS_VMCS_LINK_POINTER_HIGH, 0x2801 },
		{ "guest IA32_DEBUGCTL", VMCS_GUEST_IA32_DEBUGCTL, 0x2802 },
		{ "guest IA32_EFER", VMCS_GUEST_IA32_EFER, 0x2806 },
		{ "guest PDPTE0", VMCS_GUEST_PDPTR0, 0x280a },
		{ "host IA32_EFER", VMCS_HOST_IA32_EFER, 0x2c02 },
		{ "pin-based controls", VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x4000 },
		{ "primary processor-based controls", VMCS_CPU_BASED_VM_EXEC_CONTROL, 0x4002 },
		{ "exception bitmap", VMCS_EXCEPTION_BITMAP, 0x4004 },
		{ "primary VM-exit controls", VMCS_VM_EXIT_CONTROLS, 0x400c },
		{ "VM-entry controls", VMCS_VM_ENTRY_CONTROLS, 0x4012 },
		{ "VM-entry interruption-information", VMCS_VM_ENTRY_INTR_INFO_FIELD, 0x4016 },
		{ "secondary processor-based controls", VMCS_SECONDARY_VM_EXEC_CONTROL, 0x401e },
		{ "PLE_Gap", VMCS_PLE_GAP, 0x4020 },
		{ "PLE_Window", VMCS_PLE_WINDOW, 0x4022 },
		{ "VM-instruction error", VMCS_VM_INSTRUCTION_ERROR, 0x4400 },
		{ "exit reason", VMCS_VM_EXIT_REASON, 0x4402 },
		{ "VM-exit interruption information", VMCS_VM_EXIT_INTR_INFO, 0x4404 },
		{ "IDT-vectoring information", VMCS_IDT_VECTORING_INFO_FIELD, 0x4408 },
		{ "VM-exit instruction length", VMCS_VM_EXIT_INSTRUCTION_LEN, 0x440c },
		{ "VM-exit instruction information", VMCS_VMX_INSTRUCTION_INFO, 0x440e },
		{ "guest ES limit", VMCS_GUEST_ES_LIMIT, 0x4800 },
		{ "guest CS access rights", VMCS_GUEST_CS_AR_BYTES, 0x4816 },
		{ "guest interruptibility state", VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x4824 },
		{ "guest activity state", VMCS_GUEST_ACTIVITY_STATE, 0x4826 },
		{ "guest IA32_SYSENTER_CS", VMCS_GUEST_SYSENTER_CS, 0x482a },
		{ "VMX-preemption timer value", VMCS_VMX_PREEMPTION_TIMER_VALUE, 0x482e },
		{ "host IA32_SYSENTER_CS", VMCS_HOST_IA32_SYSENTER_CS, 0x4c00 },
		{ "CR0 guest/host mask", VMCS_CR0_GUEST_HOST_MASK, 0x6000 },
		{ "CR4 guest/host mask", VMCS_CR4_GUEST_HOST_MASK, 0x6002 },
		{ "CR0 read shadow", VMCS_CR0_READ_SHADOW, 0x6004 },
		{ "CR4 read shadow", VMCS_CR4_READ_SHADOW, 0x6006 },
		{ "CR3-target value 0", VMCS_CR3_TARGET_VALUE0, 0x6008 },
		{ "exit qualification", VMCS_EXIT_QUALIFICATION, 0x6400 },
		{ "guest-linear address", VMCS_GUEST_LINEAR_ADDRESS, 0x640a },
		{ "guest CR0", VMCS_GUEST_CR0, 0x6800 },
		{ "guest CR3", VMCS_GUEST_CR3, 0x6802 },
		{ "guest CR4", VMCS_GUEST_CR4, 0x6804 },
		{ "guest CS base", VMCS_GUEST_CS_BASE, 0x6808 },
		{ "guest GDTR base", VMCS_GUEST_GDTR_BASE, 0x6816 },
		{ "guest DR7", VMCS_GUEST_DR7, 0x681a },
		{ "guest RSP", VMCS_GUEST_RSP, 0x681c },
		{ "guest RIP", VMCS_GUEST_RIP, 0x681e },
		{ "guest RFLAGS", VMCS_GUEST_RFLAGS, 0x6820 },
		{ "guest pending debug exceptions", VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x6822 },
		{ "host CR0", VMCS_HOST_CR0, 0x6c00 },
		{ "host CR3", VMCS_HOST_CR3, 0x6c02 },
		{ "host RSP", VMCS_HOST_RSP, 0x6c14 },
		{ "host RIP", VMCS_HOST_RIP, 0x6c16 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		ck_assert_msg(rows[i].constant == rows[i].sdm, "%s: 0x%04x, SDM 0x%04x",
			      rows[i].what, rows[i].constant, rows[i].sdm);
}
END_TEST

/* ---- names -------------------------------------------------------------- */

static void check_round_trip(uint32_t enc)
{
	const char *name = vmcs_field_name(enc);
	char prefixed[128];
	uint32_t got = 0xdeadbeef;
	int rc;

	ck_assert_msg(name != NULL, "0x%04x has no name", enc);
	rc = vmcs_field_lookup(name, &got);
	ck_assert_msg(rc == 0 && got == enc, "lookup(\"%s\") = %d, 0x%04x; want 0, 0x%04x", name,
		      rc, got, enc);
	snprintf(prefixed, sizeof(prefixed), "VMCS_%s", name);
	got = 0xdeadbeef;
	rc = vmcs_field_lookup(prefixed, &got);
	ck_assert_msg(rc == 0 && got == enc, "lookup(\"%s\") = %d, 0x%04x; want 0, 0x%04x",
		      prefixed, rc, got, enc);
}

START_TEST(test_name_lookup_round_trips_every_full_access)
{
	check_round_trip(vmcs_field_at((unsigned)_i));
}
END_TEST

START_TEST(test_name_lookup_round_trips_every_high_access)
{
	uint32_t enc = vmcs_field_at((unsigned)_i);
	char want[128];
	const char *high;

	if (vmcs_field_width(enc) != VMCS_WIDTH_64) {
		/* Only 64-bit components have a high access, and so a _HIGH name. */
		ck_assert_ptr_null(vmcs_field_name(enc + 1));
		snprintf(want, sizeof(want), "%s_HIGH", vmcs_field_name(enc));
		uint32_t got = 0;
		ck_assert_msg(vmcs_field_lookup(want, &got) == VCPU_ENOENT, "%s resolves", want);
		return;
	}
	high = vmcs_field_name(enc + 1);
	snprintf(want, sizeof(want), "%s_HIGH", vmcs_field_name(enc));
	ck_assert_msg(high && strcmp(high, want) == 0, "name of 0x%04x: %s, want %s", enc + 1,
		      high ? high : "(null)", want);
	check_round_trip(enc + 1);
}
END_TEST

START_TEST(test_lookup_of_constant_spellings)
{
	static const struct {
		const char *name;
		uint32_t enc;
	} rows[] = {
		{ "GUEST_CR0", 0x6800 },
		{ "VMCS_GUEST_CR0", 0x6800 },
		{ "CR0_READ_SHADOW", 0x6004 },
		{ "VM_EXIT_REASON", 0x4402 },
		{ "IO_BITMAP_A_HIGH", 0x2001 },
		{ "VMCS_IO_BITMAP_A_HIGH", 0x2001 },
		{ "EPT_POINTER", 0x201a },
		{ "HOST_RIP", 0x6c16 },
		/* The enum constant is VMCS_VMCS_LINK_POINTER; the component's name
		 * itself begins with "VMCS_" and must resolve both ways. */
		{ "VMCS_LINK_POINTER", 0x2800 },
		{ "VMCS_VMCS_LINK_POINTER", 0x2800 },
		{ "VMCS_LINK_POINTER_HIGH", 0x2801 },
		{ "VMCS_VMCS_LINK_POINTER_HIGH", 0x2801 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		uint32_t got = 0xdeadbeef;
		int rc = vmcs_field_lookup(rows[i].name, &got);

		ck_assert_msg(rc == 0 && got == rows[i].enc, "lookup(\"%s\") = %d, 0x%x; want 0x%04x",
			      rows[i].name, rc, got, rows[i].enc);
	}
}
END_TEST

START_TEST(test_lookup_of_unknown_names_is_enoent)
{
	static const char *const names[] = {
		"",
		"VMCS_",
		"GUEST_CR0_HIGH",	/* natural width: no high access */
		"VMCS_GUEST_CR0_HIGH",
		"VM_EXIT_REASON_HIGH",	/* 32-bit */
		"GUEST_ES_SELECTOR_HIGH", /* 16-bit */
		"IO_BITMAP_A_HIGH_HIGH",
		"_HIGH",
		"HIGH",
		"guest_cr0",		/* case-sensitive */
		"vmcs_GUEST_CR0",
		"GUEST_CR",
		"GUEST_CR0 ",
		" GUEST_CR0",
		"GUEST_CR00",
		"VMCS_VMCS_VMCS_LINK_POINTER",
		"NO_SUCH_FIELD",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		uint32_t got = 0;

		ck_assert_msg(vmcs_field_lookup(names[i], &got) == VCPU_ENOENT,
			      "lookup(\"%s\") is not VCPU_ENOENT", names[i]);
	}
}
END_TEST

START_TEST(test_lookup_null_arguments_are_einval)
{
	uint32_t got = 0;

	ck_assert_int_eq(vmcs_field_lookup(NULL, &got), VCPU_EINVAL);
	ck_assert_int_eq(vmcs_field_lookup("GUEST_CR0", NULL), VCPU_EINVAL);
	ck_assert_int_eq(vmcs_field_lookup(NULL, NULL), VCPU_EINVAL);
}
END_TEST

START_TEST(test_field_names_are_distinct)
{
	for (unsigned i = 0; i < vmcs_field_count(); i++)
		for (unsigned j = i + 1; j < vmcs_field_count(); j++)
			ck_assert_msg(strcmp(vmcs_field_name(vmcs_field_at(i)),
					     vmcs_field_name(vmcs_field_at(j))) != 0,
				      "0x%04x and 0x%04x share a name", vmcs_field_at(i),
				      vmcs_field_at(j));
}
END_TEST

/* ---- is_known ----------------------------------------------------------- */

START_TEST(test_is_known_matches_appendix_b_for_every_15bit_encoding)
{
	/* Exhaustive over bits 14:0 (bits 31:15 are reserved). */
	for (uint32_t enc = 0; enc < 0x8000; enc++) {
		bool want = sdm_is_component(enc) && (enc & 0x1000) == 0;
		bool known = vmcs_field_is_known(enc);

		ck_assert_msg(known == want, "is_known(0x%04x) = %d, SDM says %d", enc, known, want);
		ck_assert_msg((vmcs_field_name(enc) != NULL) == want, "name(0x%04x) %s NULL", enc,
			      want ? "is" : "is not");
	}
}
END_TEST

START_TEST(test_is_known_rejects_reserved_bits_on_every_field)
{
	for (unsigned i = 0; i < vmcs_field_count(); i++) {
		uint32_t enc = vmcs_field_at(i);

		ck_assert(vmcs_field_is_known(enc));
		ck_assert_msg(!vmcs_field_is_known(enc | 0x1000), "0x%x with bit 12", enc);
		for (unsigned bit = 15; bit < 32; bit++) {
			ck_assert_msg(!vmcs_field_is_known(enc | (1u << bit)), "0x%x with bit %u", enc,
				      bit);
			ck_assert_ptr_null(vmcs_field_name(enc | (1u << bit)));
		}
	}
	ck_assert(!vmcs_field_is_known(VMCS_NO_FIELD));
	ck_assert_ptr_null(vmcs_field_name(VMCS_NO_FIELD));
}
END_TEST

START_TEST(test_is_known_spot_checks)
{
	static const struct {
		uint32_t enc;
		bool known;
		const char *why;
	} rows[] = {
		{ 0x6800, true, "guest CR0" },
		{ 0x6801, false, "high access of natural-width guest CR0" },
		{ 0x4403, false, "high access of 32-bit exit reason" },
		{ 0x0001, false, "high access of 16-bit VPID" },
		{ 0x2001, true, "high access of 64-bit I/O bitmap A" },
		{ 0x2801, true, "high access of VMCS link pointer" },
		{ 0x2046, false, "unused 64-bit control index 35" },
		{ 0x2048, false, "unused 64-bit control index 36" },
		{ 0x204e, false, "unused 64-bit control index 39" },
		{ 0x2402, false, "unused 64-bit read-only index 1" },
		{ 0x482c, false, "unused 32-bit guest index 22" },
		{ 0x0c0e, false, "unused 16-bit host index 7" },
		{ 0x000a, false, "past B.1.1" },
		{ 0x0400, false, "no 16-bit read-only fields" },
		{ 0x6c1e, false, "past B.4.4" },
		{ 0x7800, false, "bit 12 set on guest CR0" },
		{ 0x16800, false, "bit 16 set on guest CR0" },
		{ 0x80006800, false, "bit 31 set on guest CR0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		ck_assert_msg(vmcs_field_is_known(rows[i].enc) == rows[i].known, "0x%x (%s)",
			      rows[i].enc, rows[i].why);
}
END_TEST

START_TEST(test_both_accesses_of_every_64bit_field_are_known)
{
	for (size_t r = 0; r < ARRAY_SIZE(sdm_appendix_b); r++) {
		const struct sdm_range *s = &sdm_appendix_b[r];

		for (uint32_t enc = s->first; enc <= s->last; enc += 2) {
			ck_assert_msg(vmcs_field_is_known(enc), "%s 0x%04x", s->section, enc);
			ck_assert_msg(vmcs_field_is_known(enc + 1) == (s->width == W64),
				      "%s 0x%04x high access", s->section, enc + 1);
		}
	}
}
END_TEST

/* ---- type and width names ----------------------------------------------- */

START_TEST(test_type_and_width_names)
{
	ck_assert_str_eq(vmcs_type_name(VMCS_TYPE_CONTROL), "control");
	ck_assert_str_eq(vmcs_type_name(VMCS_TYPE_EXIT_INFO), "exit-info");
	ck_assert_str_eq(vmcs_type_name(VMCS_TYPE_GUEST), "guest");
	ck_assert_str_eq(vmcs_type_name(VMCS_TYPE_HOST), "host");
	ck_assert_str_eq(vmcs_width_name(VMCS_WIDTH_16), "16");
	ck_assert_str_eq(vmcs_width_name(VMCS_WIDTH_32), "32");
	ck_assert_str_eq(vmcs_width_name(VMCS_WIDTH_64), "64");
	ck_assert_str_eq(vmcs_width_name(VMCS_WIDTH_NATURAL), "natural");
	/* Names of what fields derive, end to end. */
	ck_assert_str_eq(vmcs_type_name(vmcs_field_type(VMCS_VM_EXIT_REASON)), "exit-info");
	ck_assert_str_eq(vmcs_width_name(vmcs_field_width(VMCS_GUEST_RIP)), "natural");
	ck_assert_str_eq(vmcs_width_name(vmcs_field_width(VMCS_TSC_OFFSET)), "64");
	ck_assert_str_eq(vmcs_type_name(vmcs_field_type(VMCS_HOST_RIP)), "host");
	/* Out of range is not a crash and not a real name. */
	ck_assert_ptr_nonnull(vmcs_type_name((enum vmcs_type)7));
	ck_assert_ptr_nonnull(vmcs_width_name((enum vmcs_width)7));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("vmcs_fields");
	TCase *tc;

	tc = tcase_create("encoding");
	tcase_add_test(tc, test_enum_values_are_sdm_bit_values);
	tcase_add_test(tc, test_derivations_read_the_right_bits_of_synthetic_encodings);
	suite_add_tcase(s, tc);

	tc = tcase_create("appendix_b");
	tcase_add_test(tc, test_field_count_is_the_number_of_appendix_b_components);
	tcase_add_test(tc, test_field_at_walks_appendix_b_in_order);
	tcase_add_test(tc, test_every_field_derives_width_type_access_index_of_its_section);
	tcase_add_test(tc, test_high_access_of_64bit_fields_keeps_width_type_index);
	tcase_add_test(tc, test_value_mask_and_bits_follow_width_and_access);
	tcase_add_test(tc, test_x_macro_expansion_matches_library_iteration);
	tcase_add_test(tc, test_list_encodings_are_distinct_full_and_well_formed);
	tcase_add_test(tc, test_constants_have_sdm_encodings);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_name_lookup_round_trips_every_full_access, 0,
			    (int)vmcs_field_count());
	tcase_add_loop_test(tc, test_name_lookup_round_trips_every_high_access, 0,
			    (int)vmcs_field_count());
	tcase_add_test(tc, test_lookup_of_constant_spellings);
	tcase_add_test(tc, test_lookup_of_unknown_names_is_enoent);
	tcase_add_test(tc, test_lookup_null_arguments_are_einval);
	tcase_add_test(tc, test_field_names_are_distinct);
	tcase_add_test(tc, test_type_and_width_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("is_known");
	tcase_add_test(tc, test_is_known_matches_appendix_b_for_every_15bit_encoding);
	tcase_add_test(tc, test_is_known_rejects_reserved_bits_on_every_field);
	tcase_add_test(tc, test_is_known_spot_checks);
	tcase_add_test(tc, test_both_accesses_of_every_64bit_field_are_known);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
