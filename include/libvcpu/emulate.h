/*
 * libvcpu - a real-mode and virtual-8086 instruction emulator.
 *
 * It runs 16-bit code as an x86 processor from the 386 on runs it in real
 * mode and in virtual-8086 mode: the integer instruction set of the 8086
 * through the 386 with operand- and address-size prefixes, real-mode
 * segmentation (segment * 16 + offset, 64 KiB limits, the A20 gate), and
 * exceptions delivered through the IVT. It also follows a guest through a
 * flat protected mode at CPL 0 with paging off (descriptor loads from the
 * GDT, 16- and 32-bit code segments) far enough to enter protected mode
 * and come back, as boot code does; events in protected mode are returned
 * to the caller, not delivered.
 *
 * Instructions are decoded with Capstone into a cache keyed by linear
 * address; writes to cached code invalidate it. Memory and ports are
 * reached only through the caller's callbacks and RAM window: nothing
 * outside them is read or written, whatever the guest does.
 *
 * State is read and written with the names the rest of the library uses:
 * enum vcpu_reg for general registers, RIP, RFLAGS and CR2, and VMCS guest
 * field encodings for segments, descriptor tables and CR0/CR3/CR4.
 */
#ifndef LIBVCPU_EMULATE_H
#define LIBVCPU_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "libvcpu/export.h"
#include "libvcpu/vcpu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct emu;

/*
 * Callbacks. Each returns 0 on success or a negative VCPU_E* error, which
 * stops the emulator with that error and no state changed by the current
 * instruction, as a fault would leave it: a REP string instruction keeps
 * the iterations before the failing one (RIP still at it), and bytes
 * already written below SP stay. Only when the single-step trap (TF) after
 * an instruction cannot be delivered has that instruction retired. Physical
 * addresses are what the guest produced (after the A20 gate); the callee
 * decides what exists there.
 */
struct emu_ops {
	/* Memory outside the RAM window (struct emu_config), or all memory
	 * without one. NULL: such memory reads as all ones, writes drop. */
	int (*read)(void *opaque, uint64_t phys, void *buf, unsigned len);
	int (*write)(void *opaque, uint64_t phys, const void *buf, unsigned len);
	/* Port I/O, when not intercepted (emu_set_intercepts). NULL: reads
	 * return all ones, writes drop. size is 1, 2 or 4. */
	int (*io_in)(void *opaque, uint16_t port, unsigned size, uint32_t *value);
	int (*io_out)(void *opaque, uint16_t port, unsigned size, uint32_t value);
	/* CPUID, when not intercepted. NULL: #UD, as a processor without it. */
	int (*cpuid)(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	/* The time-stamp counter RDTSC reads. NULL: #UD. */
	uint64_t (*rdtsc)(void *opaque);
};

struct emu_config {
	const struct emu_ops *ops;
	void *opaque;
	/* Guest RAM from physical 0, reached directly (the fast path); the
	 * callbacks serve everything above ram_size. May be NULL. */
	uint8_t *ram;
	uint64_t ram_size;
	/* Decode-cache entries (a power of two; 0 = 4096). */
	unsigned cache_entries;
};

/* Create an emulator at the processor's power-on state (real mode,
 * CS:IP = F000:FFF0, A20 on). VCPU_EINVAL for a bad configuration,
 * VCPU_ENOMEM, VCPU_EBACKEND if Capstone cannot be opened. */
LIBVCPU_API int emu_create(const struct emu_config *config, struct emu **out);
LIBVCPU_API void emu_destroy(struct emu *emu);

/* ---- State ------------------------------------------------------------ */

/* General registers, RIP, RFLAGS, CR2 (VCPU_EINVAL for the others). */
LIBVCPU_API uint64_t emu_get_reg(const struct emu *emu, enum vcpu_reg reg);
LIBVCPU_API int emu_set_reg(struct emu *emu, enum vcpu_reg reg, uint64_t value);

/* Guest-state VMCS fields the emulator keeps: segment selector, base,
 * limit and access rights (VMX layout), GDTR/IDTR base and limit, CR0,
 * CR3, CR4, RIP, RSP, RFLAGS. VCPU_EVMCS_UNSUPPORTED for other fields.
 * A write to CR0 here is taken as is; the guest's own MOV CR0 follows
 * the processor's rules. */
LIBVCPU_API int emu_get_field(const struct emu *emu, uint32_t field, uint64_t *value);
/* Does the emulator keep this field (emu_get_field would succeed)? */
LIBVCPU_API bool emu_has_field(uint32_t field);
LIBVCPU_API int emu_set_field(struct emu *emu, uint32_t field, uint64_t value);

/* Load a segment register as real mode does (base = selector * 16, limit
 * 0xFFFF, a writable data or readable code segment). seg: 0 ES, 1 CS,
 * 2 SS, 3 DS, 4 FS, 5 GS (the SDM's segment numbering). */
LIBVCPU_API int emu_load_real_segment(struct emu *emu, unsigned seg, uint16_t selector);

/* Forget every decoded instruction: for the caller that changed guest
 * code behind the emulator's back (a loader, DMA). Writes the emulator
 * makes itself are tracked without this. */
LIBVCPU_API void emu_flush_code(struct emu *emu);

/* The A20 gate: when off, bit 20 of every physical address is 0. */
LIBVCPU_API void emu_set_a20(struct emu *emu, bool enabled);

/* Virtual-8086 mode: the TSS I/O permission bitmap (8 KiB, one bit per
 * port, a set bit makes IN/OUT/INS/OUTS on that port raise #GP(0) for the
 * monitor). NULL (the default): every port does. Not copied: it must
 * outlive the emulator's use of it. */
LIBVCPU_API void emu_set_vm86_io_bitmap(struct emu *emu, const uint8_t *bitmap);

/* ---- Running ------------------------------------------------------------ */

/* What stops emulation before an instruction executes, as a VM exit would
 * (the instruction has not run; its length is in struct emu_stop). */
#define EMU_INTERCEPT_IO	(1u << 0)	/* IN, OUT, INS, OUTS */
#define EMU_INTERCEPT_HLT	(1u << 1)
#define EMU_INTERCEPT_CPUID	(1u << 2)
#define EMU_INTERCEPT_RDTSC	(1u << 3)	/* RDTSC (and RDTSCP) */
#define EMU_INTERCEPT_CR_WRITE	(1u << 4)	/* MOV to CR0/CR3/CR4, LMSW, CLTS */

/* intercepts: EMU_INTERCEPT_*; exceptions: a bitmap of vectors that stop
 * emulation instead of being delivered through the IVT. */
LIBVCPU_API void emu_set_intercepts(struct emu *emu, unsigned intercepts, uint32_t exceptions);

enum emu_stop_reason {
	EMU_STOP_STEP,		/* emu_step: one instruction retired */
	EMU_STOP_LIMIT,		/* emu_run: the step limit was reached */
	EMU_STOP_HLT,		/* HLT executed, or intercepted (see .intercepted) */
	EMU_STOP_IO,		/* an intercepted I/O instruction */
	EMU_STOP_CPUID,		/* an intercepted CPUID */
	EMU_STOP_RDTSC,		/* an intercepted RDTSC */
	EMU_STOP_CR_WRITE,	/* an intercepted control-register write */
	EMU_STOP_EXCEPTION,	/* an exception in the bitmap; one virtual-8086
				 * mode or protected mode raises (for the
				 * monitor); or a software interrupt in
				 * virtual-8086 mode with IOPL < 3 (#GP) */
	EMU_STOP_TRIPLE_FAULT,	/* an exception while delivering a double fault */
};

struct emu_stop {
	enum emu_stop_reason reason;
	bool intercepted;		/* the instruction did not execute */
	uint8_t instruction_len;	/* of the instruction concerned */
	union {
		struct {
			uint16_t port;
			uint8_t size;		/* 1, 2 or 4 bytes per element */
			bool in;
			bool string;		/* INS/OUTS */
			bool rep;
			uint8_t address_size;	/* 2 or 4: of the string's index */
			uint8_t segment;	/* OUTS: the source segment (0-5) */
		} io;
		struct {
			uint8_t vector;
			bool has_error_code;
			uint32_t error_code;
			bool software;		/* INT n, INT3, INTO */
		} exception;
		struct {
			uint8_t cr;		/* 0, 3 or 4 */
			uint8_t kind;		/* 0 MOV to CR, 2 CLTS, 3 LMSW */
			uint8_t gpr;		/* MOV: the source register (vcpu_reg) */
			uint16_t lmsw_source;	/* LMSW: the value */
		} cr;
	};
};

/* Execute exactly one instruction (the VMM's "emulate the trapped
 * instruction"), delivering any exception it raises through the IVT
 * unless intercepted. Returns 0 with *stop filled, or a negative error:
 * VCPU_EUNIMPLEMENTED (an opcode the emulator does not implement: the
 * message says which; no state changed), an error from a callback, or
 * VCPU_ENOTSUP for a mode it does not emulate (paging on, 64-bit). */
LIBVCPU_API int emu_step(struct emu *emu, struct emu_stop *stop);

/* Deliver an event before the next instruction, as VM entry injects one
 * (whatever IF says): an external interrupt, NMI or hardware exception
 * `vector`, through the IVT in real mode. *stop says EMU_STOP_STEP when it
 * was delivered, EMU_STOP_TRIPLE_FAULT when delivering it faulted twice,
 * or EMU_STOP_EXCEPTION outside real mode, where the caller delivers it.
 * Returns 0 or a callback's error. */
LIBVCPU_API int emu_inject(struct emu *emu, uint8_t vector, struct emu_stop *stop);

/* Run until something stops it (see enum emu_stop_reason) or max_steps
 * instructions have retired (0: no limit). Same returns as emu_step. */
LIBVCPU_API int emu_run(struct emu *emu, uint64_t max_steps, struct emu_stop *stop);

/* The message for the last error (which opcode, which address). */
LIBVCPU_API const char *emu_error_detail(const struct emu *emu);

/* Instructions retired and decode-cache behaviour since creation. */
struct emu_stats {
	uint64_t instructions;
	uint64_t decodes;		/* Capstone calls (cache misses) */
	uint64_t invalidations;		/* writes that hit cached code */
};
LIBVCPU_API void emu_get_stats(const struct emu *emu, struct emu_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_EMULATE_H */
