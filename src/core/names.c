/* libvcpu - names of exit reasons, VM-instruction errors and error codes. */
#include <stddef.h>

#include "libvcpu/error.h"
#include "libvcpu/vmx.h"

static const char *const exit_reason_names[VMX_NR_EXIT_REASONS] = {
#define EXIT_NAME_(name, num, desc) [num] = #name,
	VMX_EXIT_REASON_LIST(EXIT_NAME_)
#undef EXIT_NAME_
};

static const char *const exit_reason_descriptions[VMX_NR_EXIT_REASONS] = {
#define EXIT_DESC_(name, num, desc) [num] = desc,
	VMX_EXIT_REASON_LIST(EXIT_DESC_)
#undef EXIT_DESC_
};

const char *vmx_exit_reason_name(unsigned basic_reason)
{
	return basic_reason < VMX_NR_EXIT_REASONS ? exit_reason_names[basic_reason] : NULL;
}

const char *vmx_exit_reason_description(unsigned basic_reason)
{
	return basic_reason < VMX_NR_EXIT_REASONS ? exit_reason_descriptions[basic_reason] : NULL;
}

#define VMX_INSN_ERROR_MAX 28

static const char *const insn_error_names[VMX_INSN_ERROR_MAX + 1] = {
#define INSN_NAME_(name, num, desc) [num] = #name,
	VMX_INSN_ERROR_LIST(INSN_NAME_)
#undef INSN_NAME_
};

static const char *const insn_error_descriptions[VMX_INSN_ERROR_MAX + 1] = {
#define INSN_DESC_(name, num, desc) [num] = desc,
	VMX_INSN_ERROR_LIST(INSN_DESC_)
#undef INSN_DESC_
};

const char *vmx_insn_error_name(unsigned number)
{
	return number <= VMX_INSN_ERROR_MAX ? insn_error_names[number] : NULL;
}

const char *vmx_insn_error_description(unsigned number)
{
	return number <= VMX_INSN_ERROR_MAX ? insn_error_descriptions[number] : NULL;
}

const char *vcpu_error_name(int err)
{
	switch (err) {
	case VCPU_OK:
		return "VCPU_OK";
#define ERR_NAME_(name, num, msg) case VCPU_##name: return "VCPU_" #name;
	VCPU_ERRNO_MAP(ERR_NAME_)
#undef ERR_NAME_
	default:
		return "VCPU_E?";
	}
}

const char *vcpu_strerror(int err)
{
	switch (err) {
	case VCPU_OK:
		return "success";
#define ERR_MSG_(name, num, msg) case VCPU_##name: return msg;
	VCPU_ERRNO_MAP(ERR_MSG_)
#undef ERR_MSG_
	default:
		return "unknown error";
	}
}
