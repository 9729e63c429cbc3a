/* cli_common: what the commands' parsers share (cli_int.h): numbers, targets, usage
 * errors. */
#include "cli_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "target.h"

int cli_parse_int(const char *text, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (end == text || *end || errno || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* The comma that ends the target spec at p, or NULL. A comma followed by a digit is part
 * of a sysctl value ("linux:net.ipv4.tcp_rmem=4096,65536"): no target name starts with a
 * digit. */
static char *target_list_comma(char *p)
{
	for (char *c = strchr(p, ','); c; c = strchr(c + 1, ','))
		if (c[1] < '0' || c[1] > '9')
			return c;
	return NULL;
}

/* "--target linux,lwip": several targets, each a name (with options,
 * "linux:net.ipv4.tcp_rfc1337=1") or exec:COMMAND. An exec target takes the rest of the
 * argument (its command may hold commas), so it comes last. */
int cli_split_targets(char *arg, const char **targets, int *ntargets, FILE *errout)
{
	*ntargets = 0;
	for (char *p = arg; p && *p;) {
		if (*ntargets == RUNNER_MAX_TARGETS) {
			fprintf(errout, "tcpconform: --target: at most %d targets\n", RUNNER_MAX_TARGETS);
			return -1;
		}
		char *comma = strncmp(p, "exec:", 5) == 0 ? NULL : target_list_comma(p);
		if (comma)
			*comma = 0;
		struct target_spec spec;
		char terr[512];
		if (target_resolve(p, &spec, terr, sizeof(terr)) < 0) {
			fprintf(errout, "tcpconform: %s\n", terr);
			return -1;
		}
		for (int i = 0; i < *ntargets; i++)
			if (strcmp(targets[i], p) == 0) {
				fprintf(errout, "tcpconform: --target: \"%s\" given twice\n", p);
				return -1;
			}
		targets[(*ntargets)++] = p;
		p = comma ? comma + 1 : NULL;
	}
	if (*ntargets == 0) {
		fprintf(errout, "tcpconform: --target: empty (known: %s)\n", target_names());
		return -1;
	}
	return 0;
}

int cli_bad_usage(FILE *errout, const char *fmt, const char *arg)
{
	fprintf(errout, "tcpconform: ");
	fprintf(errout, fmt, arg);
	fprintf(errout, " (see tcpconform --help)\n");
	return 2;
}
