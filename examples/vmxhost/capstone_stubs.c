/*
 * vmxhost: Capstone with only its X86 module. cs.o's tables name every
 * architecture's init and option functions; defining the others here keeps
 * the linker from pulling their modules (several MiB) out of libcapstone.a.
 * cs_open() of another architecture fails with CS_ERR_ARCH.
 */
#include <capstone/capstone.h>

#define CAPSTONE_ABSENT(arch)							\
	cs_err arch##_global_init(void *ud);					\
	cs_err arch##_global_init(void *ud)					\
	{									\
		(void)ud;							\
		return CS_ERR_ARCH;						\
	}									\
	cs_err arch##_option(void *ud, cs_opt_type type, size_t value);		\
	cs_err arch##_option(void *ud, cs_opt_type type, size_t value)		\
	{									\
		(void)ud, (void)type, (void)value;				\
		return CS_ERR_ARCH;						\
	}

CAPSTONE_ABSENT(ARM)
CAPSTONE_ABSENT(AArch64)
CAPSTONE_ABSENT(Mips)
CAPSTONE_ABSENT(PPC)
CAPSTONE_ABSENT(Sparc)
CAPSTONE_ABSENT(SystemZ)
CAPSTONE_ABSENT(XCore)
CAPSTONE_ABSENT(M68K)
CAPSTONE_ABSENT(TMS320C64x)
CAPSTONE_ABSENT(M680X)
CAPSTONE_ABSENT(EVM)
