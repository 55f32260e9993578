/*
 * libvcpu - the VM-entry checks one at a time, for callers that memoize
 * them (the mock backend): a family is a list of checks in SDM order, and
 * running each in turn until one fails is the same as vmx_check_family().
 */
#ifndef LIBVCPU_CORE_ENTRY_CHECK_ONE_H
#define LIBVCPU_CORE_ENTRY_CHECK_ONE_H

#include "libvcpu/entry_check.h"

/* Checks in a family (0 for a family that does not exist). */
unsigned vmx_check_family_size(enum vmx_check_family family);

/* Run check `index` of `family`: 0, or the family's error with *failure. */
int vmx_check_one(const struct vmx_check_env *env, enum vmx_check_family family, unsigned index,
		  struct vmx_entry_failure *failure);

#endif
