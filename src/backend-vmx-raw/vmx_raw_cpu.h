/*
 * libvcpu - the raw VMX backend's view of the processor it runs on: MSRs,
 * control and debug registers, descriptor tables, CPUID and the TSC, each
 * one instruction in ring 0.
 */
#ifndef LIBVCPU_VMX_RAW_CPU_H
#define LIBVCPU_VMX_RAW_CPU_H

#include <stdint.h>

struct vmxr_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline uint64_t vmxr_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void vmxr_wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
}

static inline void vmxr_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	__asm__ volatile("cpuid" : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
			 : "a"(leaf), "c"(subleaf));
}

static inline uint64_t vmxr_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#define VMXR_READ_REG(name, insn)					\
	static inline uint64_t vmxr_read_##name(void)			\
	{								\
		uint64_t v;						\
		__asm__ volatile(insn : "=r"(v));			\
		return v;						\
	}
#define VMXR_WRITE_REG(name, insn)					\
	static inline void vmxr_write_##name(uint64_t v)		\
	{								\
		__asm__ volatile(insn : : "r"(v) : "memory");		\
	}

VMXR_READ_REG(cr0, "mov %%cr0, %0")
VMXR_READ_REG(cr3, "mov %%cr3, %0")
VMXR_READ_REG(cr4, "mov %%cr4, %0")
VMXR_WRITE_REG(cr0, "mov %0, %%cr0")
VMXR_WRITE_REG(cr4, "mov %0, %%cr4")
VMXR_READ_REG(dr0, "mov %%dr0, %0")
VMXR_READ_REG(dr1, "mov %%dr1, %0")
VMXR_READ_REG(dr2, "mov %%dr2, %0")
VMXR_READ_REG(dr3, "mov %%dr3, %0")
VMXR_READ_REG(dr6, "mov %%dr6, %0")
VMXR_WRITE_REG(dr0, "mov %0, %%dr0")
VMXR_WRITE_REG(dr1, "mov %0, %%dr1")
VMXR_WRITE_REG(dr2, "mov %0, %%dr2")
VMXR_WRITE_REG(dr3, "mov %0, %%dr3")
VMXR_WRITE_REG(dr6, "mov %0, %%dr6")

/* Segment selectors: 16 bits, zero-extended. */
#define VMXR_READ_SEL(name)						\
	static inline uint16_t vmxr_read_##name(void)			\
	{								\
		uint16_t v;						\
		__asm__ volatile("mov %%" #name ", %0" : "=r"(v));	\
		return v;						\
	}
VMXR_READ_SEL(cs)
VMXR_READ_SEL(ss)
VMXR_READ_SEL(ds)
VMXR_READ_SEL(es)
VMXR_READ_SEL(fs)
VMXR_READ_SEL(gs)

static inline uint16_t vmxr_read_tr(void)
{
	uint16_t v;

	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

static inline void vmxr_sgdt(struct vmxr_dtr *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}

static inline void vmxr_sidt(struct vmxr_dtr *d)
{
	__asm__ volatile("sidt %0" : "=m"(*d));
}

static inline void vmxr_lgdt(const struct vmxr_dtr *d)
{
	__asm__ volatile("lgdt %0" : : "m"(*d));
}

static inline void vmxr_lidt(const struct vmxr_dtr *d)
{
	__asm__ volatile("lidt %0" : : "m"(*d));
}

#endif
