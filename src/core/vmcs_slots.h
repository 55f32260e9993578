/*
 * libvcpu - dense slot numbers for VMCS components and the registers the
 * VMCS does not hold, so a software VMCS can keep values and cached/dirty
 * bits in flat arrays. A slot is the component's position in
 * vmcs_fields.h; a 64-bit component's high access shares its slot.
 */
#ifndef LIBVCPU_CORE_VMCS_SLOTS_H
#define LIBVCPU_CORE_VMCS_SLOTS_H

#include <stdint.h>

#include "libvcpu/vcpu.h"
#include "libvcpu/vmcs.h"

enum vmcs_slot {
#define VMCS_SLOT_ENUM_(name, enc) VMCS_SLOT_##name,
	VMCS_FIELD_LIST(VMCS_SLOT_ENUM_, VMCS_SLOT_ENUM_)
#undef VMCS_SLOT_ENUM_
	VMCS_NR_FIELD_SLOTS,

	/* Registers outside the VMCS, SDM numbering (RSP is GUEST_RSP). */
	SLOT_GPR_BASE = VMCS_NR_FIELD_SLOTS,
	SLOT_CR2 = SLOT_GPR_BASE + 16,
	SLOT_DR0, SLOT_DR1, SLOT_DR2, SLOT_DR3, SLOT_DR6, SLOT_XCR0,
	/* IA32_EFER and IA32_PAT where the VMCS has no field for them (CPUs
	 * without the load-EFER/load-PAT controls): see vm->efer_slot. */
	SLOT_EFER, SLOT_PAT,
	NR_SLOTS
};

#define SLOT_WORDS ((NR_SLOTS + 63) / 64)
#define SLOT_NONE 0xffffu

typedef struct {
	uint64_t w[SLOT_WORDS];
} slot_set;

static inline void slot_set_add(slot_set *s, unsigned slot)
{
	s->w[slot / 64] |= 1ull << (slot % 64);
}

static inline void slot_set_del(slot_set *s, unsigned slot)
{
	s->w[slot / 64] &= ~(1ull << (slot % 64));
}

static inline bool slot_set_has(const slot_set *s, unsigned slot)
{
	return (s->w[slot / 64] >> (slot % 64)) & 1;
}

/*
 * Encoding -> slot + 1 (0: not a component), indexed by width and type
 * (bits 14:13 and 11:10) and the low six bits of the index; every index of
 * the list is below 64 (vmcs_fields.c asserts it).
 */
#define VMCS_SLOT_KEY(enc) ((((enc) >> 13 & 3) << 8) | (((enc) >> 10 & 3) << 6) | ((enc) >> 1 & 63))
extern const uint16_t vmcs_slot_plus1_by_key[1024];

/* Slot of a component encoding (full or high access), SLOT_NONE if the
 * encoding is not in the SDM's list. Inline: the hot path of every check. */
static inline unsigned vmcs_slot_of(uint32_t field)
{
	unsigned slot;

	/* Bits 31:15 and 12 are reserved; no listed index reaches 64. */
	if (field & 0xffff9000u || vmcs_field_index(field) >= 64)
		return SLOT_NONE;
	slot = vmcs_slot_plus1_by_key[VMCS_SLOT_KEY(field)];
	/* A high access exists for 64-bit components only. */
	if (!slot || ((field & 1) && vmcs_field_width(field) != VMCS_WIDTH_64))
		return SLOT_NONE;
	return slot - 1;
}

/* Full-access encoding of a VMCS slot. */
uint32_t vmcs_slot_field(unsigned slot);

/* Slot holding register `reg` (VMCS slot for RSP, RIP, RFLAGS). */
unsigned vmcs_slot_of_reg(enum vcpu_reg reg);

#endif
