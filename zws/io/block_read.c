/* A block from its rows (see block_read.h). The rows come back in
 * whatever order PostgreSQL reads them; block_rows_sort puts them in
 * block order here (bench/fanout/results.md, "Design measurements", has
 * why the sort is not left to the server). */
#include "block_read.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char block_read_sql[] =
	"SELECT 0, 0, 0, tx_block::text, tx_hashes::text, NULL::text, NULL::text, NULL::text"
	" FROM tx_blocks WHERE block_num = $1::bigint"
	" UNION ALL SELECT 1, tx_position, log_index, address, event_name, params::text, NULL, NULL"
	" FROM event_logs WHERE block_num = $1::bigint AND success"
	" UNION ALL SELECT 2, position, 0, tx_hash, from_addr, to_addr, amount::text, success::text"
	" FROM transactions WHERE block_num = $1::bigint";

static bool add_row(struct block *b, const PGresult *res, int i, char *err, size_t errlen)
{
	const char *kind = PQgetvalue(res, i, 0);
	if (kind[0] == '1')
		return block_add_event(b, PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
				       PQgetvalue(res, i, 5), err, errlen);
	if (kind[0] == '2')
		return block_add_txn(b, PQgetvalue(res, i, 3), PQgetvalue(res, i, 6), PQgetvalue(res, i, 4),
				     PQgetvalue(res, i, 5), strcmp(PQgetvalue(res, i, 7), "true") == 0,
				     err, errlen);
	return true;
}

/* The rows of res in block order (block_read_sql leaves the order to us). */
static struct block_row *rows_in_order(const PGresult *res, int rows)
{
	struct block_row *order = malloc((size_t)rows * sizeof(*order));
	if (!order)
		return NULL;
	for (int i = 0; i < rows; i++)
		order[i] = (struct block_row){ .kind = (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10),
					       .pos = (uint32_t)strtoul(PQgetvalue(res, i, 1), NULL, 10),
					       .index = (uint32_t)strtoul(PQgetvalue(res, i, 2), NULL, 10),
					       .row = (uint32_t)i };
	block_rows_sort(order, (size_t)rows);
	return order;
}

struct block *block_read(uint64_t num, const PGresult *res, size_t *logs, char *err, size_t errlen)
{
	int rows = PQntuples(res);
	struct block_row *order = rows ? rows_in_order(res, rows) : NULL;
	if (rows && !order) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!rows || order[0].kind != 0) {
		free(order);
		return NULL;
	}
	struct block *b = block_new(num, PQgetvalue(res, (int)order[0].row, 3),
				    PQgetvalue(res, (int)order[0].row, 4));
	bool ok = b != NULL;
	*logs = 0;
	for (int i = 1; ok && i < rows; i++) {
		*logs += order[i].kind == 1;
		ok = add_row(b, res, (int)order[i].row, err, errlen);
	}
	free(order);
	if (!ok || !block_finish(b, err, errlen)) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		block_free(b);
		return NULL;
	}
	return b;
}
