/*
 * vmxhost: a small guest on libvcpu's raw VMX backend ("vmx"), for the
 * scenarios. It records the guest's exits in order, what it writes to the
 * debug console (port 0xE9) and the dwords it writes to the report port
 * (0x500); every exit then gets the core's default handling, unless the
 * scenario registers its own handler (which calls vmx_guest_note_exit).
 *
 * Guest-physical memory: with EPT (in use with unrestricted guest) any
 * host pages at any guest address. Without EPT guest-physical addresses are
 * host-physical, so a 32-bit guest gets pages at their own address and a
 * real-mode guest, which needs addresses below 1 MiB, the host's low memory
 * (host_low_memory_claim) at the same physical address.
 */
#ifndef VMXHOST_VMX_GUEST_H
#define VMXHOST_VMX_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvcpu/libvcpu.h>

#define VMX_GUEST_MAX_EXITS	128
#define VMX_GUEST_REPORT_PORT	0x500
#define VMX_GUEST_PAGES		16	/* code from the start, stack at the end */
#define VMX_GUEST_RM_GPA	0x10000	/* real mode: CS = 0x1000, IP = 0 */

enum vmx_guest_mode {
	VMX_GUEST_PM32,		/* 32-bit protected mode, flat, paging off */
	VMX_GUEST_REAL,		/* real mode */
};

/* The guests (vmx_guests.S): code from NAME to NAME_end. */
extern const uint8_t vmx_guest_pm_basic[], vmx_guest_pm_basic_end[];
extern const char vmx_guest_pm_basic_msg[];	/* the line it prints */
extern const uint8_t vmx_guest_pm_cr0[], vmx_guest_pm_cr0_end[];
extern const uint8_t vmx_guest_pm_ud[], vmx_guest_pm_ud_ud2[], vmx_guest_pm_ud_end[];
extern const uint8_t vmx_guest_pm_pause[], vmx_guest_pm_pause_end[];
extern const uint8_t vmx_guest_rm_basic[], vmx_guest_rm_basic_end[];
extern const char vmx_guest_rm_basic_msg[];

struct vmx_guest {
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *ram;
	bool ram_allocated;		/* from plat_alloc_pages */
	bool low_memory;		/* in the host's low memory */
	uint64_t gpa;			/* guest-physical address of ram[0] */
	uint16_t exits[VMX_GUEST_MAX_EXITS];	/* basic reasons, in order */
	unsigned nr_exits;
	char console[256];		/* port 0xE9, NUL-terminated */
	size_t console_len;
	uint32_t reports[16];		/* port 0x500 */
	unsigned nr_reports;
	char detail[320];		/* what failed */
};

/* A VM on "vmx" with one VCPU at the start of `code` in `mode`. Returns 0,
 * or a libvcpu error with g->detail saying what failed. */
int vmx_guest_create(struct vmx_guest *g, enum vmx_guest_mode mode, const void *code, size_t len);
/* vcpu_run(), with g->detail filled on an error. */
int vmx_guest_run(struct vmx_guest *g);
void vmx_guest_destroy(struct vmx_guest *g);

/* Record an exit (for a scenario's own handler). */
void vmx_guest_note_exit(struct vmx_guest *g, const struct vmx_exit *exit);
/* Did the guest exit exactly with these basic reasons, in this order? */
bool vmx_guest_exits_are(const struct vmx_guest *g, const uint16_t *reasons, unsigned n);
/* The basic guests (vmx_guest_pm_basic, _rm_basic): CPUID leaf 0 answers
 * VMX_GUEST_VENDOR; after the run, checks the exits (an OUT per byte of the
 * line, CPUID, an OUT per byte of the vendor and newline, HLT) and the
 * console. 0, or scenario_fail's result. */
#define VMX_GUEST_VENDOR "libvcpu-vmx!"
int vmx_guest_answer_vendor(struct vmx_guest *g);
int vmx_guest_expect_basic(const struct vmx_guest *g, const char *line);
/* Prints the exits (runs of one reason folded), the console and reports. */
void vmx_guest_print(const struct vmx_guest *g);
/* What the VM has: VMCS revision, capabilities, how EFER/PAT are switched. */
void vmx_guest_print_vm(const struct vmx_guest *g);
/* Does a VM on "vmx" use unrestricted guest (and EPT) on this CPU? */
bool vmx_unrestricted_guest(void);
/* "EPT and unrestricted guest" or "no unrestricted guest". */
const char *vmx_guest_cpu_kind(const struct vmx_guest *g);

#endif
