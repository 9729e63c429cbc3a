#ifndef TCPCONFORM_FUZZ_RUN_H
#define TCPCONFORM_FUZZ_RUN_H
#include <stddef.h>
#include <stdio.h>
#include "runner.h"

/* `tcpconform fuzz`: a campaign run by --jobs worker processes, each an engine worker
 * (engine_worker.h) running script_fuzz_run (harness/script/fuzz.h) on its share of the
 * seed space with every target of the run (a differential needs every target per case).
 * The parent makes no lab: it reads the workers' lines, files each finding the moment it
 * arrives (fuzz_store.h), shows progress and writes the reports (fuzz_report.h). */

struct fuzz_cmd {
	const char *targets[RUNNER_MAX_TARGETS]; /* labels as given: "linux:net.ipv4.x=1" */
	int ntargets;
	const char *descriptor;       /* NULL: the built-in ones */
	const char *state, *family;   /* NULL: all */
	unsigned long long seed;
	int jobs;                     /* workers */
	int shard_k, shard_n;         /* the user's part of the seed space (1/1: all) */
	double seconds;               /* the campaign's time budget, 0: none (then max_cases) */
	long max_cases;               /* over all workers, 0: none */
	const char *out_dir;          /* findings/, stats.json, index.html */
	const char *corpus_dir;       /* read at start, grown by the workers */
	const char *junit;            /* NULL: none */
	size_t memory_limit;
	FILE *out;                    /* console */
};

/* Runs the campaign. Returns the exit status: 0 no new finding (one already in OUT is
 * not new), 1 a new finding or a worker in trouble, 2 a set-up error, 130 interrupted
 * (every finding reported so far is on disk and in the reports). */
int fuzz_run(const struct fuzz_cmd *c);

/* `tcpconform fuzz --merge OUT DIR...`: the corpora of DIR/corpus (deduplicated by
 * content; a name already taken by other content gets a suffix) into c->corpus_dir, the
 * findings of DIR/findings (deduplicated by signature) into c->out_dir, then the reports
 * of OUT rebuilt; stats.json sums the runs'. Returns 0, 1 when the merge added a finding
 * OUT did not have, 2 on an error (a DIR that is no campaign's output). */
int fuzz_merge(const struct fuzz_cmd *c, char *const *dirs, int ndirs);

/* `tcpconform fuzz --emit FILE...`: each case file (a corpus entry, a finding's
 * case.json or minimised.json) as a T.test script judged with c's targets; one FILE on
 * c->out, several into OUT/emit/<name>.lua. No lab is made. Returns 0, or 2 when a file
 * cannot be read or is no program (the message names the file and the field). */
int fuzz_emit(const struct fuzz_cmd *c, char *const *files, int nfiles);

#endif
