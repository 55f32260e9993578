/*
 * libvcpu emulator - (to be written)
 */
#include "exec.h"

const struct emu_op_entry emu_ops_io[] = {
	{ 0, NULL }
};
