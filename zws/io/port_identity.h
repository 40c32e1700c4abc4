/* Who serves a port: every zws process on a port answers, on the
 * abstract unix socket "zws-port-<port>", one line naming the database it
 * reads ("zws <pid> <identity>\n", the identity being PostgreSQL's system
 * identifier and the database name). A zws about to listen asks it first:
 * two zws on one port (SO_REUSEPORT) reading different databases would
 * send clients two different chains, so a newcomer refuses a port another
 * zws serves unless it joins on purpose (--join) and reads the same
 * database. An abstract name has one owner at a time: a zws that joined
 * takes the name over once its owner exits (it tries every second), and
 * the --workers of one supervisor share the one socket it opened. */
#ifndef ZWS_PORT_IDENTITY_H
#define ZWS_PORT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

enum port_probe {
	PORT_FREE,  /* nothing listens on host:port */
	PORT_ZWS,   /* a zws serves it; its line is in the caller's buffer */
	PORT_OTHER, /* in use, and nothing answers for it */
};

/* Before the loop: whether host:port is in use and, if a zws answers for
 * it, the line it answered (without the newline). Waits at most
 * PORT_IDENTITY_PROBE_MS for the answer. */
enum port_probe port_identity_probe(const char *host, int port, char *line, size_t linelen);

struct port_identity;

/* What port_identity reports to its user, ctx. */
struct port_identity_hooks {
	void *ctx;
	/* This process now answers for the port (at start, or on taking the
	 * name over from a zws that exited). */
	void (*claimed)(void *ctx, int port);
};

/* Takes the name for port if it is free, answering with identity (one
 * line, no newline); if another process holds it, the name is tried again
 * from the loop. Before the loop (and before forking workers, who share
 * the socket). NULL with err filled. */
struct port_identity *port_identity_new(int port, const char *identity, char *err, size_t errlen);
/* Starts answering from vh's loop (protocol "zws-identity" is
 * port_identity_callback) and retrying the name if it was taken; hooks
 * must outlive p. false if lws cannot watch the socket. */
bool port_identity_start(struct port_identity *p, struct lws_context *cx, struct lws_vhost *vh,
			 const struct port_identity_hooks *hooks) __attribute__((warn_unused_result));
/* Stops answering and retrying (before the context is destroyed). */
void port_identity_stop(struct port_identity *p);
void port_identity_free(struct port_identity *p);

int port_identity_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			   size_t len);

#endif
