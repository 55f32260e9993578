/*
 * libvcpu - VMCS component encodings and what their bits say.
 *
 * A VMCS component is named by its 32-bit encoding (SDM Vol. 3C, "VMCS
 * Component Encoding"): bit 0 access type (full/high), bits 9:1 index,
 * bits 11:10 type, bits 14:13 width; bits 12 and 31:15 are reserved and 0.
 * Everything here is derived from those bits; the list itself is in
 * vmcs_fields.h.
 */
#ifndef LIBVCPU_VMCS_H
#define LIBVCPU_VMCS_H

#include <stdbool.h>
#include <stdint.h>

#include "libvcpu/export.h"
#include "libvcpu/vmcs_fields.h"

#ifdef __cplusplus
extern "C" {
#endif

/* VMCS_<NAME> = encoding, and VMCS_<NAME>_HIGH for 64-bit components. */
enum vmcs_field {
#define VMCS_ENUM_FULL_(name, enc) VMCS_##name = (enc),
#define VMCS_ENUM_PAIR_(name, enc) VMCS_##name = (enc), VMCS_##name##_HIGH = (enc) + 1,
	VMCS_FIELD_LIST(VMCS_ENUM_FULL_, VMCS_ENUM_PAIR_)
#undef VMCS_ENUM_FULL_
#undef VMCS_ENUM_PAIR_
};

/* Not an encoding: bit 12 is reserved. Marks "no field" in reports. */
#define VMCS_NO_FIELD 0xffffffffu

enum vmcs_width {
	VMCS_WIDTH_16 = 0,
	VMCS_WIDTH_64 = 1,
	VMCS_WIDTH_32 = 2,
	VMCS_WIDTH_NATURAL = 3,
};

enum vmcs_type {
	VMCS_TYPE_CONTROL = 0,
	VMCS_TYPE_EXIT_INFO = 1,	/* the SDM's "VM-exit information" (read-only data) */
	VMCS_TYPE_GUEST = 2,
	VMCS_TYPE_HOST = 3,
};

enum vmcs_access {
	VMCS_ACCESS_FULL = 0,
	VMCS_ACCESS_HIGH = 1,	/* bits 63:32 of a 64-bit component, as 32 bits */
};

static inline enum vmcs_width vmcs_field_width(uint32_t field)
{
	return (enum vmcs_width)((field >> 13) & 3);
}

static inline enum vmcs_type vmcs_field_type(uint32_t field)
{
	return (enum vmcs_type)((field >> 10) & 3);
}

static inline enum vmcs_access vmcs_field_access(uint32_t field)
{
	return (enum vmcs_access)(field & 1);
}

static inline unsigned vmcs_field_index(uint32_t field)
{
	return (field >> 1) & 0x1ff;
}

/* VM-exit information fields are the read-only ones (SDM "Read-only data"). */
static inline bool vmcs_field_is_read_only(uint32_t field)
{
	return vmcs_field_type(field) == VMCS_TYPE_EXIT_INFO;
}

/* Bits a VMWRITE keeps; a VMREAD of a "high" access returns 32 bits. */
static inline uint64_t vmcs_field_value_mask(uint32_t field)
{
	if (vmcs_field_access(field) == VMCS_ACCESS_HIGH)
		return 0xffffffffull;
	switch (vmcs_field_width(field)) {
	case VMCS_WIDTH_16:
		return 0xffffull;
	case VMCS_WIDTH_32:
		return 0xffffffffull;
	default:
		return ~0ull;
	}
}

static inline unsigned vmcs_field_bits(uint32_t field)
{
	if (vmcs_field_access(field) == VMCS_ACCESS_HIGH)
		return 32;
	switch (vmcs_field_width(field)) {
	case VMCS_WIDTH_16:
		return 16;
	case VMCS_WIDTH_32:
		return 32;
	default:
		return 64;
	}
}

/* True if the encoding names a component of the SDM's list (either access). */
LIBVCPU_API bool vmcs_field_is_known(uint32_t field);

/* "GUEST_CR0" for 0x6800, "IO_BITMAP_A_HIGH" for 0x2001; NULL if unknown.
 * The string is static. */
LIBVCPU_API const char *vmcs_field_name(uint32_t field);

/* Name to encoding, with or without the "VMCS_" prefix, case-sensitive.
 * Returns 0 and sets *field, or VCPU_ENOENT if no component has that name. */
LIBVCPU_API int vmcs_field_lookup(const char *name, uint32_t *field);

/* Number of components in the list (full accesses only) and the i-th one, in
 * Appendix B order; for iterating, dumping and tests. */
LIBVCPU_API unsigned vmcs_field_count(void);
LIBVCPU_API uint32_t vmcs_field_at(unsigned i);

/* "control", "exit-info", "guest", "host" and "16", "32", "64", "natural". */
LIBVCPU_API const char *vmcs_type_name(enum vmcs_type type);
LIBVCPU_API const char *vmcs_width_name(enum vmcs_width width);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_VMCS_H */
