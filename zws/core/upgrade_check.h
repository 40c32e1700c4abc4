/* What a WebSocket opening handshake must carry before zws upgrades it
 * (RFC 6455 section 4.2.1): version 13, a key that is 16 bytes in base64,
 * and, if the client lists subprotocols, "zws" among them and none of the
 * server's internal ones. lws 4.1.6 upgrades a wrong version or a short
 * key, drops a request without a key unanswered, and binds a client that
 * names an internal protocol to it; the server asks this first. */
#ifndef ZWS_UPGRADE_CHECK_H
#define ZWS_UPGRADE_CHECK_H

enum upgrade_verdict {
	UPGRADE_OK = 0,
	UPGRADE_BAD_VERSION,  /* answer 426 with Sec-WebSocket-Version: 13 */
	UPGRADE_BAD_KEY,      /* answer 400 */
	UPGRADE_BAD_PROTOCOL, /* answer 400 */
};

/* version, key and protocols are the header values, NULL when absent;
 * internal is a NULL-terminated list of subprotocol names no client may
 * ask for. */
enum upgrade_verdict upgrade_check(const char *version, const char *key, const char *protocols,
				   const char *const *internal);
/* The HTTP status for a verdict other than UPGRADE_OK, and a short reason. */
int upgrade_status(enum upgrade_verdict v);
const char *upgrade_reason(enum upgrade_verdict v);

#endif
