/* Integration test harness: runs the real ZWS programs against the real
 * PostgreSQL that the ctest fixture "pg" starts (tests/pg.sh), and talks to
 * them as clients do. Every test gets its own database and ports; process
 * output goes to build/tests/logs/<suite>.<test>/<name>.log and is printed
 * when the test fails. */
#ifndef ZWS_IT_HARNESS_H
#define ZWS_IT_HARNESS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- database ---- */

/* Creates a fresh database on the test PostgreSQL; returns its conninfo
 * (static storage per call site is not needed: caller owns the string). */
char *it_db_new(void);
/* Runs sql on conninfo and returns the first column of the first row as a
 * malloc'd string ("" for no rows, NULL on error, logged). */
char *it_db_scalar(const char *conninfo, const char *sql);
/* Same, asserting success and returning the value as a long long. */
long long it_db_count(const char *conninfo, const char *sql);
/* Runs sql and fails the test if it fails. */
void it_db_exec(const char *conninfo, const char *sql);

/* ---- processes ---- */

struct it_proc;

/* Starts argv[0] (a path) with argv; its stdout and stderr go to the test's
 * log dir as <name>.log. Killed with SIGKILL when the test process exits. */
struct it_proc *it_proc_start(const char *name, char *const argv[]);
/* Sends sig and waits up to timeout_ms for exit; returns the exit status
 * as waitpid reports it, or -1 on timeout (then SIGKILLs). */
int it_proc_stop(struct it_proc *p, int sig, int timeout_ms);
/* Waits up to timeout_ms for the process to exit by itself. -1 on timeout. */
int it_proc_wait(struct it_proc *p, int timeout_ms);
bool it_proc_running(struct it_proc *p);
pid_t it_proc_pid(const struct it_proc *p);
/* Path of the process's log file. */
const char *it_proc_log(const struct it_proc *p);
/* True once the log file contains needle (polled up to timeout_ms). */
bool it_log_wait(const struct it_proc *p, const char *needle, int timeout_ms);

/* Absolute path of a program in build/bin. */
const char *it_bin(const char *program);
/* An EventLog query naming every contract of the fake lookup's "events"
 * shape (IT_EVENTS_SHAPE_CONTRACTS of them; several MB of notification
 * per block). malloc'd. */
#define IT_EVENTS_SHAPE_CONTRACTS 1000
char *it_events_shape_query(void);
/* Absolute path of a fixture file; it_fixture_read returns its contents
 * (malloc'd). */
const char *it_fixture(const char *file);
char *it_fixture_read(const char *file);

/* ---- network ---- */

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int it_free_port(void);
bool it_wait_port(int port, int timeout_ms);
/* Blocking HTTP/1.0 request to 127.0.0.1:port. Returns the status code and
 * a malloc'd body in *body (may be NULL), or -1 on connection failure. */
int it_http(int port, const char *method, const char *path, const char *body,
	    char **resp_body);

/* ---- WebSocket client (RFC 6455, hand-rolled so tests can send what no
 * well-behaved client would) ---- */

struct it_ws;

enum it_ws_opcode {
	IT_WS_CONT = 0x0,
	IT_WS_TEXT = 0x1,
	IT_WS_BINARY = 0x2,
	IT_WS_CLOSE = 0x8,
	IT_WS_PING = 0x9,
	IT_WS_PONG = 0xA,
};

struct it_ws_frame {
	int opcode;
	bool fin;
	char *data; /* malloc'd, NUL-terminated, len bytes */
	size_t len;
	int close_code; /* for IT_WS_CLOSE: the code, or 1005 if none */
};

/* Connects and completes the opening handshake. NULL on failure. */
struct it_ws *it_ws_connect(int port, int timeout_ms);
/* The HTTP status of a failed handshake (e.g. 503), 101 on success. */
int it_ws_connect_status(int port, int timeout_ms);
/* An upgrade request carrying headers (each line ending in \r\n) in
 * place of the usual key and version. Returns the HTTP status (-1 if the
 * server answered nothing) and, if head is not NULL, the response's head
 * malloc'd in *head. */
int it_ws_handshake(int port, const char *headers, char **head, int timeout_ms);
/* Connects from the local address source (e.g. "127.0.0.3"; NULL:
 * 127.0.0.1) with an Origin header (NULL: none). The client on 101; else
 * NULL, with the HTTP status in *status (-1: no answer). */
struct it_ws *it_ws_connect_as(int port, const char *source, const char *origin, int *status,
			       int timeout_ms);
bool it_ws_send(struct it_ws *ws, const char *text);
bool it_ws_send_frame(struct it_ws *ws, int opcode, bool fin, const void *data, size_t len);
bool it_ws_send_raw(struct it_ws *ws, const void *bytes, size_t len);
/* Reads one frame (pings are answered and skipped). false on timeout or
 * connection loss. */
bool it_ws_recv_frame(struct it_ws *ws, struct it_ws_frame *f, int timeout_ms);
/* Like it_ws_recv_frame, but a ping is returned, not answered. */
bool it_ws_recv_frame_raw(struct it_ws *ws, struct it_ws_frame *f, int timeout_ms);
void it_ws_frame_free(struct it_ws_frame *f);
/* Reads one whole text message (reassembling fragments). Returns it
 * malloc'd, or NULL on timeout, close or error. If the server closed,
 * it_ws_close_code tells the code. */
char *it_ws_recv(struct it_ws *ws, int timeout_ms);
int it_ws_close_code(const struct it_ws *ws);
/* True if nothing arrives within ms. */
bool it_ws_silent(struct it_ws *ws, int ms);
void it_ws_close(struct it_ws *ws);
/* Drops the connection with a TCP reset, as a client that vanishes does:
 * the server hears of it even while it is not reading from it. */
void it_ws_reset(struct it_ws *ws);

/* ---- the whole pipeline ---- */

/* CLOCK_MONOTONIC in milliseconds. */
long long it_now_ms(void);

struct it_stack {
	char *db;
	int lookup_port;
	int zws_port;
	struct it_proc *lookup;
	struct it_proc *ingest;
	struct it_proc *zws;
};

struct it_stack_opts {
	long long height;           /* fake lookup head; 0 = its default */
	const char *const *lookup_args; /* extra args for zws-fake-lookup, NULL-terminated */
	const char *const *ingest_args; /* extra args for zws-ingest */
	const char *const *zws_args;    /* extra args for zws */
	const char *zws_program;    /* in build/bin; NULL: "zws" */
	bool no_zws;                /* start lookup + ingest only */
};

/* Starts fake lookup, zws-ingest (waiting for its first commit) and zws
 * (waiting for its port). Fails the test on error. */
void it_stack_start(struct it_stack *s, const struct it_stack_opts *o);
void it_stack_stop(struct it_stack *s);
/* Asks the fake lookup to produce count blocks; returns the new head. */
long long it_lookup_produce(int lookup_port, int count);
/* Waits until ingest's cursor reaches block_num. */
bool it_wait_block(const char *db, long long block_num, int timeout_ms);

/* Call at the end of a passing test: stops the programs still running
 * (SIGTERM) and fails the test if any of their logs holds a sanitizer
 * report (a leak, a bad access, undefined behaviour); otherwise their logs
 * are then not printed. */
void it_mark_passed(void);

/* Compares two JSON texts semantically (json-c). */
bool it_json_equal(const char *a, const char *b);
/* The text of a JSON-RPC fixture's "result" member, compact. malloc'd. */
char *it_fixture_result(const char *file);

#endif
