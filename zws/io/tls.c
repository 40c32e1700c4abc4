/* Certificate files, reload and handshake logging for wss:// (see tls.h).
 * The files are checked with OpenSSL as lws will load them (the chain
 * file with SSL_CTX_use_certificate_chain_file, the key with
 * SSL_CTX_use_PrivateKey_file) in a context of our own, so that a bad
 * file is refused with a clear line before lws touches the vhost: lws
 * loads the certificate before the key into the live context, and a key
 * it then refused would leave the vhost unable to serve. */
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"

/* OpenSSL's reason for the last error, or fallback. */
static const char *ssl_reason(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = ERR_reason_error_string(e);
	return r ? r : fallback;
}

/* An encrypted key would make OpenSSL ask for a passphrase on the
 * terminal; zws has none to give, so the key is refused instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static bool readable(const char *opt, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "%s %s: cannot read it: %s", opt, file, strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

static void describe(X509 *x, struct tls_cert_info *info)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
		int n = BIO_read(b, info->subject, sizeof(info->subject) - 1);
		info->subject[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
	struct tm tm;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
		strftime(info->not_after, sizeof(info->not_after), "%Y-%m-%d %H:%M:%S GMT", &tm);
	info->expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(info->serial, sizeof(info->serial), "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
}

/* Reads the first certificate (described into info) and counts the rest. */
static bool read_certs(const char *file, struct tls_cert_info *info, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (!x) {
		snprintf(err, errlen, "--tls-cert %s: no PEM certificate in it (%s)", file,
			 f ? ssl_reason("empty") : strerror(errno));
		if (f)
			fclose(f);
		return false;
	}
	describe(x, info);
	X509_free(x);
	info->chain = 0;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		info->chain++;
		X509_free(x);
	}
	ERR_clear_error();
	fclose(f);
	return true;
}

/* Whether file holds a PEM private key zws can use. */
static bool read_key(const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, no_passphrase, NULL) : NULL;
	if (!k) {
		/* "BEGIN ENCRYPTED PRIVATE KEY", or "Proc-Type: 4,ENCRYPTED". */
		char head[4096] = "";
		size_t n = f ? (rewind(f), fread(head, 1, sizeof(head) - 1, f)) : 0;
		head[n] = '\0';
		bool encrypted = strstr(head, "ENCRYPTED") != NULL;
		snprintf(err, errlen, "--tls-key %s: %s", file,
			 !f ? strerror(errno)
			 : encrypted ? "the key is encrypted; zws needs it without a passphrase"
				     : "no PEM private key in it");
	}
	if (f)
		fclose(f);
	EVP_PKEY_free(k);
	return k != NULL;
}

/* Loads the pair into a context of our own, as lws will; both files
 * parse already, so a key OpenSSL refuses here is another certificate's. */
static bool load_pair(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	bool ok = false;
	if (ctx)
		SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (!ctx)
		snprintf(err, errlen, "cannot create a TLS context: %s", ssl_reason("out of memory"));
	else if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
		snprintf(err, errlen, "--tls-cert %s: OpenSSL cannot use it: %s", cert_file,
			 ssl_reason("unknown error"));
	else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
		 SSL_CTX_check_private_key(ctx) != 1)
		snprintf(err, errlen, "--tls-key %s does not match the certificate in %s", key_file,
			 cert_file);
	else
		ok = true;
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

bool tls_files_check(const char *cert_file, const char *key_file, struct tls_cert_info *info,
		     char *err, size_t errlen)
{
	memset(info, 0, sizeof(*info));
	ERR_clear_error();
	return readable("--tls-cert", cert_file, err, errlen) &&
	       readable("--tls-key", key_file, err, errlen) &&
	       read_certs(cert_file, info, err, errlen) && read_key(key_file, err, errlen) &&
	       load_pair(cert_file, key_file, err, errlen);
}

bool tls_files_reload(struct lws_context *cx, const char *cert_file, const char *key_file,
		      struct tls_cert_info *info, char *err, size_t errlen)
{
	if (!tls_files_check(cert_file, key_file, info, err, errlen))
		return false;
	lws_tls_cert_updated(cx, cert_file, key_file, NULL, 0, NULL, 0);
	return true;
}

/* Whether a line may be logged now; *suppressed is how many were not
 * since the last one that was. */
static bool may_log(struct tls_failure_log *l, unsigned long *suppressed)
{
	time_t now = time(NULL);
	if (now != l->second) {
		l->second = now;
		l->in_second = 0;
	}
	if (l->in_second >= TLS_LOG_PER_SECOND) {
		l->suppressed++;
		return false;
	}
	l->in_second++;
	*suppressed = l->suppressed;
	l->suppressed = 0;
	return true;
}

/* What an operator can do with OpenSSL's reason. */
static const char *hint(unsigned long e)
{
	switch (ERR_GET_REASON(e)) {
	case SSL_R_HTTP_REQUEST:
		return " (a plain ws:// or http:// client on the wss:// port)";
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
		return " (not TLS)";
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
		return " (the client does not trust zws's certificate)";
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
		return " (the client finds zws's certificate expired)";
	default:
		return "";
	}
}

/* The peer's address is kept on the SSL from the start of its handshake
 * to its end: a client that gives up may be gone (getpeername fails) by
 * the time its failure is logged. OpenSSL frees it with the SSL. */
static int peer_index = -1;

static void free_peer(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	free(ptr);
}

static void keep_peer(SSL *ssl, struct lws *wsi, bool keep)
{
	if (peer_index < 0)
		peer_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, free_peer);
	if (peer_index < 0)
		return;
	free(SSL_get_ex_data(ssl, peer_index));
	char *peer = keep ? malloc(64) : NULL;
	if (peer)
		lws_get_peer_simple(wsi, peer, 64);
	SSL_set_ex_data(ssl, peer_index, peer);
}

void tls_handshake_info(struct tls_failure_log *log, struct lws *wsi, const struct lws_ssl_info *si)
{
	SSL *ssl = lws_get_ssl(wsi);
	if (!ssl)
		return;
	if (si->where & (SSL_CB_HANDSHAKE_START | SSL_CB_HANDSHAKE_DONE)) {
		keep_peer(ssl, wsi, si->where & SSL_CB_HANDSHAKE_START);
		return;
	}
	/* lws clears OpenSSL's error queue and errno before each SSL_accept,
	 * so an exit with an error queued, or a socket error, is a failure;
	 * one with neither only waits for more bytes. */
	int sys = errno;
	unsigned long e = ERR_peek_last_error(), suppressed;
	bool sys_failed = sys && sys != EAGAIN && sys != EWOULDBLOCK && sys != EINTR;
	if (!(si->where & SSL_CB_EXIT) || si->ret > 0 || (!e && !sys_failed) || !may_log(log, &suppressed))
		return;
	const char *kept = peer_index >= 0 ? SSL_get_ex_data(ssl, peer_index) : NULL;
	char peer[64] = "";
	if (kept)
		snprintf(peer, sizeof(peer), "%s", kept);
	else
		lws_get_peer_simple(wsi, peer, sizeof(peer));
	const char *r = e ? ERR_reason_error_string(e) : strerror(sys);
	char more[64] = "";
	if (suppressed)
		snprintf(more, sizeof(more), " (%lu more not logged)", suppressed);
	log_info("TLS handshake from %s failed: %s%s%s", peer, r ? r : "unknown error", e ? hint(e) : "",
		 more);
}

void tls_not_http(struct tls_failure_log *log, struct lws *wsi, const unsigned char *in, size_t len)
{
	bool tls = len >= 3 && in[0] == 0x16 && in[1] == 0x03;
	unsigned long suppressed;
	if ((!tls && log_current_level < LOG_LEVEL_DEBUG) || !may_log(log, &suppressed))
		return;
	char peer[64] = "";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	if (tls)
		log_info("TLS handshake on the plain ws:// port from %s: this port serves ws://; "
			 "wss:// needs --tls-cert and --tls-key", peer);
	else
		log_debug("not HTTP from %s; closed", peer);
}
