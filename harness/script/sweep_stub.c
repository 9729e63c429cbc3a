/* Stand-in until the engine lands; removed on merge. script_sweep_run/list emit a few
 * fixed lines, each marked "stub":true, so `tcpconform sweep` (harness/run/sweep_*.c)
 * can be built and its plumbing exercised before the real engine exists. Its self-test
 * sees the mark and skips the real-run part. */
#include "sweep.h"

#include <stdio.h>
#include <string.h>

/* Fixed cases: (state, family, class). */
static const char *const stub_cases[][3] = {
	{"ESTABLISHED", "inet", "SYN+ACK"},
	{"ESTABLISHED", "inet6", "RST"},
	{"LISTEN", "inet", "ACK"},
	{"TIME-WAIT", "inet", "SYN"},
};
#define NSTUB (int)(sizeof(stub_cases) / sizeof(stub_cases[0]))

static int stub_selected(const struct sweep_opts *o, int i)
{
	if (o->state && strcmp(o->state, stub_cases[i][0]) != 0)
		return 0;
	if (o->family && strcmp(o->family, stub_cases[i][1]) != 0)
		return 0;
	int n = o->shard_n > 0 ? o->shard_n : 1, k = o->shard_k > 0 ? o->shard_k : 1;
	return i % n == k - 1;
}

/* See sweep.h. */
int script_sweep_list(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		      size_t errlen)
{
	char line[512];
	for (int i = 0; i < NSTUB; i++) {
		if (!stub_selected(o, i))
			continue;
		snprintf(line, sizeof(line),
			 "{\"id\":\"%s/%s/%s:stub\",\"state\":\"%s\",\"family\":\"%s\","
			 "\"class\":\"%s\",\"group\":\"%s %s\",\"steps\":1,\"stub\":true}",
			 stub_cases[i][0], stub_cases[i][1], stub_cases[i][2], stub_cases[i][0],
			 stub_cases[i][1], stub_cases[i][2], stub_cases[i][0], stub_cases[i][2]);
		emit(ctx, line);
	}
	return 0;
}

/* See sweep.h. */
int script_sweep_run(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		     size_t errlen)
{
	char line[1024];
	long done = 0;
	for (int i = 0; i < NSTUB; i++) {
		if (!stub_selected(o, i) || (o->max_cases > 0 && done >= o->max_cases))
			continue;
		snprintf(line, sizeof(line),
			 "{\"id\":\"%s/%s/%s:stub\",\"state\":\"%s\",\"family\":\"%s\","
			 "\"class\":\"%s\",\"group\":\"%s %s\",\"target\":\"stub\","
			 "\"verdict\":\"agree\",\"expected\":\"nothing -> %s\","
			 "\"seen\":\"nothing -> %s\",\"rule\":\"\",\"rfc\":\"9293 3.10.7.4\","
			 "\"sentence\":\"\",\"detail\":\"stub\",\"pcap\":\"\",\"t\":0.001,"
			 "\"stub\":true}",
			 stub_cases[i][0], stub_cases[i][1], stub_cases[i][2], stub_cases[i][0],
			 stub_cases[i][1], stub_cases[i][2], stub_cases[i][0], stub_cases[i][2],
			 stub_cases[i][0], stub_cases[i][0]);
		emit(ctx, line);
		done++;
	}
	return 0;
}
