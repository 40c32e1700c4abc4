/* Fuzz target: one block's way through zws-ingest's pure modules, as the
 * follower drives them: the fetch window plans the calls for block NUM,
 * the lookup's answer (rpc.c, jraw.c) is applied (window.c), a complete
 * block is decoded (txblock.c, txn.c, derive.c) and serialized into the
 * statements that store it (block_sql.c).
 *
 * Input: "NUM\n" then up to four answer bodies separated by SEPARATOR,
 * one per round of calls (a paginated block asks again for its pages).
 * ZWS_FUZZ_VERBOSE=1 in the environment prints what each round did. */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"

#include <json-c/json.h>

#include "block_sql.h"
#include "rpc.h"
#include "txblock.h"
#include "window.h"

#define SEPARATOR "\n--next--\n"
#define MAX_ROUNDS 4
#define MAX_CALLS 16

/* Serializes b as it is and, as ingest does when PostgreSQL refuses
 * that, with its text repaired to valid UTF-8. */
static void store(const struct ingest_block *b, bool repair_utf8)
{
	FUZZ_CHECK(b->nlogs == 0 || b->logs != NULL);
	FUZZ_CHECK(b->ntxns == 0 || b->txns != NULL);
	struct block_sql_rows *rows = block_sql_rows_build(b, true, repair_utf8);
	if (!rows)
		return;
	const char *bad_tx = NULL;
	(void)block_sql_rows_bad_utf8(rows, &bad_tx);
	FUZZ_CHECK(block_sql_rows_bytes(rows) > 0);
	struct block_sql_member m = { b, rows, b->num };
	struct block_sql *sql = block_sql_group_build(&m, 1);
	if (sql) {
		FUZZ_CHECK(sql->count > 0 && sql->count <= BLOCK_SQL_STMT_COUNT);
		for (int i = 0; i < sql->count; i++)
			FUZZ_CHECK(sql->stmts[i].nparams <= BLOCK_SQL_MAX_PARAMS);
	}
	block_sql_free(sql);
	block_sql_rows_free(rows);
}

/* One round: plan, answer with body, apply; stores a completed block.
 * false when the window asks nothing more. */
static bool round_trip(struct window *w, uint64_t num, uint64_t now, const char *body,
		       size_t len)
{
	struct window_call calls[MAX_CALLS];
	struct rpc_reply replies[MAX_CALLS];
	size_t n = window_plan(w, num, now, calls, MAX_CALLS);
	if (n == 0)
		return false;
	struct json_object *root = NULL;
	char err[256];
	if (rpc_parse_batch(body, len, n, &root, replies, err, sizeof(err))) {
		struct window_outcome out;
		window_apply(w, calls, n, replies, now, &out);
		FUZZ_CHECK(out.completed >= 0 && out.failed >= 0);
		if (getenv("ZWS_FUZZ_VERBOSE"))
			fprintf(stderr, "blk=%llu completed %d, not ready %d, failed %d: %s\n",
				(unsigned long long)num, out.completed, out.not_ready, out.failed,
				out.error);
		json_object_put(root);
	} else {
		if (getenv("ZWS_FUZZ_VERBOSE"))
			fprintf(stderr, "blk=%llu answer refused: %s\n", (unsigned long long)num, err);
		window_abandon(w, calls, n);
	}
	struct ingest_block *b = window_pop(w);
	if (b) {
		FUZZ_CHECK(b->num == num);
		store(b, false);
		store(b, true);
		txblock_free(b);
		return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	char *nl = in ? memchr(in, '\n', size) : NULL;
	if (!nl || nl - in > 20) {
		free(in);
		return 0;
	}
	uint64_t num = strtoull(in, NULL, 10);
	struct window *w = window_new(1, 1000);
	FUZZ_CHECK(w != NULL);
	window_reset(w, num);
	const char *p = nl + 1, *end = in + size;
	for (int r = 0; r < MAX_ROUNDS && p <= end; r++) {
		const char *sep = memmem(p, (size_t)(end - p), SEPARATOR, strlen(SEPARATOR));
		const char *stop = sep ? sep : end;
		/* Each body alone in an exact-size block, as the HTTP client hands it. */
		char *body = fuzz_bytes((const uint8_t *)p, (size_t)(stop - p));
		bool more = body && round_trip(w, num, (uint64_t)(r + 1) * 1000000, body,
					       (size_t)(stop - p));
		free(body);
		if (!more || !sep)
			break;
		p = sep + strlen(SEPARATOR);
	}
	window_free(w);
	free(in);
	return 0;
}
