/* Subscribing: the session hooks that give a client's messages their
 * meaning (NewBlock, EventLog after its contract check, TxnLog,
 * Unsubscribe, errors) and release a pending check when the client goes. */
#ifndef ZWS_SUBSCRIBE_H
#define ZWS_SUBSCRIBE_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

/* The limit an error reply states (QUERY_ERR_RATE: queries per second,
 * ...), so the reply and the log line say the same. */
unsigned subscribe_error_limit(const struct zws_config *cfg, enum query_error e);

/* session_hooks.message: handles one complete message. */
void subscribe_message(struct session *s, const char *text, size_t len, bool binary);
/* session_hooks.closed: cancels and frees s's pending EventLog check. */
void subscribe_closed(struct session *s);

#endif
