/* lab_cost: what one lab costs -- create (fork, new netns, veth in it via netlink, link
 * and addresses up, wire open, agent greeting) and destroy -- over N rounds; prints the
 * median, p90 and max in milliseconds, split into create and destroy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%-18s median %7.3f ms   p90 %7.3f ms   max %7.3f ms   (n=%d)\n", what, v[n / 2],
	       v[(n * 9) / 10], v[n - 1], n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	if (n < 1 || n > 100000) {
		fprintf(stderr, "usage: lab_cost [ROUNDS (1..100000, default 200)]\n");
		return 2;
	}
	char err[512];
	if (lab_runtime_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "lab_cost: %s\n", err);
		return 2;
	}
	lab_runtime_background_teardown();
	double *create = calloc((size_t)n, sizeof(double));
	double *destroy = calloc((size_t)n, sizeof(double));
	double *total = calloc((size_t)n, sizeof(double));
	if (!create || !destroy || !total)
		return 2;
	double t_start = now_ms();
	for (int i = 0; i < n; i++) {
		struct lab_opts o = {.target = "linux", .id = (unsigned)i + 1};
		double t0 = now_ms();
		struct lab *lab = lab_create(&o, err, sizeof(err));
		double t1 = now_ms();
		if (!lab) {
			fprintf(stderr, "lab_cost: round %d: %s\n", i, err);
			return 1;
		}
		lab_destroy(lab);
		double t2 = now_ms();
		create[i] = t1 - t0;
		destroy[i] = t2 - t1;
		total[i] = t2 - t0;
	}
	/* The background teardown of the labs is part of the bill: the sustained cost is the
	 * wall time of all rounds including the drain, per lab. */
	double t_drain = now_ms();
	lab_runtime_shutdown();
	double t_end = now_ms();
	report("lab create", create, n);
	report("lab destroy", destroy, n);
	report("lab create+destroy", total, n);
	printf("%-18s %7.3f ms per lab over %d rounds, background teardown included (drain %.1f ms)\n",
	       "sustained", (t_end - t_start) / n, n, t_end - t_drain);
	free(create);
	free(destroy);
	free(total);
	return 0;
}
