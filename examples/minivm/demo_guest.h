/*
 * minivm - the built-in demo guest: guest/demo.asm, assembled by nasm at
 * build time and turned into a C array by bin2c.py (demo_guest.c in the
 * build directory).
 */
#ifndef MINIVM_DEMO_GUEST_H
#define MINIVM_DEMO_GUEST_H

#include <stddef.h>

extern const unsigned char minivm_demo_guest[];
extern const size_t minivm_demo_guest_size;

#endif
