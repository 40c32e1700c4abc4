/* Replaying blocks to a client that sent Resume with a fromBlock: every
 * block from there to the head that has content for its topics, built as
 * the live notification was, then live with no gap and no duplicate.
 * Blocks come from the process's block cache (app->cache), which the live
 * path fills; a missing block is read from PostgreSQL once for every
 * client that needs it. Replays run in bounded slices per loop turn, so
 * live fan-out is never held up behind them, and a client gets its next
 * block only once it has taken the previous one. */
#ifndef ZWS_REPLAY_H
#define ZWS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "block_feed.h"

struct session;

/* The oldest block a Resume may start from: the oldest stored, and no
 * more than --max-resume behind the head. */
uint64_t replay_oldest(const struct zws *app);
/* The block a Resume without fromBlock starts from now: the one after
 * the last pushed live (the head + 1 before the first); 0 while the
 * stored range is not known yet. */
uint64_t replay_next_live(const struct zws *app);
/* s sent Resume: its notifications carry blockNum from now on and it
 * gets every block from from on (the head + 1: only live ones). */
void replay_start(struct session *s, uint64_t from);
/* Fan-out of block b: whether s is still replaying and must be left out
 * (it gets b from its replay). A session whose replay reached b joins
 * the live path here and gets b live. */
bool replay_skips(struct session *s, const struct block *b);
/* A block was pushed live: it joins the cache (which takes it). */
void replay_block_pushed_take(struct zws *app, struct block *b);
/* Block num is stored: the head moves up to it, and sessions that had
 * replayed up to the old head go on. */
void replay_head(struct zws *app, uint64_t num);
/* s is closing for good: it leaves the replay lists. */
void replay_forget(struct session *s);
/* Stops the replay timer (before the lws context goes). */
void replay_stop(struct zws *app);

#endif
