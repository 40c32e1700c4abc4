/* zws query parsing: every accepted form and every exact error message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "query.h"

struct query_case {
	const char *text;
	enum query_error want;
	enum query_kind kind;
	size_t naddresses;
};

static const struct query_case cases[] = {
	{ "{\"query\":\"NewBlock\"}", QUERY_OK, QUERY_NEWBLOCK, 0 },
	{ " {\"query\" : \"NewBlock\", \"extra\": 1}\n", QUERY_OK, QUERY_NEWBLOCK, 0 },
	/* The contract emitting in mainnet block 692365, in all three forms. */
	{ "{\"query\":\"EventLog\",\"addresses\":[\"0x17329229cd84b964130977975054f7725a85381a\"]}", QUERY_OK, QUERY_EVENTLOG, 1 },
	{ "{\"query\":\"EventLog\",\"addresses\":[\"0x17329229CD84B964130977975054F7725A85381A\",\"17329229cd84b964130977975054f7725a85381a\"]}", QUERY_OK, QUERY_EVENTLOG, 1 },
	{ "{\"query\":\"TxnLog\",\"addresses\":[\"07c9d1edb8aa95194033b6783b351409b1cbd355\",\"0x17329229cd84b964130977975054f7725a85381a\"]}", QUERY_OK, QUERY_TXNLOG, 2 },
	{ "{\"query\":\"Unsubscribe\",\"type\":\"NewBlock\"}", QUERY_OK, QUERY_UNSUBSCRIBE, 0 },
	{ "{\"query\":\"Unsubscribe\",\"type\":\"EventLog\"}", QUERY_OK, QUERY_UNSUBSCRIBE, 0 },
	{ "{\"query\":\"Unsubscribe\",\"type\":\"TxnLog\"}", QUERY_OK, QUERY_UNSUBSCRIBE, 0 },
	/* Resume */
	{ "{\"query\":\"Resume\",\"fromBlock\":\"692300\",\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_OK, QUERY_RESUME, 0 },
	{ "{\"query\":\"Resume\",\"queries\":[{\"query\":\"NewBlock\"},{\"query\":\"TxnLog\",\"addresses\":[\"07c9d1edb8aa95194033b6783b351409b1cbd355\"]}]}", QUERY_OK, QUERY_RESUME, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":\"0\",\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_OK, QUERY_RESUME, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":692300,\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_ERR_FROM_BLOCK, 0, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":\"-1\",\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_ERR_FROM_BLOCK, 0, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":\"01\",\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_ERR_FROM_BLOCK, 0, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":\"\",\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_ERR_FROM_BLOCK, 0, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":\"18446744073709551616\",\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_ERR_FROM_BLOCK, 0, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":\"12a\",\"queries\":[{\"query\":\"NewBlock\"}]}", QUERY_ERR_FROM_BLOCK, 0, 0 },
	{ "{\"query\":\"Resume\",\"fromBlock\":\"1\"}", QUERY_ERR_QUERIES, 0, 0 },
	{ "{\"query\":\"Resume\",\"queries\":[]}", QUERY_ERR_QUERIES, 0, 0 },
	{ "{\"query\":\"Resume\",\"queries\":{\"query\":\"NewBlock\"}}", QUERY_ERR_QUERIES, 0, 0 },
	{ "{\"query\":\"Resume\",\"queries\":[\"NewBlock\"]}", QUERY_ERR_QUERIES, 0, 0 },
	{ "{\"query\":\"Resume\",\"queries\":[{\"query\":\"Resume\",\"queries\":[{\"query\":\"NewBlock\"}]}]}", QUERY_ERR_QUERIES, 0, 0 },
	{ "{\"query\":\"Resume\",\"queries\":[{\"query\":\"NewBlock\"},{\"query\":\"Foo\"}]}", QUERY_ERR_QUERY, 0, 0 },
	{ "{\"query\":\"Resume\",\"queries\":[{\"query\":\"TxnLog\",\"addresses\":[\"zz\"]}]}", QUERY_ERR_ADDRESSES, 0, 0 },
	{ "{\"query\":\"Resume\",\"queries\":[{\"query\":\"Unsubscribe\",\"type\":\"Resume\"}]}", QUERY_ERR_TYPE, 0, 0 },
	/* invalid query field */
	{ "", QUERY_ERR_QUERY, 0, 0 },
	{ "NewBlock", QUERY_ERR_QUERY, 0, 0 },
	{ "{\"query\":\"NewBlock\"", QUERY_ERR_QUERY, 0, 0 },
	{ "{\"query\":\"NewBlock\"}{}", QUERY_ERR_QUERY, 0, 0 },
	{ "[\"NewBlock\"]", QUERY_ERR_QUERY, 0, 0 },
	{ "\"NewBlock\"", QUERY_ERR_QUERY, 0, 0 },
	{ "{}", QUERY_ERR_QUERY, 0, 0 },
	{ "{\"query\":1}", QUERY_ERR_QUERY, 0, 0 },
	{ "{\"query\":\"newblock\"}", QUERY_ERR_QUERY, 0, 0 },
	{ "{\"query\":\"Foo\"}", QUERY_ERR_QUERY, 0, 0 },
	{ "{'query':'NewBlock'}", QUERY_ERR_QUERY, 0, 0 },
	/* invalid addresses field */
	{ "{\"query\":\"EventLog\"}", QUERY_ERR_ADDRESSES, 0, 0 },
	{ "{\"query\":\"EventLog\",\"addresses\":[]}", QUERY_ERR_ADDRESSES, 0, 0 },
	{ "{\"query\":\"EventLog\",\"addresses\":\"0x17329229cd84b964130977975054f7725a85381a\"}", QUERY_ERR_ADDRESSES, 0, 0 },
	{ "{\"query\":\"EventLog\",\"addresses\":[\"0x17329229cd84b964130977975054f7725a85381\"]}", QUERY_ERR_ADDRESSES, 0, 0 },
	{ "{\"query\":\"EventLog\",\"addresses\":[\"0x17329229cd84b964130977975054f7725a85381a\",42]}", QUERY_ERR_ADDRESSES, 0, 0 },
	{ "{\"query\":\"TxnLog\",\"addresses\":[\"0xg7329229cd84b964130977975054f7725a85381a\"]}", QUERY_ERR_ADDRESSES, 0, 0 },
	{ "{\"query\":\"TxnLog\",\"addresses\":[\"zil1zueg9zwdsjukgycfwam4q48hwfdgtsqm6ecwjv\"]}", QUERY_ERR_ADDRESSES, 0, 0 },
	/* invalid type field */
	{ "{\"query\":\"Unsubscribe\"}", QUERY_ERR_TYPE, 0, 0 },
	{ "{\"query\":\"Unsubscribe\",\"type\":2}", QUERY_ERR_TYPE, 0, 0 },
	{ "{\"query\":\"Unsubscribe\",\"type\":\"Unsubscribe\"}", QUERY_ERR_TYPE, 0, 0 },
	{ "{\"query\":\"Unsubscribe\",\"type\":\"Blocks\"}", QUERY_ERR_TYPE, 0, 0 },
};

Test(zws_query, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct query_case *c = &cases[i];
		struct query q;
		enum query_error e = query_parse(c->text, strlen(c->text), &q);
		cr_expect_eq(e, c->want, "case %zu '%s': got %d want %d", i, c->text, e, c->want);
		if (e == QUERY_OK) {
			cr_expect_eq(q.kind, c->kind, "case %zu kind", i);
			cr_expect_eq(q.naddresses, c->naddresses, "case %zu addresses", i);
		} else {
			cr_expect_null(q.addresses, "case %zu leaves nothing behind", i);
		}
		query_clear(&q);
	}
}

Test(zws_query, bech32_address_is_canonicalised)
{
	/* zil1…: the bech32 form of 0x1732…381a, built with the address module. */
	uint8_t raw[ADDRESS_BYTES];
	cr_assert(address_parse("0x17329229cd84b964130977975054f7725a85381a", 42, raw));
	char bech[44];
	address_to_bech32(raw, bech);
	char text[128];
	snprintf(text, sizeof(text), "{\"query\":\"EventLog\",\"addresses\":[\"%s\"]}", bech);
	struct query q;
	cr_assert_eq(query_parse(text, strlen(text), &q), QUERY_OK, "%s", text);
	cr_assert_eq(q.naddresses, 1);
	cr_assert_arr_eq(q.addresses[0], raw, ADDRESS_BYTES);
	query_clear(&q);
	/* One changed character breaks the checksum. */
	bech[10] = bech[10] == 'q' ? 'p' : 'q';
	snprintf(text, sizeof(text), "{\"query\":\"EventLog\",\"addresses\":[\"%s\"]}", bech);
	cr_assert_eq(query_parse(text, strlen(text), &q), QUERY_ERR_ADDRESSES);
}

Test(zws_query, unsubscribe_topic)
{
	static const struct { const char *type; enum topic t; } topics[] = {
		{ "NewBlock", TOPIC_NEWBLOCK }, { "EventLog", TOPIC_EVENTLOG }, { "TxnLog", TOPIC_TXNLOG },
	};
	for (size_t i = 0; i < 3; i++) {
		char text[80];
		snprintf(text, sizeof(text), "{\"query\":\"Unsubscribe\",\"type\":\"%s\"}", topics[i].type);
		struct query q;
		cr_assert_eq(query_parse(text, strlen(text), &q), QUERY_OK);
		cr_expect_eq(q.topic, topics[i].t);
		query_clear(&q);
	}
}

Test(zws_query, resume_carries_its_queries)
{
	const char *t = "{\"query\":\"Resume\",\"fromBlock\":\"692300\",\"queries\":[{\"query\":\"NewBlock\"},"
			"{\"query\":\"TxnLog\",\"addresses\":[\"07c9d1edb8aa95194033b6783b351409b1cbd355\"]},"
			"{\"query\":\"Unsubscribe\",\"type\":\"EventLog\"}]}";
	struct query q;
	cr_assert_eq(query_parse(t, strlen(t), &q), QUERY_OK);
	cr_expect(q.has_from_block);
	cr_expect_eq(q.from_block, 692300);
	cr_assert_eq(q.nqueries, 3);
	cr_expect_eq(q.queries[0].kind, QUERY_NEWBLOCK);
	cr_expect_eq(q.queries[1].kind, QUERY_TXNLOG);
	cr_expect_eq(q.queries[1].naddresses, 1);
	cr_expect_eq(q.queries[2].kind, QUERY_UNSUBSCRIBE);
	cr_expect_eq(q.queries[2].topic, TOPIC_EVENTLOG);
	query_clear(&q);
	const char *nofrom = "{\"query\":\"Resume\",\"queries\":[{\"query\":\"NewBlock\"}]}";
	cr_assert_eq(query_parse(nofrom, strlen(nofrom), &q), QUERY_OK);
	cr_expect_not(q.has_from_block);
	query_clear(&q);
}

Test(zws_query, error_messages_are_exact)
{
	static const struct { enum query_error e; unsigned limit; const char *json; } msgs[] = {
		{ QUERY_ERR_QUERY, 0, "{\"type\":\"Error\",\"error\":\"invalid query field\"}" },
		{ QUERY_ERR_ADDRESSES, 0, "{\"type\":\"Error\",\"error\":\"invalid addresses field\"}" },
		{ QUERY_ERR_TYPE, 0, "{\"type\":\"Error\",\"error\":\"invalid type field\"}" },
		{ QUERY_ERR_NO_CONTRACT, 0, "{\"type\":\"Error\",\"error\":\"no contract found in list\"}" },
		{ QUERY_ERR_TOO_MANY, 1000, "{\"type\":\"Error\",\"error\":\"too many addresses (limit 1000 per connection)\"}" },
		{ QUERY_ERR_RATE, 20, "{\"type\":\"Error\",\"error\":\"rate limit exceeded (limit 20 queries per second)\"}" },
		{ QUERY_ERR_FULL, 1000000, "{\"type\":\"Error\",\"error\":\"server address limit reached (limit 1000000 across all connections)\"}" },
		{ QUERY_ERR_CHECKS, 1000, "{\"type\":\"Error\",\"error\":\"too many contract checks (limit 1000 addresses per minute per connection)\"}" },
		{ QUERY_ERR_FROM_BLOCK, 0, "{\"type\":\"Error\",\"error\":\"invalid fromBlock field\"}" },
		{ QUERY_ERR_QUERIES, 0, "{\"type\":\"Error\",\"error\":\"invalid queries field\"}" },
		{ QUERY_ERR_TOO_OLD, 692300, "{\"type\":\"Error\",\"error\":\"resume point too old (oldest resumable block 692300)\"}" },
		{ QUERY_ERR_AHEAD, 692364, "{\"type\":\"Error\",\"error\":\"resume point ahead of the chain (head 692364)\"}" },
	};
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		cr_assert(query_error_json(msgs[i].e, msgs[i].limit, &b));
		cr_expect_str_eq(b.data, msgs[i].json);
	}
	buf_free(&b);
}

/* Input a strict server refuses: the lengths are explicit, so a NUL is
 * part of what arrived. */
Test(zws_query, strict_input_is_an_invalid_query)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
		{ "{\"query\":\"NewBlock\\u0000junk\"}", 30 },
		{ "{\"query\":\"NewBlock\"}\0", 21 },
		{ "{\"query\":\"NewBlock\"}\0 ", 22 },
		{ "{\"query\":\"NewBlock\",\"query\":\"NewBlock\"}", 39 },
		{ "{\"query\":\"NewBlock\",\"x\":1,\"x\":2}", 32 },
		{ "{\"query\":\"NewBlock\",\"x\":NaN}", 28 },
		{ "{\"query\":\"NewBlock\",\"x\":[Infinity]}", 35 },
		{ "{\"query\":\"NewBlock\",\"x\":{\"y\":-Infinity}}", 40 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct query q;
		cr_expect_eq(query_parse(bad[i].text, bad[i].len, &q), QUERY_ERR_QUERY, "case %zu: %s", i,
			     bad[i].text);
		query_clear(&q);
	}
	struct query q;
	cr_expect_eq(query_parse("{\"query\":\"Unsubscribe\",\"type\":\"NewBlock\\u0000\"}", 47, &q), QUERY_ERR_TYPE);
	query_clear(&q);
	/* Same keys at different depths, and a key-like string inside a value,
	 * are not duplicates. */
	const char *ok = "{\"query\":\"NewBlock\",\"x\":{\"query\":1},\"y\":[\"query\",\"a\\\":\"]}";
	cr_expect_eq(query_parse(ok, strlen(ok), &q), QUERY_OK);
	query_clear(&q);
}
