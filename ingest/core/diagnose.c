/* Failure diagnosis: tables of libpq message fragments and HTTP statuses
 * that mean "fix the configuration", and the words for each. libpq's
 * messages are matched on the fragments PostgreSQL 12 to 16 print in
 * English (lc_messages C, the default for a server started by initdb
 * without a locale); others fall back to "outage". */
#include "diagnose.h"

#include <stdio.h>
#include <string.h>

static const char *const failure_names[LOOKUP_FAILURE_COUNT] = {
	[LOOKUP_FAILURE_TIMEOUT] = "timeout",
	[LOOKUP_FAILURE_REFUSED] = "refused",
	[LOOKUP_FAILURE_DNS] = "dns",
	[LOOKUP_FAILURE_TLS] = "tls",
	[LOOKUP_FAILURE_CLOSED] = "closed",
	[LOOKUP_FAILURE_CONNECT] = "connect",
	[LOOKUP_FAILURE_HTTP] = "http",
	[LOOKUP_FAILURE_RATE_LIMITED] = "rate_limited",
	[LOOKUP_FAILURE_NOT_JSONRPC] = "not_jsonrpc",
	[LOOKUP_FAILURE_INVALID] = "invalid",
	[LOOKUP_FAILURE_RPC_ERROR] = "rpc_error",
};

const char *diagnose_lookup_failure_name(enum lookup_failure kind)
{
	return kind >= 0 && kind < LOOKUP_FAILURE_COUNT ? failure_names[kind] : "unknown";
}

bool diagnose_lookup_status(int status, enum lookup_failure *kind, char *out, size_t outlen)
{
	*kind = status == 429 ? LOOKUP_FAILURE_RATE_LIMITED : LOOKUP_FAILURE_HTTP;
	const char *fix = NULL;
	if (status == 404)
		fix = "no JSON-RPC endpoint at this path: check the path in --lookup";
	else if (status == 401 || status == 403)
		fix = "the lookup refuses access: check --lookup";
	else if (status == 405)
		fix = "the URL does not take POST: it is not a JSON-RPC endpoint, check --lookup";
	if (fix)
		snprintf(out, outlen, "misconfiguration: HTTP %d: %s", status, fix);
	else
		snprintf(out, outlen, "HTTP %d%s", status, status == 429 ? " (rate limited)" : "");
	return fix != NULL;
}

/* Copies up to 40 printable bytes of body into out. */
static void excerpt(const char *body, size_t len, char *out, size_t outlen)
{
	size_t n = 0;
	for (size_t i = 0; i < len && i < 40 && n + 1 < outlen; i++)
		out[n++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ';
	if (outlen > 0)
		out[n] = '\0';
}

bool diagnose_lookup_body(const char *body, size_t len, const char *parse_error,
			  enum lookup_failure *kind, char *out, size_t outlen)
{
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	bool json = i < len && (body[i] == '{' || body[i] == '[');
	if (json) {
		*kind = LOOKUP_FAILURE_INVALID;
		snprintf(out, outlen, "%s", parse_error);
		return false;
	}
	char start[48];
	excerpt(body + i, len - i, start, sizeof(start));
	*kind = LOOKUP_FAILURE_NOT_JSONRPC;
	snprintf(out, outlen, "misconfiguration: the lookup URL does not answer JSON-RPC "
		 "(HTTP 200, %zu bytes starting \"%s\"): check --lookup", len, start);
	return true;
}

static const struct pg_problem {
	const char *fragment;
	const char *fix;
} pg_problems[] = {
	{ "database \"", "the database does not exist: create it or fix dbname in --db" },
	{ "role \"", "the role does not exist: create it or fix user in --db" },
	{ "password authentication failed", "authentication failed: check user and password in --db" },
	{ "no password supplied", "authentication failed: the server wants a password (--db, PGPASSWORD or ~/.pgpass)" },
	{ "authentication failed", "authentication failed: check user and password in --db" },
	{ "no pg_hba.conf entry", "the server's pg_hba.conf refuses this host, user and database" },
	{ "could not translate host name", "the host name in --db does not resolve" },
	{ "permission denied for database", "the role may not connect to this database" },
};

static void flatten(const char *msg, char *out, size_t outlen)
{
	size_t n = 0;
	for (const char *p = msg; *p && n + 1 < outlen; p++) {
		char c = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	if (outlen > 0)
		out[n] = '\0';
}

bool diagnose_pg(const char *libpq_msg, char *out, size_t outlen)
{
	char flat[400];
	flatten(libpq_msg ? libpq_msg : "", flat, sizeof(flat));
	for (size_t i = 0; i < sizeof(pg_problems) / sizeof(pg_problems[0]); i++) {
		const struct pg_problem *p = &pg_problems[i];
		const char *at = strstr(flat, p->fragment);
		/* "database "x" / role "x"" only with "does not exist" after them */
		if (at && p->fragment[strlen(p->fragment) - 1] == '"' && !strstr(at, "does not exist"))
			continue;
		if (at) {
			snprintf(out, outlen, "misconfiguration: %s (%s)", p->fix, flat);
			return true;
		}
	}
	snprintf(out, outlen, "%s", flat);
	return false;
}
