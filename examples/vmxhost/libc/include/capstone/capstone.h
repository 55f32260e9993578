/* vmxhost libc: Capstone's header, found through its own directory (given
 * with -isystem) so that the kernel's include path holds no system libc. */
#include_next <capstone.h>
