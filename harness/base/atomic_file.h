#ifndef TCPCONFORM_ATOMIC_FILE_H
#define TCPCONFORM_ATOMIC_FILE_H
#include <stddef.h>
#include <stdio.h>

/* Writes a result file so that readers see either the old file or the complete new one,
 * never a torn one: the content goes to "<path>.tmp.XXXXXX" in the same directory
 * (rename is atomic only within one filesystem), mode 0644, fsync'ed, then renamed onto
 * path and the directory synced. On failure the temporary file is removed, path is left
 * untouched, and err says "<what>: <step> '<file>': <reason>".
 *
 * fill(f, ctx) writes the content and returns 0, or non-zero on a write error. */
typedef int (*atomic_fill_fn)(FILE *f, const void *ctx);
int atomic_file_write(const char *path, atomic_fill_fn fill, const void *ctx, const char *what,
		      char *err, size_t errlen);

#endif
