/* inject_rate: how fast crafted TCP segments get onto a link, every one distinct (source
 * port, sequence number and IP ID change per segment) and correctly checksummed.
 *
 *   inject_rate MODE --dev DEV [--dst-mac MAC] [--count N] [--seconds T]
 *   inject_rate exec --dev DEV [--count N] [--seconds T] -- COMMAND [ARG...]
 *
 * Every sending loop stops at N segments or T seconds, whichever comes first. Run it only
 * inside a network namespace made for the benchmark (bench/run.sh does): it writes raw
 * frames to DEV.
 *
 * Modes (one line "inject MODE[+F] sent=... secs=... pps=... dev_tx=..." each):
 *   ours          the harness path: the process-wide encoder on "lo" (as lab_runtime_init
 *                 opens it), wire_open(DEV, "arp or ip or ip6") as lab_create does, then
 *                 per segment frame_build_tcp() + wire_send(). The first 64 segments are
 *                 decoded first and must have right IPv4/TCP checksums and differ.
 *   flood         the harness's bulk path (c:flood, flood.c): segment 0 built by the
 *                 encoder as a template (frame_tmpl.c), each segment stamped from it
 *                 (RFC 1624 incremental checksums) and sent with wire_send(), sockets as
 *                 in a lab; stamped segments are decoded and checked first
 *   ours|flood --fix F
 *                 the same with changes made from outside the harness, to put a number
 *                 on each cost (F is a comma list):
 *                   nocapout PACKET_IGNORE_OUTGOING on the capture socket: no copy of our
 *                            own frames into the capture ring
 *                   mmsg     each frame copied into a batch, 64 frames per sendmmsg() on
 *                            the wire's own send socket: one syscall per 64 frames
 *                 (libnet's link write and a build per segment, which earlier fixes took
 *                 out, are out of the harness itself: wire.c, frame_tmpl.c)
 *   build         frame_build_tcp() alone, nothing sent: the encoder's share
 *   floor         one prebuilt frame, sendto() on a bare AF_PACKET socket (protocol 0:
 *                 it receives nothing), nothing else open
 *   exec          runs COMMAND (a peer sender: hping3, scapy) and measures it from DEV's
 *                 tx_packets counter, polled every millisecond: the rate over the window
 *                 from the first to the last frame seen; COMMAND gets SIGINT at N frames
 *                 or T seconds after its first frame (or T+10 s after start), SIGKILL 3 s
 *                 later.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "frame_tmpl.h"
#include "segment.h"
#include "wire.h"

#define VERIFY_FRAMES 64 /* frames decoded and checked before every timed loop */
#define CLOCK_EVERY 256  /* frames between two reads of the clock in a loop */

/* What `ours|flood --fix` can change from outside the harness, to measure each cost. */
#define FIX_NOCAPOUT (1u << 0) /* capture socket ignores outgoing frames */
#define FIX_MMSG (1u << 1)     /* BATCH frames per sendmmsg() on the wire's socket */
#define BATCH 64

struct opts {
	const char *mode;
	const char *dev;
	uint8_t dst_mac[6];
	long count;
	double seconds;
	unsigned fix; /* FIX_* */
	const char *fix_name;
	char **cmd;   /* exec mode */
};

struct result {
	long sent;
	double secs;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "inject_rate: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

/* tx_packets of dev in this process's namespace, from /proc/net/dev (no sysfs remount
 * needed in a fresh namespace); -1 if dev is not there. */
static long long dev_tx_packets(const char *dev)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512];
	long long tx = -1;
	size_t dl = strlen(dev);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, dev, dl) != 0 || p[dl] != ':')
			continue;
		unsigned long long v[10];
		if (sscanf(p + dl + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10)
			tx = (long long)v[9]; /* rx: bytes packets errs drop fifo frame compressed
					       * multicast; tx: bytes packets ... */
		break;
	}
	fclose(f);
	return tx;
}

/* The segment number i of a run: every field a receiver could use to tell two segments
 * apart changes (RFC 9293 3.1: the 4-tuple's source port, the sequence number). */
static void seg_fill(struct frame_tcp *f, const struct opts *o, uint32_t i)
{
	static const uint8_t src_mac[6] = {0x02, 0x74, 0x63, 0x00, 0x00, 0x01};
	static const uint8_t src[4] = {198, 18, 0, 1}, dst[4] = {198, 18, 0, 2};

	memset(f, 0, sizeof(*f));
	memcpy(f->eth_src, src_mac, 6);
	memcpy(f->eth_dst, o->dst_mac, 6);
	f->family = AF_INET;
	memcpy(f->src, src, 4);
	memcpy(f->dst, dst, 4);
	f->ttl = 64;
	f->df = true;
	f->ip_id = (uint16_t)i;
	f->sport = (uint16_t)(1024 + i % 64000);
	f->dport = 80;
	f->seq = 0x10000000u + i * 7919u;
	f->flags = SEG_SYN;
	f->win = 65535;
}

/* Decodes the first VERIFY_FRAMES segments the encoder builds and checks that each one
 * has right IPv4 and TCP checksums and differs from the one before (port and seq). */
static void verify_encoder(struct frame_builder *b, const struct opts *o)
{
	struct seg prev = {0}, s;
	char err[256];

	for (uint32_t i = 0; i < VERIFY_FRAMES; i++) {
		struct frame_tcp f;
		const uint8_t *fr;
		size_t len;
		seg_fill(&f, o, i);
		if (frame_build_tcp(b, &f, &fr, &len, err, sizeof(err)) < 0)
			die("frame_build_tcp", err);
		if (seg_decode(fr, len, &s, err, sizeof(err)) < 0 || s.kind != SEG_KIND_TCP)
			die("encoder output does not decode", err);
		if (!s.ip_csum_ok || !s.tcp_csum_ok)
			die("encoder output has a wrong checksum", NULL);
		if (i && (s.sport == prev.sport || s.seq == prev.seq))
			die("two consecutive segments are not distinct", NULL);
		prev = s;
	}
}

/* A bare packet socket that receives nothing (protocol 0), for sendto() on dev. */
static int bare_socket(const char *dev, struct sockaddr_ll *to)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET)", strerror(errno));
	memset(to, 0, sizeof(*to));
	to->sll_family = AF_PACKET;
	to->sll_ifindex = (int)if_nametoindex(dev);
	to->sll_halen = 6;
	if (!to->sll_ifindex)
		die(dev, "no such interface");
	return fd;
}

static bool loop_over(const struct opts *o, long n, double t0, double *t_end)
{
	if (n >= o->count)
		return true;
	if (n % CLOCK_EVERY)
		return false;
	*t_end = now_s();
	return *t_end - t0 >= o->seconds;
}

/* One prebuilt, verified frame (copied out of the builder) for the floor. */
static size_t prebuilt_frame(const struct opts *o, uint8_t *buf, size_t cap)
{
	char err[256];
	struct frame_builder *b = frame_builder_new("lo", err, sizeof(err));
	struct frame_tcp f;
	const uint8_t *fr;
	size_t len;

	if (!b)
		die("frame_builder_new", err);
	verify_encoder(b, o);
	seg_fill(&f, o, 0);
	if (frame_build_tcp(b, &f, &fr, &len, err, sizeof(err)) < 0 || len > cap)
		die("frame_build_tcp", err);
	memcpy(buf, fr, len);
	frame_builder_free(b);
	return len;
}

static struct result run_floor(const struct opts *o)
{
	uint8_t frame[128];
	size_t len = prebuilt_frame(o, frame, sizeof(frame));
	struct sockaddr_ll to;
	int fd = bare_socket(o->dev, &to);
	struct result r = {0};
	double t0 = now_s(), t1 = t0;

	for (r.sent = 0; !loop_over(o, r.sent, t0, &t1); r.sent++)
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
			die("sendto", strerror(errno));
	r.secs = now_s() - t0;
	close(fd);
	return r;
}

/* The harness's sockets, as a lab has them: the process-wide encoder on "lo" and the
 * lab's wire (a protocol-0 packet socket to send + pcap capture, filter as in
 * lab_create) -- and the fixes this benchmark can try on them from outside (--fix). */
struct harness_sockets {
	struct frame_builder *b;
	struct wire *w;
	bool mmsg;                  /* --fix mmsg: frames go out in batches of BATCH */
	int send_fd;                /* the wire's send socket (wire.c has no accessor) */
	struct sockaddr_ll to;      /* dev's address, as wire.c resolves it once */
	uint8_t batch[BATCH][128];  /* frames waiting for sendmmsg() */
	size_t batch_len[BATCH];
	unsigned nbatch;
};

/* The wire's send socket: wire_open opens it (AF_PACKET, protocol 0) just before the
 * capture, so it is the highest packet socket below the capture's descriptor. */
static int wire_send_socket(const struct wire *w)
{
	for (int fd = wire_fd(w) - 1; fd > 2; fd--) {
		int dom, proto;
		socklen_t l = sizeof(dom), lp = sizeof(proto);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 && dom == AF_PACKET)
			return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &lp) == 0 &&
			       proto == 0 ? fd : -1;
	}
	return -1;
}

static void apply_fixes(struct harness_sockets *h, const struct opts *o)
{
	int one = 1;
	if ((o->fix & FIX_NOCAPOUT) && setsockopt(wire_fd(h->w), SOL_PACKET,
						  PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		die("PACKET_IGNORE_OUTGOING", strerror(errno));
	if (o->fix & FIX_MMSG) {
		h->mmsg = true;
		h->send_fd = wire_send_socket(h->w);
		if (h->send_fd < 0)
			die("--fix mmsg", "cannot find the wire's send socket");
		h->to.sll_family = AF_PACKET;
		h->to.sll_ifindex = (int)if_nametoindex(o->dev);
		h->to.sll_halen = 6;
	}
}

static struct harness_sockets harness_open(const struct opts *o)
{
	char err[256];
	struct harness_sockets h;

	memset(&h, 0, sizeof(h));
	h.b = frame_builder_new("lo", err, sizeof(err));
	if (!h.b)
		die("frame_builder_new", err);
	h.w = wire_open(o->dev, "arp or ip or ip6", err, sizeof(err));
	if (!h.w)
		die("wire_open", err);
	verify_encoder(h.b, o);
	apply_fixes(&h, o);
	return h;
}

/* Sends the frames waiting in the batch with one sendmmsg() call. */
static void flush_batch(struct harness_sockets *h)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	unsigned done = 0;

	memset(m, 0, sizeof(m));
	for (unsigned i = 0; i < h->nbatch; i++) {
		iov[i] = (struct iovec){h->batch[i], h->batch_len[i]};
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &h->to;
		m[i].msg_hdr.msg_namelen = sizeof(h->to);
	}
	while (done < h->nbatch) {
		int n = sendmmsg(h->send_fd, m + done, h->nbatch - done, 0);
		if (n <= 0)
			die("sendmmsg", strerror(errno));
		done += (unsigned)n;
	}
	h->nbatch = 0;
}

static void harness_close(struct harness_sockets *h)
{
	wire_close(h->w);
	frame_builder_free(h->b);
}

/* One frame out: wire_send(), or (--fix mmsg) a copy into the batch. */
static void send_frame(struct harness_sockets *h, const uint8_t *fr, size_t len)
{
	char err[256];

	if (h->mmsg) {
		if (len > sizeof(h->batch[0]))
			die("--fix mmsg", "frame longer than a batch slot");
		memcpy(h->batch[h->nbatch], fr, len);
		h->batch_len[h->nbatch++] = len;
		if (h->nbatch == BATCH)
			flush_batch(h);
		return;
	}
	if (wire_send(h->w, fr, len, err, sizeof(err)) < 0)
		die("wire_send", err);
}

static struct result run_ours(const struct opts *o, bool send)
{
	struct harness_sockets h = harness_open(o);
	struct result r = {0};
	char err[256];
	double t0, t1;

	t0 = t1 = now_s();
	for (r.sent = 0; !loop_over(o, r.sent, t0, &t1); r.sent++) {
		struct frame_tcp f;
		const uint8_t *fr;
		size_t len;
		seg_fill(&f, o, (uint32_t)r.sent);
		if (frame_build_tcp(h.b, &f, &fr, &len, err, sizeof(err)) < 0)
			die("frame_build_tcp", err);
		if (send)
			send_frame(&h, fr, len);
	}
	if (h.nbatch)
		flush_batch(&h);
	r.secs = now_s() - t0;
	harness_close(&h);
	return r;
}

/* The stamp of segment i: the fields seg_fill varies. */
static struct frame_stamp stamp_of(const struct opts *o, uint32_t i)
{
	struct frame_tcp f;
	seg_fill(&f, o, i);
	return (struct frame_stamp){.ip_id = f.ip_id, .sport = f.sport, .dport = f.dport,
				    .seq = f.seq, .ack = f.ack};
}

/* The harness's bulk path (c:flood, flood.c): segment 0 built by the encoder as a
 * template (frame_tmpl.c), every segment stamped from it and sent with wire_send (or
 * copied into a sendmmsg() batch: --fix mmsg), the sockets as in a lab. The first
 * VERIFY_FRAMES * 1000 stamps are decoded and checked. */
static struct result run_flood(const struct opts *o)
{
	struct harness_sockets h = harness_open(o);
	struct result r = {0};
	struct frame_tcp f;
	char err[256];
	seg_fill(&f, o, 0);
	struct frame_tmpl *t = frame_tmpl_new(h.b, &f, err, sizeof(err));
	if (!t)
		die("frame_tmpl_new", err);
	for (uint32_t i = 0; i < VERIFY_FRAMES * 1000; i += 997) {
		struct frame_stamp st = stamp_of(o, i);
		size_t len;
		const uint8_t *fr = frame_tmpl_stamp(t, &st, &len);
		struct seg s;
		if (seg_decode(fr, len, &s, err, sizeof(err)) < 0 || !s.ip_csum_ok ||
		    !s.tcp_csum_ok || s.seq != st.seq || s.sport != st.sport)
			die("stamped segment is wrong", err);
	}
	/* As flood.c does: the stamp's fields computed inline, not through seg_fill. */
	double t0, t1;
	t0 = t1 = now_s();
	for (r.sent = 0; !loop_over(o, r.sent, t0, &t1); r.sent++) {
		uint32_t i = (uint32_t)r.sent;
		struct frame_stamp st = {.ip_id = (uint16_t)i, .sport = (uint16_t)(1024 + i % 64000),
					 .dport = 80, .seq = 0x10000000u + i * 7919u};
		size_t len;
		const uint8_t *fr = frame_tmpl_stamp(t, &st, &len);
		send_frame(&h, fr, len);
	}
	if (h.nbatch)
		flush_batch(&h);
	r.secs = now_s() - t0;
	frame_tmpl_free(t);
	harness_close(&h);
	return r;
}

/* Polls dev's tx counter while cmd runs; see the top of the file. */
static struct result run_exec(const struct opts *o)
{
	long long base = dev_tx_packets(o->dev), c1 = -1, c2 = -1, c;
	double start = now_s(), t1 = 0, t2 = 0, t;
	int status;
	pid_t pid;

	if (base < 0)
		die(o->dev, "not in /proc/net/dev");
	pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		execvp(o->cmd[0], o->cmd);
		fprintf(stderr, "inject_rate: exec %s: %s\n", o->cmd[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
		t = now_s();
		c = dev_tx_packets(o->dev);
		if (c > base && c1 < 0)
			c1 = c, t1 = t;
		if (c1 >= 0 && c != c2)
			c2 = c, t2 = t;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (c - base >= o->count || (c1 >= 0 && t - t1 >= o->seconds) ||
		    t - start >= o->seconds + 10) {
			kill(-pid, SIGINT);
			for (int i = 0; i < 3000 && waitpid(pid, &status, WNOHANG) != pid; i++)
				nanosleep(&ms, NULL);
			if (kill(-pid, SIGKILL) == 0)
				waitpid(pid, &status, 0);
			break;
		}
	}
	c = dev_tx_packets(o->dev);
	struct result r = {.sent = c1 >= 0 ? (long)(c2 - c1) : 0, .secs = t2 - t1};
	printf("exec window: %lld frames before the first poll, %lld after the last, %lld in all\n",
	       c1 - base, c - c2, c - base);
	return r;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int parse_fix(const char *s, unsigned *fix)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{"nocapout", FIX_NOCAPOUT}, {"mmsg", FIX_MMSG}, {"none", 0}};
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(t, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		*fix |= names[i].bit;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: inject_rate ours|flood --dev DEV [--dst-mac MAC] [--count N] [--seconds T]\n"
		"                   [--fix nocapout,mmsg]\n"
		"       inject_rate floor|build --dev DEV [--dst-mac MAC] [--count N] [--seconds T]\n"
		"       inject_rate exec --dev DEV [--count N] [--seconds T] -- COMMAND [ARG...]\n"
		"N: 1..100000000 (default 1000000), T: 0.01..60 (default 2)\n");
	exit(2);
}

static struct opts parse_args(int argc, char **argv)
{
	struct opts o = {.count = 1000000, .seconds = 2,
			 .dst_mac = {0x02, 0x74, 0x63, 0x00, 0x00, 0x02}};
	if (argc < 2)
		usage();
	o.mode = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			o.cmd = &argv[i + 1];
			break;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--dev"))
			o.dev = argv[++i];
		else if (!strcmp(argv[i], "--count"))
			o.count = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seconds"))
			o.seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--fix")) {
			o.fix_name = argv[++i];
			if (parse_fix(o.fix_name, &o.fix) < 0)
				usage();
		} else if (!strcmp(argv[i], "--dst-mac")) {
			if (parse_mac(argv[++i], o.dst_mac) < 0)
				usage();
		} else
			usage();
	}
	if (!o.dev || o.count < 1 || o.count > 100000000 || !(o.seconds >= 0.01) ||
	    o.seconds > 60 || (!strcmp(o.mode, "exec") && (!o.cmd || !o.cmd[0])) ||
	    (o.fix_name && strcmp(o.mode, "ours") && strcmp(o.mode, "flood")))
		usage();
	return o;
}

static struct result run_mode(const struct opts *o)
{
	if (!strcmp(o->mode, "ours"))
		return run_ours(o, true);
	if (!strcmp(o->mode, "build"))
		return run_ours(o, false);
	if (!strcmp(o->mode, "flood"))
		return run_flood(o);
	if (!strcmp(o->mode, "floor"))
		return run_floor(o);
	if (!strcmp(o->mode, "exec"))
		return run_exec(o);
	usage();
	return (struct result){0};
}

int main(int argc, char **argv)
{
	struct opts o = parse_args(argc, argv);
	long long tx0 = dev_tx_packets(o.dev);
	struct result r = run_mode(&o);
	long long tx1 = dev_tx_packets(o.dev);

	printf("inject %s%s%s sent=%ld secs=%.4f pps=%.0f ns_per_frame=%.1f dev_tx=%lld\n", o.mode,
	       o.fix_name ? "+" : "", o.fix_name ? o.fix_name : "",
	       r.sent, r.secs, r.secs > 0 ? (double)r.sent / r.secs : 0.0,
	       r.sent ? r.secs * 1e9 / (double)r.sent : 0.0, tx1 - tx0);
	return 0;
}
