#ifndef TCPCONFORM_SWEEP_RESULT_H
#define TCPCONFORM_SWEEP_RESULT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One sweep case's result, as the engine emits it (a JSON object on one line, the
 * contract in harness/script/sweep.h) and as cases.jsonl stores it. Why a reader of our
 * own: the object is flat (strings, one number, one boolean), so a strict reader of
 * exactly this shape is ~150 lines, while a general JSON library would be a dependency
 * for one call site. Strict: anything else in a line is an error naming the byte
 * offset, never a guess. */

enum sweep_verdict {
	SWEEP_AGREE,
	SWEEP_DIFFERS,
	SWEEP_DEVIATION,   /* differs, covered by the descriptor's sweep_deviations */
	SWEEP_ERROR,
	SWEEP_NVERDICTS
};

struct sweep_result {
	char *id, *state, *family, *klass, *group, *target;
	enum sweep_verdict verdict;
	char *expected, *seen, *rule, *rfc, *sentence, *detail, *pcap;
	char *reason;      /* a deviation's reason ("" when none) */
	double t;          /* seconds the case took */
	bool stub;         /* emitted by the stand-in engine (sweep_stub.c) */
};

/* Parses one line into r (zeroed first; free with sweep_result_free). Required: id,
 * state, class, verdict ("agree", "differs", "deviation" or "error"); the other string
 * fields default to "", t to 0. Unknown keys are skipped if their value is a string,
 * number, boolean or null, so the engine may add fields. Returns 0, or -1 with err:
 * "byte 17: expected ':' after a key, got 'x'", "missing field \"verdict\"". */
int sweep_result_parse(const char *line, struct sweep_result *r, char *err, size_t errlen);
void sweep_result_free(struct sweep_result *r);

/* r as one JSON line (with its newline) -- the same shape the reader takes. */
void sweep_result_write(FILE *f, const struct sweep_result *r);

const char *sweep_verdict_name(enum sweep_verdict v);

/* The states a sweep knows (the contract's names): the rank of state in the order a
 * connection lives through them (the number of states for an unknown one), and the list
 * for messages. */
int sweep_state_rank(const char *state);
const char *sweep_state_list(void);

#endif
