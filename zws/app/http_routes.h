/* Plain HTTP on the zws port (everything that is not a WebSocket
 * upgrade): GET /healthz, /metrics, /status.json and the status page at /;
 * any other path answers 404. Bodies come from core/zws_report.h over the
 * counters every worker shares, so any worker answers for the server. */
#ifndef ZWS_HTTP_ROUTES_H
#define ZWS_HTTP_ROUTES_H

#include "app.h"

/* LWS_CALLBACK_HTTP for path: writes the whole reply; returns what the
 * callback returns. */
int http_routes_serve(struct zws *app, struct lws *wsi, const char *path);

#endif
