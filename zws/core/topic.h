/* The three things a client can subscribe to, and their wire names. */
#ifndef ZWS_TOPIC_H
#define ZWS_TOPIC_H

enum topic {
	TOPIC_NEWBLOCK = 0,
	TOPIC_EVENTLOG = 1,
	TOPIC_TXNLOG = 2,
	TOPIC_COUNT = 3,
};

#define TOPIC_BIT(t) (1u << (t))

static inline const char *topic_name(enum topic t)
{
	static const char *const names[TOPIC_COUNT] = { "NewBlock", "EventLog", "TxnLog" };
	return names[t];
}

#endif
