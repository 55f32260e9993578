/*
 * Soak: 10 000 VMs with VCPUs created, run and destroyed, on the mock and on
 * KVM. File descriptors must come back to the same count and resident memory
 * must not grow; leaks themselves are LeakSanitizer's to find in the
 * sanitizer build. One backend per run (argv[1]); KVM's skips with 77
 * without /dev/kvm.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvcpu/libvcpu.h>
#include <libvcpu/mock.h>

#include "harness.h"

#define SOAK_VMS 10000
#define WARM_UP_VMS 200
#define RAM_SIZE 0x10000
/* A leak of one small allocation per VM (10 000 × 64 bytes) passes this,
 * one per VCPU of a page or more does not; allocator slack needs some room. */
#define RSS_GROWTH_LIMIT (512 * 1024)

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static long resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, resident;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

static int stop_at_hlt(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	(void)vcpu;
	(void)exit;
	(void)opaque;
	return VCPU_EXIT_RETURN;
}

/* One VM: two VCPUs (one for KVM, whose software VCPUs are costly here),
 * each entered once and stopped at a HLT, then everything destroyed. */
static void one_vm(const char *backend, uint8_t *ram)
{
	struct vm *vm;
	struct vcpu *vcpu[2];
	unsigned nr_vcpus = strcmp(backend, "kvm") ? 2 : 1;
	int r;

	r = vm_create(&(struct vm_options){ .backend = backend }, &vm);
	ck_assert_msg(r == 0, "vm_create(%s): %s: %s", backend, vcpu_error_name(r), vm_last_error());
	ck_assert_int_eq(vm_add_memory(vm, 0, RAM_SIZE, ram), 0);
	vm_set_exit_handler(vm, VMX_EXIT_REASON_HLT, stop_at_hlt, NULL);
	for (unsigned i = 0; i < nr_vcpus; i++) {
		ck_assert_int_eq(vcpu_create(vm, i, &vcpu[i]), 0);
		ck_assert_int_eq(vcpu_vmwrite(vcpu[i], VMCS_GUEST_CS_SELECTOR, 0), 0);
		ck_assert_int_eq(vcpu_vmwrite(vcpu[i], VMCS_GUEST_CS_BASE, 0), 0);
		ck_assert_int_eq(vcpu_set_reg(vcpu[i], VCPU_REG_RIP, 0), 0);
		if (!strcmp(backend, "mock")) {
			struct vcpu_mock_exit hlt = {
				.exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 },
			};

			ck_assert_int_eq(vcpu_mock_push_exit(vcpu[i], &hlt), 0);
		}
		r = vcpu_run(vcpu[i]);
		ck_assert_msg(r == 0, "vcpu_run(%s): %s: %s", backend, vcpu_error_name(r),
			      vcpu_error_detail(vcpu[i]));
		ck_assert_uint_eq(vcpu_last_exit(vcpu[i])->reason, VMX_EXIT_REASON_HLT);
	}
	/* VCPU 0 by itself, the rest with the VM. */
	ck_assert_int_eq(vcpu_destroy(vcpu[0]), 0);
	ck_assert_int_eq(vm_destroy(vm), 0);
}

static void soak(const char *backend)
{
	uint8_t *ram = aligned_alloc(4096, RAM_SIZE);	/* KVM maps whole pages */
	unsigned fds;
	long rss;

	ck_assert_ptr_nonnull(ram);
	memset(ram, 0, RAM_SIZE);
	ram[0] = 0xf4;	/* hlt */
	/* Let the allocator and the kernel reach their steady state first. */
	for (unsigned i = 0; i < WARM_UP_VMS; i++)
		one_vm(backend, ram);
	fds = open_fds();
	rss = resident_bytes();
	for (unsigned i = WARM_UP_VMS; i < SOAK_VMS; i++)
		one_vm(backend, ram);
	ck_assert_uint_eq(open_fds(), fds);
	ck_assert_msg(resident_bytes() - rss <= RSS_GROWTH_LIMIT,
		      "%s: resident memory grew by %ld bytes over %u VMs", backend,
		      resident_bytes() - rss, SOAK_VMS - WARM_UP_VMS);
	printf("soak %s: %u VMs, %u fds before and after, resident %ld -> %ld KiB\n", backend,
	       SOAK_VMS, fds, rss / 1024, resident_bytes() / 1024);
	free(ram);
}

static const char *backend;

START_TEST(ten_thousand_vms_leave_no_fds_or_memory)
{
	soak(backend);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("soak");
	TCase *tc = tcase_create("soak");

	backend = argc > 1 ? argv[1] : "mock";
	if (!strcmp(backend, "kvm")) {
		int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			printf("SKIP: /dev/kvm cannot be opened read/write: the KVM soak needs it\n");
			return 77;
		}
		close(fd);
	}
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, ten_thousand_vms_leave_no_fds_or_memory);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
