/* Sender and contract address derivation, address normalization. */
#include <criterion/criterion.h>

#include "derive.h"

Test(ingest_derive, sender_from_public_key)
{
	static const struct {
		const char *pubkey;
		const char *addr;
	} cases[] = {
		/* the failed transaction of mainnet block 549481; zilliqa-js's own
		 * test vector gives 0x9BfeC715a6bD658fCb62B0f8cc9BFa2ADE71434A */
		{ "0x0246E7178DC8253201101E18FD6F6EB9972451D121FC57AA2A06DD5C111E58DC6A",
		  "9bfec715a6bd658fcb62b0f8cc9bfa2ade71434a" },
		{ "0246e7178dc8253201101e18fd6f6eb9972451d121fc57aa2a06dd5c111e58dc6a",
		  "9bfec715a6bd658fcb62b0f8cc9bfa2ade71434a" },
		{ "0x02A66939B1AED3C381D7FFE4F760D2149732CD2525B787EB07C2664740C92411BC",
		  "1eb03ba948ab480fda77c3ff0724773066f94b02" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[DERIVE_HEX_ADDR_LEN];
		cr_assert(derive_sender_address(cases[i].pubkey, out));
		cr_assert_str_eq(out, cases[i].addr);
	}
	static const char *bad[] = { "", "0x", "0x0446E7178DC8253201101E18FD6F6EB9972451D121FC57AA2A06DD5C111E58DC6A",
				     "0x0246E7178DC8253201101E18FD6F6EB9972451D121FC57AA2A06DD5C111E58DC",
				     "0x0246E7178DC8253201101E18FD6F6EB9972451D121FC57AA2A06DD5C111E58DCZZ" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[DERIVE_HEX_ADDR_LEN];
		cr_assert_not(derive_sender_address(bad[i], out), "%s", bad[i]);
	}
}

Test(ingest_derive, contract_address_uses_nonce_before_the_deploy)
{
	/* SHA-256(sender || uint64_be(nonce - 1)), last 20 bytes */
	static const struct {
		const char *sender;
		uint64_t tx_nonce;
		const char *contract;
	} cases[] = {
		{ "9bfec715a6bd658fcb62b0f8cc9bfa2ade71434a", 1, "ff5793e4bde5432d2206f5acfae2d6cdb19a4e38" },
		{ "0x9BFEC715A6BD658FCB62B0F8CC9BFA2ADE71434A", 6, "a92b675675be7d4ae7f828311800c178ef68f8c2" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[DERIVE_HEX_ADDR_LEN];
		cr_assert(derive_contract_address(cases[i].sender, cases[i].tx_nonce, out));
		cr_assert_str_eq(out, cases[i].contract);
	}
}

Test(ingest_derive, normalize)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: rejected */
	} cases[] = {
		{ "0x17329229CD84B964130977975054F7725A85381A", "17329229cd84b964130977975054f7725a85381a" },
		{ "17329229cd84b964130977975054f7725a85381a", "17329229cd84b964130977975054f7725a85381a" },
		{ "0X17329229cd84B964130977975054f7725a85381a", "17329229cd84b964130977975054f7725a85381a" },
		{ "0x17329229cd84b964130977975054f7725a85381", NULL },
		{ "zil1zuefy2wdsjukgyyfw7t4q48hyfdgtqu6f2gqzh", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[DERIVE_HEX_ADDR_LEN];
		bool ok = derive_normalize_address(cases[i].in, out);
		cr_assert_eq(ok, cases[i].out != NULL, "%s", cases[i].in);
		if (ok)
			cr_assert_str_eq(out, cases[i].out);
	}
	cr_assert(derive_is_null_address("0000000000000000000000000000000000000000"));
	cr_assert_not(derive_is_null_address("0000000000000000000000000000000000000001"));
}
