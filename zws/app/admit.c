/* The client caps at the upgrade (see admit.h). The per-address count is
 * the clients connected now from that address (peers.h); one still in its
 * handshake is not counted, so a burst of simultaneous handshakes from
 * one address may pass the cap by the handshakes in flight. */
#include "admit.h"

#include <libwebsockets.h>
#include <string.h>

#include "clock.h"
#include "handshake.h"
#include "log.h"
#include "peers.h"

/* Refusals from one address are reported at most once per window. */
#define ADMIT_LOG_WINDOW_MS 10000
#define ADMIT_ORIGIN_MAX 256

static enum stats_refusal counter_of(enum admission a)
{
	return a == ADMIT_ORIGIN ? STATS_REFUSED_ORIGIN
	       : a == ADMIT_PER_IP ? STATS_REFUSED_PER_IP
				   : STATS_REFUSED_MAX_CLIENTS;
}

int admit_upgrade(struct zws *app, struct lws *wsi)
{
	char peer[64] = "", origin[ADMIT_ORIGIN_MAX] = "";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	bool has_origin = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0;
	if (has_origin && lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0)
		origin[0] = '\0'; /* too long for any allowed origin */
	enum admission a = admission_check(&app->admission, app->nsessions, peers_refs(app->peers, peer),
					   has_origin ? origin : NULL);
	if (a == ADMIT_OK)
		return 0;
	stats_add(&app->stats->refused[counter_of(a)], 1);
	if (admission_log_add(&app->refusals, peer, a, clock_now_ms()))
		log_warn("%s: connection refused with %d: %s (%zu clients); more from this address are "
			 "counted and logged every %d s", peer, admission_status(a), admission_reason(a),
			 app->nsessions, ADMIT_LOG_WINDOW_MS / 1000);
	return handshake_refuse(wsi, admission_status(a), admission_reason(a));
}

void admit_tick(struct zws *app)
{
	struct admission_report r[16];
	size_t n;
	do {
		n = admission_log_take(&app->refusals, clock_now_ms(), ADMIT_LOG_WINDOW_MS, r, 16);
		for (size_t i = 0; i < n; i++)
			log_warn("%s: %u more connections refused in the last %.0f s (%s)", r[i].addr, r[i].count,
				 (double)r[i].span_ms / 1000, admission_reason(r[i].why));
	} while (n == 16);
}
