/* zws-fake-lookup: a fake Zilliqa lookup node (JSON-RPC over HTTP) for
 * ZWS's integration tests, benchmarks and demo. Parses the command line,
 * loads the chain, serves until SIGINT or SIGTERM. */
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "fake_chain.h"
#include "fake_server.h"
#include "log.h"

#ifndef FAKE_FIXTURES_DIR
#define FAKE_FIXTURES_DIR "tests/fixtures"
#endif

#define DEFAULT_HEIGHT 692364
#define DEFAULT_MAX_BATCH 100

struct options {
	struct fake_chain_config chain;
	struct fake_server_config server;
	uint8_t (*contracts)[20];
	enum log_level log_level;
	bool print_contracts;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: zws-fake-lookup --port P [options]\n"
		"A fake Zilliqa lookup node: JSON-RPC on POST to any path.\n"
		"\n"
		"  --port P           TCP port to listen on (0 = any free port; required)\n"
		"  --host H           address to listen on (default 127.0.0.1)\n"
		"  --fixtures DIR     fixture directory (default %s)\n"
		"  --height N         initial head block (default %d)\n"
		"  --interval-ms MS   produce one block every MS ms (default 0 = only on request)\n"
		"  --shape S          generated blocks: empty | mainnet (block 692365's 28 txns)\n"
		"                     | mixed (default: every 3rd block empty, every 5th adds a\n"
		"                     contract deploy) | paged (5,001 txns, 3 pages) | events\n"
		"                     (1,000 token calls, 10 event logs each: 10,000 per block)\n"
		"  --flavor F         z1 (default) or z2 (Zilliqa 2 answers and quirks)\n"
		"  --contract ADDR    an extra contract address (0x.., 40 hex or zil1..); repeatable\n"
		"  --max-batch N      batches of more than N calls get HTTP 413 (default %d)\n"
		"  --fork-at N        generated blocks from N on belong to another chain\n"
		"                     (other hashes, same transactions; default 0 = none)\n"
		"  --log-level L      error | warn | info (default) | debug\n"
		"  --print-contracts  print the contracts whose event logs --shape's blocks carry\n"
		"                     (0x + 40 hex, one per line, in order of first emission), exit\n"
		"  --help             show this help\n"
		"\n"
		"Control: POST /fake/produce?count=K, GET /fake/status,\n"
		"POST /fake/fault {\"mode\":..,\"count\":K,\"delay_ms\":D,\"bytes\":B},\n"
		"POST /fake/fork?at=N.\n",
		FAKE_FIXTURES_DIR, DEFAULT_HEIGHT, DEFAULT_MAX_BATCH);
}

static void bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void bad_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "zws-fake-lookup: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see --help)\n");
	va_end(ap);
	exit(2);
}

static long long number_arg(const char *name, const char *text, long long min, long long max)
{
	char *end;
	long long v = strtoll(text, &end, 10);
	if (!*text || *end || v < min || v > max) {
		fprintf(stderr, "zws-fake-lookup: %s must be an integer in %lld..%lld, not \"%s\"\n",
			name, min, max, text);
		exit(2);
	}
	return v;
}

static void add_contract(struct options *o, const char *text)
{
	size_t n = o->chain.contract_count;
	uint8_t (*grown)[20] = realloc(o->contracts, (n + 1) * sizeof(*grown));
	if (!grown)
		die("out of memory");
	o->contracts = grown;
	if (!address_parse(text, strlen(text), o->contracts[n]))
		bad_usage("--contract: not an address: \"%s\"", text);
	o->chain.contracts = (const uint8_t (*)[20])o->contracts;
	o->chain.contract_count = n + 1;
}

static void apply_option(struct options *o, int opt, const char *arg)
{
	switch (opt) {
	case 'p': o->server.port = (int)number_arg("--port", arg, 0, 65535); break;
	case 'H': o->server.host = arg; break;
	case 'f': o->chain.fixtures_dir = arg; break;
	case 'n': o->chain.height = (uint64_t)number_arg("--height", arg, 0, (long long)FAKE_MAX_BLOCK); break;
	case 'i': o->server.interval_ms = (int)number_arg("--interval-ms", arg, 0, 86400000); break;
	case 's':
		if (!fake_shape_parse(arg, &o->chain.shape))
			bad_usage("--shape must be empty, mainnet, mixed, paged or events, not \"%s\"", arg);
		break;
	case 'F':
		if (!fake_flavor_parse(arg, &o->chain.flavor))
			bad_usage("--flavor must be z1 or z2, not \"%s\"", arg);
		break;
	case 'c': add_contract(o, arg); break;
	case 'b': o->server.max_batch = (int)number_arg("--max-batch", arg, 1, 1000000); break;
	case 'l':
		if (!log_parse_level(arg, &o->log_level))
			bad_usage("--log-level must be error, warn, info or debug, not \"%s\"", arg);
		break;
	case 'P': o->print_contracts = true; break;
	case 'k': o->chain.fork_at = (uint64_t)number_arg("--fork-at", arg, 0, (long long)FAKE_MAX_BLOCK); break;
	case 'h': usage(stdout); exit(0);
	}
}

static void parse_options(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "fixtures", required_argument, NULL, 'f' },
		{ "height", required_argument, NULL, 'n' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "shape", required_argument, NULL, 's' },
		{ "flavor", required_argument, NULL, 'F' },
		{ "contract", required_argument, NULL, 'c' },
		{ "max-batch", required_argument, NULL, 'b' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "print-contracts", no_argument, NULL, 'P' },
		{ "fork-at", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct options){
		.chain = { .fixtures_dir = FAKE_FIXTURES_DIR, .height = DEFAULT_HEIGHT,
			   .shape = FAKE_SHAPE_MIXED, .flavor = FAKE_FLAVOR_Z1 },
		.server = { .host = "127.0.0.1", .port = -1, .max_batch = DEFAULT_MAX_BATCH },
		.log_level = LOG_LEVEL_INFO,
	};
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == '?')
			bad_usage("unknown option or missing value: %s", argv[optind - 1]);
		apply_option(o, opt, optarg);
	}
	if (optind < argc)
		bad_usage("unexpected argument \"%s\"", argv[optind]);
	if (o->server.port < 0 && !o->print_contracts)
		bad_usage("--port is required");
}

/* --print-contracts: what a benchmark subscribes EventLog clients to. */
static void print_contracts(const struct fake_chain *chain)
{
	const struct fake_synth *s = fake_chain_synth(chain);
	char canon[ADDRESS_CANON_LEN];
	for (size_t i = 0; i < fake_synth_emitter_count(s); i++) {
		address_format(fake_synth_emitter(s, i), canon);
		puts(canon);
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct options o;
	char err[512];
	parse_options(&o, argc, argv);
	log_set_level(o.log_level);
	signal(SIGPIPE, SIG_IGN);

	struct fake_chain *chain = fake_chain_new(&o.chain, err, sizeof(err));
	if (!chain)
		die("%s", err);
	if (o.print_contracts) {
		print_contracts(chain);
		fake_chain_free(chain);
		free(o.contracts);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	struct event_base *base = event_base_new();
	if (!base)
		die("cannot create the event loop");
	struct fake_server *server = fake_server_new(base, chain, &o.server, err, sizeof(err));
	if (!server)
		die("%s", err);
	struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
	struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (!sigint || !sigterm || event_add(sigint, NULL) != 0 || event_add(sigterm, NULL) != 0)
		die("cannot install signal handlers");

	bool v6 = strchr(o.server.host, ':') != NULL;
	printf("zws-fake-lookup listening on http://%s%s%s:%d height=%llu\n", v6 ? "[" : "",
	       o.server.host, v6 ? "]" : "", fake_server_port(server),
	       (unsigned long long)fake_chain_head(chain));
	fflush(stdout);
	log_info("shape=%s flavor=%s fixtures=%s blk=%llu", fake_shape_name(o.chain.shape),
		 fake_flavor_name(o.chain.flavor), o.chain.fixtures_dir,
		 (unsigned long long)fake_chain_head(chain));
	event_base_dispatch(base);

	event_free(sigint);
	event_free(sigterm);
	fake_server_free(server);
	event_base_free(base);
	fake_chain_free(chain);
	free(o.contracts);
	return 0;
}
