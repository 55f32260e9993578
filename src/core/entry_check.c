/*
 * libvcpu - VM-entry checks: the check table, failure reports, the helpers
 * the families share, and the public entry points.
 *
 * The checks are those of SDM Vol. 3C "VM Entries", numbered as in the
 * editions where that is chapter 26: 26.2 "Checks on VMX Controls and
 * Host-State Area" (entry_check_controls.c, entry_check_host.c) and 26.3.1
 * "Checks on the Guest-State Area" (entry_check_guest.c). Within a family
 * they run in the SDM's order and the first failure is reported.
 *
 * The model of the processor doing the VM entry (struct vmx_caps holds the
 * capability MSRs and MAXPHYADDR, nothing else):
 *  - it supports Intel 64; its linear-address width is 57 if CR4.LA57 may
 *    be 1 in VMX operation (IA32_VMX_CR4_FIXED1[12]), else 48;
 *  - it is in IA-32e mode exactly when the "host address-space size"
 *    VM-exit control is 1, so the 26.2.4 rules on the mode of the caller
 *    reduce to the rules on that control;
 *  - it is never in SMM (so "entry to SMM" and "deactivate dual-monitor
 *    treatment" must be 0, and no executive VMCS exists);
 *  - memory a VMCS pointer refers to (virtual-APIC page, shadow VMCS) is
 *    not readable here: checks on its contents are left out, see the family
 *    files. Guest memory is, through env->read_guest, for the PDPTEs.
 */
#include <stdarg.h>
#include <string.h>

#include "entry_check_internal.h"
#include "entry_check_one.h"
#include "fmt.h"
#include "libvcpu/error.h"
#include "libvcpu/exit.h"

struct check_info {
	unsigned id;
	enum vmx_check_family family;
	const char *name;
	const char *sdm;
};

static const struct check_info checks[] = {
#define CHECK_INFO_(id, num, family, name, sdm) { (num), (family), (name), (sdm) },
	VMX_ENTRY_CHECK_LIST(CHECK_INFO_)
#undef CHECK_INFO_
};

#define NR_CHECKS (sizeof(checks) / sizeof(checks[0]))

static const char *const family_names[VMX_NR_CHECK_FAMILIES] = {
	[VMX_CHECK_FAMILY_EXEC_CONTROLS] = "exec-controls",
	[VMX_CHECK_FAMILY_EXIT_CONTROLS] = "exit-controls",
	[VMX_CHECK_FAMILY_ENTRY_CONTROLS] = "entry-controls",
	[VMX_CHECK_FAMILY_HOST_CR_MSR] = "host-cr-msr",
	[VMX_CHECK_FAMILY_HOST_SEGMENTS] = "host-segments",
	[VMX_CHECK_FAMILY_HOST_ADDR_SPACE] = "host-address-space",
	[VMX_CHECK_FAMILY_GUEST_CR_MSR] = "guest-cr-msr",
	[VMX_CHECK_FAMILY_GUEST_SEGMENTS] = "guest-segments",
	[VMX_CHECK_FAMILY_GUEST_DTR] = "guest-dtr",
	[VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS] = "guest-rip-rflags",
	[VMX_CHECK_FAMILY_GUEST_NON_REGISTER] = "guest-non-register",
	[VMX_CHECK_FAMILY_GUEST_PDPTE] = "guest-pdpte",
};

static const struct vmx_ec_family *const families[VMX_NR_CHECK_FAMILIES] = {
	[VMX_CHECK_FAMILY_EXEC_CONTROLS] = &vmx_ec_family_exec_controls,
	[VMX_CHECK_FAMILY_EXIT_CONTROLS] = &vmx_ec_family_exit_controls,
	[VMX_CHECK_FAMILY_ENTRY_CONTROLS] = &vmx_ec_family_entry_controls,
	[VMX_CHECK_FAMILY_HOST_CR_MSR] = &vmx_ec_family_host_cr_msr,
	[VMX_CHECK_FAMILY_HOST_SEGMENTS] = &vmx_ec_family_host_segments,
	[VMX_CHECK_FAMILY_HOST_ADDR_SPACE] = &vmx_ec_family_host_addr_space,
	[VMX_CHECK_FAMILY_GUEST_CR_MSR] = &vmx_ec_family_guest_cr_msr,
	[VMX_CHECK_FAMILY_GUEST_SEGMENTS] = &vmx_ec_family_guest_segments,
	[VMX_CHECK_FAMILY_GUEST_DTR] = &vmx_ec_family_guest_dtr,
	[VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS] = &vmx_ec_family_guest_rip_rflags,
	[VMX_CHECK_FAMILY_GUEST_NON_REGISTER] = &vmx_ec_family_guest_non_register,
	[VMX_CHECK_FAMILY_GUEST_PDPTE] = &vmx_ec_family_guest_pdpte,
};

vmx_ec_bit_names vmx_ec_cr0_bit_names = {
	[0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET", [5] = "NE",
	[16] = "WP", [18] = "AM", [29] = "NW", [30] = "CD", [31] = "PG",
};

vmx_ec_bit_names vmx_ec_cr4_bit_names = {
	[0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE", [4] = "PSE", [5] = "PAE",
	[6] = "MCE", [7] = "PGE", [8] = "PCE", [9] = "OSFXSR", [10] = "OSXMMEXCPT",
	[11] = "UMIP", [12] = "LA57", [13] = "VMXE", [14] = "SMXE", [16] = "FSGSBASE",
	[17] = "PCIDE", [18] = "OSXSAVE", [20] = "SMEP", [21] = "SMAP", [22] = "PKE",
	[23] = "CET", [24] = "PKS",
};

static const struct check_info *check_info(unsigned id)
{
	for (size_t i = 0; i < NR_CHECKS; i++)
		if (checks[i].id == id)
			return &checks[i];
	return NULL;
}

static enum vmx_check_kind family_kind(enum vmx_check_family family)
{
	if (family <= VMX_CHECK_FAMILY_ENTRY_CONTROLS)
		return VMX_CHECK_KIND_CONTROL;
	if (family <= VMX_CHECK_FAMILY_HOST_ADDR_SPACE)
		return VMX_CHECK_KIND_HOST;
	return VMX_CHECK_KIND_GUEST;
}

static int kind_error(enum vmx_check_kind kind)
{
	switch (kind) {
	case VMX_CHECK_KIND_CONTROL:
		return VCPU_EENTRY_CONTROL;
	case VMX_CHECK_KIND_HOST:
		return VCPU_EENTRY_HOST;
	default:
		return VCPU_EENTRY_GUEST;
	}
}

/* Exit qualification of a failed guest check (SDM 26.7): 2 for the PDPTEs,
 * 4 for the VMCS link pointer, else 0. (3, NMI injection under STI
 * blocking, is implementation-specific and not checked here.) */
static uint32_t check_qualification(unsigned id)
{
	switch (id) {
	case VMX_CHECK_GUEST_PDPTE_RESERVED:
	case VMX_CHECK_GUEST_PDPTE_READ:
		return VMX_ENTRY_FAIL_PDPTE;
	case VMX_CHECK_GUEST_VMCS_LINK_PTR:
		return VMX_ENTRY_FAIL_VMCS_LINK_PTR;
	default:
		return VMX_ENTRY_FAIL_DEFAULT;
	}
}

uint64_t vmx_ec_read(struct ec *c, uint32_t field)
{
	return c->env->read_field(c->env->ctx, field) & vmcs_field_value_mask(field);
}

int vmx_ec_vfail(struct ec *c, unsigned id, uint32_t field, uint64_t value, const char *fmt,
		 va_list ap)
{
	struct vmx_entry_failure *f = c->fail;
	const struct check_info *info = check_info(id);
	size_t len = 0;

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->name = info ? info->name : "?";
	f->sdm = info ? info->sdm : "?";
	f->family = info ? info->family : VMX_CHECK_FAMILY_EXEC_CONTROLS;
	f->kind = family_kind(f->family);
	f->field = field;
	f->value = value;
	f->qualification = f->kind == VMX_CHECK_KIND_GUEST ? check_qualification(id) : 0;

	if (field != VMCS_NO_FIELD) {
		const char *fname = vmcs_field_name(field);
		int n;

		if (fname)
			n = fmt_snprintf(f->message, sizeof(f->message), "%s = %#llx: ", fname,
					 (unsigned long long)value);
		else
			n = fmt_snprintf(f->message, sizeof(f->message), "field %#x = %#llx: ",
					 field, (unsigned long long)value);
		len = n > 0 ? (size_t)n : 0;
		if (len >= sizeof(f->message))
			len = sizeof(f->message) - 1;
	}
	fmt_vsnprintf(f->message + len, sizeof(f->message) - len, fmt, ap);
	return kind_error(f->kind);
}

int vmx_ec_fail(struct ec *c, unsigned id, uint32_t field, uint64_t value, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vmx_ec_vfail(c, id, field, value, fmt, ap);
	va_end(ap);
	return err;
}

bool vmx_ec_canonical(struct ec *c, uint64_t addr)
{
	unsigned shift = 64 - c->lin_bits;

	return (uint64_t)((int64_t)(addr << shift) >> shift) == addr;
}

const char *vmx_ec_bits(char *buf, size_t size, uint64_t mask, const vmx_ec_bit_names *names)
{
	size_t len = 0;
	bool first = true;
	int n;

	if (!size)
		return buf;
	buf[0] = '\0';
	n = fmt_snprintf(buf, size, "%s", (mask & (mask - 1)) ? "bits " : "bit ");
	len = (size_t)n;
	for (unsigned bit = 0; bit < 64 && len < size; bit++) {
		const char *name = names ? (*names)[bit] : NULL;

		if (!(mask >> bit & 1))
			continue;
		if (name)
			n = fmt_snprintf(buf + len, size - len, "%s%u (%s)", first ? "" : ", ",
					 bit, name);
		else
			n = fmt_snprintf(buf + len, size - len, "%s%u", first ? "" : ", ", bit);
		len += (size_t)n;
		first = false;
	}
	return buf;
}

const char *vmx_ec_intr_type_name(unsigned type)
{
	static const char *const names[8] = {
		"external interrupt", "reserved type 1", "NMI", "hardware exception",
		"software interrupt", "privileged software exception", "software exception",
		"other event",
	};

	return names[type & 7];
}

const char *vmx_ec_vector_name(unsigned vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", NULL,
		"#TS", "#NP", "#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM",
		"#VE", "#CP",
	};

	if (vector >= 32)
		return "not an exception";
	return names[vector] ? names[vector] : "reserved";
}

int vmx_ec_check_pointer(struct ec *c, unsigned id, uint32_t field, unsigned align_bits,
			 const char *why)
{
	uint64_t v = vmx_ec_read(c, field);

	if (v & ((1ull << align_bits) - 1))
		return vmx_ec_fail(c, id, field, v, "bits %u:0 must be 0 (%s)", align_bits - 1,
				   why);
	if (vmx_ec_above(v, c->ptr_bits)) {
		if (c->ptr_bits < c->phys_bits)
			return vmx_ec_fail(c, id, field, v,
					   "bits 63:32 must be 0: IA32_VMX_BASIC[48] limits VMX "
					   "structures to 32-bit physical addresses (%s)", why);
		return vmx_ec_fail(c, id, field, v,
				   "bits 63:%u must be 0: beyond the physical-address width "
				   "(MAXPHYADDR = %u; %s)", c->ptr_bits, c->phys_bits, why);
	}
	return 0;
}

int vmx_ec_check_canonical(struct ec *c, unsigned id, uint32_t field, const char *why)
{
	uint64_t v = vmx_ec_read(c, field);

	if (vmx_ec_canonical(c, v))
		return 0;
	return vmx_ec_fail(c, id, field, v, "must be canonical (bits 63:%u all equal)%s",
			   c->lin_bits - 1, why);
}

int vmx_ec_check_high_zero(struct ec *c, unsigned id, uint32_t field, const char *why)
{
	uint64_t v = vmx_ec_read(c, field);

	if (!(v >> 32))
		return 0;
	return vmx_ec_fail(c, id, field, v, "bits 63:32 must be 0 (%s)", why);
}

int vmx_ec_check_reserved(struct ec *c, unsigned id, uint32_t field, uint64_t reserved,
			  const char *why)
{
	uint64_t v = vmx_ec_read(c, field);

	if (!(v & reserved))
		return 0;
	return vmx_ec_fail(c, id, field, v, "reserved bits %#llx must be 0 (%s)",
			   (unsigned long long)(v & reserved), why);
}

int vmx_ec_check_pat(struct ec *c, unsigned id, uint32_t field, const char *why)
{
	uint64_t v = vmx_ec_read(c, field);

	for (unsigned i = 0; i < 8; i++) {
		unsigned type = (unsigned)(v >> (8 * i)) & 0xff;

		/* Memory types: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-. */
		if (type > 7 || type == 2 || type == 3)
			return vmx_ec_fail(c, id, field, v, "byte %u (PA%u) = %u is not a memory "
					   "type 0, 1, 4, 5, 6 or 7 (%s)", i, i, type, why);
	}
	return 0;
}

int vmx_ec_check_cet_wp(struct ec *c, unsigned id, uint32_t cr4_field, uint32_t cr0_field)
{
	uint64_t cr4 = vmx_ec_read(c, cr4_field), cr0;

	if (!(cr4 & VMX_CR4_CET))
		return 0;
	cr0 = vmx_ec_read(c, cr0_field);
	if (cr0 & VMX_CR0_WP)
		return 0;
	return vmx_ec_fail(c, id, cr4_field, cr4, "bit 23 (CET) needs CR0.WP = 1 (%s = %#llx)",
			   vmcs_field_name(cr0_field), (unsigned long long)cr0);
}

uint32_t vmx_ec_injected_event(struct ec *c)
{
	uint32_t info = (uint32_t)vmx_ec_read(c, VMCS_VM_ENTRY_INTR_INFO_FIELD);

	return (info & VMX_INTR_INFO_VALID_MASK) ? info : 0;
}

int vmx_ec_check_fixed(struct ec *c, uint32_t field, const char *msr_prefix, uint64_t fixed0,
		       uint64_t fixed1, uint64_t exempt, unsigned id0, unsigned id1,
		       const vmx_ec_bit_names *names, const char *why)
{
	uint64_t v = vmx_ec_read(c, field);
	uint64_t must1 = fixed0 & ~exempt, may1 = fixed1;
	char bits[96];

	if (~v & must1)
		return vmx_ec_fail(c, id0, field, v, "%s must be 1 (%s_FIXED0 = %#llx%s)",
				   vmx_ec_bits(bits, sizeof(bits), ~v & must1, names), msr_prefix,
				   (unsigned long long)fixed0, why);
	if (v & ~may1)
		return vmx_ec_fail(c, id1, field, v, "%s must be 0 (%s_FIXED1 = %#llx)",
				   vmx_ec_bits(bits, sizeof(bits), v & ~may1, names), msr_prefix,
				   (unsigned long long)may1);
	return 0;
}

void vmx_ec_load_controls(struct ec *c, unsigned which)
{
	which &= ~c->loaded;
	if (!which)
		return;
	/* 26.2.1.1: with "activate secondary controls" 0 the processor acts
	 * as if all secondary controls were 0; likewise for tertiary. */
	if (which & (EC_PROC | EC_PROC2 | EC_PROC3) && !(c->loaded & EC_PROC)) {
		c->proc = (uint32_t)vmx_ec_read(c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
		c->loaded |= EC_PROC;
	}
	if (which & EC_PIN)
		c->pin = (uint32_t)vmx_ec_read(c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	if ((which & EC_PROC2) && (c->proc & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		c->proc2 = (uint32_t)vmx_ec_read(c, VMCS_SECONDARY_VM_EXEC_CONTROL);
	if ((which & EC_PROC3) && (c->proc & VMX_CPU_BASED_ACTIVATE_TERTIARY_CONTROLS))
		c->proc3 = vmx_ec_read(c, VMCS_TERTIARY_VM_EXEC_CONTROL);
	if (which & EC_EXIT)
		c->exit = (uint32_t)vmx_ec_read(c, VMCS_VM_EXIT_CONTROLS);
	if (which & EC_ENTRY)
		c->entry = (uint32_t)vmx_ec_read(c, VMCS_VM_ENTRY_CONTROLS);
	c->loaded |= which;
}

static void ec_init(struct ec *c, const struct vmx_check_env *env,
		    struct vmx_entry_failure *failure)
{
	const struct vmx_caps *caps = env->caps;

	memset(c, 0, sizeof(*c));
	c->env = env;
	c->caps = caps;
	c->fail = failure;

	/* CPUID.80000008H:EAX[7:0]; 52 is the architectural maximum and what
	 * an unset value is taken for. */
	c->phys_bits = caps->maxphyaddr && caps->maxphyaddr < 52 ? caps->maxphyaddr : 52;
	/* Appendix A.1: IA32_VMX_BASIC[48] limits the addresses of the VMXON
	 * region, the VMCS and the structures its pointers refer to. */
	c->ptr_bits = (caps->basic & VMX_BASIC_32BIT_PHYS_ADDR_ONLY) && c->phys_bits > 32 ?
			      32 : c->phys_bits;
	c->lin_bits = (caps->cr4_fixed1 & VMX_CR4_LA57) ? 57 : 48;
}

int vmx_check_family(const struct vmx_check_env *env, enum vmx_check_family family,
		     struct vmx_entry_failure *failure)
{
	struct vmx_entry_failure scratch;
	struct ec c;

	if (!env || !env->caps || !env->read_field || (unsigned)family >= VMX_NR_CHECK_FAMILIES)
		return VCPU_EINVAL;
	ec_init(&c, env, failure ? failure : &scratch);
	for (unsigned i = 0; i < families[family]->n; i++) {
		int err = families[family]->checks[i](&c);

		if (err)
			return err;
	}
	return 0;
}

unsigned vmx_check_family_size(enum vmx_check_family family)
{
	return (unsigned)family < VMX_NR_CHECK_FAMILIES ? families[family]->n : 0;
}

int vmx_check_one(const struct vmx_check_env *env, enum vmx_check_family family, unsigned index,
		  struct vmx_entry_failure *failure)
{
	struct vmx_entry_failure scratch;
	struct ec c;

	if (!env || !env->caps || !env->read_field || (unsigned)family >= VMX_NR_CHECK_FAMILIES ||
	    index >= families[family]->n)
		return VCPU_EINVAL;
	ec_init(&c, env, failure ? failure : &scratch);
	return families[family]->checks[index](&c);
}

int vmx_check_entry(const struct vmx_check_env *env, struct vmx_entry_failure *failure)
{
	for (unsigned f = 0; f < VMX_NR_CHECK_FAMILIES; f++) {
		int err = vmx_check_family(env, (enum vmx_check_family)f, failure);

		if (err)
			return err;
	}
	return 0;
}

unsigned vmx_check_count(void)
{
	return (unsigned)NR_CHECKS;
}

unsigned vmx_check_id_at(unsigned i)
{
	return i < NR_CHECKS ? checks[i].id : 0;
}

const char *vmx_check_name(unsigned id)
{
	const struct check_info *info = check_info(id);

	return info ? info->name : NULL;
}

const char *vmx_check_sdm(unsigned id)
{
	const struct check_info *info = check_info(id);

	return info ? info->sdm : NULL;
}

const char *vmx_check_family_name(enum vmx_check_family family)
{
	return (unsigned)family < VMX_NR_CHECK_FAMILIES ? family_names[family] : NULL;
}
