/* The chain check: each TxBlock's PrevBlockHash must be the hash of the
 * block stored before it. Zilliqa 1's pBFT and Zilliqa 2's finality never
 * replace a block once the lookup serves it, so a mismatch means the
 * lookup now follows another chain (or has a bug): ingest stops following
 * and says so, with both hashes, every CHAIN_REPORT_INTERVAL_MS until an
 * operator intervenes (zws-ingest --rewind N deletes the last N blocks and
 * resumes before them). Pure: time is passed in. */
#ifndef INGEST_CHAIN_H
#define INGEST_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAIN_REPORT_INTERVAL_MS 30000

/* The last block handed to the store: the one the next must link to. */
struct chain_tip {
	bool known;     /* false on a fresh database */
	bool has_hash;  /* false when its row is gone (rewound past) */
	uint64_t num;
	char hash[65];  /* lowercase hex, no 0x */
};

enum chain_verdict {
	CHAIN_LINKED,    /* the block follows the tip */
	CHAIN_UNCHECKED, /* nothing to compare: no tip, not the next block, or no PrevBlockHash */
	CHAIN_BROKEN,    /* the block's PrevBlockHash is not the tip's hash */
};

/* prev_hash: the block's PrevBlockHash, normalized, or NULL when it has
 * none. */
enum chain_verdict chain_check(const struct chain_tip *tip, uint64_t num, const char *prev_hash);

/* The block num with hash becomes the tip (hash NULL: unknown). */
void chain_tip_set(struct chain_tip *tip, uint64_t num, const char *hash);

/* Why and since when ingest stopped following. */
struct chain_halt {
	bool halted;
	uint64_t num;           /* the block refused */
	char reason[400];
	uint64_t next_report_ms;
};

/* Stops on a broken link: the reason names the block, the stored
 * previous block and both hashes. */
void chain_halt_broken(struct chain_halt *h, const struct chain_tip *tip, uint64_t num,
		       const char *prev_hash, uint64_t now_ms);

/* Stops for another reason, given as text. */
void chain_halt_other(struct chain_halt *h, uint64_t num, const char *reason, uint64_t now_ms);

/* True when the halt is to be reported now: at once, then every
 * CHAIN_REPORT_INTERVAL_MS. */
bool chain_halt_report_due(struct chain_halt *h, uint64_t now_ms);

#endif
