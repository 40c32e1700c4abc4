/* The contracts table's SQL (see contract_store.h). An answer of the
 * lookup is trusted for ten minutes when it says "not a contract", and
 * then removed by the next save; ingest may see the address deployed any
 * time and records that itself. How many such answers stay is bounded by
 * trims the caller asks for (core/negative_bound.h). */
#include "contract_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char known_sql[] =
	"SELECT address, is_contract FROM contracts WHERE address = ANY($1::text[])"
	" AND (is_contract OR source <> 'lookup' OR checked_at > now() - interval '10 minutes')";

/* Each save also forgets the lookup's "not a contract" answers that are no
 * longer trusted, so made-up addresses do not pile up in the table. */
static const char store_sql[] =
	"WITH expired AS (DELETE FROM contracts WHERE source = 'lookup' AND NOT is_contract"
	" AND checked_at < now() - interval '10 minutes' AND address <> ALL($1::text[]))"
	" INSERT INTO contracts (address, is_contract, source)"
	" SELECT a, c, 'lookup' FROM unnest($1::text[], $2::boolean[]) AS t(a, c)"
	" ON CONFLICT (address) DO UPDATE SET is_contract = EXCLUDED.is_contract, checked_at = now()"
	" WHERE contracts.source = 'lookup'";

/* The oldest go first; the address breaks ties so that a trim is the same
 * whichever process runs it. */
static const char trim_sql[] =
	"DELETE FROM contracts WHERE source = 'lookup' AND NOT is_contract AND address IN"
	" (SELECT address FROM contracts WHERE source = 'lookup' AND NOT is_contract"
	" ORDER BY checked_at DESC, address DESC OFFSET $1::bigint)";

/* A PostgreSQL text[] literal of canonical addresses (those states does
 * not leave CONTRACT_UNKNOWN, if given). NULL on OOM. */
static char *address_array(const uint8_t (*addrs)[ADDRESS_BYTES], const enum contract_state *states,
			   size_t n)
{
	struct buf b = BUF_INIT;
	buf_append_char(&b, '{');
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (states && states[i] == CONTRACT_UNKNOWN)
			continue;
		char canon[ADDRESS_CANON_LEN];
		address_format(addrs[i], canon);
		if (!first)
			buf_append_char(&b, ',');
		buf_append_str(&b, canon);
		first = false;
	}
	buf_append_char(&b, '}');
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

bool contract_store_known(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES], size_t n,
			  pgfeed_result_fn cb, void *ctx)
{
	if (!pgfeed_connected(f))
		return false;
	return pgfeed_query_take(f, known_sql, 1, address_array(addrs, NULL, n), NULL, cb, ctx);
}

bool contract_store_save(struct pgfeed *f, const uint8_t (*addrs)[ADDRESS_BYTES],
			 const enum contract_state *states, size_t n)
{
	if (!pgfeed_connected(f))
		return true;
	struct buf flags = BUF_INIT;
	buf_append_char(&flags, '{');
	for (size_t i = 0; i < n; i++) {
		if (states[i] == CONTRACT_UNKNOWN)
			continue;
		if (flags.len > 1)
			buf_append_char(&flags, ',');
		buf_append_str(&flags, states[i] == CONTRACT_YES ? "t" : "f");
	}
	buf_append_char(&flags, '}');
	if (flags.len == 2 || flags.failed) {
		bool ok = !flags.failed;
		buf_free(&flags);
		return ok;
	}
	return pgfeed_query_take(f, store_sql, 2, address_array(addrs, states, n), buf_take(&flags, NULL), NULL,
			    NULL);
}

bool contract_store_trim(struct pgfeed *f, size_t keep)
{
	if (!pgfeed_connected(f))
		return true;
	char n[32];
	snprintf(n, sizeof(n), "%zu", keep);
	char *p = strdup(n);
	return p && pgfeed_query_take(f, trim_sql, 1, p, NULL, NULL, NULL);
}
