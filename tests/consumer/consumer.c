/* Uses the installed or subproject libvcpu: one HLT exit on the mock. */
#include <stdio.h>

#include <libvcpu/libvcpu.h>

int main(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct vcpu_mock_exit hlt = { .exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 } };
	int r;

	if (vm_create(NULL, &vm) < 0 || vcpu_create(vm, 0, &vcpu) < 0 || vcpu_mock_push_exit(vcpu, &hlt) < 0)
		return 1;
	r = vcpu_run(vcpu);
	printf("consumer: vcpu_run = %s, last exit %s\n", vcpu_error_name(r),
	       vmx_exit_reason_name(vmx_exit_basic_reason(vcpu_last_exit(vcpu))));
	vm_destroy(vm);
	return r == 0 ? 0 : 1;
}
