/*
 * libvcpu emulator - (to be written)
 */
#include "exec.h"

const struct emu_op_entry emu_ops_bcd[] = {
	{ 0, NULL }
};
