/* The leader lock: of the zws-ingest processes sharing one database, only
 * the one whose PostgreSQL session holds this session-level advisory lock
 * follows the lookup and writes. The store takes it on the connection it
 * commits on, so a process that loses its connection loses the lock with
 * it and cannot commit afterwards; a standby polls for it and takes over
 * when the leader's session ends (the process died, was killed, or its
 * connection was closed).
 *
 * Key: LEADER_LOCK_KEY, the bigint 0x7a7773696e67 ("zwsing" in ASCII),
 * i.e. pg_try_advisory_lock(134653455986279); pg_locks shows it as
 * locktype 'advisory', classid 31351, objid 1936289383, objsubid 1.
 * Blocking libpq calls: store thread only. */
#ifndef INGEST_LEADER_LOCK_H
#define INGEST_LEADER_LOCK_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define LEADER_LOCK_KEY "134653455986279"

/* pg_try_advisory_lock: *got tells whether this session holds the lock
 * now (taking it again is harmless). False, with err, when the query
 * failed (the connection is probably gone). */
bool leader_lock_try(PGconn *conn, bool *got, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Who holds the lock, from pg_locks and pg_stat_activity: the backend pid
 * (0 when it cannot be seen, e.g. without the rights to see other roles'
 * sessions) and "pid 1234, zws-ingest from 10.0.0.5" in out. */
int leader_lock_holder(PGconn *conn, char *out, size_t outlen);

#endif
