/* The HTTP routes (see http_routes.h). Each reply is small (tens of KB
 * at most), so it is written whole, headers and body, in one lws_write;
 * lws keeps whatever the socket does not take and completes the
 * transaction once it is sent. */
#include "http_routes.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "prom.h"

/* The status page, compiled in from status_page.html (CMake). */
extern const unsigned char status_page_html[];
extern const size_t status_page_html_len;

#define HTTP_METRICS_FIRST_TRY 32768
#define HTTP_HEADERS_MAX 512

static int reply(struct lws *wsi, unsigned status, const char *type, const char *body, size_t len)
{
	bool head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	size_t blen = head ? 0 : len;
	unsigned char *buf = malloc(LWS_PRE + HTTP_HEADERS_MAX + blen);
	if (!buf)
		return -1;
	unsigned char *start = buf + LWS_PRE, *p = start, *end = start + HTTP_HEADERS_MAX;
	if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-store", 8, &p, end) ||
	    lws_finalize_http_header(wsi, &p, end)) {
		free(buf);
		return -1;
	}
	memcpy(p, body, blen);
	p += blen;
	int n = lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL);
	free(buf);
	if (n < 0)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int serve_text(struct lws *wsi, unsigned status, const char *type, char *body)
{
	if (!body)
		return reply(wsi, 500, "text/plain", "out of memory\n", 14);
	int rc = reply(wsi, status, type, body, strlen(body));
	free(body);
	return rc;
}

static int serve_metrics(struct zws *app, struct lws *wsi)
{
	size_t cap = HTTP_METRICS_FIRST_TRY;
	for (int tries = 0; tries < 2; tries++) {
		char *body = malloc(cap);
		if (!body)
			break;
		size_t need = report_metrics(app->stats_region, &app->report_limits, clock_now_ms(), body, cap);
		if (need < cap) {
			int rc = reply(wsi, 200, PROM_CONTENT_TYPE, body, need);
			free(body);
			return rc;
		}
		free(body);
		cap = need + 1;
	}
	return reply(wsi, 500, "text/plain", "out of memory\n", 14);
}

int http_routes_serve(struct zws *app, struct lws *wsi, const char *path)
{
	if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) && !lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI))
		return reply(wsi, 405, "text/plain", "only GET and HEAD are served here\n", 34);
	if (strcmp(path, "/healthz") == 0) {
		char *body = NULL;
		int status = report_healthz(app->stats_region, &app->report_limits, clock_now_ms(), &body);
		return serve_text(wsi, (unsigned)(body ? status : 500), "application/json", body);
	}
	if (strcmp(path, "/metrics") == 0)
		return serve_metrics(app, wsi);
	if (strcmp(path, "/status.json") == 0)
		return serve_text(wsi, 200, "application/json",
				  report_status_json(app->stats_region, &app->report_limits, clock_now_ms()));
	if (strcmp(path, "/") == 0)
		return reply(wsi, 200, "text/html; charset=utf-8", (const char *)status_page_html,
			     status_page_html_len);
	return reply(wsi, 404, "text/plain", "not found: try /, /healthz, /metrics or /status.json\n", 53);
}
