/*
 * minivm - the built-in guests: guest/demo.asm and guest/smp.asm, assembled
 * by nasm at build time and turned into C arrays by bin2c.py (demo_guest.c
 * and smp_guest.c in the build directory).
 */
#ifndef MINIVM_DEMO_GUEST_H
#define MINIVM_DEMO_GUEST_H

#include <stddef.h>

extern const unsigned char minivm_demo_guest[];
extern const size_t minivm_demo_guest_size;

extern const unsigned char minivm_smp_guest[];
extern const size_t minivm_smp_guest_size;

#endif
