/*
 * libvcpu - names and slots of VMCS components, all generated from the one
 * list in vmcs_fields.h.
 */
#include <string.h>

#include "libvcpu/error.h"
#include "libvcpu/vmcs.h"
#include "vmcs_slots.h"

/* The list's X64 lines must be 64-bit components and its X lines must not. */
#define CHECK_NOT_64_(name, enc) \
	_Static_assert(((enc) >> 13 & 3) != VMCS_WIDTH_64 && ((enc) & 1) == 0, #name " is not 64-bit");
#define CHECK_IS_64_(name, enc) \
	_Static_assert(((enc) >> 13 & 3) == VMCS_WIDTH_64 && ((enc) & 1) == 0, #name " is 64-bit");
VMCS_FIELD_LIST(CHECK_NOT_64_, CHECK_IS_64_)
#undef CHECK_NOT_64_
#undef CHECK_IS_64_

/* The slot table (vmcs_slots.h): the build fails on a collision (two
 * designators for one element), and indexes must stay below 64. */
#define CHECK_INDEX_(name, enc) _Static_assert(((enc) >> 1 & 0x1ff) < 64, #name " index");
VMCS_FIELD_LIST(CHECK_INDEX_, CHECK_INDEX_)
#undef CHECK_INDEX_

const uint16_t vmcs_slot_plus1_by_key[1024] = {
#define SLOT_ENTRY_(name, enc) [VMCS_SLOT_KEY(enc)] = VMCS_SLOT_##name + 1,
	VMCS_FIELD_LIST(SLOT_ENTRY_, SLOT_ENTRY_)
#undef SLOT_ENTRY_
};

static const uint16_t field_by_slot[VMCS_NR_FIELD_SLOTS] = {
#define FIELD_ENTRY_(name, enc) enc,
	VMCS_FIELD_LIST(FIELD_ENTRY_, FIELD_ENTRY_)
#undef FIELD_ENTRY_
};

static const char *const name_by_slot[VMCS_NR_FIELD_SLOTS] = {
#define NAME_ENTRY_(name, enc) #name,
	VMCS_FIELD_LIST(NAME_ENTRY_, NAME_ENTRY_)
#undef NAME_ENTRY_
};

/* "_HIGH" names, for 64-bit components only (NULL elsewhere). */
static const char *const high_name_by_slot[VMCS_NR_FIELD_SLOTS] = {
#define NO_HIGH_(name, enc) [VMCS_SLOT_##name] = NULL,
#define HIGH_NAME_(name, enc) [VMCS_SLOT_##name] = #name "_HIGH",
	VMCS_FIELD_LIST(NO_HIGH_, HIGH_NAME_)
#undef NO_HIGH_
#undef HIGH_NAME_
};

uint32_t vmcs_slot_field(unsigned slot)
{
	return slot < VMCS_NR_FIELD_SLOTS ? field_by_slot[slot] : VMCS_NO_FIELD;
}

unsigned vmcs_slot_of_reg(enum vcpu_reg reg)
{
	switch (reg) {
	case VCPU_REG_RSP:
		return VMCS_SLOT_GUEST_RSP;
	case VCPU_REG_RIP:
		return VMCS_SLOT_GUEST_RIP;
	case VCPU_REG_RFLAGS:
		return VMCS_SLOT_GUEST_RFLAGS;
	case VCPU_REG_CR2:
		return SLOT_CR2;
	case VCPU_REG_DR0:
	case VCPU_REG_DR1:
	case VCPU_REG_DR2:
	case VCPU_REG_DR3:
		return SLOT_DR0 + (reg - VCPU_REG_DR0);
	case VCPU_REG_DR6:
		return SLOT_DR6;
	case VCPU_REG_XCR0:
		return SLOT_XCR0;
	default:
		if ((unsigned)reg < 16)
			return SLOT_GPR_BASE + reg;
		return SLOT_NONE;
	}
}

bool vmcs_field_is_known(uint32_t field)
{
	return vmcs_slot_of(field) != SLOT_NONE;
}

const char *vmcs_field_name(uint32_t field)
{
	unsigned slot = vmcs_slot_of(field);

	if (slot == SLOT_NONE)
		return NULL;
	return (field & 1) ? high_name_by_slot[slot] : name_by_slot[slot];
}

static int lookup_exact(const char *name, uint32_t *field)
{
	static const char high[] = "_HIGH";
	size_t len = strlen(name);

	for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++) {
		const char *n = name_by_slot[slot];
		size_t nlen = strlen(n);

		if (len == nlen && !memcmp(n, name, len)) {
			*field = field_by_slot[slot];
			return 0;
		}
		if (high_name_by_slot[slot] && len == nlen + sizeof(high) - 1 &&
		    !memcmp(n, name, nlen) && !strcmp(name + nlen, high)) {
			*field = field_by_slot[slot] + 1u;
			return 0;
		}
	}
	return VCPU_ENOENT;
}

int vmcs_field_lookup(const char *name, uint32_t *field)
{
	static const char prefix[] = "VMCS_";

	if (!name || !field)
		return VCPU_EINVAL;
	/* As given first: "VMCS_LINK_POINTER" is a name of its own. */
	if (lookup_exact(name, field) == 0)
		return 0;
	if (!strncmp(name, prefix, sizeof(prefix) - 1))
		return lookup_exact(name + sizeof(prefix) - 1, field);
	return VCPU_ENOENT;
}

unsigned vmcs_field_count(void)
{
	return VMCS_NR_FIELD_SLOTS;
}

uint32_t vmcs_field_at(unsigned i)
{
	return vmcs_slot_field(i);
}

const char *vmcs_type_name(enum vmcs_type type)
{
	static const char *const names[] = { "control", "exit-info", "guest", "host" };

	return (unsigned)type < 4 ? names[type] : "?";
}

const char *vmcs_width_name(enum vmcs_width width)
{
	static const char *const names[] = { "16", "64", "32", "natural" };

	return (unsigned)width < 4 ? names[width] : "?";
}
