#ifndef TCPCONFORM_SWEEP_EMIT_H
#define TCPCONFORM_SWEEP_EMIT_H
#include "sweep_run.h"

/* `tcpconform sweep --emit CASE-ID|all` (issue 10 item 7): a sweep case as a ready T.test
 * script (lua/sweep/emit.lua). With an id: the script of that case, judged with the first
 * target's model knobs, on c->out. With "all": a script per case of OUT/cases.jsonl (a
 * previous sweep into c->out_dir) that differs from the model or is a declared
 * deviation, each judged with the knobs of the target it was found on, written
 * atomically to OUT/emit/<id>.lua (the id's characters outside [A-Za-z0-9.=+-] as '_');
 * a case found on several targets is written once. Why: a disagreement becomes a test
 * that can join the suite. Returns the exit status: 0, 2 on an unknown id, a missing
 * cases.jsonl or a write error (the message on stderr names the id, file or line). */
int sweep_emit(const struct sweep_cmd *c, const char *what);

#endif
