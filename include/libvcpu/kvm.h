/*
 * libvcpu - what only the KVM backend has to say: how many state ioctls
 * its lazy save/restore made, against what eager transfers would cost.
 */
#ifndef LIBVCPU_KVM_H
#define LIBVCPU_KVM_H

#include <stdint.h>

#include "libvcpu/export.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vcpu;

struct vcpu_kvm_stats {
	uint64_t runs;			/* KVM_RUN calls */
	uint64_t state_ioctls;		/* GET/SET of register groups made */
	/* What a VMM that fetches and writes back registers and special
	 * registers around every KVM_RUN would have made (4 per run). */
	uint64_t state_ioctls_eager;
	/* vcpu_migrate() on KVM: KVM keeps the VMCS, so migrating means
	 * pinning the thread that next runs the VCPU to host CPU
	 * (pcpu % online CPUs); the times that was done. */
	uint64_t thread_moves;
};

/* The logical CPU the VCPU's thread was last pinned to by a migration, or
 * -1 if never; VCPU_EINVAL if it is not on the KVM backend. */
LIBVCPU_API int vcpu_kvm_pinned_cpu(const struct vcpu *vcpu);

/* The VCPU's counters; VCPU_EINVAL if it is not on the KVM backend. */
LIBVCPU_API int vcpu_kvm_stats(const struct vcpu *vcpu, struct vcpu_kvm_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_KVM_H */
