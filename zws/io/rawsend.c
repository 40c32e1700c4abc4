/* Framing and sendmsg() on lws's socket (see rawsend.h for why and on
 * which lws versions). */
#include "rawsend.h"

#include <errno.h>
#include <libwebsockets.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Pieces handed to one sendmsg (the kernel takes up to 1,024). A client
 * of 10 contracts' EventLog needs 23; one of 1,000 gets several calls. */
#define RAWSEND_IOV 128

bool rawsend_idle(struct lws *wsi)
{
	return !lws_partial_buffered(wsi);
}

size_t rawsend_text_header(unsigned char h[RAWSEND_HEADER_MAX], size_t len)
{
	h[0] = 0x81;
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
	return 10;
}

/* Writes the header h (hlen bytes) and then p's pieces, RAWSEND_IOV
 * pieces per sendmsg, until the socket takes less than it was given.
 * Returns the bytes written (what the socket took before it was full),
 * or -1 on an error. */
static ssize_t send_pieces(int fd, const unsigned char *h, size_t hlen, const struct text_parts *p)
{
	size_t sent = 0, next = 0;
	bool header = true;
	do {
		struct iovec iov[RAWSEND_IOV];
		size_t n = 0, want = 0;
		if (header)
			iov[n++] = (struct iovec){ (void *)h, hlen };
		header = false;
		for (; next < p->count && n < RAWSEND_IOV; next++)
			iov[n++] = (struct iovec){ (void *)p->v[next].data, p->v[next].len };
		for (size_t i = 0; i < n; i++)
			want += iov[i].iov_len;
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
		ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? (ssize_t)sent : -1;
		sent += (size_t)w;
		if ((size_t)w < want)
			break;
	} while (next < p->count);
	return (ssize_t)sent;
}

/* What the socket did not take of a frame written from its pieces,
 * copied and handed to lws as raw bytes: lws keeps it, asks for POLLOUT
 * and sends it before anything else, as with the rest of a partial
 * lws_write, and lws_partial_buffered holds back further writes. */
static enum rawsend_result keep_rest(struct lws *wsi, const unsigned char *h, size_t hlen,
				     const struct text_parts *p, size_t sent, struct buf *rest,
				     const char **why)
{
	buf_reset(rest);
	if (sent < hlen)
		buf_append(rest, h + sent, hlen - sent);
	text_parts_copy(p, sent < hlen ? 0 : sent - hlen, rest);
	if (rest->failed) {
		*why = "out of memory keeping a partial write";
		return RAWSEND_FAILED;
	}
	if (lws_write(wsi, (unsigned char *)rest->data, rest->len, LWS_WRITE_RAW) < 0) {
		*why = "write failed";
		return RAWSEND_FAILED;
	}
	return RAWSEND_DONE;
}

enum rawsend_result rawsend_text(struct lws *wsi, const struct text_parts *p, struct buf *scratch,
				 const char **why)
{
	if (lws_is_ssl(wsi))
		return RAWSEND_REFUSED;
	unsigned char h[RAWSEND_HEADER_MAX];
	size_t hlen = rawsend_text_header(h, p->len);
	ssize_t n = send_pieces(lws_get_socket_fd(wsi), h, hlen, p);
	if (n < 0) {
		*why = "write failed";
		return RAWSEND_FAILED;
	}
	if ((size_t)n < hlen + p->len)
		return keep_rest(wsi, h, hlen, p, (size_t)n, scratch, why);
	return RAWSEND_DONE;
}
