/* Which opening handshakes zws upgrades, and what the rest are answered. */
#include <criterion/criterion.h>

#include "upgrade_check.h"

static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char *const internal[] = { "zws-pg", "zws-listen", "zws-lookup", NULL };

Test(upgrade_check, a_browser_handshake_is_upgraded)
{
	cr_assert_eq(upgrade_check("13", key, NULL, internal), UPGRADE_OK);
	cr_assert_eq(upgrade_check("13", key, "zws", internal), UPGRADE_OK);
	cr_assert_eq(upgrade_check("13", key, "chat, zws", internal), UPGRADE_OK);
	cr_assert_eq(upgrade_check("13", key, " zws ,other", internal), UPGRADE_OK);
}

Test(upgrade_check, other_versions_get_426)
{
	cr_assert_eq(upgrade_check("8", key, NULL, internal), UPGRADE_BAD_VERSION);
	cr_assert_eq(upgrade_check(NULL, key, NULL, internal), UPGRADE_BAD_VERSION);
	cr_assert_eq(upgrade_check("13 ", key, NULL, internal), UPGRADE_BAD_VERSION);
	cr_assert_eq(upgrade_status(UPGRADE_BAD_VERSION), 426);
}

Test(upgrade_check, keys_that_are_not_16_bytes_get_400)
{
	cr_assert_eq(upgrade_check("13", NULL, NULL, internal), UPGRADE_BAD_KEY);
	cr_assert_eq(upgrade_check("13", "", NULL, internal), UPGRADE_BAD_KEY);
	cr_assert_eq(upgrade_check("13", "abc", NULL, internal), UPGRADE_BAD_KEY);
	cr_assert_eq(upgrade_check("13", "dGhlIHNhbXBsZSBub25jZQ=", NULL, internal), UPGRADE_BAD_KEY);
	cr_assert_eq(upgrade_check("13", "dGhlIHNhbXBsZSBub25jZQ==x", NULL, internal), UPGRADE_BAD_KEY);
	cr_assert_eq(upgrade_check("13", "dGhlIHNhbXBsZSBub25jZR==", NULL, internal), UPGRADE_BAD_KEY);
	cr_assert_eq(upgrade_check("13", "dGhlIHNhbXBsZSBub25j*Q==", NULL, internal), UPGRADE_BAD_KEY);
	cr_assert_eq(upgrade_status(UPGRADE_BAD_KEY), 400);
}

Test(upgrade_check, internal_or_unknown_subprotocols_get_400)
{
	cr_assert_eq(upgrade_check("13", key, "zws-pg", internal), UPGRADE_BAD_PROTOCOL);
	cr_assert_eq(upgrade_check("13", key, "zws-lookup, zws", internal), UPGRADE_BAD_PROTOCOL);
	cr_assert_eq(upgrade_check("13", key, "zws, zws-listen", internal), UPGRADE_BAD_PROTOCOL);
	cr_assert_eq(upgrade_check("13", key, "chat", internal), UPGRADE_BAD_PROTOCOL);
	cr_assert_eq(upgrade_check("13", key, "", internal), UPGRADE_BAD_PROTOCOL);
	cr_assert_eq(upgrade_check("13", key, "zws zws-pg", internal), UPGRADE_BAD_PROTOCOL);
	cr_assert_eq(upgrade_status(UPGRADE_BAD_PROTOCOL), 400);
}
