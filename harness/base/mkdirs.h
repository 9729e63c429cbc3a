#ifndef TCPCONFORM_MKDIRS_H
#define TCPCONFORM_MKDIRS_H
#include <stddef.h>

/* mkdir -p for a directory a command writes its output into (mode 0755; an existing
 * directory is fine). 0, or -1 with err "cannot create <dir>: <reason>". */
int mkdirs(const char *path, char *err, size_t errlen);

#endif
