/* The state of one zws process, shared by the event-layer modules: the
 * configuration, the lws context, the PostgreSQL feed, the lookup client,
 * the subscriber indexes and the session lists. One instance per process,
 * reached from lws callbacks through lws_context_user(). */
#ifndef ZWS_APP_H
#define ZWS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "epoch.h"
#include "frame.h"
#include "query.h"
#include "subs.h"
#include "text_parts.h"

struct lws_context;
struct lws_vhost;
struct pgfeed;
struct lookup;
struct contracts;
struct listener;
struct peers;

/* Intrusive doubly linked list node; a list head is a node too. */
struct dlist {
	struct dlist *prev, *next;
};

static inline void dlist_init(struct dlist *head)
{
	head->prev = head->next = head;
}
static inline bool dlist_linked(const struct dlist *n)
{
	return n->next != NULL && n->next != n;
}
static inline void dlist_add(struct dlist *head, struct dlist *n)
{
	n->next = head;
	n->prev = head->prev;
	head->prev->next = n;
	head->prev = n;
}
static inline void dlist_del(struct dlist *n)
{
	if (!n->next)
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct zws {
	const struct zws_config *cfg;
	struct lws_context *context;
	struct lws_vhost *vhost;
	struct pgfeed *feed;
	struct lookup *lookup;
	struct contracts *contracts; /* EventLog contract checks */
	struct listener *listener;

	struct subs_index index[SUBS_TOPICS];
	struct dlist newblock;    /* sessions subscribed to NewBlock */
	struct dlist unsubscribing; /* sessions with an Unsubscribe to report */
	struct dlist alive;       /* keepalive: sessions heard from, oldest first */
	struct dlist pinged;      /* keepalive: sessions pinged, oldest first */
	size_t nsessions;
	uint64_t next_session_id;
	struct peers *peers;      /* the sessions' peer addresses */

	/* Error replies, built once. */
	struct frame *errors[QUERY_ERR_RATE + 1];

	/* Fan-out scratch, reused every block: the plan, the pieces of the
	 * message being sent, the rest of a partial write. */
	struct epoch_plan plan;
	struct text_parts parts;
	struct buf scratch;
	uint32_t epoch_stamp;

	bool accepting;
	bool stopping;
	bool done;
};

#endif
