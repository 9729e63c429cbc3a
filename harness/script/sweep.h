#ifndef TCPCONFORM_SWEEP_H
#define TCPCONFORM_SWEEP_H
#include <stddef.h>

/* The sweep (issue 10, lua/sweep/README.md): every state of RFC 9293 reached by a
 * prefix, times every class of arriving segment, judged against the executable model.
 * The engine is Lua (lua/sweep/engine.lua); these are its C entry points, one Lua state
 * per call. The process must have called lab_runtime_init (lab.h). */

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
 * newline; the result line of lua/sweep/README.md). Labs are made and destroyed by the
 * engine. Returns 0, or -1 with err ("file:line: ..." for a Lua error, the memory
 * limit's message when the state met it). A case's own trouble is a result line with
 * verdict "error", not a -1. */
int script_sweep_run(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		     size_t errlen);

/* The cases of this shard without running them: one JSON object per case
 * {"id","state","family","class","group","steps"}. No lab is made. */
int script_sweep_list(const struct sweep_opts *o, sweep_emit_fn emit, void *ctx, char *err,
		      size_t errlen);

/* The text of a T.test script that reproduces case case_id (an id as the list gives)
 * with the public API (lua/sweep/emit.lua), judged with the model knobs of o's target
 * (or o->descriptor): emit is called once with the whole script. No lab is made. Why it
 * exists: a disagreement found by the sweep becomes a test of the suite (issue 10 item
 * 7). Returns 0, or -1 with err ("sweep --emit: no case ..." for an unknown id). */
int script_sweep_emit(const struct sweep_opts *o, const char *case_id, sweep_emit_fn emit,
		      void *ctx, char *err, size_t errlen);

#endif
