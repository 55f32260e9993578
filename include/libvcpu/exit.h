/*
 * libvcpu - one VM exit in the common form, and its qualification decoders.
 *
 * Every backend delivers exits in this form with SDM basic reasons and
 * SDM-shaped qualifications; handlers decode them with the small functions
 * below instead of shifting bits themselves.
 */
#ifndef LIBVCPU_EXIT_H
#define LIBVCPU_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "libvcpu/export.h"
#include "libvcpu/vmx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The VM-exit information fields of one exit (SDM "VM-Exit Information"). */
struct vmx_exit {
	uint32_t reason;		/* VM_EXIT_REASON: basic reason in 15:0, flags above */
	uint32_t instruction_len;	/* VM_EXIT_INSTRUCTION_LEN */
	uint32_t instruction_info;	/* VMX_INSTRUCTION_INFO */
	uint32_t intr_info;		/* VM_EXIT_INTR_INFO */
	uint32_t intr_error_code;	/* VM_EXIT_INTR_ERROR_CODE */
	uint32_t idt_vectoring_info;	/* IDT_VECTORING_INFO_FIELD */
	uint32_t idt_vectoring_error_code;
	uint64_t qualification;		/* EXIT_QUALIFICATION */
	uint64_t guest_linear_address;	/* GUEST_LINEAR_ADDRESS */
	uint64_t guest_physical_address; /* GUEST_PHYSICAL_ADDRESS */

	/* Data of an I/O (30) or MMIO (48) exit when the backend carries it
	 * (KVM): data_count elements of data_size bytes, to write (OUT, MMIO
	 * write) or to fill (IN, MMIO read). NULL on VMX hardware and the
	 * mock, where the guest's registers and memory hold the data. */
	void *data;
	uint32_t data_count;
	uint32_t data_size;
	/* Backend detail with no VMCS field: KVM's hardware entry-failure
	 * reason for a failed entry. 0 if none. */
	uint64_t backend_info;
	/* The backend executed the exiting instruction itself and GUEST_RIP
	 * is already instruction_len bytes past it (KVM's HLT). */
	bool rip_advanced;
};

static inline unsigned vmx_exit_basic_reason(const struct vmx_exit *exit)
{
	return exit->reason & VMX_EXIT_REASON_BASIC_MASK;
}

/* Bit 31: the VM entry failed (reasons 33, 34, 41) and no guest code ran. */
static inline bool vmx_exit_is_failed_entry(const struct vmx_exit *exit)
{
	return (exit->reason & VMX_EXIT_REASON_FAILED_VMENTRY) != 0;
}

/* ---- Control-register access (SDM Table "Exit Qualification for
 * Control-Register Accesses") ------------------------------------------- */
enum vmx_cr_access_type {
	VMX_CR_ACCESS_MOV_TO_CR = 0,
	VMX_CR_ACCESS_MOV_FROM_CR = 1,
	VMX_CR_ACCESS_CLTS = 2,
	VMX_CR_ACCESS_LMSW = 3,
};

struct vmx_cr_access {
	unsigned cr;			/* bits 3:0; 0 for CLTS and LMSW */
	enum vmx_cr_access_type type;	/* bits 5:4 */
	bool lmsw_from_memory;		/* bit 6 */
	unsigned gpr;			/* bits 11:8, SDM register numbering */
	uint16_t lmsw_source;		/* bits 31:16 */
};

static inline struct vmx_cr_access vmx_decode_cr_access(uint64_t qual)
{
	struct vmx_cr_access a;

	a.cr = (unsigned)(qual & 0xf);
	a.type = (enum vmx_cr_access_type)((qual >> 4) & 3);
	a.lmsw_from_memory = (qual >> 6) & 1;
	a.gpr = (unsigned)((qual >> 8) & 0xf);
	a.lmsw_source = (uint16_t)(qual >> 16);
	return a;
}

/* ---- I/O instruction (SDM Table "Exit Qualification for I/O
 * Instructions") ---------------------------------------------------------- */
struct vmx_io_access {
	uint16_t port;		/* bits 31:16 */
	uint8_t size;		/* bytes: 1, 2 or 4 (bits 2:0 hold size - 1) */
	bool in;		/* bit 3: 1 = IN/INS */
	bool string;		/* bit 4: INS/OUTS */
	bool rep;		/* bit 5 */
	bool immediate;		/* bit 6: port from an immediate, else DX */
};

static inline struct vmx_io_access vmx_decode_io(uint64_t qual)
{
	struct vmx_io_access a;

	a.size = (uint8_t)((qual & 7) + 1);
	a.in = (qual >> 3) & 1;
	a.string = (qual >> 4) & 1;
	a.rep = (qual >> 5) & 1;
	a.immediate = (qual >> 6) & 1;
	a.port = (uint16_t)(qual >> 16);
	return a;
}

/* The size field holds only 0, 1 or 3; anything else is not an SDM layout. */
static inline bool vmx_io_qualification_valid(uint64_t qual)
{
	unsigned s = (unsigned)(qual & 7);

	return (s == 0 || s == 1 || s == 3) && (qual >> 32) == 0 &&
	       ((qual >> 7) & 0x1ff) == 0;
}

/* INS/OUTS instruction information (when IA32_VMX_BASIC[54] is 1):
 * bits 9:7 address size (0 = 16, 1 = 32, 2 = 64; 0 returned for the
 * encodings the SDM does not use), bits 17:15 segment. */
static inline unsigned vmx_io_insn_address_bits(uint32_t info)
{
	unsigned size = (info >> 7) & 7;

	return size <= 2 ? 16u << size : 0;
}

static inline unsigned vmx_io_insn_segment(uint32_t info)
{
	return (info >> 15) & 7;
}

/* Segment numbering used by instruction information. */
enum vmx_segment { VMX_SEG_ES, VMX_SEG_CS, VMX_SEG_SS, VMX_SEG_DS, VMX_SEG_FS, VMX_SEG_GS };

/* ---- MOV DR (SDM Table "Exit Qualification for MOV DR") ---------------- */
struct vmx_dr_access {
	unsigned dr;		/* bits 2:0 */
	bool from_dr;		/* bit 4: 1 = MOV from DR */
	unsigned gpr;		/* bits 11:8 */
};

static inline struct vmx_dr_access vmx_decode_dr_access(uint64_t qual)
{
	struct vmx_dr_access a;

	a.dr = (unsigned)(qual & 7);
	a.from_dr = (qual >> 4) & 1;
	a.gpr = (unsigned)((qual >> 8) & 0xf);
	return a;
}

/* ---- EPT violation (SDM Table "Exit Qualification for EPT Violations") -- */
struct vmx_ept_violation {
	bool read;			/* bit 0: data read */
	bool write;			/* bit 1: data write */
	bool fetch;			/* bit 2: instruction fetch */
	bool readable;			/* bit 3: the translation allowed reads */
	bool writable;			/* bit 4 */
	bool executable;		/* bit 5 (supervisor-mode if mode-based) */
	bool user_executable;		/* bit 6: with mode-based execute control */
	bool gla_valid;			/* bit 7: GUEST_LINEAR_ADDRESS is valid */
	bool gla_translated;		/* bit 8: access to the translated address
					 * (1) or to a paging structure (0);
					 * meaningful only if gla_valid */
	bool user_mode;			/* bit 9: advanced information */
	bool rw_linear;			/* bit 10 */
	bool xd_linear;			/* bit 11 */
	bool nmi_unblocking;		/* bit 12: NMI unblocking due to IRET */
	bool shadow_stack;		/* bit 13 */
};

static inline struct vmx_ept_violation vmx_decode_ept_violation(uint64_t qual)
{
	struct vmx_ept_violation v;

	v.read = qual & 1;
	v.write = (qual >> 1) & 1;
	v.fetch = (qual >> 2) & 1;
	v.readable = (qual >> 3) & 1;
	v.writable = (qual >> 4) & 1;
	v.executable = (qual >> 5) & 1;
	v.user_executable = (qual >> 6) & 1;
	v.gla_valid = (qual >> 7) & 1;
	v.gla_translated = (qual >> 8) & 1;
	v.user_mode = (qual >> 9) & 1;
	v.rw_linear = (qual >> 10) & 1;
	v.xd_linear = (qual >> 11) & 1;
	v.nmi_unblocking = (qual >> 12) & 1;
	v.shadow_stack = (qual >> 13) & 1;
	return v;
}

/* ---- Interruption information (exit, IDT-vectoring and entry) ---------- */
struct vmx_intr_info {
	bool valid;			/* bit 31 */
	uint8_t vector;			/* bits 7:0 */
	enum vmx_intr_type type;	/* bits 10:8 */
	bool has_error_code;		/* bit 11 */
	bool nmi_unblocking;		/* bit 12 (exit info only) */
};

static inline struct vmx_intr_info vmx_decode_intr_info(uint32_t info)
{
	struct vmx_intr_info i;

	i.valid = (info & VMX_INTR_INFO_VALID_MASK) != 0;
	i.vector = (uint8_t)(info & VMX_INTR_INFO_VECTOR_MASK);
	i.type = (enum vmx_intr_type)((info & VMX_INTR_INFO_INTR_TYPE_MASK) >>
				      VMX_INTR_INFO_INTR_TYPE_SHIFT);
	i.has_error_code = (info & VMX_INTR_INFO_DELIVER_CODE_MASK) != 0;
	i.nmi_unblocking = (info & VMX_INTR_INFO_UNBLOCK_NMI) != 0;
	return i;
}

/* A valid interruption-information value (for VM_ENTRY_INTR_INFO_FIELD). */
static inline uint32_t vmx_intr_info_make(uint8_t vector, enum vmx_intr_type type,
					  bool has_error_code)
{
	return VMX_INTR_INFO_VALID_MASK | vector |
	       ((uint32_t)type << VMX_INTR_INFO_INTR_TYPE_SHIFT) |
	       (has_error_code ? VMX_INTR_INFO_DELIVER_CODE_MASK : 0);
}

/* Exceptions that push an error code in protected mode (#DF #TS #NP #SS
 * #GP #PF #AC #CP). */
static inline bool vmx_vector_has_error_code(unsigned vector)
{
	return vector < 32 && ((0x00227d00u >> vector) & 1);
}

/* ---- Entry failure qualification (basic reason 33/34) ------------------ */
enum vmx_entry_failure_qual {
	VMX_ENTRY_FAIL_DEFAULT = 0,
	VMX_ENTRY_FAIL_PDPTE = 2,
	VMX_ENTRY_FAIL_NMI = 3,
	VMX_ENTRY_FAIL_VMCS_LINK_PTR = 4,
};

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_EXIT_H */
