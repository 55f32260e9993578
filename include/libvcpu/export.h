/* libvcpu - symbol visibility: only what a header marks LIBVCPU_API is exported. */
#ifndef LIBVCPU_EXPORT_H
#define LIBVCPU_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define LIBVCPU_API __attribute__((visibility("default")))
#else
#define LIBVCPU_API
#endif

#endif /* LIBVCPU_EXPORT_H */
