/* Fuzz target: the lookup's answer to zws's contract check
 * (zws/core/contract_rpc.c). The first byte says how many addresses were asked
 * about; the rest is the body, not NUL-terminated, as it comes off the
 * socket. */
#include "fuzz.h"

#include "contract_rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t n = data[0] % 32 + 1;
	char *body = fuzz_bytes(data + 1, size - 1);
	enum contract_state *states = calloc(n, sizeof(*states));
	char err[256] = "";
	if (body && states && contract_rpc_parse(body, size - 1, n, states, err, sizeof(err))) {
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(states[i] == CONTRACT_UNKNOWN || states[i] == CONTRACT_YES ||
				   states[i] == CONTRACT_NO);
	} else if (body && states) {
		FUZZ_CHECK(err[0] != '\0');
	}
	free(states);
	free(body);
	return 0;
}
