/*
 * libvcpu - error codes.
 *
 * Functions return 0 (or a positive count) on success and a negative
 * VCPU_E* code on failure. Every code has a name and a one-line meaning;
 * the values are stable. Where a failure has more to say (which VM-entry
 * check failed, which port, which address) the VCPU keeps a detail message:
 * see vcpu_error_detail().
 */
#ifndef LIBVCPU_ERROR_H
#define LIBVCPU_ERROR_H

#include "libvcpu/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VCPU_ERRNO_MAP(X)                                                          \
	X(EINVAL,            1, "invalid argument")                                \
	X(ENOMEM,            2, "out of memory")                                   \
	X(ENOENT,            3, "no such name, field or backend")                  \
	X(ENOTSUP,           4, "not supported by this backend or CPU profile")    \
	X(ESTATE,            5, "illegal VCPU state transition")                   \
	X(EBUSY,             6, "VCPU is running")                                 \
	X(EDESTROYED,        7, "VCPU has been destroyed")                         \
	X(EBLOCKED,          8, "VCPU is halted and no event is pending")          \
	X(EEXIST,            9, "already exists")                                  \
	X(ELIMIT,           10, "a fixed limit was reached")                       \
	X(EINTR,            11, "run interrupted by vcpu_request_exit()")          \
	X(EACCES,           12, "permission denied (the device node)")             \
	X(EUNIMPLEMENTED,   13, "instruction the emulator does not implement")     \
	X(EAGAIN,           14, "nothing to run now")                              \
	X(EVMFAIL_INVALID,  20, "VMfailInvalid: no current VMCS")                  \
	X(EVMCS_UNSUPPORTED, 21, "VMREAD/VMWRITE of an unsupported VMCS component") \
	X(EVMCS_READ_ONLY,  22, "VMWRITE to a read-only VMCS component")           \
	X(EVMX_INSN,        23, "VMX instruction failed (see VM_INSTRUCTION_ERROR)") \
	X(EENTRY_CONTROL,   24, "VM entry failed: invalid control field")          \
	X(EENTRY_HOST,      25, "VM entry failed: invalid host-state field")       \
	X(EENTRY_GUEST,     26, "VM entry failed: invalid guest state")            \
	X(EENTRY_MSR_LOAD,  27, "VM entry failed: MSR loading")                    \
	X(ETRIPLE_FAULT,    30, "guest triple fault")                              \
	X(EUNHANDLED_EXIT,  31, "VM exit with no handler")                         \
	X(ENODEV,           32, "no device at that port or address")               \
	X(EFAULT,           33, "guest address outside guest memory")              \
	X(EGUEST_STATE,     34, "guest state cannot be emulated")                  \
	X(ESCRIPT,          40, "mock: scripted exit impossible under the controls") \
	X(ENOSCRIPT,        41, "mock: no scripted exit left")                     \
	X(EBACKEND,         50, "backend failure")

enum vcpu_error {
	VCPU_OK = 0,
#define VCPU_ERROR_ENUM_(name, num, msg) VCPU_##name = -(num),
	VCPU_ERRNO_MAP(VCPU_ERROR_ENUM_)
#undef VCPU_ERROR_ENUM_
};

/* "VCPU_EINVAL" for VCPU_EINVAL; "VCPU_OK" for 0; "VCPU_E?" if unknown. */
LIBVCPU_API const char *vcpu_error_name(int err);

/* One-line meaning of an error code. Static string. */
LIBVCPU_API const char *vcpu_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_ERROR_H */
