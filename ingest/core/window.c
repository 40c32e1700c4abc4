/* The fetch window. Slot i holds block next+k where k = num % size; a slot
 * is EMPTY (to fetch), FETCHING, PAGING (header known, pages to fetch) or
 * READY. A block's GetTxBlock, hash lists and bodies travel together in
 * one request, so one reply set decides it; paginated blocks add one
 * (hashes, bodies) pair of Ex calls per page. */
#include "window.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txblock.h"

enum slot_state { SLOT_EMPTY = 0, SLOT_FETCHING, SLOT_PAGING, SLOT_READY };
enum page_state { PAGE_NEED = 0, PAGE_FETCHING, PAGE_DONE };

struct page {
	enum page_state state;
	struct json_object *hashes; /* Transactions of the Ex answers */
	struct json_object *bodies;
};

struct slot {
	uint64_t num;
	bool used;
	enum slot_state state;
	uint64_t not_before;
	struct ingest_block *block;
	int npages;
	struct page *pages;
};

struct window {
	int size;
	int retry_ms;
	uint64_t next;
	struct slot *slots;
};

static const char *const method_names[] = {
	[WINDOW_CALL_TXBLOCK] = "GetTxBlock",
	[WINDOW_CALL_HASHES] = "GetTransactionsForTxBlock",
	[WINDOW_CALL_BODIES] = "GetTxnBodiesForTxBlock",
	[WINDOW_CALL_HASHES_PAGE] = "GetTransactionsForTxBlockEx",
	[WINDOW_CALL_BODIES_PAGE] = "GetTxnBodiesForTxBlockEx",
};

static void slot_clear(struct slot *s)
{
	txblock_free(s->block);
	for (int p = 0; s->pages && p < s->npages; p++) {
		json_object_put(s->pages[p].hashes);
		json_object_put(s->pages[p].bodies);
	}
	free(s->pages);
	memset(s, 0, sizeof(*s));
}

struct window *window_new(int size, int retry_ms)
{
	struct window *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->size = size > 0 ? size : 1;
	w->retry_ms = retry_ms;
	w->slots = calloc((size_t)w->size, sizeof(*w->slots));
	if (!w->slots) {
		free(w);
		return NULL;
	}
	return w;
}

void window_free(struct window *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->size; i++)
		slot_clear(&w->slots[i]);
	free(w->slots);
	free(w);
}

void window_reset(struct window *w, uint64_t next)
{
	for (int i = 0; i < w->size; i++)
		slot_clear(&w->slots[i]);
	w->next = next;
}

uint64_t window_next(const struct window *w)
{
	return w->next;
}

/* The slot of num, initialized on first use; NULL outside the window. */
static struct slot *slot_of(struct window *w, uint64_t num)
{
	if (num < w->next || num - w->next >= (uint64_t)w->size)
		return NULL;
	struct slot *s = &w->slots[num % (uint64_t)w->size];
	if (!s->used || s->num != num) {
		slot_clear(s);
		s->used = true;
		s->num = num;
	}
	return s;
}

static void add_call(struct window_call *c, uint64_t num, enum window_call_kind kind, int page)
{
	memset(c, 0, sizeof(*c));
	c->num = num;
	c->kind = kind;
	c->page = page;
	snprintf(c->params[0], sizeof(c->params[0]), "%" PRIu64, num);
	if (kind == WINDOW_CALL_HASHES_PAGE || kind == WINDOW_CALL_BODIES_PAGE)
		snprintf(c->params[1], sizeof(c->params[1]), "%d", page);
}

static size_t plan_pages(struct slot *s, uint64_t now_ms, struct window_call *calls,
			 size_t n, size_t max)
{
	if (s->not_before > now_ms)
		return n;
	for (int p = 0; p < s->npages && n + 2 <= max; p++) {
		if (s->pages[p].state != PAGE_NEED)
			continue;
		add_call(&calls[n++], s->num, WINDOW_CALL_HASHES_PAGE, p);
		add_call(&calls[n++], s->num, WINDOW_CALL_BODIES_PAGE, p);
		s->pages[p].state = PAGE_FETCHING;
	}
	return n;
}

size_t window_plan(struct window *w, uint64_t head, uint64_t now_ms,
		   struct window_call *calls, size_t max)
{
	size_t n = 0;
	uint64_t last = w->next + (uint64_t)w->size - 1;
	if (head < last)
		last = head;
	for (uint64_t num = w->next; num <= last && n < max && num >= w->next; num++) {
		struct slot *s = slot_of(w, num);
		if (s->state == SLOT_PAGING) {
			n = plan_pages(s, now_ms, calls, n, max);
		} else if (s->state == SLOT_EMPTY && s->not_before <= now_ms && n + 3 <= max) {
			add_call(&calls[n++], num, WINDOW_CALL_TXBLOCK, 0);
			add_call(&calls[n++], num, WINDOW_CALL_HASHES, 0);
			add_call(&calls[n++], num, WINDOW_CALL_BODIES, 0);
			s->state = SLOT_FETCHING;
		}
		if (num == UINT64_MAX)
			break;
	}
	return n;
}

void window_rpc_calls(const struct window_call *calls, size_t n, struct rpc_call *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i].method = method_names[calls[i].kind];
		out[i].params[0] = calls[i].params[0];
		out[i].params[1] = calls[i].params[1];
		out[i].nparams = (calls[i].kind == WINDOW_CALL_HASHES_PAGE ||
				  calls[i].kind == WINDOW_CALL_BODIES_PAGE) ? 2 : 1;
	}
}

static void note_failure(struct window_outcome *out, enum rpc_outcome o, const struct window_call *c,
			 const struct rpc_reply *r, const char *why)
{
	if (o == RPC_OUTCOME_NOT_READY)
		out->not_ready++;
	else if (o == RPC_OUTCOME_RATE_LIMITED)
		out->rate_limited++;
	else
		out->failed++;
	if (out->error[0])
		return;
	if (why)
		snprintf(out->error, sizeof(out->error), "%s", why);
	else if (r && r->kind == RPC_REPLY_ERROR)
		snprintf(out->error, sizeof(out->error), "blk=%" PRIu64 " %s: error %" PRId64 " %s",
			 c->num, method_names[c->kind], r->code, r->message);
	else
		snprintf(out->error, sizeof(out->error), "blk=%" PRIu64 " %s: %s", c->num,
			 method_names[c->kind], r && r->kind == RPC_REPLY_MISSING ? "no answer in the batch"
							       : rpc_outcome_name(o));
}

/* The block goes back to EMPTY; not-ready blocks wait retry_ms. */
static void slot_retry(struct window *w, struct slot *s, enum rpc_outcome o, uint64_t now_ms)
{
	uint64_t num = s->num;
	slot_clear(s);
	s->used = true;
	s->num = num;
	s->not_before = o == RPC_OUTCOME_NOT_READY ? now_ms + (uint64_t)w->retry_ms : 0;
}

/* Adds a hashes or bodies answer to b; *o says why not. */
static bool take_part(struct ingest_block *b, bool hashes, const struct rpc_reply *r,
		      enum rpc_outcome *o, char *err, size_t errlen)
{
	*o = rpc_classify(r);
	if (*o == RPC_OUTCOME_NO_TXNS) {
		/* -1 for a block that has transactions: the node is behind */
		*o = b->num_txns == 0 ? RPC_OUTCOME_OK : RPC_OUTCOME_NOT_READY;
		if (*o != RPC_OUTCOME_OK)
			return false;
		struct json_object *empty = json_object_new_array();
		bool ok = hashes ? txblock_add_hashes(b, empty, false, err, errlen)
				 : txblock_add_bodies(b, empty, false, err, errlen);
		json_object_put(empty);
		return ok;
	}
	if (*o != RPC_OUTCOME_OK)
		return false;
	bool ok = hashes ? txblock_add_hashes(b, r->result, false, err, errlen)
			 : txblock_add_bodies(b, r->result, false, err, errlen);
	if (!ok)
		*o = RPC_OUTCOME_FAILED;
	return ok;
}

static bool start_paging(struct slot *s, struct ingest_block *b)
{
	s->pages = calloc((size_t)b->num_pages, sizeof(*s->pages));
	if (!s->pages)
		return false;
	s->npages = b->num_pages;
	s->block = b;
	s->state = SLOT_PAGING;
	return true;
}

static void apply_block(struct window *w, const struct window_call *c, const struct rpc_reply *r,
			uint64_t now_ms, struct window_outcome *out)
{
	struct slot *s = slot_of(w, c->num);
	if (!s || s->state != SLOT_FETCHING)
		return;
	char err[256] = "";
	enum rpc_outcome o = rpc_classify(&r[0]);
	struct ingest_block *b = o == RPC_OUTCOME_OK ? txblock_new(c->num) : NULL;
	if (b) {
		enum block_header_status st = txblock_set_header(b, r[0].result, err, sizeof(err));
		o = st == BLOCK_HEADER_OK ? RPC_OUTCOME_OK
		    : st == BLOCK_HEADER_NOT_READY ? RPC_OUTCOME_NOT_READY : RPC_OUTCOME_FAILED;
	}
	if (o != RPC_OUTCOME_OK) {
		note_failure(out, o, &c[0], &r[0], err[0] ? err : NULL);
		txblock_free(b);
		slot_retry(w, s, o, now_ms);
		return;
	}
	if (b->num_pages > 1 && start_paging(s, b))
		return;
	int k = 1;
	if (take_part(b, true, &r[1], &o, err, sizeof(err)) &&
	    (k = 2, take_part(b, false, &r[2], &o, err, sizeof(err))) &&
	    txblock_finish(b, err, sizeof(err))) {
		s->block = b;
		s->state = SLOT_READY;
		out->completed++;
		return;
	}
	if (o == RPC_OUTCOME_OK)
		o = RPC_OUTCOME_NOT_READY; /* incomplete: the node may still be filling it */
	note_failure(out, o, &c[k], &r[k], err[0] ? err : NULL);
	txblock_free(b);
	slot_retry(w, s, o, now_ms);
}

static bool assemble_pages(struct slot *s, char *err, size_t errlen)
{
	for (int p = 0; p < s->npages; p++) {
		if (!txblock_add_hashes(s->block, s->pages[p].hashes, true, err, errlen) ||
		    !txblock_add_bodies(s->block, s->pages[p].bodies, true, err, errlen))
			return false;
	}
	return txblock_finish(s->block, err, errlen);
}

static bool all_pages_done(const struct slot *s)
{
	for (int p = 0; p < s->npages; p++) {
		if (s->pages[p].state != PAGE_DONE)
			return false;
	}
	return true;
}

static void apply_page(struct window *w, const struct window_call *c, const struct rpc_reply *r,
		       uint64_t now_ms, struct window_outcome *out)
{
	struct slot *s = slot_of(w, c->num);
	if (!s || s->state != SLOT_PAGING || c->page >= s->npages)
		return;
	struct page *pg = &s->pages[c->page];
	for (int k = 0; k < 2; k++) {
		enum rpc_outcome o = rpc_classify(&r[k]);
		struct json_object *t = o == RPC_OUTCOME_OK ? txblock_page_transactions(r[k].result) : NULL;
		if (!t) {
			o = o == RPC_OUTCOME_OK || o == RPC_OUTCOME_NO_TXNS ? RPC_OUTCOME_FAILED : o;
			note_failure(out, o, &c[k], &r[k], NULL);
			pg->state = PAGE_NEED;
			if (o == RPC_OUTCOME_NOT_READY)
				s->not_before = now_ms + (uint64_t)w->retry_ms;
			return;
		}
	}
	pg->hashes = json_object_get(txblock_page_transactions(r[0].result));
	pg->bodies = json_object_get(txblock_page_transactions(r[1].result));
	pg->state = PAGE_DONE;
	if (!all_pages_done(s))
		return;
	char err[256] = "";
	if (assemble_pages(s, err, sizeof(err))) {
		s->state = SLOT_READY;
		out->completed++;
		return;
	}
	note_failure(out, RPC_OUTCOME_NOT_READY, c, NULL, err);
	slot_retry(w, s, RPC_OUTCOME_NOT_READY, now_ms);
}

void window_apply(struct window *w, const struct window_call *calls, size_t n,
		  const struct rpc_reply *replies, uint64_t now_ms, struct window_outcome *out)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	while (i < n) {
		if (calls[i].kind == WINDOW_CALL_TXBLOCK && i + 2 < n) {
			apply_block(w, &calls[i], &replies[i], now_ms, out);
			i += 3;
		} else if (calls[i].kind == WINDOW_CALL_HASHES_PAGE && i + 1 < n) {
			apply_page(w, &calls[i], &replies[i], now_ms, out);
			i += 2;
		} else {
			i++;
		}
	}
}

void window_abandon(struct window *w, const struct window_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct slot *s = slot_of(w, calls[i].num);
		if (!s)
			continue;
		if (calls[i].kind == WINDOW_CALL_TXBLOCK && s->state == SLOT_FETCHING)
			s->state = SLOT_EMPTY;
		else if (calls[i].kind == WINDOW_CALL_HASHES_PAGE && s->state == SLOT_PAGING &&
			 calls[i].page < s->npages && s->pages[calls[i].page].state == PAGE_FETCHING)
			s->pages[calls[i].page].state = PAGE_NEED;
	}
}

struct ingest_block *window_pop(struct window *w)
{
	struct slot *s = &w->slots[w->next % (uint64_t)w->size];
	if (!s->used || s->num != w->next || s->state != SLOT_READY)
		return NULL;
	struct ingest_block *b = s->block;
	s->block = NULL;
	slot_clear(s);
	w->next++;
	return b;
}

uint64_t window_next_retry(const struct window *w)
{
	uint64_t best = 0;
	for (int i = 0; i < w->size; i++) {
		const struct slot *s = &w->slots[i];
		if (s->used && s->not_before && (s->state == SLOT_EMPTY || s->state == SLOT_PAGING) &&
		    (best == 0 || s->not_before < best))
			best = s->not_before;
	}
	return best;
}
