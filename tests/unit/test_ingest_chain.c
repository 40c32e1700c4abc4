/* The chain check: which blocks link, which cannot be checked, which break
 * the chain, and how often a halt is reported; hashes from mainnet block
 * 692365 (tests/fixtures/GetTxBlock.json) and its predecessor. */
#include <criterion/criterion.h>
#include <string.h>

#include "chain.h"

#define H692364 "747a5a7b9dd6561af4320d7584b832beb92223f02a9d0f1bae9a152fee311384"
#define OTHER "0000000000000000000000000000000000000000000000000000000000000001"

Test(ingest_chain, verdicts)
{
	struct chain_tip fresh = { 0 }, tip = { 0 }, rewound = { 0 };
	chain_tip_set(&tip, 692364, H692364);
	chain_tip_set(&rewound, 692364, NULL);
	static const struct {
		int tip; /* 0 fresh, 1 tip, 2 rewound */
		uint64_t num;
		const char *prev;
		enum chain_verdict want;
	} cases[] = {
		{ 1, 692365, H692364, CHAIN_LINKED },
		{ 1, 692365, OTHER, CHAIN_BROKEN },
		{ 1, 692365, NULL, CHAIN_UNCHECKED },  /* no PrevBlockHash */
		{ 1, 692366, OTHER, CHAIN_UNCHECKED }, /* not the next block */
		{ 0, 692365, OTHER, CHAIN_UNCHECKED }, /* fresh database */
		{ 2, 692365, OTHER, CHAIN_UNCHECKED }, /* tip's row deleted */
	};
	const struct chain_tip *tips[] = { &fresh, &tip, &rewound };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(chain_check(tips[cases[i].tip], cases[i].num, cases[i].prev), cases[i].want,
			     "case %zu", i);
}

Test(ingest_chain, tip_moves_with_each_block)
{
	struct chain_tip tip = { 0 };
	chain_tip_set(&tip, 692364, H692364);
	cr_assert_eq(chain_check(&tip, 692365, H692364), CHAIN_LINKED);
	chain_tip_set(&tip, 692365, OTHER);
	cr_assert_eq(chain_check(&tip, 692366, H692364), CHAIN_BROKEN);
	cr_assert_eq(chain_check(&tip, 692366, OTHER), CHAIN_LINKED);
}

Test(ingest_chain, halt_names_both_hashes_and_repeats_every_30s)
{
	struct chain_tip tip = { 0 };
	struct chain_halt h = { 0 };
	chain_tip_set(&tip, 692364, H692364);
	cr_assert_not(chain_halt_report_due(&h, 1000));
	chain_halt_broken(&h, &tip, 692365, OTHER, 1000);
	cr_assert(h.halted);
	cr_assert_eq(h.num, 692365);
	cr_assert_str_eq(h.reason,
			 "blk=692365 does not follow the stored chain: its PrevBlockHash is " OTHER
			 ", the stored blk=692364 has BlockHash " H692364 "; the lookup follows"
			 " another chain (zws-ingest --rewind N deletes the last N blocks and resumes"
			 " before them)");
	cr_assert(chain_halt_report_due(&h, 1000));
	cr_assert_not(chain_halt_report_due(&h, 1001));
	cr_assert_not(chain_halt_report_due(&h, 30999));
	cr_assert(chain_halt_report_due(&h, 31000));
	cr_assert_not(chain_halt_report_due(&h, 31000));
	cr_assert(chain_halt_report_due(&h, 61500));
}

Test(ingest_chain, other_halt_keeps_its_reason)
{
	struct chain_halt h = { 0 };
	chain_halt_other(&h, 7, "blk=7 is too big", 5);
	cr_assert(h.halted);
	cr_assert_str_eq(h.reason, "blk=7 is too big");
	cr_assert(chain_halt_report_due(&h, 5));
}
