#ifndef TCPCONFORM_SELF_EXE_H
#define TCPCONFORM_SELF_EXE_H
#include <stddef.h>

/* self_exe: a path relative to the running binary's own directory, so an installed
 * tcpconform finds its suite and its lwIP agent under its own prefix (bin/../share,
 * bin/../libexec) and a moved prefix still works: no absolute path is compiled in.
 *
 * Writes "<directory of /proc/self/exe>/<rel>" to out (symlinks to the binary resolved,
 * the result not normalised). Returns 0, or -1 with errno set when /proc/self/exe is
 * unreadable or the result does not fit in len. */
int self_exe_path(const char *rel, char *out, size_t len);

#endif
