/* The caps on who may become a WebSocket client (core/admission.h),
 * applied to an upgrade request before lws answers it: refused requests
 * get 503 or 403 and are closed, counted in the shared counters and
 * logged folded per address. */
#ifndef ZWS_ADMIT_H
#define ZWS_ADMIT_H

#include "app.h"

/* 0: the caps let it in; -1: refused (answered; lws closes it). */
int admit_upgrade(struct zws *app, struct lws *wsi);
/* Logs the refusals counted since the last line, per address (called
 * every second). */
void admit_tick(struct zws *app);

#endif
