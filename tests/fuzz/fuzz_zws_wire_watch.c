/* Fuzz target: the wire watch (zws/core/wire_watch.c), any bytes a client
 * may send from its first, read whole and read in pieces of sizes the
 * input's first byte picks. Checked: how the bytes arrive never changes
 * what it finds (phase, frames counted, which frame came unmasked, an
 * unmasked frame lws does not deliver); a watch that found an unmasked frame refuses exactly
 * that delivery and every one after; a blind one refuses nothing. */
#include "fuzz.h"

#include "wire_watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	size_t step = 1 + data[0] % 23;
	data++;
	size--;
	struct wire_watch whole, pieces;
	wire_watch_init(&whole);
	wire_watch_init(&pieces);
	wire_watch_feed(&whole, data, size);
	for (size_t i = 0; i < size; i += step)
		wire_watch_feed(&pieces, data + i, size - i < step ? size - i : step);
	FUZZ_CHECK(whole.phase == pieces.phase);
	FUZZ_CHECK(whole.frames == pieces.frames);
	FUZZ_CHECK(whole.bad_at == pieces.bad_at);
	FUZZ_CHECK(wire_watch_bad_unseen(&whole) == wire_watch_bad_unseen(&pieces));
	FUZZ_CHECK(!whole.bad_at || whole.bad_at == whole.frames + 1);

	wire_watch_established(&whole);
	uint32_t bad = whole.phase == WIRE_WATCH_BLIND ? 0 : whole.bad_at;
	for (uint32_t n = 1; n <= whole.frames + 2; n++)
		FUZZ_CHECK(wire_watch_data(&whole, 0) == (!bad || n < bad));
	return 0;
}
