#include <stdlib.h>

#include "harness.h"
#include "flat_pm.h"

void fixture_init(struct fixture *f, const char *profile, unsigned nr_pcpus)
{
	struct vm_options opts = {
		.backend = "mock",
		.nr_pcpus = nr_pcpus,
		.caps = vcpu_mock_profile(profile),
	};

	ck_assert_ptr_nonnull(opts.caps);
	ck_assert_int_eq(vm_create(&opts, &f->vm), 0);
	ck_assert_int_eq(vcpu_create(f->vm, 0, &f->vcpu), 0);
	f->identity_map = NULL;
	if (!vm_unrestricted_guest(f->vm)) {
		f->identity_map = aligned_alloc(4096, 4096);
		ck_assert_ptr_nonnull(f->identity_map);
		ck_assert_int_eq(vm_add_memory(f->vm, FIXTURE_IDENTITY_MAP_GPA, 4096, f->identity_map), 0);
		ck_assert_int_eq(vm_set_identity_map(f->vm, FIXTURE_IDENTITY_MAP_GPA), 0);
	}
}

void fixture_fini(struct fixture *f)
{
	vm_destroy(f->vm);
	free(f->identity_map);
	f->identity_map = NULL;
	f->vm = NULL;
	f->vcpu = NULL;
}

void push_exit_regs(struct vcpu *vcpu, uint32_t reason, uint64_t qual, uint32_t len, unsigned n,
		    const uint64_t *pairs)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = reason, .qualification = qual, .instruction_len = len },
		.nr_changes = n,
	};

	ck_assert_uint_le(n, VCPU_MOCK_MAX_CHANGES);
	for (unsigned i = 0; i < n; i++)
		e.changes[i] = (struct vcpu_mock_change){ true, (uint32_t)pairs[2 * i], pairs[2 * i + 1] };
	ck_assert_int_eq(vcpu_mock_push_exit(vcpu, &e), 0);
}

void push_exit(struct vcpu *vcpu, uint32_t reason, uint64_t qual, uint32_t len)
{
	push_exit_regs(vcpu, reason, qual, len, 0, NULL);
}

void set_protected_mode(struct vcpu *vcpu)
{
	int r = set_flat_protected_mode(vcpu);

	ck_assert_msg(r == 0, "flat protected mode: %s: %s", vcpu_error_name(r), vcpu_error_detail(vcpu));
}

void run_ok(struct vcpu *vcpu)
{
	int r;

	ck_assert_int_eq(vcpu_wake(vcpu), 0);
	r = vcpu_run(vcpu);
	ck_assert_msg(r == 0, "vcpu_run: %s: %s", vcpu_error_name(r), vcpu_error_detail(vcpu));
}

uint64_t reg(struct vcpu *vcpu, enum vcpu_reg r)
{
	uint64_t v = 0;

	ck_assert_int_eq(vcpu_get_reg(vcpu, r, &v), 0);
	return v;
}

uint64_t field(struct vcpu *vcpu, uint32_t f)
{
	uint64_t v = 0;

	ck_assert_msg(vcpu_vmread(vcpu, f, &v) == 0, "VMREAD %s: %s", vmcs_field_name(f),
		      vcpu_error_detail(vcpu));
	return v;
}

int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
