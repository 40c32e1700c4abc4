/* Checks on a WebSocket opening handshake (see upgrade_check.h). */
#include "upgrade_check.h"

#include <stdbool.h>
#include <string.h>

#define UPGRADE_KEY_CHARS 24 /* 16 bytes in base64: 22 characters and "==" */

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '/';
}

static bool key_ok(const char *key)
{
	if (!key || strlen(key) != UPGRADE_KEY_CHARS || strcmp(key + 22, "==") != 0)
		return false;
	for (int i = 0; i < 22; i++)
		if (!is_b64(key[i]))
			return false;
	/* The last character before "==" carries 2 bits of data, 4 of zero. */
	return strchr("AQgw", key[21]) != NULL;
}

static bool is_internal(const char *name, size_t len, const char *const *internal)
{
	for (; internal && *internal; internal++)
		if (strlen(*internal) == len && strncmp(*internal, name, len) == 0)
			return true;
	return false;
}

/* A comma-separated list of tokens, blanks around each ignored. */
static bool protocols_ok(const char *list, const char *const *internal)
{
	bool zws = false;
	for (const char *p = list; *p;) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, ", \t");
		if (len == 3 && strncmp(p, "zws", 3) == 0)
			zws = true;
		else if (is_internal(p, len, internal))
			return false;
		p += len;
		p += strspn(p, " \t");
		if (*p == ',')
			p++;
		else if (*p)
			return false;
	}
	return zws;
}

enum upgrade_verdict upgrade_check(const char *version, const char *key, const char *protocols,
				   const char *const *internal)
{
	if (!version || strcmp(version, "13") != 0)
		return UPGRADE_BAD_VERSION;
	if (!key_ok(key))
		return UPGRADE_BAD_KEY;
	if (protocols && !protocols_ok(protocols, internal))
		return UPGRADE_BAD_PROTOCOL;
	return UPGRADE_OK;
}

int upgrade_status(enum upgrade_verdict v)
{
	return v == UPGRADE_BAD_VERSION ? 426 : v == UPGRADE_OK ? 101 : 400;
}

const char *upgrade_reason(enum upgrade_verdict v)
{
	switch (v) {
	case UPGRADE_OK: return "ok";
	case UPGRADE_BAD_VERSION: return "WebSocket version 13 is required";
	case UPGRADE_BAD_KEY: return "Sec-WebSocket-Key must be 16 bytes in base64";
	case UPGRADE_BAD_PROTOCOL: return "the only subprotocol offered is zws";
	}
	return "";
}
