/*
 * libvcpu - the KVM backend: /dev/kvm through its ioctls.
 *
 * KVM owns the VMCS (or VMCB: this works on Intel and AMD hosts alike), so
 * the backend describes itself to the core with capability MSRs of its
 * own: HLT and unconditional I/O exiting are always on (KVM exits to user
 * space for them), interrupt-window exiting and TSC offsetting may be set,
 * and nothing else. The core then programs only what KVM can express;
 * everything else is refused by name (VCPU_ENOTSUP), never ignored.
 */
#define _GNU_SOURCE	/* sched_setaffinity, cpu_set_t */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fmt.h"
#include "kvm_internal.h"

/* Where KVM may put the TSS (and identity map) it needs to run real mode
 * on Intel hosts without unrestricted guest: three pages below 4 GiB,
 * above where guest RAM goes, as other VMMs choose. */
#define KVM_TSS_ADDR 0xfffbd000u

/* The controls KVM expresses: always HLT and unconditional I/O exiting. */
#define KVM_PROC_REQUIRED (VMX_CPU_BASED_HLT_EXITING | VMX_CPU_BASED_UNCOND_IO_EXITING)

/* MAXPHYADDR from CPUID.80000008H:EAX[7:0], as the guest will see it. */
static unsigned maxphyaddr(const struct vm *vm)
{
	const struct vcpu_cpuid_entry *e = cpuid_find(vm, 0x80000008u, 0);
	unsigned bits = e ? e->eax & 0xff : 36;

	return bits < 32 ? 32 : bits > 52 ? 52 : bits;
}

/* The capability MSRs that describe KVM to the core (see the top). */
static void describe_kvm(struct vm *vm, const struct kvm_vm *k)
{
	uint64_t proc_allowed = KVM_PROC_REQUIRED | VMX_CPU_BASED_INTR_WINDOW_EXITING |
				(k->tsc_offset ? VMX_CPU_BASED_USE_TSC_OFFSETTING : 0);
	struct vmx_caps *c = &vm->caps;

	memset(c, 0, sizeof(*c));
	c->basic = 1 | VMX_BASIC_TRUE_CTLS;	/* no VMCS revision to speak of */
	c->procbased_ctls = c->true_procbased_ctls = KVM_PROC_REQUIRED | proc_allowed << 32;
	c->cr0_fixed1 = 0xffffffffull;		/* KVM runs every mode: nothing fixed */
	c->cr4_fixed1 = 0x00000000007fffffull;
	c->maxphyaddr = maxphyaddr(vm);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int kvm_vm_init(struct vm *vm, const struct vm_options *opts)
{
	const char *device = opts->device ? opts->device : "/dev/kvm";
	struct kvm_vm *k = plat_alloc_aligned(sizeof(*k), 64);
	int r, version;

	if (!k)
		return VCPU_ENOMEM;
	memset(k, 0, sizeof(*k));
	k->kvm_fd = k->vm_fd = -1;
	vm->backend = k;

	k->kvm_fd = open(device, O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0) {
		r = vm_fail(errno == EACCES || errno == EPERM ? VCPU_EACCES : VCPU_ENOTSUP, "%s: %s%s", device,
			    strerror(errno), errno == EACCES ? " (add yourself to the kvm group, or run as root)" : "");
		goto fail;
	}
	version = ioctl(k->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		r = vm_fail(VCPU_EBACKEND, "%s: KVM API version %d, this build speaks %d", device, version,
			    KVM_API_VERSION);
		goto fail;
	}
	k->run_size = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size < (int)sizeof(struct kvm_run)) {
		r = vm_fail(VCPU_EBACKEND, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto fail;
	}
	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0) {
		r = vm_fail(VCPU_EBACKEND, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	/* Intel hosts need it for real mode; elsewhere it is harmless. */
	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
		r = vm_fail(VCPU_EBACKEND, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto fail;
	}
	k->tsc_offset = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_ATTRIBUTES) > 0;
	r = kvm_cpuid_load(vm, k->kvm_fd);
	if (r < 0)
		goto fail;
	if (!k->tsc_offset)
		vm->features &= ~VCPU_BACKEND_CAP_TSC_OFFSET;
	describe_kvm(vm, k);
	kvm_state_init_groups(k);
	/* Guest state and exit information may change on every exit. */
	for (unsigned slot = 0; slot < NR_SLOTS; slot++)
		if (k->group_of[slot] != KVM_GROUP_NONE && k->group_of[slot] != KVM_GROUP_CORE)
			slot_set_add(&vm->volatile_slots, slot);
	for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++)
		if (vmcs_field_type(vmcs_slot_field(slot)) == VMCS_TYPE_EXIT_INFO)
			slot_set_add(&vm->volatile_slots, slot);
	return 0;
fail:
	close_fd(&k->vm_fd);
	close_fd(&k->kvm_fd);
	plat_free(k);
	vm->backend = NULL;
	return r;
}

static void kvm_vm_fini(struct vm *vm)
{
	struct kvm_vm *k = kvm_vm_of(vm);

	close_fd(&k->vm_fd);
	close_fd(&k->kvm_fd);
	plat_free(k);
	vm->backend = NULL;
}

static int kvm_vcpu_init(struct vcpu *vcpu)
{
	struct kvm_vm *k = kvm_vm_of(vcpu->vm);
	struct kvm_vcpu_data *kv = plat_alloc_aligned(sizeof(*kv), 64);
	int r;

	if (!kv)
		return VCPU_ENOMEM;
	memset(kv, 0, sizeof(*kv));
	kv->pin_pending = kv->pinned = -1;
	vcpu->backend = kv;
	kv->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)vcpu->id);
	if (kv->fd < 0) {
		r = vcpu_fail(vcpu, VCPU_EBACKEND, "KVM_CREATE_VCPU %u: %s", vcpu->id, strerror(errno));
		goto fail;
	}
	kv->run = mmap(NULL, (size_t)k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, kv->fd, 0);
	if (kv->run == MAP_FAILED) {
		kv->run = NULL;
		r = vcpu_fail(vcpu, VCPU_EBACKEND, "mmap of kvm_run: %s", strerror(errno));
		goto fail;
	}
	r = kvm_cpuid_apply(vcpu);
	if (r < 0)
		goto fail;
	/* Every slot KVM holds starts unknown; the core's set-up overwrites
	 * them, the rest is fetched on first use. */
	for (unsigned slot = 0; slot < NR_SLOTS; slot++)
		if (k->group_of[slot] != KVM_GROUP_NONE && k->group_of[slot] != KVM_GROUP_CORE)
			slot_set_del(&vcpu->vmcs.cached, slot);
	return 0;
fail:
	if (kv->run)
		munmap(kv->run, (size_t)k->run_size);
	close_fd(&kv->fd);
	plat_free(kv);
	vcpu->backend = NULL;
	return r;
}

static void kvm_vcpu_fini(struct vcpu *vcpu)
{
	struct kvm_vcpu_data *kv = kvm_vcpu_of(vcpu);

	munmap(kv->run, (size_t)kvm_vm_of(vcpu->vm)->run_size);
	close_fd(&kv->fd);
	plat_free(kv);
	vcpu->backend = NULL;
}

/* KVM has no VMCS of ours to clear or load: the VCPU thread is where it
 * runs (migration between host CPUs is the thread's affinity). */
static int kvm_vmclear(struct vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

/* KVM keeps the VMCS; "loading it on logical CPU n" means running the VCPU
 * from host CPU n (modulo the host's CPUs), which the next KVM_RUN's thread
 * arranges. A VCPU loaded where it was created is not pinned. */
static int kvm_vmptrld(struct vcpu *vcpu, unsigned pcpu)
{
	struct kvm_vcpu_data *kv = kvm_vcpu_of(vcpu);

	if (!kv)
		return 0;
	if (kv->loaded && (int)pcpu != kv->pinned)
		kv->pin_pending = (int)pcpu;
	kv->loaded = true;
	return 0;
}

int kvm_pin_thread(struct vcpu *vcpu, unsigned pcpu)
{
	struct kvm_vcpu_data *kv = kvm_vcpu_of(vcpu);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned host_cpu = pcpu % (unsigned)(online > 0 ? online : 1);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(host_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return vcpu_fail(vcpu, VCPU_EBACKEND, "VCPU %u: moving its thread to host CPU %u: %s",
				 vcpu->id, host_cpu, strerror(errno));
	kv->pinned = (int)pcpu;
	kv->pin_pending = -1;
	kv->stats.thread_moves++;
	return 0;
}

static bool kvm_field_supported(struct vm *vm, uint32_t field)
{
	unsigned slot = vmcs_slot_of(field);

	return slot != SLOT_NONE && kvm_vm_of(vm)->group_of[slot] != KVM_GROUP_NONE;
}

static const char *kvm_field_refuses(struct vcpu *vcpu, uint32_t field, uint64_t value)
{
	uint64_t allowed = vcpu->vm->caps.procbased_ctls >> 32;
	struct vmx_intr_info event = vmx_decode_intr_info((uint32_t)value);

	switch (field) {
	case VMCS_CPU_BASED_VM_EXEC_CONTROL:
		if ((value & ~allowed) || (value & KVM_PROC_REQUIRED) != KVM_PROC_REQUIRED)
			return "KVM always exits to user space for HLT and port I/O, and can be asked for "
			       "interrupt windows and TSC offsetting, nothing else";
		return NULL;
	case VMCS_VM_ENTRY_INTR_INFO_FIELD:
		if (event.valid && event.type != VMX_INTR_TYPE_EXT_INTR && event.type != VMX_INTR_TYPE_NMI_INTR &&
		    event.type != VMX_INTR_TYPE_HARD_EXCEPTION)
			return "KVM injects external interrupts, NMIs and hardware exceptions only (software "
			       "events take their length from KVM's own last exit)";
		return NULL;
	case VMCS_VM_ENTRY_INSTRUCTION_LEN:
		return value ? "KVM takes no instruction length for injected events" : NULL;
	default:
		return NULL;
	}
}

static int kvm_map_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region region = {
		.slot = vm->nr_regions,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(kvm_vm_of(vm)->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return vm_fail(VCPU_EBACKEND, "KVM_SET_USER_MEMORY_REGION at 0x%llx: %s",
			       (unsigned long long)gpa, strerror(errno));
	return 0;
}

static uint64_t kvm_host_tsc(struct vm *vm)
{
	(void)vm;
	return __builtin_ia32_rdtsc();
}

/* From a signal handler: the next (or current, with the signal's help)
 * KVM_RUN returns at once. */
static void kvm_request_exit(struct vcpu *vcpu)
{
	struct kvm_vcpu_data *kv = kvm_vcpu_of(vcpu);

	if (kv && kv->run)
		__atomic_store_n(&kv->run->immediate_exit, 1, __ATOMIC_RELEASE);
}

int vcpu_kvm_stats(const struct vcpu *vcpu, struct vcpu_kvm_stats *out)
{
	if (!vcpu || !out || vcpu->vm->ops != &kvm_backend_ops || !vcpu->backend)
		return VCPU_EINVAL;
	*out = kvm_vcpu_of(vcpu)->stats;
	return 0;
}

int vcpu_kvm_pinned_cpu(const struct vcpu *vcpu)
{
	if (!vcpu || vcpu->vm->ops != &kvm_backend_ops || !vcpu->backend)
		return VCPU_EINVAL;
	return kvm_vcpu_of(vcpu)->pinned;
}

const struct vcpu_backend_ops kvm_backend_ops = {
	.name = "kvm",
	.caps = VCPU_BACKEND_CAP_ALL_MODES | VCPU_BACKEND_CAP_NMI_QUEUE | VCPU_BACKEND_CAP_TSC_OFFSET,
	.vm_init = kvm_vm_init,
	.vm_fini = kvm_vm_fini,
	.vcpu_init = kvm_vcpu_init,
	.vcpu_fini = kvm_vcpu_fini,
	.vmclear = kvm_vmclear,
	.vmptrld = kvm_vmptrld,
	.read_slot = kvm_state_read,
	.flush = kvm_state_flush,
	.enter = kvm_enter,
	.field_supported = kvm_field_supported,
	.map_memory = kvm_map_memory,
	.host_tsc = kvm_host_tsc,
	.cpuid_changed = kvm_cpuid_changed,
	.request_exit = kvm_request_exit,
	.field_refuses = kvm_field_refuses,
	.power_on_written = kvm_state_power_on_written,
};
