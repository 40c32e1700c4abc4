/* Fuzz target: the fragments zws builds for a block from the rows it
 * reads back (zws/core/block_feed.c): event names and ids are whatever the node
 * sent, stored as text. Every fragment a client receives must be JSON
 * that says what the rows say: each event's name, in order, under its
 * contract's canonical address, and each transaction under its recipient
 * and its sender.
 *
 * Input: records separated by RS (0x1e), fields by US (0x1f):
 *   E address US params-json US event-name
 *   T id US amount US from US to US success(0/1)
 * The event name is stored as ingest writes it: a JSON string's contents,
 * escapes kept (sql/004). Records ingest would not have stored (params or
 * a name that are not JSON) are skipped, as are those zws itself refuses
 * (bad addresses). */
#include "fuzz.h"

#include <json-c/json.h>

#include "block_feed.h"

#define RS '\x1e'
#define US '\x1f'
#define MAX_FIELDS 5
#define MAX_EVENTS 256

struct expect {
	uint8_t addr[ADDRESS_BYTES];
	char *name; /* decoded, malloc'ed */
	size_t len;
};

/* Splits rec (NUL-terminated) at US into at most MAX_FIELDS fields. */
static int split(char *rec, char **f)
{
	int n = 0;
	f[n++] = rec;
	for (char *p = rec; *p && n < MAX_FIELDS; p++)
		if (*p == US) {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* s parsed as strict JSON (the whole string), or NULL. */
static struct json_object *strict_json(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	FUZZ_CHECK(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s) + 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static bool is_json(const char *s)
{
	struct json_object *o = strict_json(s);
	json_object_put(o);
	return o != NULL;
}

/* The name a stored event name (a JSON string's contents) stands for,
 * into e; false when it is no such thing. */
static bool decode_name(const char *stored, struct expect *e)
{
	size_t n = strlen(stored);
	char *quoted = malloc(n + 3);
	FUZZ_CHECK(quoted != NULL);
	quoted[0] = '"';
	memcpy(quoted + 1, stored, n);
	memcpy(quoted + 1 + n, "\"", 2);
	struct json_object *o = strict_json(quoted);
	free(quoted);
	bool ok = json_object_is_type(o, json_type_string);
	if (ok) {
		e->len = (size_t)json_object_get_string_len(o);
		e->name = malloc(e->len + 1);
		FUZZ_CHECK(e->name != NULL);
		memcpy(e->name, json_object_get_string(o), e->len + 1);
	}
	json_object_put(o);
	return ok;
}

static struct json_object *parse_fragment(const struct buf *f)
{
	struct json_object *o = json_tokener_parse(f->data);
	if (!o)
		fprintf(stderr, "fragment is not JSON: %.300s\n", f->data);
	FUZZ_CHECK(o != NULL);
	return o;
}

/* Each events group holds, in order, the names added for its address. */
static void check_events(const struct block *b, const struct expect *ev, size_t nev)
{
	for (size_t g = 0; g < b->events.count; g++) {
		const struct block_group *grp = b->events.groups[g];
		struct json_object *o = parse_fragment(&grp->fragment), *addr, *logs;
		char canon[ADDRESS_CANON_LEN];
		address_format(grp->key.key, canon);
		FUZZ_CHECK(json_object_object_get_ex(o, "address", &addr) &&
			   strcmp(json_object_get_string(addr), canon) == 0);
		FUZZ_CHECK(json_object_object_get_ex(o, "event_logs", &logs));
		size_t k = 0;
		for (size_t i = 0; i < nev; i++) {
			if (memcmp(ev[i].addr, grp->key.key, ADDRESS_BYTES) != 0)
				continue;
			struct json_object *name;
			FUZZ_CHECK(k < json_object_array_length(logs));
			FUZZ_CHECK(json_object_object_get_ex(json_object_array_get_idx(logs, k++),
							     "_eventname", &name));
			FUZZ_CHECK((size_t)json_object_get_string_len(name) == ev[i].len &&
				   memcmp(json_object_get_string(name), ev[i].name, ev[i].len) == 0);
		}
		FUZZ_CHECK(k == json_object_array_length(logs));
		json_object_put(o);
	}
}

/* Adds one record; *ntxn_entries counts the log entries a transaction
 * makes (one for its recipient, one for a different sender). */
static void add_record(struct block *b, char *rec, struct expect *ev, size_t *nev,
		       size_t *ntxn_entries)
{
	char *f[MAX_FIELDS], err[256];
	int n = split(rec, f);
	if (f[0][0] == 'E' && n == 3 && *nev < MAX_EVENTS && is_json(f[1]) &&
	    decode_name(f[2], &ev[*nev])) {
		const char *address = f[0] + 1;
		if (block_add_event(b, address, f[2], f[1], err, sizeof(err))) {
			FUZZ_CHECK(address_parse(address, strlen(address), ev[*nev].addr));
			(*nev)++;
		} else {
			free(ev[*nev].name);
		}
	} else if (f[0][0] == 'T' && n == 5) {
		uint8_t from[ADDRESS_BYTES], to[ADDRESS_BYTES];
		if (block_add_txn(b, f[0] + 1, f[1], f[2], f[3], f[4][0] == '1', err, sizeof(err))) {
			FUZZ_CHECK(address_parse(f[2], strlen(f[2]), from) &&
				   address_parse(f[3], strlen(f[3]), to));
			*ntxn_entries += memcmp(from, to, ADDRESS_BYTES) == 0 ? 1 : 2;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	struct block *b = in ? block_new(692365, "{\"header\":{}}", "[[]]") : NULL;
	struct expect ev[MAX_EVENTS];
	size_t nev = 0, ntxn_entries = 0, got_entries = 0;
	if (b) {
		char *rec = in;
		for (char *p = in;; p++) {
			if (*p == RS || *p == '\0') {
				bool last = *p == '\0';
				*p = '\0';
				add_record(b, rec, ev, &nev, &ntxn_entries);
				if (last)
					break;
				rec = p + 1;
			}
		}
		char err[256];
		FUZZ_CHECK(block_finish(b, err, sizeof(err)));
		check_events(b, ev, nev);
		for (size_t g = 0; g < b->txns.count; g++) {
			struct json_object *o = parse_fragment(&b->txns.groups[g]->fragment), *log;
			FUZZ_CHECK(json_object_object_get_ex(o, "log", &log));
			got_entries += json_object_array_length(log);
			json_object_put(o);
		}
		FUZZ_CHECK(got_entries == ntxn_entries);
		json_object_put(parse_fragment(&b->newblock_value));
	}
	for (size_t i = 0; i < nev; i++)
		free(ev[i].name);
	block_free(b);
	free(in);
	return 0;
}
