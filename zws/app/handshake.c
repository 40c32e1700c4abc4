/* Refuses upgrade requests RFC 6455 says a server must not accept (see
 * handshake.h), with the status and headers the RFC gives. */
#include "handshake.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "upgrade_check.h"

#define HANDSHAKE_HEADER_MAX 256

/* The header's value into buf, or NULL if absent or too long for buf
 * (a value that long is wrong anyway; "" still says it was there). */
static const char *header(struct lws *wsi, enum lws_token_indexes t, char *buf, size_t size)
{
	if (!lws_hdr_total_length(wsi, t))
		return NULL;
	if (lws_hdr_copy(wsi, buf, (int)size, t) < 0)
		buf[0] = '\0';
	return buf;
}

static const char *status_text(int status)
{
	switch (status) {
	case 403: return "Forbidden";
	case 426: return "Upgrade Required";
	case 503: return "Service Unavailable";
	default: return "Bad Request";
	}
}

/* Written straight to the socket, as the listener answers 503: the
 * request has been read, nothing else is queued on this connection, and
 * lws closes it once we return -1. */
int handshake_refuse(struct lws *wsi, int status, const char *why)
{
	char out[512];
	int n = snprintf(out, sizeof(out),
			 "HTTP/1.1 %d %s\r\n%sContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 status, status_text(status),
			 status == 426 ? "Sec-WebSocket-Version: 13\r\n" : "", strlen(why), why);
	int fd = lws_get_socket_fd(wsi);
	if (fd >= 0 && n > 0 && (size_t)n < sizeof(out)) {
		ssize_t sent = send(fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)sent; /* a client that cannot take 200 bytes gets nothing */
		shutdown(fd, SHUT_WR);
	}
	return -1;
}

int handshake_confirm(struct lws *wsi, const char *const *internal)
{
	char version[16], key[64], protocols[HANDSHAKE_HEADER_MAX];
	enum upgrade_verdict v =
		upgrade_check(header(wsi, WSI_TOKEN_VERSION, version, sizeof(version)),
			      header(wsi, WSI_TOKEN_KEY, key, sizeof(key)),
			      header(wsi, WSI_TOKEN_PROTOCOL, protocols, sizeof(protocols)), internal);
	if (v == UPGRADE_OK)
		return 0;
	char peer[64] = "";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	log_debug("%s: upgrade refused with %d: %s", peer, upgrade_status(v), upgrade_reason(v));
	return handshake_refuse(wsi, upgrade_status(v), upgrade_reason(v));
}
