/* Integration harness: databases, processes, HTTP and a raw WebSocket
 * client for the end-to-end tests. Blocking and simple on purpose: each
 * test is one process (Criterion forks per test) driving real programs. */
#define _GNU_SOURCE
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 32

struct it_proc {
	pid_t pid;
	char name[64];
	char log[1024];
	bool exited;
	int status;
};

static struct it_proc procs[MAX_PROCS];
static int nprocs;
static bool cleanup_registered;

long long it_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert(r >= 0, "out of memory");
	return s;
}

/* ---- log directory of the running test ---- */

static const char *test_log_dir(void)
{
	static char dir[512];
	if (dir[0])
		return dir;
	const char *suite = criterion_current_suite ? criterion_current_suite->name : "suite";
	const char *test = criterion_current_test ? criterion_current_test->name : "test";
	snprintf(dir, sizeof(dir), "%s/../tests/logs/%s.%s", ZWS_BIN_DIR, suite, test);
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	int r = system(cmd);
	(void)r;
	return dir;
}

/* ---- database ---- */

static char *admin_conninfo(void)
{
	const char *dir = getenv("ZWS_TEST_PG_DIR");
	return xasprintf("host=%s dbname=postgres user=postgres", dir ? dir : ZWS_TEST_PG_DIR);
}

char *it_db_new(void)
{
	static int counter;
	char *admin = admin_conninfo();
	char name[64];
	snprintf(name, sizeof(name), "zws_t%d_%d_%ld", (int)getpid(), ++counter, (long)time(NULL) % 100000);
	char *sql = xasprintf("CREATE DATABASE %s", name);
	it_db_exec(admin, sql);
	free(sql);
	const char *dir = getenv("ZWS_TEST_PG_DIR");
	char *conn = xasprintf("host=%s dbname=%s user=postgres", dir ? dir : ZWS_TEST_PG_DIR, name);
	free(admin);
	return conn;
}

static PGresult *db_run(const char *conninfo, const char *sql, char **err)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		*err = xasprintf("connect %s: %s", conninfo, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		*err = xasprintf("%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		r = NULL;
	}
	PQfinish(c);
	return r;
}

void it_db_exec(const char *conninfo, const char *sql)
{
	char *err = NULL;
	PGresult *r = db_run(conninfo, sql, &err);
	cr_assert(r, "sql failed: %s", err);
	PQclear(r);
}

/* Like it_db_scalar, but a failing query (a table not created yet) is
 * expected and not reported. */
static char *db_scalar_quiet(const char *conninfo, const char *sql, bool quiet)
{
	char *err = NULL;
	PGresult *r = db_run(conninfo, sql, &err);
	if (!r) {
		if (!quiet)
			cr_log_warn("%s", err);
		free(err);
		return NULL;
	}
	char *v = strdup(PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return v;
}

char *it_db_scalar(const char *conninfo, const char *sql)
{
	return db_scalar_quiet(conninfo, sql, false);
}

long long it_db_count(const char *conninfo, const char *sql)
{
	char *err = NULL;
	PGresult *r = db_run(conninfo, sql, &err);
	cr_assert(r, "sql failed: %s", err);
	cr_assert(PQntuples(r) == 1, "expected one row from: %s", sql);
	long long v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/* ---- processes ---- */

static void kill_all(void)
{
	for (int i = 0; i < nprocs; i++)
		if (!procs[i].exited && procs[i].pid > 0) {
			kill(procs[i].pid, SIGKILL);
			waitpid(procs[i].pid, NULL, 0);
		}
}

static void dump_logs(void)
{
	for (int i = 0; i < nprocs; i++) {
		FILE *f = fopen(procs[i].log, "r");
		if (!f)
			continue;
		fprintf(stderr, "----- %s (%s) -----\n", procs[i].name, procs[i].log);
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, size > 8000 ? size - 8000 : 0, SEEK_SET);
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stderr);
		fclose(f);
	}
}

/* Criterion runs each test in its own process and reports failures from
 * the parent; when this process exits after a failed assertion, the logs
 * of everything it started are printed next to the failure. */
static void at_exit_cleanup(void)
{
	kill_all();
	if (criterion_current_test && getenv("ZWS_IT_QUIET") == NULL) {
		/* Criterion exposes no per-test verdict in the worker; a marker file
		 * written on success tells them apart. */
		char ok[1100];
		snprintf(ok, sizeof(ok), "%s/.passed", test_log_dir());
		if (access(ok, F_OK) != 0)
			dump_logs();
	}
}

static char *read_file(const char *path);

/* What AddressSanitizer, LeakSanitizer and UBSan print when they find
 * something (a sanitizer build reports there, and exits non-zero only for
 * some of them). */
static const char *const sanitizer_markers[] = {
	"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
};

/* Stops what is still running with SIGTERM, so leak checks run at exit,
 * and fails the test when any program's log holds a sanitizer report. */
static void assert_no_sanitizer_reports(void)
{
	for (int i = 0; i < nprocs; i++)
		if (!procs[i].exited && procs[i].pid > 0)
			it_proc_stop(&procs[i], SIGTERM, 10000);
	for (int i = 0; i < nprocs; i++) {
		char *text = read_file(procs[i].log);
		for (size_t m = 0; text && m < sizeof(sanitizer_markers) / sizeof(sanitizer_markers[0]); m++) {
			const char *hit = strstr(text, sanitizer_markers[m]);
			if (hit) {
				char first[201];
				fprintf(stderr, "----- %s: sanitizer report -----\n%.6000s\n", procs[i].name, hit);
				snprintf(first, sizeof(first), "%s", hit);
				free(text);
				cr_assert_fail("%s reported: %s", procs[i].name, first);
			}
		}
		free(text);
	}
}

void it_mark_passed(void)
{
	assert_no_sanitizer_reports();
	char ok[1100];
	snprintf(ok, sizeof(ok), "%s/.passed", test_log_dir());
	FILE *f = fopen(ok, "w");
	if (f)
		fclose(f);
}

struct it_proc *it_proc_start(const char *name, char *const argv[])
{
	cr_assert(nprocs < MAX_PROCS, "too many processes");
	if (!cleanup_registered) {
		atexit(at_exit_cleanup);
		cleanup_registered = true;
	}
	struct it_proc *p = &procs[nprocs++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->log, sizeof(p->log), "%s/%s.log", test_log_dir(), name);
	int fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "open %s: %s", p->log, strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		setpgid(0, 0);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	p->pid = pid;
	return p;
}

static bool reap(struct it_proc *p, int timeout_ms)
{
	long long end = it_now_ms() + timeout_ms;
	while (!p->exited) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);
		if (r == p->pid) {
			p->exited = true;
			break;
		}
		if (it_now_ms() >= end)
			return false;
		usleep(10000);
	}
	return true;
}

int it_proc_stop(struct it_proc *p, int sig, int timeout_ms)
{
	if (!p)
		return -1;
	if (!p->exited)
		kill(p->pid, sig);
	if (!reap(p, timeout_ms)) {
		kill(p->pid, SIGKILL);
		reap(p, 5000);
		return -1;
	}
	return p->status;
}

int it_proc_wait(struct it_proc *p, int timeout_ms)
{
	return reap(p, timeout_ms) ? p->status : -1;
}

bool it_proc_running(struct it_proc *p)
{
	return !reap(p, 0);
}

pid_t it_proc_pid(const struct it_proc *p)
{
	return p->pid;
}

const char *it_proc_log(const struct it_proc *p)
{
	return p->log;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

bool it_log_wait(const struct it_proc *p, const char *needle, int timeout_ms)
{
	long long end = it_now_ms() + timeout_ms;
	for (;;) {
		char *s = read_file(p->log);
		bool found = s && strstr(s, needle);
		free(s);
		if (found)
			return true;
		if (it_now_ms() >= end)
			return false;
		usleep(20000);
	}
}

const char *it_bin(const char *program)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 512, "%s/%s", ZWS_BIN_DIR, program);
	return p;
}

const char *it_fixture(const char *file)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 512, "%s/%s", FIXTURES_DIR, file);
	return p;
}

char *it_fixture_read(const char *file)
{
	char *s = read_file(it_fixture(file));
	cr_assert(s, "missing fixture %s", file);
	return s;
}

char *it_fixture_result(const char *file)
{
	struct json_object *o = json_object_from_file(it_fixture(file));
	cr_assert(o, "fixture %s does not parse", file);
	struct json_object *r;
	cr_assert(json_object_object_get_ex(o, "result", &r), "fixture %s has no result", file);
	char *s = strdup(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

bool it_json_equal(const char *a, const char *b)
{
	struct json_object *x = json_tokener_parse(a), *y = json_tokener_parse(b);
	bool eq = x && y && json_object_equal(x, y);
	json_object_put(x);
	json_object_put(y);
	return eq;
}

/* ---- network ---- */

static int tcp_connect(int port, int timeout_ms)
{
	long long end = it_now_ms() + timeout_ms;
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		close(fd);
		if (it_now_ms() >= end)
			return -1;
		usleep(20000);
	}
}

int it_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind: %s", strerror(errno));
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

bool it_wait_port(int port, int timeout_ms)
{
	int fd = tcp_connect(port, timeout_ms);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads up to len bytes within the deadline; returns bytes read, 0 on EOF,
 * -1 on timeout or error. */
static ssize_t read_deadline(int fd, void *buf, size_t len, long long deadline)
{
	for (;;) {
		long long left = deadline - it_now_ms();
		if (left < 0)
			left = 0;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t n = recv(fd, buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

int it_http(int port, const char *method, const char *path, const char *body,
	    char **resp_body)
{
	if (resp_body)
		*resp_body = NULL;
	int fd = tcp_connect(port, 2000);
	if (fd < 0)
		return -1;
	size_t blen = body ? strlen(body) : 0;
	char *req = xasprintf("%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
			      "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			      method, path, blen, body ? body : "");
	bool ok = write_all(fd, req, strlen(req));
	free(req);
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	long long deadline = it_now_ms() + 10000;
	while (ok) {
		if (n + 4096 > cap)
			buf = realloc(buf, cap *= 2);
		ssize_t r = read_deadline(fd, buf + n, cap - n - 1, deadline);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	int status = -1;
	if (sscanf(buf, "HTTP/%*s %d", &status) != 1)
		status = -1;
	char *sep = strstr(buf, "\r\n\r\n");
	if (resp_body && sep)
		*resp_body = strdup(sep + 4);
	free(buf);
	return status;
}

/* ---- WebSocket client ---- */

struct it_ws {
	int fd;
	char *buf; /* bytes read but not yet parsed */
	size_t len, cap;
	int close_code;
};

#define IT_WS_HEADERS "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

static int handshake_req(int fd, int timeout_ms, struct it_ws *ws, const char *req, char **head);

static int handshake_with(int fd, int timeout_ms, struct it_ws *ws, const char *headers, char **head)
{
	char req[2048];
	snprintf(req, sizeof(req),
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\n%sOrigin: http://127.0.0.1\r\n\r\n", headers);
	return handshake_req(fd, timeout_ms, ws, req, head);
}

/* Sends the upgrade request req and reads the response head. */
static int handshake_req(int fd, int timeout_ms, struct it_ws *ws, const char *req, char **head)
{
	if (!write_all(fd, req, strlen(req)))
		return -1;
	long long deadline = it_now_ms() + timeout_ms;
	for (;;) {
		if (ws->len + 4096 > ws->cap)
			ws->buf = realloc(ws->buf, ws->cap = ws->cap * 2 + 8192);
		ssize_t r = read_deadline(fd, ws->buf + ws->len, ws->cap - ws->len - 1, deadline);
		if (r <= 0)
			return -1;
		ws->len += (size_t)r;
		ws->buf[ws->len] = '\0';
		char *end = strstr(ws->buf, "\r\n\r\n");
		if (!end)
			continue;
		int status = -1;
		if (sscanf(ws->buf, "HTTP/1.1 %d", &status) != 1)
			return -1;
		size_t hdr = (size_t)(end + 4 - ws->buf);
		if (head)
			*head = strndup(ws->buf, hdr);
		memmove(ws->buf, ws->buf + hdr, ws->len - hdr);
		ws->len -= hdr;
		return status;
	}
}

static int handshake(int fd, int timeout_ms, struct it_ws *ws)
{
	return handshake_with(fd, timeout_ms, ws, IT_WS_HEADERS, NULL);
}

int it_ws_handshake(int port, const char *headers, char **head, int timeout_ms)
{
	if (head)
		*head = NULL;
	int fd = tcp_connect(port, timeout_ms);
	if (fd < 0)
		return -1;
	struct it_ws ws = { .fd = fd };
	int status = handshake_with(fd, timeout_ms, &ws, headers, head);
	free(ws.buf);
	close(fd);
	return status;
}

int it_ws_connect_status(int port, int timeout_ms)
{
	int fd = tcp_connect(port, timeout_ms);
	if (fd < 0)
		return -1;
	struct it_ws ws = { .fd = fd };
	int status = handshake(fd, timeout_ms, &ws);
	free(ws.buf);
	close(fd);
	return status;
}

struct it_ws *it_ws_connect(int port, int timeout_ms)
{
	int fd = tcp_connect(port, timeout_ms);
	if (fd < 0)
		return NULL;
	struct it_ws *ws = calloc(1, sizeof(*ws));
	ws->fd = fd;
	ws->close_code = 0;
	if (handshake(fd, timeout_ms, ws) != 101) {
		it_ws_close(ws);
		return NULL;
	}
	return ws;
}

struct it_ws *it_ws_connect_as(int port, const char *source, const char *origin, int *status, int timeout_ms)
{
	*status = -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	inet_pton(AF_INET, source ? source : "127.0.0.1", &src.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char req[1024];
	snprintf(req, sizeof(req),
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		 IT_WS_HEADERS "%s%s%s\r\n", origin ? "Origin: " : "", origin ? origin : "", origin ? "\r\n" : "");
	struct it_ws *ws = calloc(1, sizeof(*ws));
	ws->fd = fd;
	*status = handshake_req(fd, timeout_ms, ws, req, NULL);
	if (*status != 101) {
		it_ws_close(ws);
		return NULL;
	}
	return ws;
}

bool it_ws_send_raw(struct it_ws *ws, const void *bytes, size_t len)
{
	return write_all(ws->fd, bytes, len);
}

bool it_ws_send_frame(struct it_ws *ws, int opcode, bool fin, const void *data, size_t len)
{
	unsigned char *f = malloc(len + 14);
	size_t n = 0;
	f[n++] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
	if (len < 126) {
		f[n++] = (unsigned char)(0x80 | len);
	} else if (len < 65536) {
		f[n++] = 0x80 | 126;
		f[n++] = (unsigned char)(len >> 8);
		f[n++] = (unsigned char)len;
	} else {
		f[n++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			f[n++] = (unsigned char)((uint64_t)len >> (8 * i));
	}
	const unsigned char mask[4] = { 0x12, 0x34, 0x56, 0x78 };
	memcpy(f + n, mask, 4);
	n += 4;
	for (size_t i = 0; i < len; i++)
		f[n + i] = ((const unsigned char *)data)[i] ^ mask[i % 4];
	bool ok = write_all(ws->fd, f, n + len);
	free(f);
	return ok;
}

bool it_ws_send(struct it_ws *ws, const char *text)
{
	return it_ws_send_frame(ws, IT_WS_TEXT, true, text, strlen(text));
}

/* Parses one frame from ws->buf if complete. */
static bool parse_frame(struct it_ws *ws, struct it_ws_frame *f)
{
	const unsigned char *b = (const unsigned char *)ws->buf;
	if (ws->len < 2)
		return false;
	size_t hdr = 2;
	uint64_t plen = b[1] & 0x7f;
	if (plen == 126) {
		if (ws->len < 4)
			return false;
		plen = (uint64_t)b[2] << 8 | b[3];
		hdr = 4;
	} else if (plen == 127) {
		if (ws->len < 10)
			return false;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = plen << 8 | b[2 + i];
		hdr = 10;
	}
	if (ws->len < hdr + plen)
		return false;
	f->fin = b[0] & 0x80;
	f->opcode = b[0] & 0x0f;
	f->len = (size_t)plen;
	f->data = malloc(f->len + 1);
	memcpy(f->data, ws->buf + hdr, f->len);
	f->data[f->len] = '\0';
	f->close_code = 0;
	if (f->opcode == IT_WS_CLOSE)
		f->close_code = f->len >= 2 ? ((unsigned char)f->data[0] << 8 | (unsigned char)f->data[1]) : 1005;
	memmove(ws->buf, ws->buf + hdr + plen, ws->len - hdr - plen);
	ws->len -= hdr + plen;
	return true;
}

bool it_ws_recv_frame(struct it_ws *ws, struct it_ws_frame *f, int timeout_ms)
{
	long long deadline = it_now_ms() + timeout_ms;
	for (;;) {
		long long left = deadline - it_now_ms();
		if (!it_ws_recv_frame_raw(ws, f, left > 0 ? (int)left : 0))
			return false;
		if (f->opcode != IT_WS_PING)
			return true;
		it_ws_send_frame(ws, IT_WS_PONG, true, f->data, f->len);
		it_ws_frame_free(f);
	}
}

bool it_ws_recv_frame_raw(struct it_ws *ws, struct it_ws_frame *f, int timeout_ms)
{
	long long deadline = it_now_ms() + timeout_ms;
	for (;;) {
		if (parse_frame(ws, f)) {
			if (f->opcode == IT_WS_CLOSE)
				ws->close_code = f->close_code;
			return true;
		}
		if (ws->len + 65536 > ws->cap)
			ws->buf = realloc(ws->buf, ws->cap = ws->cap * 2 + 65536);
		ssize_t r = read_deadline(ws->fd, ws->buf + ws->len, ws->cap - ws->len, deadline);
		if (r == 0 && ws->close_code == 0)
			ws->close_code = 1006;
		if (r <= 0)
			return false;
		ws->len += (size_t)r;
	}
}

void it_ws_frame_free(struct it_ws_frame *f)
{
	free(f->data);
	f->data = NULL;
}

char *it_ws_recv(struct it_ws *ws, int timeout_ms)
{
	long long deadline = it_now_ms() + timeout_ms;
	char *msg = NULL;
	size_t len = 0;
	for (;;) {
		struct it_ws_frame f;
		long long left = deadline - it_now_ms();
		if (!it_ws_recv_frame(ws, &f, left > 0 ? (int)left : 0)) {
			free(msg);
			return NULL;
		}
		if (f.opcode == IT_WS_CLOSE || f.opcode == IT_WS_PONG) {
			it_ws_frame_free(&f);
			if (f.opcode == IT_WS_CLOSE) {
				free(msg);
				return NULL;
			}
			continue;
		}
		msg = realloc(msg, len + f.len + 1);
		memcpy(msg + len, f.data, f.len);
		len += f.len;
		msg[len] = '\0';
		bool fin = f.fin;
		it_ws_frame_free(&f);
		if (fin)
			return msg;
	}
}

int it_ws_close_code(const struct it_ws *ws)
{
	return ws->close_code;
}

bool it_ws_silent(struct it_ws *ws, int ms)
{
	char *m = it_ws_recv(ws, ms);
	if (m) {
		cr_log_error("unexpected message: %.300s", m);
		free(m);
		return false;
	}
	return true;
}

void it_ws_close(struct it_ws *ws)
{
	if (!ws)
		return;
	close(ws->fd);
	free(ws->buf);
	free(ws);
}

void it_ws_reset(struct it_ws *ws)
{
	struct linger hard = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(ws->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
	it_ws_close(ws);
}

/* ---- the whole pipeline ---- */

static void push_args(char **argv, int *argc, const char *const *extra)
{
	for (; extra && *extra; extra++)
		argv[(*argc)++] = (char *)*extra;
}

long long it_lookup_produce(int lookup_port, int count)
{
	char path[64];
	snprintf(path, sizeof(path), "/fake/produce?count=%d", count);
	char *body = NULL;
	int st = it_http(lookup_port, "POST", path, "", &body);
	cr_assert(st == 200, "fake lookup produce answered %d: %s", st, body ? body : "");
	struct json_object *o = json_tokener_parse(body);
	struct json_object *h;
	cr_assert(o && json_object_object_get_ex(o, "head", &h), "bad produce answer: %s", body);
	long long head = json_object_get_int64(h);
	json_object_put(o);
	free(body);
	return head;
}

bool it_wait_block(const char *db, long long block_num, int timeout_ms)
{
	long long end = it_now_ms() + timeout_ms;
	for (;;) {
		char *v = db_scalar_quiet(db, "SELECT block_num FROM ingest_cursor", true);
		bool ok = v && *v && atoll(v) >= block_num;
		free(v);
		if (ok)
			return true;
		if (it_now_ms() >= end)
			return false;
		usleep(50000);
	}
}

void it_stack_start(struct it_stack *s, const struct it_stack_opts *o)
{
	static const struct it_stack_opts none;
	if (!o)
		o = &none;
	memset(s, 0, sizeof(*s));
	s->db = it_db_new();
	s->lookup_port = it_free_port();
	char lport[16], height[32], zport[16], lookup_url[64];
	snprintf(lport, sizeof(lport), "%d", s->lookup_port);
	snprintf(lookup_url, sizeof(lookup_url), "http://127.0.0.1:%d", s->lookup_port);

	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)it_bin("zws-fake-lookup");
	argv[argc++] = "--port";
	argv[argc++] = lport;
	if (o->height) {
		snprintf(height, sizeof(height), "%lld", o->height);
		argv[argc++] = "--height";
		argv[argc++] = height;
	}
	push_args(argv, &argc, o->lookup_args);
	argv[argc] = NULL;
	s->lookup = it_proc_start("fake-lookup", argv);
	cr_assert(it_wait_port(s->lookup_port, 10000), "fake lookup did not open port %d", s->lookup_port);

	argc = 0;
	argv[argc++] = (char *)it_bin("zws-ingest");
	argv[argc++] = "--db";
	argv[argc++] = s->db;
	argv[argc++] = "--lookup";
	argv[argc++] = lookup_url;
	argv[argc++] = "--poll-ms";
	argv[argc++] = "100";
	push_args(argv, &argc, o->ingest_args);
	argv[argc] = NULL;
	s->ingest = it_proc_start("ingest", argv);
	long long deadline = it_now_ms() + 20000;
	for (;;) {
		char *v = db_scalar_quiet(s->db, "SELECT count(*) FROM ingest_cursor", true);
		bool ready = v && atoll(v) > 0;
		free(v);
		if (ready)
			break;
		cr_assert(it_proc_running(s->ingest), "zws-ingest exited early");
		cr_assert(it_now_ms() < deadline, "zws-ingest committed no block within 20 s");
		usleep(50000);
	}
	if (o->no_zws)
		return;

	s->zws_port = it_free_port();
	snprintf(zport, sizeof(zport), "%d", s->zws_port);
	argc = 0;
	argv[argc++] = (char *)it_bin(o->zws_program ? o->zws_program : "zws");
	argv[argc++] = "--db";
	argv[argc++] = s->db;
	argv[argc++] = "--host";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "--port";
	argv[argc++] = zport;
	argv[argc++] = "--lookup";
	argv[argc++] = lookup_url;
	push_args(argv, &argc, o->zws_args);
	argv[argc] = NULL;
	s->zws = it_proc_start("zws", argv);
	cr_assert(it_wait_port(s->zws_port, 10000), "zws did not open port %d", s->zws_port);
	cr_assert(it_log_wait(s->zws, "listening", 5000), "zws did not log that it listens");
}

void it_stack_stop(struct it_stack *s)
{
	it_proc_stop(s->zws, SIGTERM, 5000);
	it_proc_stop(s->ingest, SIGTERM, 5000);
	it_proc_stop(s->lookup, SIGTERM, 5000);
	free(s->db);
	s->db = NULL;
}

char *it_events_shape_query(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "%s --shape events --print-contracts", it_bin("zws-fake-lookup"));
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	size_t cap = 64 + IT_EVENTS_SHAPE_CONTRACTS * 46, len = 0;
	char *q = malloc(cap), line[128];
	cr_assert(q);
	len += (size_t)snprintf(q, cap, "{\"query\":\"EventLog\",\"addresses\":[");
	int n = 0;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		len += (size_t)snprintf(q + len, cap - len, "%s\"%s\"", n++ ? "," : "", line);
	}
	cr_assert_eq(pclose(p), 0);
	cr_assert_eq(n, IT_EVENTS_SHAPE_CONTRACTS);
	snprintf(q + len, cap - len, "]}");
	return q;
}
