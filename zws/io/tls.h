/* TLS on the zws port. lws serves wss:// from the vhost's OpenSSL context;
 * this file checks the certificate and key files before lws is given them
 * (at start and on every reload), reloads them into the running vhost with
 * lws_tls_cert_updated, and turns lws's handshake reports into one log
 * line each, at most TLS_LOG_PER_SECOND a second. */
#ifndef ZWS_TLS_H
#define ZWS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <libwebsockets.h>

/* Failed handshakes logged per second; the rest are counted and the
 * count shown on the next line logged. */
#define TLS_LOG_PER_SECOND 5

/* What the first certificate of a file says. */
struct tls_cert_info {
	char subject[256];
	char not_after[32]; /* "2027-12-05 12:00:00 GMT" */
	char serial[100];   /* hex, as openssl x509 -serial prints it */
	unsigned chain;     /* certificates after it in the file */
	bool expired;
};

/* Rate limit of handshake failure lines. */
struct tls_failure_log {
	time_t second;
	unsigned in_second;
	unsigned long suppressed;
};

/* Whether cert_file holds a PEM certificate (then its chain) and
 * key_file the PEM private key that matches it, as OpenSSL will load
 * them. false with err naming the file and the problem. */
bool tls_files_check(const char *cert_file, const char *key_file, struct tls_cert_info *info,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

/* Checks the files again and, if they are good, loads them into every
 * vhost of cx that was created with these paths. New handshakes use
 * them; connections already open keep theirs. false with err when the
 * files are bad: the vhost keeps what it had. */
bool tls_files_reload(struct lws_context *cx, const char *cert_file, const char *key_file,
		      struct tls_cert_info *info, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The vhost's ssl_info_event_mask for tls_handshake_info. */
#define TLS_INFO_EVENTS (SSL_CB_EXIT | SSL_CB_HANDSHAKE_START | SSL_CB_HANDSHAKE_DONE)

/* For LWS_CALLBACK_SSL_INFO with TLS_INFO_EVENTS: logs a handshake that
 * failed, with the peer and why. */
void tls_handshake_info(struct tls_failure_log *log, struct lws *wsi, const struct lws_ssl_info *si);

/* For the first bytes of a connection to a plain ws:// port that are not
 * HTTP: logs a TLS handshake arriving there, or other bytes at debug. */
void tls_not_http(struct tls_failure_log *log, struct lws *wsi, const unsigned char *in, size_t len);

#endif
