/*
 * The SingleStepTests MOO format (../shared/vectors/README.md): a file of
 * tests, each one instruction with its initial and final state.
 */
#ifndef MOO_H
#define MOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registers in the format's order (bit n of the REGS mask). */
enum moo_reg {
	MOO_AX, MOO_BX, MOO_CX, MOO_DX, MOO_CS, MOO_SS, MOO_DS, MOO_ES,
	MOO_SP, MOO_BP, MOO_SI, MOO_DI, MOO_IP, MOO_FLAGS, MOO_NR_REGS
};

struct moo_ram {
	uint32_t address;
	uint8_t value;
};

struct moo_state {
	uint16_t mask;			/* registers present */
	uint16_t regs[MOO_NR_REGS];
	struct moo_ram *ram;
	size_t nr_ram;
};

struct moo_test {
	uint32_t index;
	char name[96];
	uint8_t bytes[16];
	unsigned nr_bytes;
	struct moo_state init, final;
	bool has_exception;
	uint8_t exception;
	uint32_t flags_address;		/* where the exception pushed FLAGS */
	uint8_t hash[20];
};

struct moo_file {
	char cpu[5];
	struct moo_test *tests;
	size_t nr_tests;
};

/* Read a (gzip-compressed) MOO file. 0, or -1 with *why set. */
int moo_load(const char *path, struct moo_file *out, const char **why);
void moo_free(struct moo_file *f);
extern const char *const moo_reg_names[MOO_NR_REGS];

#endif
