/* The lookup URL: http(s)://host[:port][/path]. Pure. */
#ifndef INGEST_URL_H
#define INGEST_URL_H

#include <stdbool.h>
#include <stddef.h>

struct lookup_url {
	bool https;
	char host[256]; /* without brackets for IPv6 literals */
	int port;       /* 80 / 443 by default */
	char path[1024]; /* "/" when absent; includes any query */
	char host_header[300]; /* host[:port] as the Host header wants it */
};

bool url_parse(const char *text, struct lookup_url *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
