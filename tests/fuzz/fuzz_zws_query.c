/* Fuzz target: a client's query text (zws/core/query.c), any bytes. A query
 * that parses names a known kind and distinct addresses that survive
 * formatting (a Resume: so does every query it carries, none a Resume);
 * every error has its reply. */
#include "fuzz.h"

#include "query.h"

static void check_query(const struct query *q)
{
	FUZZ_CHECK(q->kind <= QUERY_RESUME);
	FUZZ_CHECK(q->kind == QUERY_RESUME ? q->nqueries > 0 && q->queries : q->nqueries == 0);
	for (size_t i = 0; i < q->nqueries; i++) {
		FUZZ_CHECK(q->queries[i].kind != QUERY_RESUME);
		check_query(&q->queries[i]);
	}
	FUZZ_CHECK(q->naddresses == 0 || q->addresses != NULL);
	for (size_t i = 0; i < q->naddresses; i++) {
		char canon[ADDRESS_CANON_LEN];
		uint8_t back[ADDRESS_BYTES];
		address_format(q->addresses[i], canon);
		FUZZ_CHECK(address_parse(canon, strlen(canon), back));
		FUZZ_CHECK(memcmp(back, q->addresses[i], ADDRESS_BYTES) == 0);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(q->addresses[i], q->addresses[j], ADDRESS_BYTES) != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	if (!text)
		return 0;
	struct query q;
	enum query_error e = query_parse(text, size, &q);
	if (e == QUERY_OK) {
		check_query(&q);
		query_clear(&q);
	} else {
		FUZZ_CHECK(q.naddresses == 0);
		struct buf reply = BUF_INIT;
		if (query_error_json(e, 1000, &reply))
			FUZZ_CHECK(reply.len > 0);
		buf_free(&reply);
	}
	free(text);
	return 0;
}
