#ifndef TCPCONFORM_SWEEP_H
#define TCPCONFORM_SWEEP_H
/* Stand-in until the engine lands; removed on merge (the engine's own sweep.h replaces
 * it). The declaration below is the contract between the engine and `tcpconform sweep`
 * (harness/run/sweep_*.c), copied exactly. */
#include <stddef.h>

struct target_spec;
struct sweep_opts {
	const struct target_spec *target; /* the resolved target (lab/target.h) */
	const char *descriptor;            /* target descriptor file, NULL: built-in */
	const char *state;                 /* NULL: every state; else one state name */
	const char *family;                /* NULL: both; "inet" or "inet6" */
	int shard_k, shard_n;              /* this worker's part: cases with index % n == k-1 */
	unsigned seed;                     /* ISNs and ports */
	double seconds;                    /* time budget of this worker, 0: none */
	long max_cases;                    /* at most this many cases of this shard, 0: all */
	size_t memory_limit;               /* Lua state limit, bytes (0: default 512 MiB) */
	const char *pcap_dir;              /* NULL: no pcaps; else one pcap per lab in it */
	int in_flight;                     /* cases in flight at once, 0: engine default */
};
typedef void (*sweep_emit_fn)(void *ctx, const char *json);
/* Runs this shard: for each finished case calls emit with one JSON object (one line, no
 * newline). Returns 0, or -1 with err ("file:line: ..." for a Lua error). */
int script_sweep_run(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		     size_t errlen);
/* The cases of this shard without running them: one JSON object per case
 * {"id","state","family","class","group","steps"}. */
int script_sweep_list(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		      size_t errlen);

#endif
