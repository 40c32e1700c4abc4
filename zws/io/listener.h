/* zws's own listening socket (SO_REUSEPORT, so several worker processes
 * share the port and the kernel spreads connections over them). Accepted
 * sockets are handed to lws with lws_adopt_socket_vhost. At the open-file
 * limit a new connection gets HTTP 503 and is closed, with a log line. */
#ifndef ZWS_LISTENER_H
#define ZWS_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

struct listener;

/* What the listener asks of its user, ctx. */
struct listener_hooks {
	void *ctx;
	/* How many clients are connected (for its log lines). */
	size_t (*clients)(void *ctx);
	/* A connection was refused at the open-file limit; may be NULL. */
	void (*refused)(void *ctx);
	/* fd was accepted and is about to be handed to lws; may be NULL. */
	void (*accepted)(void *ctx, int fd);
};

/* Binds and listens (before the loop runs). NULL with err filled. */
struct listener *listener_new(const char *host, int port, char *err, size_t errlen);
/* Starts accepting into vh, whose protocol "zws-listen" is
 * listener_callback; hooks must outlive l. false if lws cannot watch it. */
bool listener_start(struct listener *l, struct lws_vhost *vh, const struct listener_hooks *hooks)
	__attribute__((warn_unused_result));
/* Stops accepting and closes the socket (shutdown): new connections go
 * to the other processes sharing the port, if any. */
void listener_stop(struct listener *l);
void listener_free(struct listener *l);

/* The raw-file protocol callback for the listening socket. */
int listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);

#endif
