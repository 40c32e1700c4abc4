/* Failure diagnosis: libpq's own messages (as PostgreSQL 15 prints them)
 * and lookup answers, told apart into misconfigurations and outages. */
#include <criterion/criterion.h>
#include <string.h>

#include "diagnose.h"

Test(ingest_diagnose, pg_messages)
{
	static const struct {
		const char *msg;
		bool misconfigured;
		const char *says;
	} cases[] = {
		{ "connection to server on socket \"/tmp/pg/.s.PGSQL.5432\" failed: FATAL:  database \"nope\" does not exist\n",
		  true, "misconfiguration: the database does not exist: create it or fix dbname in --db" },
		{ "connection to server on socket \"/tmp/pg/.s.PGSQL.5432\" failed: FATAL:  role \"nobody\" does not exist\n",
		  true, "misconfiguration: the role does not exist" },
		{ "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication failed for user \"zws\"\n",
		  true, "misconfiguration: authentication failed: check user and password in --db" },
		{ "connection to server at \"127.0.0.1\", port 5432 failed: fe_sendauth: no password supplied\n",
		  true, "misconfiguration: authentication failed: the server wants a password" },
		{ "connection to server at \"10.0.0.1\", port 5432 failed: FATAL:  no pg_hba.conf entry for host \"10.0.0.2\", user \"zws\", database \"zws\", no encryption\n",
		  true, "misconfiguration: the server's pg_hba.conf refuses" },
		{ "could not translate host name \"db.invalid\" to address: Name or service not known\n",
		  true, "misconfiguration: the host name in --db does not resolve" },
		{ "connection to server on socket \"/tmp/pg/.s.PGSQL.5432\" failed: FATAL:  permission denied for database \"zws\"\nDETAIL:  User does not have CONNECT privilege.\n",
		  true, "misconfiguration: the role may not connect to this database" },
		{ "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n",
		  false, "connection to server at \"127.0.0.1\", port 1 failed: Connection refused Is the server running" },
		{ "connection to server on socket \"/tmp/pg/.s.PGSQL.5432\" failed: No such file or directory\n\tIs the server running locally and accepting connections on that socket?\n",
		  false, "No such file or directory Is the server" },
		{ "FATAL:  terminating connection due to administrator command\nserver closed the connection unexpectedly\n",
		  false, "FATAL: terminating connection due to administrator command server closed" },
		{ "ERROR:  relation \"tx_blocks\" does not exist\n", false, "ERROR: relation" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[512];
		cr_assert_eq(diagnose_pg(cases[i].msg, out, sizeof(out)), cases[i].misconfigured, "case %zu: %s", i, out);
		cr_assert(strstr(out, cases[i].says), "case %zu: %s", i, out);
		cr_assert_null(strchr(out, '\n'), "case %zu: one line", i);
		cr_assert_null(strstr(out, "  "), "case %zu: spaces folded: %s", i, out);
	}
}

Test(ingest_diagnose, pg_message_keeps_libpq_words)
{
	char out[512];
	cr_assert(diagnose_pg("FATAL:  database \"zws_prod\" does not exist\n", out, sizeof(out)));
	cr_assert(strstr(out, "(FATAL: database \"zws_prod\" does not exist)"), "%s", out);
}

Test(ingest_diagnose, lookup_statuses)
{
	static const struct {
		int status;
		bool misconfigured;
		enum lookup_failure kind;
		const char *says;
	} cases[] = {
		{ 404, true, LOOKUP_FAILURE_HTTP, "misconfiguration: HTTP 404: no JSON-RPC endpoint at this path" },
		{ 403, true, LOOKUP_FAILURE_HTTP, "misconfiguration: HTTP 403" },
		{ 405, true, LOOKUP_FAILURE_HTTP, "misconfiguration: HTTP 405" },
		{ 500, false, LOOKUP_FAILURE_HTTP, "HTTP 500" },
		{ 502, false, LOOKUP_FAILURE_HTTP, "HTTP 502" },
		{ 429, false, LOOKUP_FAILURE_RATE_LIMITED, "HTTP 429 (rate limited)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[256];
		enum lookup_failure kind;
		cr_assert_eq(diagnose_lookup_status(cases[i].status, &kind, out, sizeof(out)),
			     cases[i].misconfigured, "%d", cases[i].status);
		cr_assert_eq(kind, cases[i].kind, "%d", cases[i].status);
		cr_assert(strstr(out, cases[i].says), "%d: %s", cases[i].status, out);
	}
}

Test(ingest_diagnose, lookup_bodies)
{
	char out[256];
	enum lookup_failure kind;
	const char *html = "<!DOCTYPE html>\n<html><body>Welcome to nginx!</body></html>";
	cr_assert(diagnose_lookup_body(html, strlen(html), "not JSON", &kind, out, sizeof(out)));
	cr_assert_eq(kind, LOOKUP_FAILURE_NOT_JSONRPC);
	cr_assert(strstr(out, "misconfiguration: the lookup URL does not answer JSON-RPC"), "%s", out);
	cr_assert(strstr(out, "starting \"<!DOCTYPE html> <html><body>Welcome to n\""), "%s", out);
	const char *cut = "  [{\"id\":0,\"jsonrpc\":\"2.0\",\"result\":{\"head";
	cr_assert_not(diagnose_lookup_body(cut, strlen(cut), "unexpected end of data", &kind, out, sizeof(out)));
	cr_assert_eq(kind, LOOKUP_FAILURE_INVALID);
	cr_assert_str_eq(out, "unexpected end of data");
	cr_assert(diagnose_lookup_body("", 0, "empty", &kind, out, sizeof(out)), "an empty 200 is no JSON-RPC");
	cr_assert_eq(kind, LOOKUP_FAILURE_NOT_JSONRPC);
}

Test(ingest_diagnose, failure_names)
{
	cr_assert_str_eq(diagnose_lookup_failure_name(LOOKUP_FAILURE_TIMEOUT), "timeout");
	cr_assert_str_eq(diagnose_lookup_failure_name(LOOKUP_FAILURE_REFUSED), "refused");
	cr_assert_str_eq(diagnose_lookup_failure_name(LOOKUP_FAILURE_DNS), "dns");
	cr_assert_str_eq(diagnose_lookup_failure_name(LOOKUP_FAILURE_NOT_JSONRPC), "not_jsonrpc");
	for (int k = 0; k < LOOKUP_FAILURE_COUNT; k++) {
		const char *n = diagnose_lookup_failure_name((enum lookup_failure)k);
		cr_assert(n && *n && strcmp(n, "unknown") != 0, "kind %d has a name", k);
	}
}
