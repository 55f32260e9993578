/*
 * libvcpu - what the VM-entry check families share (entry_check*.c).
 *
 * One `struct ec` is built per family run: it holds the environment, the
 * control fields as the processor will see them (secondary and tertiary
 * controls read as 0 unless activated, SDM 26.2.1.1) and the widths the
 * checks compare against. Each family is a function that runs its checks
 * in SDM order and stops at the first failure, which vmx_ec_fail() records.
 */
#ifndef LIBVCPU_CORE_ENTRY_CHECK_INTERNAL_H
#define LIBVCPU_CORE_ENTRY_CHECK_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvcpu/entry_check.h"
#include "libvcpu/vmcs.h"
#include "libvcpu/vmx.h"

struct ec {
	const struct vmx_check_env *env;
	const struct vmx_caps *caps;
	struct vmx_entry_failure *fail;

	/* The control fields, read on first use (a check that needs none
	 * reads none, which keeps memoized re-checks small). */
	unsigned loaded;	/* EC_* bits of the values below */
	uint32_t pin;		/* PIN_BASED_VM_EXEC_CONTROL */
	uint32_t proc;		/* CPU_BASED_VM_EXEC_CONTROL */
	uint32_t proc2;		/* SECONDARY_VM_EXEC_CONTROL, 0 unless activated */
	uint64_t proc3;		/* TERTIARY_VM_EXEC_CONTROL, 0 unless activated */
	uint32_t exit;		/* VM_EXIT_CONTROLS */
	uint32_t entry;		/* VM_ENTRY_CONTROLS */

	unsigned phys_bits;	/* MAXPHYADDR */
	unsigned ptr_bits;	/* width of VMCS pointers to data structures:
				 * 32 if IA32_VMX_BASIC[48], else MAXPHYADDR */
	unsigned lin_bits;	/* linear-address width: 57 with LA57, else 48 */
};

/* A VMCS field's value, cut to the field's width. */
uint64_t vmx_ec_read(struct ec *c, uint32_t field);

enum { EC_PIN = 1, EC_PROC = 2, EC_PROC2 = 4, EC_PROC3 = 8, EC_EXIT = 16, EC_ENTRY = 32 };

/* Load the control fields in `which` (EC_* bits) if not yet loaded. */
void vmx_ec_load_controls(struct ec *c, unsigned which);

/* vmx_ec_pin(c), vmx_ec_proc(c), ...: a control field, loaded on first use. */
#define VMX_EC_CONTROL(name, bit, type)                \
	static inline type vmx_ec_##name(struct ec *c) \
	{                                              \
		vmx_ec_load_controls(c, bit);          \
		return c->name;                        \
	}
VMX_EC_CONTROL(pin, EC_PIN, uint32_t)
VMX_EC_CONTROL(proc, EC_PROC, uint32_t)
VMX_EC_CONTROL(proc2, EC_PROC2, uint32_t)
VMX_EC_CONTROL(proc3, EC_PROC3, uint64_t)
VMX_EC_CONTROL(exit, EC_EXIT, uint32_t)
VMX_EC_CONTROL(entry, EC_ENTRY, uint32_t)
#undef VMX_EC_CONTROL

static inline bool vmx_ec_ia32e_guest(struct ec *c)
{
	return (vmx_ec_entry(c) & VMX_VM_ENTRY_IA32E_MODE) != 0;
}

static inline bool vmx_ec_unrestricted(struct ec *c)
{
	return (vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST) != 0;
}

/*
 * Record that check `id` failed on `field` (VMCS_NO_FIELD if none) holding
 * `value`. The message is "<FIELD> = 0x<value>: " followed by `fmt`, which
 * says what was required. Returns the family's VCPU_EENTRY_* code.
 */
int vmx_ec_fail(struct ec *c, unsigned id, uint32_t field, uint64_t value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int vmx_ec_vfail(struct ec *c, unsigned id, uint32_t field, uint64_t value, const char *fmt,
		 va_list ap) __attribute__((format(printf, 5, 0)));

/* True if `addr` is canonical for the processor's linear-address width. */
bool vmx_ec_canonical(struct ec *c, uint64_t addr);

/* Bits 63:width of `v` (0 if none are set). */
static inline uint64_t vmx_ec_above(uint64_t v, unsigned width)
{
	return width >= 64 ? 0 : v & ~((1ull << width) - 1);
}

/*
 * Writes "bit 5 (NE)" or "bits 0 (PE), 31 (PG)" for the set bits of `mask`
 * into buf; names[i] may be NULL (or names itself NULL) to print the number
 * only. Returns buf. A table covers all 64 bits, so any mask can index it.
 */
typedef const char *const vmx_ec_bit_names[64];
const char *vmx_ec_bits(char *buf, size_t size, uint64_t mask, const vmx_ec_bit_names *names);

/* A valid entry interruption-information field (bit 31 set), else 0. */
uint32_t vmx_ec_injected_event(struct ec *c);

static inline unsigned vmx_ec_intr_type(uint32_t info)
{
	return (info & VMX_INTR_INFO_INTR_TYPE_MASK) >> VMX_INTR_INFO_INTR_TYPE_SHIFT;
}

/* "hardware exception" for type 3; "#GP" for vector 13, "reserved" for 9,
 * 15 and 22-31, "not an exception" from 32 up. */
const char *vmx_ec_intr_type_name(unsigned type);
const char *vmx_ec_vector_name(unsigned vector);

/* A family is a list of checks run in order; the first failure ends it. */
typedef int (*vmx_ec_check_fn)(struct ec *c);

struct vmx_ec_family {
	const vmx_ec_check_fn *checks;
	unsigned n;
};

#define VMX_EC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A pointer to a data structure (bitmap, page, MSR area) in a control
 * field: bits align_bits-1:0 must be 0 and no bit at or above ptr_bits may
 * be set. `why` says what made the check apply ("use I/O bitmaps is on").
 */
int vmx_ec_check_pointer(struct ec *c, unsigned id, uint32_t field, unsigned align_bits,
			 const char *why);

/* `field` must hold a canonical address; `why` is appended ("" or " (...)"). */
int vmx_ec_check_canonical(struct ec *c, unsigned id, uint32_t field, const char *why);
/* Bits 63:32 of `field` must be 0; `why` says what made the check apply. */
int vmx_ec_check_high_zero(struct ec *c, unsigned id, uint32_t field, const char *why);

/* The families (entry_check_controls.c, _host.c, _guest.c, _guest_seg.c). */
extern const struct vmx_ec_family vmx_ec_family_exec_controls;
extern const struct vmx_ec_family vmx_ec_family_exit_controls;
extern const struct vmx_ec_family vmx_ec_family_entry_controls;
extern const struct vmx_ec_family vmx_ec_family_host_cr_msr;
extern const struct vmx_ec_family vmx_ec_family_host_segments;
extern const struct vmx_ec_family vmx_ec_family_host_addr_space;
extern const struct vmx_ec_family vmx_ec_family_guest_cr_msr;
extern const struct vmx_ec_family vmx_ec_family_guest_segments;
extern const struct vmx_ec_family vmx_ec_family_guest_dtr;
extern const struct vmx_ec_family vmx_ec_family_guest_rip_rflags;
extern const struct vmx_ec_family vmx_ec_family_guest_non_register;
extern const struct vmx_ec_family vmx_ec_family_guest_pdpte;

/* Shared by host and guest. */
#define VMX_EC_EFER_RESERVED (~(VMX_EFER_SCE | VMX_EFER_LME | VMX_EFER_LMA | VMX_EFER_NXE))
/* IA32_PERF_GLOBAL_CTRL: bits 31:0 enable general counters, 47:32 fixed
 * counters, 48 the PERF_METRICS counters; 63:49 are reserved on every
 * processor. Which of the others exist depends on CPUID leaf 0AH, which
 * struct vmx_caps does not hold, so they are accepted. */
#define VMX_EC_PERF_GLOBAL_CTRL_RESERVED (~0x0001ffffffffffffull)

/* Names of CR0 and CR4 bits, for messages (64 entries, NULL if unnamed). */
extern vmx_ec_bit_names vmx_ec_cr0_bit_names;
extern vmx_ec_bit_names vmx_ec_cr4_bit_names;

/*
 * The "fixed" rules for CR0 and CR4: bits set in `fixed0` (less `exempt`)
 * that are 0 fail check id0; bits clear in `fixed1` that are 1 fail id1.
 * `msr_prefix` is "IA32_VMX_CR0"; `why` is appended to the message.
 */
int vmx_ec_check_fixed(struct ec *c, uint32_t field, const char *msr_prefix, uint64_t fixed0,
		       uint64_t fixed1, uint64_t exempt, unsigned id0, unsigned id1,
		       const vmx_ec_bit_names *names, const char *why);

/* `field` must not set any bit of `reserved`. */
int vmx_ec_check_reserved(struct ec *c, unsigned id, uint32_t field, uint64_t reserved,
			  const char *why);

/* `field` must be a valid IA32_PAT value (every byte a memory type). */
int vmx_ec_check_pat(struct ec *c, unsigned id, uint32_t field, const char *why);

/* CR4.CET = 1 needs CR0.WP = 1. */
int vmx_ec_check_cet_wp(struct ec *c, unsigned id, uint32_t cr4_field, uint32_t cr0_field);

#endif
