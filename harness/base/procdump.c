/* procdump: kernel-side view of a stuck process tree (see procdump.h). */
#include "procdump.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCAN 4096

struct proc {
	pid_t pid, ppid;
};

/* /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so
 * the fields after it are found from the last ')'. */
static bool read_stat(const char *dir, char *comm, size_t commlen, char *state, pid_t *ppid)
{
	char path[300], buf[1024];
	snprintf(path, sizeof(path), "%s/stat", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return false;
	int ppid_i;
	if (sscanf(close + 1, " %c %d", state, &ppid_i) != 2)
		return false;
	*ppid = ppid_i;
	snprintf(comm, commlen, "%.*s", (int)(close - open - 1), open + 1);
	return true;
}

static void read_line(const char *path, char *out, size_t outlen)
{
	out[0] = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(out, (int)outlen, f))
		out[0] = 0;
	fclose(f);
	out[strcspn(out, "\n")] = 0;
}

/* One task: its state, wait channel and the top of its kernel stack. */
static void dump_task(const char *dir, const char *what, struct strbuf *out)
{
	char comm[64], state = '?', wchan[128], path[300];
	pid_t ppid;
	if (!read_stat(dir, comm, sizeof(comm), &state, &ppid))
		return;
	snprintf(path, sizeof(path), "%s/wchan", dir);
	read_line(path, wchan, sizeof(wchan));
	strbuf_addf(out, "  %s (%s) state %c%s%s\n", what, comm, state,
		    wchan[0] && strcmp(wchan, "0") ? ", waiting in " : "",
		    wchan[0] && strcmp(wchan, "0") ? wchan : "");
	snprintf(path, sizeof(path), "%s/stack", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char line[256];
	for (int i = 0; i < PROCDUMP_MAX_FRAMES && fgets(line, sizeof(line), f); i++) {
		line[strcspn(line, "\n")] = 0;
		/* "[<0>] do_select+0x2f1/0x5b0": the address is always 0 for non-root readers
		 * and says nothing; the symbol does. */
		const char *sym = strstr(line, "] ");
		strbuf_addf(out, "      %s\n", sym ? sym + 2 : line);
	}
	fclose(f);
}

static void dump_proc(pid_t pid, struct strbuf *out)
{
	char dir[64], what[64];
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	int ntasks = 0;
	while ((e = readdir(d)) && ntasks < 8) {
		long tid = strtol(e->d_name, NULL, 10);
		if (tid <= 0)
			continue;
		char tdir[300];
		snprintf(tdir, sizeof(tdir), "%s/%ld", dir, tid);
		if (tid == pid)
			snprintf(what, sizeof(what), "pid %d", (int)pid);
		else
			snprintf(what, sizeof(what), "pid %d thread %ld", (int)pid, tid);
		dump_task(tdir, what, out);
		ntasks++;
	}
	closedir(d);
}

/* Every process's pid and parent, up to MAX_SCAN of them. */
static size_t scan_procs(struct proc *all)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < MAX_SCAN) {
		long pid = strtol(e->d_name, NULL, 10);
		if (pid <= 0)
			continue;
		char dir[64], comm[64], state;
		pid_t ppid;
		snprintf(dir, sizeof(dir), "/proc/%ld", pid);
		if (read_stat(dir, comm, sizeof(comm), &state, &ppid))
			all[n++] = (struct proc){(pid_t)pid, ppid};
	}
	closedir(d);
	return n;
}

void procdump_tree(pid_t root, struct strbuf *out)
{
	struct proc *all = malloc(MAX_SCAN * sizeof(*all));
	if (!all)
		return;
	size_t n = scan_procs(all);
	/* Breadth first from the root: the worker, then its lab, then what the lab started. */
	pid_t queue[PROCDUMP_MAX_PROCS];
	size_t head = 0, tail = 0;
	queue[tail++] = root;
	while (head < tail) {
		pid_t p = queue[head++];
		dump_proc(p, out);
		for (size_t i = 0; i < n && tail < PROCDUMP_MAX_PROCS; i++)
			if (all[i].ppid == p)
				queue[tail++] = all[i].pid;
	}
	free(all);
}
