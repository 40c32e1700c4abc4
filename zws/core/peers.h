/* The address text of each client's peer, kept once per address: every
 * session from one address (a proxy, a NAT, a load client) holds the same
 * reference-counted string. Pure: no I/O. */
#ifndef ZWS_PEERS_H
#define ZWS_PEERS_H

#include <stddef.h>

struct peers;

/* An empty table; NULL on OOM. */
struct peers *peers_new(void);
/* The shared copy of text, with one more reference; NULL on OOM. */
const char *peers_take(struct peers *t, const char *text);
/* Drops one reference taken with peers_take; NULL is ignored. */
void peers_release(struct peers *t, const char *peer);
/* The references held to text: the sessions from that address. */
size_t peers_refs(const struct peers *t, const char *text);
/* Distinct addresses held. */
size_t peers_count(const struct peers *t);
/* Frees the table; every reference must be released first. */
void peers_free(struct peers *t);

#endif
