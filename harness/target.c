/* The table of built-in targets. */
#include "target.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct target_ops *const all_targets[] = {&target_linux};

const struct target_ops *target_find(const char *name)
{
	for (size_t i = 0; i < sizeof(all_targets) / sizeof(all_targets[0]); i++)
		if (strcmp(all_targets[i]->name, name) == 0)
			return all_targets[i];
	return NULL;
}

const char *target_names(void)
{
	return "linux";
}

int target_fail_greeting(int ctl, const char *msg)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "0 -1 EIO msg=");
	for (const char *p = msg; *p && n < (int)sizeof(line) - 2; p++)
		line[n++] = *p == ' ' ? '_' : *p;
	line[n++] = '\n';
	(void)!write(ctl, line, (size_t)n);
	return 1;
}
