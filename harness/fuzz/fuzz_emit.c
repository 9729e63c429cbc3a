/* fuzz_emit: `tcpconform fuzz --emit FILE...` (fuzz_run.h) -- a case (a corpus entry, a
 * finding's case.json or minimised.json) as a ready T.test script, through the core's
 * script_fuzz_case_script; no lab is made. One FILE: the script on the console; several:
 * OUT/emit/<name>.lua each, written atomically. Why: any case of a corpus becomes a test
 * of the suite, and bench/fuzz_campaign.sh runs the fuzzer's own cases through
 * `tcpconform run` to compare one lab per test against the campaign. */
#include "fuzz_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "fuzz.h"
#include "fuzz_store.h"
#include "mkdirs.h"
#include "strbuf.h"
#include "target.h"

static void collect(void *ctx, const char *text)
{
	strbuf_addf(ctx, "%s", text);
}

static int fill_text(FILE *f, const void *ctx)
{
	fputs(strbuf_str(ctx), f);
	return ferror(f);
}

/* The file's name without its directory and extension, as [A-Za-z0-9.=+-_]. */
static void stem_of(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	snprintf(out, len, "%s", base ? base + 1 : path);
	char *dot = strrchr(out, '.');
	if (dot && dot != out)
		*dot = 0;
	for (char *p = out; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.=+-_", *p))
			*p = '_';
}

int fuzz_emit(const struct fuzz_cmd *c, char *const *files, int nfiles)
{
	struct target_spec specs[RUNNER_MAX_TARGETS];
	struct fuzz_opts o = {.ntargets = c->ntargets, .descriptor = c->descriptor,
			      .seed = c->seed, .memory_limit = c->memory_limit};
	char err[4400], dir[4200], path[4400];
	if (target_resolve_all(c->targets, c->ntargets, specs, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: %s\n", err);
		return 2;
	}
	for (int t = 0; t < c->ntargets; t++) {
		o.targets[t] = &specs[t];
		o.target_names[t] = c->targets[t];
	}
	snprintf(dir, sizeof(dir), "%s/emit", c->out_dir);
	if (nfiles > 1 && mkdirs(dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpconform: fuzz --emit: %s\n", err);
		return 2;
	}
	int status = 0;
	for (int i = 0; i < nfiles; i++) {
		size_t len;
		char *text = fuzz_read_file(files[i], &len);
		if (!text) {
			fprintf(stderr, "tcpconform: fuzz --emit: %s: %s\n", files[i], strerror(errno));
			status = 2;
			continue;
		}
		struct strbuf script = {0};
		int rc = script_fuzz_case_script(text, &o, collect, &script, err, sizeof(err));
		free(text);
		if (rc < 0) {
			/* The message, not the Lua traceback: the file is the user's. */
			char *tb = strstr(err, "\nstack traceback:");
			if (tb)
				*tb = 0;
			fprintf(stderr, "tcpconform: fuzz --emit: %s: %s\n", files[i], err);
			status = 2;
		} else if (nfiles == 1) {
			fputs(strbuf_str(&script), c->out);
		} else {
			char stem[300];
			stem_of(files[i], stem, sizeof(stem));
			snprintf(path, sizeof(path), "%s/%s.lua", dir, stem);
			if (atomic_file_write(path, fill_text, &script, "fuzz --emit", err,
					      sizeof(err)) < 0) {
				fprintf(stderr, "tcpconform: %s\n", err);
				status = 2;
			}
		}
		strbuf_free(&script);
	}
	if (nfiles > 1 && status == 0)
		fprintf(c->out, "%d scripts in %s\n", nfiles, dir);
	return status;
}
