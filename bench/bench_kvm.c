/*
 * bench_kvm - libvcpu's KVM backend against a minimal hand-written KVM loop
 * in the same binary, on the same guest, in interleaved runs.
 *
 *  io-round-trip   one I/O exit handled and resumed (the guest loops on
 *                  OUT 0x80): libvcpu's KVM_RUN -> common exit -> dispatch
 *                  -> default I/O handler -> port callback -> resume,
 *                  against KVM_RUN -> check exit_reason -> KVM_RUN.
 *  create-to-exit  KVM_CREATE_VM to the guest's first exit, in-process:
 *                  vm_create, memory, vcpu_create, registers, vcpu_run
 *                  against the same ioctls by hand.
 *
 * Usage: bench_kvm [exits-per-batch] [rounds]. Exits 77 without /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libvcpu/libvcpu.h"

#define RAM_SIZE (64 * 1024)
#define GUEST_AT 0x7c00

/* OUT 0x80, AL; INC AL; JMP back: one I/O exit per iteration. */
static const uint8_t loop_guest[] = { 0xe6, 0x80, 0xfe, 0xc0, 0xeb, 0xfa };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

static void die(const char *what)
{
	fprintf(stderr, "bench_kvm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint8_t *guest_ram(void)
{
	uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (ram == MAP_FAILED)
		die("mmap");
	memcpy(ram + GUEST_AT, loop_guest, sizeof(loop_guest));
	return ram;
}

/* ---- the hand-written loop ---------------------------------------------- */

struct raw {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	uint8_t *ram;
};

/* What KVM supports, asked once per process as libvcpu does: a VMM that
 * gives its guest a CPUID table pays KVM_SET_CPUID2 per VCPU. */
static struct kvm_cpuid2 *raw_cpuid;

static void raw_set_cpuid(struct raw *r)
{
	if (!raw_cpuid) {
		raw_cpuid = calloc(1, sizeof(*raw_cpuid) + 256 * sizeof(raw_cpuid->entries[0]));
		raw_cpuid->nent = 256;
		if (!raw_cpuid || ioctl(r->kvm, KVM_GET_SUPPORTED_CPUID, raw_cpuid) < 0)
			die("KVM_GET_SUPPORTED_CPUID");
	}
	if (ioctl(r->vcpu, KVM_SET_CPUID2, raw_cpuid) < 0)
		die("KVM_SET_CPUID2");
}

static void raw_start(struct raw *r, bool with_cpuid)
{
	struct kvm_userspace_memory_region region = { .memory_size = RAM_SIZE };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = GUEST_AT, .rflags = 2 };
	int size;

	r->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0);
	if (r->kvm < 0 || r->vm < 0)
		die("KVM_CREATE_VM");
	ioctl(r->vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	r->ram = guest_ram();
	region.userspace_addr = (uint64_t)(uintptr_t)r->ram;
	if (ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	r->vcpu = ioctl(r->vm, KVM_CREATE_VCPU, 0);
	size = ioctl(r->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	r->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, r->vcpu, 0);
	if (r->vcpu < 0 || r->run == MAP_FAILED)
		die("KVM_CREATE_VCPU");
	if (with_cpuid)
		raw_set_cpuid(r);
	if (ioctl(r->vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(r->vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(r->vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

static void raw_stop(struct raw *r)
{
	close(r->vcpu);
	close(r->vm);
	close(r->kvm);
	munmap(r->ram, RAM_SIZE);
}

static unsigned raw_sink;

static void raw_exits(struct raw *r, unsigned n)
{
	while (n--) {
		if (ioctl(r->vcpu, KVM_RUN, 0) < 0 || r->run->exit_reason != KVM_EXIT_IO)
			die("hand-written KVM_RUN");
		raw_sink += *((uint8_t *)r->run + r->run->io.data_offset);
	}
}

/* ---- libvcpu ------------------------------------------------------------ */

struct lib {
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *ram;
	unsigned left;
	unsigned sink;
};

static int lib_port(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	struct lib *l = opaque;

	(void)vcpu;
	(void)port;
	(void)size;
	(void)in;
	l->sink += *value;
	return 0;
}

/* The default I/O handler does the work; this one stops after a batch. */
static int lib_io(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct lib *l = opaque;
	int r = vcpu_default_exit_handler(vcpu, exit);

	return r < 0 ? r : --l->left ? VCPU_EXIT_RESUME : VCPU_EXIT_RETURN;
}

static void lib_start(struct lib *l)
{
	struct vm_callbacks cb = { .port_io = lib_port };
	int r;

	r = vm_create(&(struct vm_options){ .backend = "kvm" }, &l->vm);
	if (r < 0) {
		fprintf(stderr, "bench_kvm: vm_create: %s: %s\n", vcpu_error_name(r), vm_last_error());
		exit(1);
	}
	l->ram = guest_ram();
	vm_add_memory(l->vm, 0, RAM_SIZE, l->ram);
	vm_set_callbacks(l->vm, &cb, l);
	vm_set_exit_handler(l->vm, VMX_EXIT_REASON_IO_INSTRUCTION, lib_io, l);
	if (vcpu_create(l->vm, 0, &l->vcpu) < 0)
		exit(1);
	vcpu_vmwrite(l->vcpu, VMCS_GUEST_CS_SELECTOR, 0);
	vcpu_vmwrite(l->vcpu, VMCS_GUEST_CS_BASE, 0);
	vcpu_set_reg(l->vcpu, VCPU_REG_RIP, GUEST_AT);
}

static void lib_stop(struct lib *l)
{
	vm_destroy(l->vm);
	munmap(l->ram, RAM_SIZE);
}

static void lib_exits(struct lib *l, unsigned n)
{
	int r;

	l->left = n;
	r = vcpu_run(l->vcpu);
	if (r < 0) {
		fprintf(stderr, "bench_kvm: vcpu_run: %s: %s\n", vcpu_error_name(r), vcpu_error_detail(l->vcpu));
		exit(1);
	}
}

/* ---- the measurements --------------------------------------------------- */

static void io_round_trip(unsigned batch, unsigned rounds)
{
	double *t_lib = calloc(rounds, sizeof(double)), *t_raw = calloc(rounds, sizeof(double));
	struct lib l = { 0 };
	struct raw r = { 0 };
	double lib, raw;

	lib_start(&l);
	raw_start(&r, true);
	lib_exits(&l, batch);	/* warm both up */
	raw_exits(&r, batch);
	for (unsigned i = 0; i < rounds; i++) {
		double t0 = now_ns();

		/* Interleaved, in alternating order, so drift hits both. */
		if (i % 2) {
			lib_exits(&l, batch);
			t_lib[i] = now_ns() - t0;
			t0 = now_ns();
			raw_exits(&r, batch);
			t_raw[i] = now_ns() - t0;
		} else {
			raw_exits(&r, batch);
			t_raw[i] = now_ns() - t0;
			t0 = now_ns();
			lib_exits(&l, batch);
			t_lib[i] = now_ns() - t0;
		}
	}
	lib = median(t_lib, rounds) / batch;
	raw = median(t_raw, rounds) / batch;
	printf("  io-round-trip    libvcpu %8.2f us/exit   hand-written %8.2f us/exit   ratio %.3f\n", lib / 1e3,
	       raw / 1e3, lib / raw);
	lib_stop(&l);
	raw_stop(&r);
	free(t_lib);
	free(t_raw);
}

/* One round of create-to-exit for each contender, in rotating order. */
enum contender { LIB, RAW_MINIMAL, RAW_CPUID, NR_CONTENDERS };

static double create_and_exit(enum contender c)
{
	struct lib l = { 0 };
	struct raw r = { 0 };
	double t0 = now_ns(), t;

	if (c == LIB) {
		lib_start(&l);
		lib_exits(&l, 1);
	} else {
		raw_start(&r, c == RAW_CPUID);
		raw_exits(&r, 1);
	}
	t = now_ns() - t0;
	if (c == LIB)
		lib_stop(&l);
	else
		raw_stop(&r);
	return t;
}

static void create_to_exit(unsigned rounds)
{
	double *t[NR_CONTENDERS], med[NR_CONTENDERS];

	for (unsigned c = 0; c < NR_CONTENDERS; c++)
		t[c] = calloc(rounds, sizeof(double));
	for (unsigned i = 0; i < rounds; i++)
		for (unsigned k = 0; k < NR_CONTENDERS; k++) {
			enum contender c = (enum contender)((i + k) % NR_CONTENDERS);

			t[c][i] = create_and_exit(c);
		}
	for (unsigned c = 0; c < NR_CONTENDERS; c++) {
		med[c] = median(t[c], rounds);
		free(t[c]);
	}
	printf("  create-to-exit   libvcpu %8.1f us        hand-written %8.1f us        ratio %.3f\n",
	       med[LIB] / 1e3, med[RAW_CPUID] / 1e3, med[LIB] / med[RAW_CPUID]);
	printf("                   (hand-written without a CPUID table: %.1f us, ratio %.3f)\n",
	       med[RAW_MINIMAL] / 1e3, med[LIB] / med[RAW_MINIMAL]);
}

int main(int argc, char **argv)
{
	unsigned batch = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 2000;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 21;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("bench_kvm: SKIP, /dev/kvm cannot be opened: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	if (!batch)
		batch = 1;
	if (rounds < 3)
		rounds = 3;
	printf("libvcpu KVM backend vs a hand-written KVM loop (same guest, interleaved, medians of %u)\n",
	       rounds);
	printf("  (both give the guest KVM's supported CPUID, asked once per process)\n");
	io_round_trip(batch, rounds);
	create_to_exit(rounds);
	return 0;
}
