/* zws lookup contract check encoding and decoding, and the NOTIFY
 * payload, against the fixtures' real JSON-RPC shapes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract_rpc.h"
#include "notify_payload.h"

static char *fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	FILE *f = fopen(path, "rb");
	cr_assert(f, "%s", path);
	static char data[65536];
	size_t n = fread(data, 1, sizeof(data) - 1, f);
	fclose(f);
	data[n] = '\0';
	return strdup(data);
}

Test(zws_contract_rpc, request_is_a_batch_of_bare_hex)
{
	uint8_t a[2][ADDRESS_BYTES];
	cr_assert(address_parse("0x17329229cd84b964130977975054f7725a85381a", 42, a[0]));
	cr_assert(address_parse("07C9D1EDB8AA95194033B6783B351409B1CBD355", 40, a[1]));
	struct buf b = BUF_INIT;
	cr_assert(contract_rpc_request((const uint8_t(*)[ADDRESS_BYTES])a, 2, &b));
	cr_expect_str_eq(b.data,
		"[{\"id\":\"0\",\"jsonrpc\":\"2.0\",\"method\":\"GetSmartContractInit\",\"params\":[\"17329229cd84b964130977975054f7725a85381a\"]},"
		"{\"id\":\"1\",\"jsonrpc\":\"2.0\",\"method\":\"GetSmartContractInit\",\"params\":[\"07c9d1edb8aa95194033b6783b351409b1cbd355\"]}]");
	buf_free(&b);
}

Test(zws_contract_rpc, replies)
{
	/* The real GetSmartContractInit answer (id "1") says contract. */
	char *init = fixture("GetSmartContractInit.json");
	enum contract_state st[3] = { 0 };
	char err[128];
	cr_assert(contract_rpc_parse(init, strlen(init), 3, st, err, sizeof(err)), "%s", err);
	cr_expect_eq(st[1], CONTRACT_YES);
	cr_expect_eq(st[0], CONTRACT_UNKNOWN);
	free(init);

	static const struct { const char *body; enum contract_state want[3]; bool ok; } cases[] = {
		{ "[{\"id\":\"0\",\"jsonrpc\":\"2.0\",\"result\":[]},"
		  "{\"id\":\"1\",\"jsonrpc\":\"2.0\",\"error\":{\"code\":-5,\"data\":null,\"message\":\"Address not contract address\"}},"
		  "{\"id\":\"2\",\"jsonrpc\":\"2.0\",\"error\":{\"code\":-5,\"data\":null,\"message\":\"Address does not exist\"}}]",
		  { CONTRACT_YES, CONTRACT_NO, CONTRACT_NO }, true },
		{ "[{\"id\":\"2\",\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,\"message\":\"Internal error\"}},"
		  "{\"id\":\"9\",\"jsonrpc\":\"2.0\",\"result\":[]},{\"jsonrpc\":\"2.0\",\"result\":[]}]",
		  { CONTRACT_UNKNOWN, CONTRACT_UNKNOWN, CONTRACT_UNKNOWN }, true },
		{ "<html>busy</html>", { 0 }, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum contract_state got[3] = { 0 };
		bool ok = contract_rpc_parse(cases[i].body, strlen(cases[i].body), 3, got, err, sizeof(err));
		cr_expect_eq(ok, cases[i].ok, "case %zu", i);
		for (int k = 0; k < 3; k++)
			cr_expect_eq(got[k], cases[i].want[k], "case %zu address %d", i, k);
	}
}

Test(zws_contract_rpc, notify_payload)
{
	static const struct { const char *text; bool ok; uint64_t num; bool live; } cases[] = {
		{ "{\"block_num\":692365,\"live\":true}", true, 692365, true },
		{ "{\"block_num\":1001,\"live\":false}", true, 1001, false },
		{ "{\"block_num\":5}", true, 5, false },
		{ "{\"block_num\":\"5\",\"live\":true}", false, 0, false },
		{ "{\"live\":true}", false, 0, false },
		{ "692365", false, 0, false },
		{ "", false, 0, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t num = 0;
		bool live = false;
		char err[96];
		bool ok = notify_payload_parse(cases[i].text, &num, &live, err, sizeof(err));
		cr_expect_eq(ok, cases[i].ok, "case %zu", i);
		if (ok) {
			cr_expect_eq(num, cases[i].num, "case %zu", i);
			cr_expect_eq(live, cases[i].live, "case %zu", i);
		}
	}
}

/* The reply is len bytes, not a C string: the error quotes those bytes
 * and nothing after them. */
Test(zws_contract_rpc, error_quotes_only_the_reply)
{
	const char text[] = "oops, more bytes that are not part of the reply";
	enum contract_state st[1] = { CONTRACT_UNKNOWN };
	char err[256];
	cr_assert_not(contract_rpc_parse(text, 4, 1, st, err, sizeof(err)));
	cr_expect_str_eq(err, "lookup reply is not JSON-RPC: oops");
}
