/* console: what the run prints (see console.h). */
#include "console.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLOWEST 5

struct slow {
	const struct plan_test *t;
	const struct plan *p;
	double seconds;
};

struct console {
	FILE *out;
	bool tty, color, verbose, progress_shown;
	int total, done, running;
	const char *last_started;
	struct slow slowest[SLOWEST];
};

struct console *console_new(FILE *out, int njobs, bool verbose)
{
	struct console *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->out = out;
	c->total = njobs;
	c->verbose = verbose;
	c->tty = isatty(fileno(out)) && getenv("CI") == NULL;
	/* https://no-color.org: any non-empty NO_COLOR turns colours off. */
	const char *nc = getenv("NO_COLOR");
	c->color = c->tty && !(nc && *nc);
	return c;
}

void console_free(struct console *c)
{
	free(c);
}

static void progress_clear(struct console *c)
{
	if (c->progress_shown) {
		fputs("\r\033[K", c->out);
		c->progress_shown = false;
	}
}

static void progress_show(struct console *c)
{
	if (!c->tty)
		return;
	progress_clear(c);
	fprintf(c->out, "[%d/%d] %d running%s%.60s", c->done, c->total, c->running,
		c->last_started ? ", latest: " : "", c->last_started ? c->last_started : "");
	fflush(c->out);
	c->progress_shown = true;
}

void console_started(struct console *c, const struct plan_test *t)
{
	c->running++;
	c->last_started = t->name;
	progress_show(c);
}

static void note_time(struct console *c, const struct plan *p, const struct plan_test *t,
		      double seconds)
{
	for (int i = 0; i < SLOWEST; i++) {
		if (c->slowest[i].t && c->slowest[i].seconds >= seconds)
			continue;
		memmove(&c->slowest[i + 1], &c->slowest[i], (SLOWEST - 1 - (size_t)i) * sizeof(c->slowest[0]));
		c->slowest[i] = (struct slow){t, p, seconds};
		return;
	}
}

void console_finished(struct console *c, const struct plan *p, const struct plan_test *t,
		      double seconds)
{
	c->running--;
	c->done++;
	note_time(c, p, t, seconds);
	progress_show(c);
}

static void print_indented(FILE *out, const char *text)
{
	fputs("      ", out);
	for (const char *q = text; *q; q++) {
		fputc(*q, out);
		if (*q == '\n' && q[1])
			fputs("      ", out);
	}
	if (!*text || text[strlen(text) - 1] != '\n')
		fputc('\n', out);
}

static const char *word(enum verdict st, int runs, int passes)
{
	if (st == VERDICT_FAIL && runs > 1 && passes > 0)
		return "FLAKY";
	switch (st) {
	case VERDICT_PASS: return "PASS ";
	case VERDICT_FAIL: return "FAIL ";
	case VERDICT_ERROR: return "ERROR";
	default: return "SKIP ";
	}
}

static const char *colour(enum verdict st)
{
	switch (st) {
	case VERDICT_PASS: return "\033[32m";
	case VERDICT_SKIP: return "\033[33m";
	default: return "\033[1;31m";
	}
}

void console_result(struct console *c, const struct plan *p, const struct plan_test *t,
		    const char *target, enum verdict st, const char *message, const char *detail,
		    const char *log, double seconds, int runs, int passes)
{
	progress_clear(c);
	const char *w = word(st, runs, passes);
	if (c->color)
		fprintf(c->out, "%s%s\033[0m", colour(st), w);
	else
		fputs(w, c->out);
	if (target)
		fprintf(c->out, " [%s]", target);
	fprintf(c->out, " %-4s %s: %s (%.2fs", t->id, p->suites[t->suite].name, t->name, seconds);
	/* A test skipped in every run did not fail to pass: "0/10 runs passed" would say
	 * it did. */
	if (runs > 1 && st == VERDICT_SKIP && passes == 0)
		fprintf(c->out, ", skipped in all %d runs", runs);
	else if (runs > 1)
		fprintf(c->out, ", %d/%d runs passed", passes, runs);
	fputs(")\n", c->out);
	if (st != VERDICT_PASS) {
		if (runs > 1 && passes > 0)
			print_indented(c->out, message);
		print_indented(c->out, detail && *detail ? detail : message);
	}
	if (c->verbose && log && *log)
		print_indented(c->out, log);
	progress_show(c);
	fflush(c->out);
}

void console_load_error(struct console *c, const char *suite, const char *error)
{
	progress_clear(c);
	fprintf(c->out, "%s      %s: script does not load\n",
		c->color ? "\033[1;31mERROR\033[0m" : "ERROR", suite);
	print_indented(c->out, error);
	fflush(c->out);
}

void console_summary(struct console *c, const struct console_totals *tot, double wall,
		     unsigned seed, int jobs)
{
	progress_clear(c);
	if (c->slowest[0].t) {
		fputs("slowest:\n", c->out);
		for (int i = 0; i < SLOWEST && c->slowest[i].t; i++)
			fprintf(c->out, "  %7.2fs  %s: %s\n", c->slowest[i].seconds,
				c->slowest[i].p->suites[c->slowest[i].t->suite].name, c->slowest[i].t->name);
	}
	fprintf(c->out, "seed %u, %d jobs, wall time %.2fs\n", seed, jobs, wall);
	/* The closing line CI tools read: "N passed, N failed". */
	fprintf(c->out, "%d passed, %d failed", tot->passed, tot->failed + tot->errors);
	if (tot->skipped)
		fprintf(c->out, ", %d skipped", tot->skipped);
	if (tot->errors || tot->flaky)
		fprintf(c->out, " (%d errors, %d flaky)", tot->errors, tot->flaky);
	fputc('\n', c->out);
	fflush(c->out);
}
