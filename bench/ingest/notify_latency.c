/* Live latency of zws-ingest: asks the fake lookup to produce a block
 * (POST /fake/produce) and measures the time until PostgreSQL delivers the
 * matching NOTIFY zws_block. Prints one latency in ms per block, then
 * "min/median/p95/max".
 * usage: zws-notify-latency CONNINFO FAKE_PORT COUNT GAP_MS */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* POST /fake/produce?count=1; returns the new head or -1. */
static long long produce(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	const char req[] = "POST /fake/produce?count=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return -1;
	}
	char buf[2048];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	const char *h = strstr(buf, "\"head\":");
	return h ? atoll(h + 7) : -1;
}

/* Waits up to timeout_ms for the NOTIFY of block num; returns its time. */
static double wait_notify(PGconn *c, long long num, double timeout_ms)
{
	char want[64];
	snprintf(want, sizeof(want), "{\"block_num\":%lld,", num);
	double deadline = now_ms() + timeout_ms;
	while (now_ms() < deadline) {
		PGnotify *n;
		PQconsumeInput(c);
		while ((n = PQnotifies(c)) != NULL) {
			int hit = strncmp(n->extra, want, strlen(want)) == 0;
			PQfreemem(n);
			if (hit)
				return now_ms();
		}
		struct pollfd p = { PQsocket(c), POLLIN, 0 };
		poll(&p, 1, 10);
	}
	return -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: zws-notify-latency CONNINFO FAKE_PORT COUNT GAP_MS\n");
		return 2;
	}
	int port = atoi(argv[2]), count = atoi(argv[3]), gap = atoi(argv[4]);
	PGconn *c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "%s", PQerrorMessage(c));
		return 1;
	}
	PQclear(PQexec(c, "LISTEN zws_block"));
	double *lat = calloc((size_t)count, sizeof(*lat));
	int got = 0;
	for (int i = 0; i < count; i++) {
		usleep((useconds_t)gap * 1000);
		double t0 = now_ms();
		long long num = produce(port);
		double t1 = num < 0 ? -1 : wait_notify(c, num, 10000);
		if (t1 < 0) {
			fprintf(stderr, "no NOTIFY for block %lld\n", num);
			continue;
		}
		lat[got++] = t1 - t0;
		printf("blk=%lld %.1f\n", num, t1 - t0);
	}
	qsort(lat, (size_t)got, sizeof(*lat), cmp);
	if (got > 0)
		printf("latency_ms min=%.1f median=%.1f p95=%.1f max=%.1f n=%d\n", lat[0], lat[got / 2],
		       lat[(int)(got * 0.95) < got ? (int)(got * 0.95) : got - 1], lat[got - 1], got);
	free(lat);
	PQfinish(c);
	return got == count ? 0 : 1;
}
