/* Parses the few URL forms a lookup endpoint takes; no userinfo, no
 * fragments. */
#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_host_port(const char *s, size_t len, struct lookup_url *u,
			    char *err, size_t errlen)
{
	const char *port = NULL;
	size_t hostlen = len;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close) {
			snprintf(err, errlen, "unterminated [ in URL host");
			return false;
		}
		hostlen = (size_t)(close - s) - 1;
		memcpy(u->host, s + 1, hostlen < sizeof(u->host) ? hostlen : 0);
		if (close + 1 < s + len && close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = memchr(s, ':', len);
		if (colon) {
			hostlen = (size_t)(colon - s);
			port = colon + 1;
		}
		if (hostlen < sizeof(u->host))
			memcpy(u->host, s, hostlen);
	}
	if (hostlen == 0 || hostlen >= sizeof(u->host) || strchr(u->host, '@')) {
		snprintf(err, errlen, "URL has no usable host");
		return false;
	}
	u->host[hostlen] = '\0';
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (end == port || end != s + len || p < 1 || p > 65535) {
			snprintf(err, errlen, "URL has a bad port");
			return false;
		}
		u->port = (int)p;
	}
	snprintf(u->host_header, sizeof(u->host_header), "%.*s", (int)len, s);
	return true;
}

bool url_parse(const char *text, struct lookup_url *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	const char *rest;
	if (strncmp(text, "http://", 7) == 0) {
		rest = text + 7;
		u->port = 80;
	} else if (strncmp(text, "https://", 8) == 0) {
		rest = text + 8;
		u->https = true;
		u->port = 443;
	} else {
		snprintf(err, errlen, "URL must start with http:// or https://");
		return false;
	}
	const char *slash = strchr(rest, '/');
	size_t hplen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (!parse_host_port(rest, hplen, u, err, errlen))
		return false;
	const char *path = slash ? slash : "/";
	if (strlen(path) >= sizeof(u->path) || strchr(path, '#')) {
		snprintf(err, errlen, "URL path is too long or has a fragment");
		return false;
	}
	snprintf(u->path, sizeof(u->path), "%s", path);
	return true;
}
