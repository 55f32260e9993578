/*
 * libvcpu - the emulate backend's files (emulate_backend.c says how it
 * works).
 */
#ifndef LIBVCPU_EMULATE_INTERNAL_H
#define LIBVCPU_EMULATE_INTERNAL_H

#include "core.h"

/* emulate_backend.c */
struct emu *emulate_emu_of(const struct vcpu *vcpu);
/* emulate_exit.c */
int emulate_enter(struct vcpu *vcpu, bool launch);

#endif
