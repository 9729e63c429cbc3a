#ifndef TCPCONFORM_VERDICT_H
#define TCPCONFORM_VERDICT_H

/* The outcome of one test, as a script produces it (script/) and the runner reports it
 * (run/: console; report/: JUnit, matrix). It lives in base/ because all of them speak
 * it and script/ may include neither run/ nor report/. The order is the order of
 * tcpconform.lua's _judge statuses (pass, fail, error, skip): script.c maps them by
 * index. */
enum verdict { VERDICT_PASS, VERDICT_FAIL, VERDICT_ERROR, VERDICT_SKIP };

#endif
