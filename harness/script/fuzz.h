#ifndef TCPCONFORM_FUZZ_H
#define TCPCONFORM_FUZZ_H
#include <stddef.h>

/* The fuzzer's core (issue 11, lua/fuzz/README.md): programs (a sweep prefix, then up to
 * N arriving segments, socket calls and small delays) generated and mutated from a seed,
 * run on every target of the campaign, judged by four oracles (the RFC model,
 * differential, liveness, invariants), steered by coverage, minimised and turned into a
 * T.test. The campaign is Lua (lua/fuzz/campaign.lua); these are its C entry points, one
 * Lua state per call. The process must have called lab_runtime_init (lab.h). The
 * command around it (workers, reports, --merge) is harness/fuzz/fuzz_*.c. */

struct target_spec;
struct fuzz_opts {
	const struct target_spec *targets[8]; int ntargets;  /* resolved targets, in order */
	const char *target_names[8];      /* as the user spelt them (linux:net.ipv4.x=1) */
	const char *descriptor;           /* NULL: built-in descriptors */
	unsigned long long seed;          /* campaign seed; shard k of n uses seed space k */
	int shard_k, shard_n;             /* this worker's share of the seed space */
	double seconds;                   /* budget of this worker (0: none, then max_cases) */
	long max_cases;                   /* 0: no count limit (at least one limit is set) */
	const char *corpus_dir;           /* NULL: no persistence; read at start, new entries
					     written atomically as found (one file each) */
	const char *out_dir;              /* findings' pcaps go to out_dir/findings/<sig>/ */
	const char *state;                /* NULL: all starting states; else one */
	const char *family;               /* NULL: both; "inet" / "inet6" */
	size_t memory_limit;              /* Lua state limit, 0: default */
	int in_flight;                    /* 0: default */
	const char *const *known;         /* nknown signatures already in out_dir/findings
					     (fuzz_store_known): reported as seen, never
					     processed again; the caller's, alive for the call */
	int nknown;
};
typedef void (*fuzz_emit_fn)(void *ctx, const char *json);

/* Runs this worker's campaign. emit gets one JSON object per call (one line, no newline,
 * keys sorted, so read "kind" as a key): "stats" at least every 0.5 s while fuzzing and
 * at the end, "finding" once per new signature (after minimisation, the per-target pcap
 * re-run and the run of its test on a fresh lab per target), "suppressed" for a
 * finding a target's declared deviation covers, "corpus" when an entry joins the corpus
 * (lua/fuzz/README.md "Contract" gives every key). Ctrl-C interrupts the labs as the
 * sweep does and the call returns promptly; what was emitted stays the caller's.
 * Returns 0, or -1 with err ("file:line: ..." for a Lua error). */
int script_fuzz_run(const struct fuzz_opts *o, fuzz_emit_fn emit, void *ctx,
		    char *err, size_t errlen);

/* The T.test script text of one case (case_json: a program, a corpus file's content or a
 * finding's "case"/"minimised" program), judged with o's targets: emit is called once
 * with the whole script. Minimises and emits nothing new, makes no lab; for --merge and
 * for re-emitting a finding's test. Returns 0, or -1 with err naming the field. */
int script_fuzz_case_script(const char *case_json, const struct fuzz_opts *o,
			    fuzz_emit_fn emit, void *ctx, char *err, size_t errlen);

#endif
