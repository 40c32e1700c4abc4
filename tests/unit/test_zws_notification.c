/* zws notification assembly: values in the order NewBlock, EventLog,
 * TxnLog, Unsubscribe; each client's EventLog entries in order of first
 * emission in the block; the shared NewBlock message byte-identical to a
 * per-client assembly; the plan touching only subscribed addresses. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "fanout_plan.h"
#include "notification.h"

static const char *const A = "0x17329229cd84b964130977975054f7725a85381a";
static const char *const B = "0x07c9d1edb8aa95194033b6783b351409b1cbd355";
static const char *const C = "0x1eb03ba948ab480fda77c3ff0724773066f94b02";

static void parse(const char *text, uint8_t out[ADDRESS_BYTES])
{
	cr_assert(address_parse(text, strlen(text), out));
}

/* A block where A emits, then B, then A again; C only receives a payment. */
static struct block *sample_block(void)
{
	struct block *b = block_new(7, "{\"header\":{\"BlockNum\":\"7\"}}", "[[\"ab\"]]");
	char err[128];
	cr_assert(block_add_event(b, A, "First", "[]", err, sizeof(err)));
	cr_assert(block_add_event(b, B, "Second", "[{\"vname\":\"x\",\"type\":\"Uint128\",\"value\":\"1\"}]", err, sizeof(err)));
	cr_assert(block_add_event(b, A, "Third", "[]", err, sizeof(err)));
	cr_assert(block_add_txn(b, "ab", "5", B + 2, C + 2, true, err, sizeof(err)));
	cr_assert(block_finish(b, err, sizeof(err)));
	return b;
}

static void subscribe(struct subs_index *idx, enum subs_topic t, struct subscriber *s, const char *addr)
{
	uint8_t raw[ADDRESS_BYTES];
	parse(addr, raw);
	cr_assert(subs_add(idx, t, s, raw));
}

/* Drops every subscription of the n subscribers, as a session closing
 * does, then the indexes: the subscribers' own address lists are theirs
 * to free. */
static void unsubscribe_all(struct subs_index *events, struct subs_index *txns, struct subscriber **subs,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		subs_clear(events, SUBS_EVENTLOG, subs[i]);
		subs_clear(txns, SUBS_TXNLOG, subs[i]);
	}
	subs_index_free(events);
	subs_index_free(txns);
}

static char *build(const struct notification *n)
{
	struct buf out = BUF_INIT;
	cr_assert(notification_build(n, &out));
	struct json_object *o = json_tokener_parse(out.data);
	cr_assert(o, "not JSON: %s", out.data);
	json_object_put(o);
	return buf_take(&out, NULL);
}

Test(zws_notification, values_in_order_and_events_in_first_emission_order)
{
	struct block *b = sample_block();
	struct subs_index events = SUBS_INDEX_INIT, txns = SUBS_INDEX_INIT;
	struct subscriber s1 = { .id = 1 }, s2 = { .id = 2 }, s3 = { .id = 3 };
	subscribe(&events, SUBS_EVENTLOG, &s1, B); /* subscribed B before A */
	subscribe(&events, SUBS_EVENTLOG, &s1, A);
	subscribe(&txns, SUBS_TXNLOG, &s1, C);
	subscribe(&events, SUBS_EVENTLOG, &s2, "0x0000000000000000000000000000000000000001");
	subscribe(&txns, SUBS_TXNLOG, &s3, B);

	struct fanout_plan p = FANOUT_PLAN_INIT;
	cr_assert(fanout_plan_build(&p, b, &events, &txns));
	cr_assert_eq(p.count, 4, "s1: A, B, C; s3: B (s2 has nothing)");
	size_t run = fanout_plan_run(&p, 0);
	cr_assert_eq(run, 3);
	cr_assert_eq(p.items[0].sub, &s1);

	unsigned char dropped[] = { TOPIC_NEWBLOCK, TOPIC_EVENTLOG };
	struct notification n = { &b->newblock_value, p.items, run, dropped, 2, NULL };
	char *msg = build(&n);
	char want[2048];
	snprintf(want, sizeof(want),
		 "{\"type\":\"Notification\",\"values\":["
		 "{\"query\":\"NewBlock\",\"value\":{\"TxBlock\":{\"header\":{\"BlockNum\":\"7\"}},\"TxHashes\":[[\"ab\"]]}},"
		 "{\"query\":\"EventLog\",\"value\":["
		 "{\"address\":\"%s\",\"event_logs\":[{\"_eventname\":\"First\",\"params\":[]},{\"_eventname\":\"Third\",\"params\":[]}]},"
		 "{\"address\":\"%s\",\"event_logs\":[{\"_eventname\":\"Second\",\"params\":[{\"vname\":\"x\",\"type\":\"Uint128\",\"value\":\"1\"}]}]}]},"
		 "{\"query\":\"TxnLog\",\"value\":[{\"address\":\"%s\",\"log\":[{\"ID\":\"ab\",\"amount\":\"5\","
		 "\"fromAddr\":\"%s\",\"success\":true,\"toAddr\":\"%s\"}]}]},"
		 "{\"query\":\"Unsubscribe\",\"value\":[\"NewBlock\",\"EventLog\"]}]}",
		 A, B, C, B + 2, C + 2);
	cr_expect_str_eq(msg, want);
	free(msg);

	cr_assert_eq(p.items[3].sub, &s3);
	struct notification n3 = { NULL, &p.items[3], 1, NULL, 0, NULL };
	msg = build(&n3);
	cr_expect(strncmp(msg, "{\"type\":\"Notification\",\"values\":[{\"query\":\"TxnLog\",\"value\":[{\"address\":\"", 72) == 0, "%s", msg);
	free(msg);

	fanout_plan_free(&p);
	unsubscribe_all(&events, &txns, (struct subscriber *[]){ &s1, &s2, &s3 }, 3);
	block_free(b);
}

Test(zws_notification, shared_and_per_client_assembly_are_byte_identical)
{
	struct block *b = sample_block();
	struct notification shared = { .newblock_value = &b->newblock_value };
	char *one = build(&shared);
	/* A client whose plan run is empty, assembled on its own. */
	struct fanout_item none[1];
	struct notification own = { &b->newblock_value, none, 0, NULL, 0, NULL };
	char *two = build(&own);
	cr_expect_str_eq(one, two);
	cr_expect(strstr(one, "{\"type\":\"Notification\",\"values\":[{\"query\":\"NewBlock\",\"value\":{\"TxBlock\":") == one);
	free(one);
	free(two);
	block_free(b);
}

Test(zws_notification, nothing_to_send)
{
	struct notification empty = { 0 };
	cr_expect_not(notification_has_content(&empty));
	unsigned char dropped[] = { TOPIC_TXNLOG };
	struct notification unsub = { NULL, NULL, 0, dropped, 1, NULL };
	cr_expect(notification_has_content(&unsub));
	char *msg = build(&unsub);
	cr_expect_str_eq(msg, "{\"type\":\"Notification\",\"values\":[{\"query\":\"Unsubscribe\",\"value\":[\"TxnLog\"]}]}");
	free(msg);
}

/* What a client is sent is the list of pieces written as they are, or,
 * after a partial write, the rest of them copied from where the socket
 * stopped: both are the built text, whatever the offset. */
Test(zws_notification, pieces_are_the_built_text_from_any_offset)
{
	struct block *b = sample_block();
	struct subs_index events = SUBS_INDEX_INIT, txns = SUBS_INDEX_INIT;
	struct subscriber s1 = { .id = 1 };
	subscribe(&events, SUBS_EVENTLOG, &s1, A);
	subscribe(&events, SUBS_EVENTLOG, &s1, B);
	subscribe(&txns, SUBS_TXNLOG, &s1, C);
	struct fanout_plan p = FANOUT_PLAN_INIT;
	cr_assert(fanout_plan_build(&p, b, &events, &txns));
	unsigned char dropped[] = { TOPIC_TXNLOG };
	struct notification n = { &b->newblock_value, p.items, p.count, dropped, 1, NULL };
	char *whole = build(&n);
	size_t len = strlen(whole);

	struct text_parts parts = TEXT_PARTS_INIT;
	cr_assert(notification_parts(&n, &parts));
	cr_assert_eq(parts.len, len);
	cr_assert_lt(parts.count, 20, "pieces, not characters: %zu", parts.count);
	struct buf rest = BUF_INIT;
	for (size_t from = 0; from <= len; from++) {
		buf_reset(&rest);
		text_parts_copy(&parts, from, &rest);
		cr_assert_eq(rest.len, len - from, "from %zu", from);
		cr_assert(memcmp(rest.data, whole + from, rest.len) == 0, "from %zu", from);
	}
	buf_free(&rest);
	text_parts_free(&parts);
	free(whole);
	fanout_plan_free(&p);
	unsubscribe_all(&events, &txns, (struct subscriber *[]){ &s1 }, 1);
	block_free(b);
}

/* The plan's sort looks at subscriber ids digit by digit: ids far apart
 * (a long-running process) still come out in order, each subscriber's
 * items in one run, EventLog before TxnLog, each in block order. */
Test(zws_notification, plan_is_in_subscriber_order_for_ids_far_apart)
{
	struct block *b = sample_block();
	struct subs_index events = SUBS_INDEX_INIT, txns = SUBS_INDEX_INIT;
	struct subscriber subs[] = { { .id = 1ull << 40 }, { .id = 3 }, { .id = 5000000 },
				     { .id = (1ull << 40) + 2048 }, { .id = 2049 } };
	size_t nsubs = sizeof(subs) / sizeof(subs[0]);
	for (size_t i = 0; i < nsubs; i++) {
		subscribe(&txns, SUBS_TXNLOG, &subs[i], B);
		subscribe(&events, SUBS_EVENTLOG, &subs[i], i % 2 ? A : B);
		if (i % 2)
			subscribe(&events, SUBS_EVENTLOG, &subs[i], B);
	}
	struct fanout_plan p = FANOUT_PLAN_INIT;
	cr_assert(fanout_plan_build(&p, b, &events, &txns));
	cr_assert_eq(p.count, 12);
	static const size_t want_order[] = { 1, 4, 2, 0, 3 };
	size_t at = 0;
	for (size_t k = 0; k < nsubs; k++) {
		struct subscriber *sub = &subs[want_order[k]];
		size_t run = fanout_plan_run(&p, at);
		cr_assert_eq(p.items[at].sub, sub, "run %zu is subscriber %llu", k, (unsigned long long)sub->id);
		cr_assert_eq(run, want_order[k] % 2 ? 3 : 2);
		for (size_t i = at + 1; i < at + run; i++)
			cr_assert(p.items[i - 1].topic < p.items[i].topic ||
				  (p.items[i - 1].topic == p.items[i].topic && p.items[i - 1].order < p.items[i].order));
		at += run;
	}
	fanout_plan_free(&p);
	struct subscriber *all[] = { &subs[0], &subs[1], &subs[2], &subs[3], &subs[4] };
	unsubscribe_all(&events, &txns, all, nsubs);
	block_free(b);
}

Test(zws_notification, block_num_after_resume)
{
	struct block *b = block_new(692301, "{\"BlockNum\":\"692301\"}", "[]");
	char err[64];
	cr_assert(b && block_finish(b, err, sizeof(err)));
	struct notification plain = { &b->newblock_value, NULL, 0, NULL, 0, NULL };
	struct notification resumed = { &b->newblock_value, NULL, 0, NULL, 0, b->num_text };
	char *p = build(&plain), *r = build(&resumed);
	cr_expect_str_eq(p, "{\"type\":\"Notification\",\"values\":[{\"query\":\"NewBlock\",\"value\":"
			    "{\"TxBlock\":{\"BlockNum\":\"692301\"},\"TxHashes\":[]}}]}");
	cr_expect_str_eq(r, "{\"type\":\"Notification\",\"blockNum\":\"692301\",\"values\":[{\"query\":"
			    "\"NewBlock\",\"value\":{\"TxBlock\":{\"BlockNum\":\"692301\"},\"TxHashes\":[]}}]}");
	free(p);
	free(r);
	block_free(b);
}
