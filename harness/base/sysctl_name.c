/* sysctl_name: which sysctl names may be written, and where they live (sysctl_name.h). */
#include "sysctl_name.h"

#include <stdio.h>
#include <string.h>

#define SYSCTL_NAME_MAX 200

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* See sysctl_name.h. */
int sysctl_name_path(const char *name, char *path, size_t pathlen, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (strncmp(name, "net.", 4) != 0) {
		snprintf(why, whylen, "name \"%.48s\" is not under net.", name);
		return -1;
	}
	if (n > SYSCTL_NAME_MAX) {
		snprintf(why, whylen, "name is %zu bytes, at most %d", n, SYSCTL_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!name_char_ok(name[i])) {
			snprintf(why, whylen, "name \"%.48s\" has '%c' at %zu: only [A-Za-z0-9_.-]",
				 name, name[i], i + 1);
			return -1;
		}
		if (name[i] == '.' && (name[i + 1] == '.' || name[i + 1] == '\0')) {
			snprintf(why, whylen, "name \"%.48s\" has an empty component", name);
			return -1;
		}
	}
	if ((size_t)snprintf(path, pathlen, "/proc/sys/%s", name) >= pathlen) {
		snprintf(why, whylen, "name is too long for a path of %zu bytes", pathlen);
		return -1;
	}
	for (size_t i = strlen("/proc/sys/"); path[i]; i++)
		if (path[i] == '.')
			path[i] = '/';
	return 0;
}
