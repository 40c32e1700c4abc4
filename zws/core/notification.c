/* Notification assembly from shared fragments (see notification.h). The
 * text is listed as pieces (constants and the block's fragments) and
 * copied only where a contiguous message is needed, so both forms are the
 * same bytes. */
#include "notification.h"

bool notification_has_content(const struct notification *n)
{
	return n->newblock_value || n->nitems || n->nunsubscribed;
}

/* Each topic's value opens with a comma unless it is the first value;
 * the first uses the text after the comma. */
static const char *const value_open[TOPIC_COUNT] = {
	",{\"query\":\"NewBlock\",\"value\":",
	",{\"query\":\"EventLog\",\"value\":[",
	",{\"query\":\"TxnLog\",\"value\":[",
};

static void open_value(struct text_parts *out, enum topic t, bool *first_value)
{
	text_parts_add_str(out, value_open[t] + *first_value);
	*first_value = false;
}

/* Adds the value of one topic: the fragments of its items, if any. */
static void add_groups(struct text_parts *out, const struct notification *n, enum topic topic,
		       bool *first_value)
{
	bool open = false;
	for (size_t i = 0; i < n->nitems; i++) {
		if (n->items[i].topic != topic)
			continue;
		if (!open)
			open_value(out, topic, first_value);
		else
			text_parts_add(out, ",", 1);
		open = true;
		const struct buf *f = &n->items[i].group->fragment;
		text_parts_add(out, f->data, f->len);
	}
	if (open)
		text_parts_add(out, "]}", 2);
}

static void add_unsubscribed(struct text_parts *out, const struct notification *n,
			     bool *first_value)
{
	static const char open[] = ",{\"query\":\"Unsubscribe\",\"value\":[";
	/* Each topic's name quoted, after a comma unless it is the first. */
	static const char *const names[TOPIC_COUNT] = { ",\"NewBlock\"", ",\"EventLog\"",
							",\"TxnLog\"" };
	text_parts_add_str(out, open + *first_value);
	*first_value = false;
	for (size_t i = 0; i < n->nunsubscribed; i++)
		text_parts_add_str(out, names[n->unsubscribed[i]] + (i == 0));
	text_parts_add(out, "]}", 2);
}

bool notification_parts(const struct notification *n, struct text_parts *out)
{
	bool first = true;
	text_parts_reset(out);
	if (n->block_num) {
		text_parts_add_str(out, "{\"type\":\"Notification\",\"blockNum\":\"");
		text_parts_add_str(out, n->block_num);
		text_parts_add_str(out, "\",\"values\":[");
	} else {
		text_parts_add_str(out, "{\"type\":\"Notification\",\"values\":[");
	}
	if (n->newblock_value) {
		open_value(out, TOPIC_NEWBLOCK, &first);
		text_parts_add(out, n->newblock_value->data, n->newblock_value->len);
		text_parts_add(out, "}", 1);
	}
	add_groups(out, n, TOPIC_EVENTLOG, &first);
	add_groups(out, n, TOPIC_TXNLOG, &first);
	if (n->nunsubscribed)
		add_unsubscribed(out, n, &first);
	text_parts_add(out, "]}", 2);
	return !out->failed;
}

bool notification_build(const struct notification *n, struct buf *out)
{
	struct text_parts parts = TEXT_PARTS_INIT;
	bool ok = notification_parts(n, &parts);
	buf_reset(out);
	if (ok)
		text_parts_copy(&parts, 0, out);
	text_parts_free(&parts);
	return ok && !out->failed;
}
