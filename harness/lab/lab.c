/* lab: one target namespace + link + wire + agent channel per test (see lab.h). This
 * file: the life cycle and the public accessors; lab_int.h says where the rest is. */
#include "lab_int.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frame.h"
#include "reaper.h"
#include "wire.h"

static void wire_close_cb(void *w)
{
	wire_close(w);
}

static void child_reap_cb(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Members of its group that it had started were re-parented to us (we are a
	 * subreaper) when it died: reap them too, so no zombie is left. */
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
}

static void lab_default_addrs(struct lab_addrs *a)
{
	static const uint8_t hm[6] = {0x02, 0x74, 0x63, 0x00, 0x00, 0x01};
	static const uint8_t tm[6] = {0x02, 0x74, 0x63, 0x00, 0x00, 0x02};
	memcpy(a->harness_mac, hm, 6);
	memcpy(a->target_mac, tm, 6);
	const uint8_t h4[4] = {198, 18, 0, 1}, t4[4] = {198, 18, 0, 2};
	memcpy(a->harness4, h4, 4);
	memcpy(a->target4, t4, 4);
	memset(a->harness6, 0, 16);
	a->harness6[0] = 0x20, a->harness6[1] = 0x01, a->harness6[2] = 0x0d, a->harness6[3] = 0xb8;
	memcpy(a->target6, a->harness6, 16);
	a->harness6[15] = 1;
	a->target6[15] = 2;
}

void lab_set_limit(struct lab *lab, double limit)
{
	lab->limit = limit;
}

double lab_now(const struct lab *lab)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return lab_time_of(lab, &now);
}

/* Forks the child that becomes the target, with the control channel and the target's
 * output pipe; the parent keeps their other ends. */
static int lab_fork_child(struct lab *lab, char *err, size_t errlen)
{
	int sv[2], out[2];
	if (lab_words_open(lab, out, err, errlen) < 0)
		return -1;
	lab->out = out[0];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		close(out[1]);
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);
	lab->child = fork();
	if (lab->child < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		close(out[1]);
		return -1;
	}
	lab->pgid = lab->child;
	if (lab->child == 0) {
		close(sv[0]);
		close(lab->out);
		lab_child(&lab->target, sv[1], out[1], parent, &lab->addrs);
	}
	close(sv[1]);
	close(out[1]);
	lab->ctl = sv[0];
	return 0;
}

/* See lab.h. */
struct lab *lab_create(const struct lab_opts *o, char *err, size_t errlen)
{
	struct lab *lab = calloc(1, sizeof(*lab));
	if (!lab) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lab->ctl = -1;
	lab->out = -1;
	lab->child = -1;
	if (target_resolve(o->target ? o->target : "linux", &lab->target, err, errlen) < 0)
		goto fail;
	lab_default_addrs(&lab->addrs);
	lab->mtu = o->mtu ? o->mtu : LAB_MTU;
	if (lab->mtu < LAB_MTU_MIN || lab->mtu > LAB_MTU) {
		snprintf(err, errlen, "lab MTU %u out of range %d..%d", lab->mtu, LAB_MTU_MIN, LAB_MTU);
		goto fail;
	}
	snprintf(lab->dev, sizeof(lab->dev), "tch%u", o->id);
	gettimeofday(&lab->t0, NULL);
	if (lab_fork_child(lab, err, errlen) < 0 || lab_link(lab, err, errlen) < 0)
		goto fail;
	lab->fb = lab_runtime_builder();
	if (!lab->fb) {
		snprintf(err, errlen, "lab_runtime_init() was not called");
		goto fail;
	}
	lab->wire = wire_open(lab->dev, "arp or ip or ip6", err, errlen);
	if (!lab->wire)
		goto fail;
	if (lab_wait_greeting(lab, err, errlen) < 0 || lab_link_ready(lab, err, errlen) < 0 ||
	    lab_apply_options(lab, err, errlen) < 0)
		goto fail;
	return lab;
fail:
	lab_destroy(lab);
	return NULL;
}

/* See lab.h. */
void lab_stop(struct lab *lab)
{
	if (!lab || lab->stopped)
		return;
	lab->stopped = true;
	if (lab->pgid > 0) {
		/* SIGKILL, not a polite quit: the namespace and both link ends vanish with the
		 * child, and no test may depend on what a dying target does. The whole group
		 * goes: the target and whatever it started. */
		kill(-lab->pgid, SIGKILL);
		if (lab->child > 0)
			kill(lab->child, SIGKILL);
	}
	/* What the test sent last is in the capture ring by now (outgoing frames are
	 * captured as they are sent) but not yet read: read it, so the pcap has it. */
	if (lab->wire) {
		char err[256];
		lab->err[0] = 0;
		wire_drain(lab->wire, lab_on_frame, lab, err, sizeof(err));
		wire_dump_close(lab->wire);
	}
}

unsigned lab_capture_drops(struct lab *lab)
{
	return lab->wire ? wire_drops(lab->wire) : 0;
}

/* See lab.h. */
void lab_destroy(struct lab *lab)
{
	if (!lab)
		return;
	lab_stop(lab);
	/* Its exit can take tens of milliseconds (its sockets and namespace are torn down
	 * on the way out): reaped in the background where a reaper runs. */
	if (lab->pgid > 0)
		reaper_defer(child_reap_cb, (void *)(intptr_t)lab->pgid);
	if (lab->ctl >= 0)
		close(lab->ctl);
	if (lab->out >= 0)
		close(lab->out);
	/* Closing the capture and injection sockets costs RCU grace periods: in the
	 * background, so the next lab need not wait for them. */
	if (lab->wire)
		reaper_defer(wire_close_cb, lab->wire);
	for (size_t i = 0; i < lab->nlog; i++)
		free(lab->log[i].frame);
	free(lab->log);
	for (size_t i = 0; i < lab->nreplies; i++)
		free(lab->replies[i].line);
	free(lab->replies);
	free(lab->news);
	free(lab->hello);
	free(lab->ctlbuf);
	tailbuf_free(lab->words);
	free(lab);
}

unsigned lab_mtu(const struct lab *lab)
{
	return lab->mtu;
}

const struct lab_addrs *lab_addrs(const struct lab *lab)
{
	return &lab->addrs;
}

const char *lab_target_name(const struct lab *lab)
{
	return lab->target.name;
}

int lab_target_pid(const struct lab *lab)
{
	return lab->child > 0 ? (int)lab->child : 0;
}

const char *lab_target_info(const struct lab *lab, const char *key)
{
	return lab->hello ? agent_reply_get(&lab->hello_parsed, key) : NULL;
}

int lab_pcap_open(struct lab *lab, const char *path, char *err, size_t errlen)
{
	if (!path) {
		wire_dump_close(lab->wire);
		return 0;
	}
	return wire_dump_open(lab->wire, path, err, errlen);
}

struct frame_builder *lab_builder(struct lab *lab)
{
	return lab->fb;
}

int lab_send_frame(struct lab *lab, const uint8_t *frame, size_t len, char *err, size_t errlen)
{
	return wire_send(lab->wire, frame, len, err, errlen);
}

size_t lab_log_count(const struct lab *lab)
{
	return lab->nlog;
}

const struct lab_rec *lab_log_get(const struct lab *lab, size_t i)
{
	return i < lab->nlog ? &lab->log[i] : NULL;
}
