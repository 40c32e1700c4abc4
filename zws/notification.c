/* Notification assembly from shared fragments (see notification.h). */
#include "notification.h"

bool notification_has_content(const struct notification *n)
{
	return n->newblock_value || n->nitems || n->nunsubscribed;
}

/* Appends the value of one topic: the fragments of its items, if any. */
static void append_groups(struct buf *out, const struct notification *n, unsigned char topic,
			  bool *first_value)
{
	bool open = false;
	for (size_t i = 0; i < n->nitems; i++) {
		if (n->items[i].topic != topic)
			continue;
		if (!open) {
			if (!*first_value)
				buf_append_char(out, ',');
			buf_append_str(out, "{\"query\":\"");
			buf_append_str(out, topic_name(topic));
			buf_append_str(out, "\",\"value\":[");
			open = true;
			*first_value = false;
		} else {
			buf_append_char(out, ',');
		}
		const struct buf *f = &n->items[i].group->fragment;
		buf_append(out, f->data, f->len);
	}
	if (open)
		buf_append_str(out, "]}");
}

bool notification_build(const struct notification *n, struct buf *out)
{
	bool first = true;
	buf_reset(out);
	buf_append_str(out, "{\"type\":\"Notification\",\"values\":[");
	if (n->newblock_value) {
		buf_append_str(out, "{\"query\":\"NewBlock\",\"value\":");
		buf_append(out, n->newblock_value->data, n->newblock_value->len);
		buf_append_char(out, '}');
		first = false;
	}
	append_groups(out, n, TOPIC_EVENTLOG, &first);
	append_groups(out, n, TOPIC_TXNLOG, &first);
	if (n->nunsubscribed) {
		if (!first)
			buf_append_char(out, ',');
		buf_append_str(out, "{\"query\":\"Unsubscribe\",\"value\":[");
		for (size_t i = 0; i < n->nunsubscribed; i++) {
			if (i)
				buf_append_char(out, ',');
			buf_append_char(out, '"');
			buf_append_str(out, topic_name(n->unsubscribed[i]));
			buf_append_char(out, '"');
		}
		buf_append_str(out, "]}");
	}
	buf_append_str(out, "]}");
	return !out->failed;
}
