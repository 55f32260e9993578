/*
 * libvcpu - CPU virtualization in the Intel VT-x model, with pluggable
 * backends. Include this for the whole public API.
 */
#ifndef LIBVCPU_H
#define LIBVCPU_H

#include "libvcpu/error.h"
#include "libvcpu/vmcs.h"
#include "libvcpu/vmx.h"
#include "libvcpu/exit.h"
#include "libvcpu/entry_check.h"
#include "libvcpu/vcpu.h"
#include "libvcpu/sched.h"
#include "libvcpu/mock.h"
#include "libvcpu/kvm.h"
#include "libvcpu/emulate.h"

#endif /* LIBVCPU_H */
