/* The writes zws makes below lws, on lws's own socket. This is the one
 * place where zws steps outside lws's documented use, on purpose:
 *
 * - A notification is framed here and written with one sendmsg() straight
 *   from the block's shared fragments, instead of being copied into one
 *   buffer and handed to lws_write from a writable callback. With many
 *   clients that callback costs a poll()/epoll pass and lws's POLLOUT
 *   service per client and epoch; the figures behind this choice are in
 *   bench/fanout/results.md ("Design measurements": writes below lws).
 * - What the socket does not take is handed to lws as raw bytes
 *   (LWS_WRITE_RAW), which lws keeps, sends first once the socket drains
 *   and reports with lws_partial_buffered; only then does lws call the
 *   client writable again. So a client gets the same bytes in the same
 *   order as if lws had written the whole frame.
 *
 * It relies on what lws 4.1.6 does: a server's text frame without
 * extensions is FIN + opcode 1, no mask, the length in its shortest form,
 * and lws_write is allowed outside the writable callback while no partial
 * write is pending. Proven on libwebsockets 4.1.6 (Debian 12). The build
 * (CMakeLists.txt) accepts 4.1.6 and later 4.1 patch releases, a stable
 * branch that should keep these behaviours, and refuses 4.2 and later;
 * tests/integration/it_zws_wire.c checks the bytes on the wire, including
 * a partial write that lws takes over, on whatever version is built.
 * Over TLS only lws can write, so rawsend_text refuses. */
#ifndef ZWS_RAWSEND_H
#define ZWS_RAWSEND_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "text_parts.h"

struct lws;

/* Longest frame header rawsend_text_header writes. */
#define RAWSEND_HEADER_MAX 10

enum rawsend_result {
	RAWSEND_DONE,    /* written, or the rest is buffered in lws */
	RAWSEND_REFUSED, /* not possible on this connection (TLS): nothing written */
	RAWSEND_FAILED,  /* the socket failed, or the rest could not be kept */
};

/* Whether lws may be given a write to wsi now, outside its writable
 * callback: no rest of an earlier write is buffered in lws. */
bool rawsend_idle(struct lws *wsi);

/* The header lws puts in front of a server's text message of len bytes.
 * Returns its length. */
size_t rawsend_text_header(unsigned char h[RAWSEND_HEADER_MAX], size_t len);

/* Writes p as one text frame to wsi's socket; a rest the socket does not
 * take is copied through scratch and handed to lws. Only when
 * rawsend_idle(wsi). why is set on RAWSEND_FAILED. */
enum rawsend_result rawsend_text(struct lws *wsi, const struct text_parts *p, struct buf *scratch,
				 const char **why) __attribute__((warn_unused_result));

#endif
