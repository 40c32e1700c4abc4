// The fan-out benchmark's Node.js comparison: the NewBlock broadcast a team
// would write with the `ws` package from npm. It echoes every message (so a
// subscription looks accepted) and, on each SIGUSR2, sends one pre-built
// notification to every open client the way the ws documentation
// broadcasts: a loop over wss.clients calling send() with one shared
// Buffer. Same flags and same log lines as zws-floor.
'use strict';

const { WebSocketServer, WebSocket } = require('ws');

function usage(out) {
  out.write(
    'usage: node node-server.js --port PORT [options]\n' +
    'A ws (npm) WebSocket server: echoes every message and on each SIGUSR2\n' +
    'sends one pre-built text notification to every open client.\n' +
    '  --host ADDR     listen address (default 127.0.0.1)\n' +
    '  --port PORT     listen port (required)\n' +
    '  --size BYTES    payload size of the notification (default 2048)\n' +
    '  --duration S    exit after S seconds (default 3600)\n');
}

function fail(message) {
  process.stderr.write(`node-server: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { host: '127.0.0.1', port: 0, size: 2048, duration: 3600 };
  const numeric = { '--port': ['port', 1, 65535], '--size': ['size', 64, 65520], '--duration': ['duration', 1, 86400] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help') {
      usage(process.stdout);
      process.exit(0);
    } else if (a === '--host') {
      if (i + 1 >= argv.length) fail('--host needs a value');
      opts.host = argv[++i];
    } else if (numeric[a]) {
      const [key, min, max] = numeric[a];
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      const v = argv[++i];
      if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) fail(`invalid ${a}: ${v}`);
      opts[key] = Number(v);
    } else {
      fail(`unknown option ${a} (see --help)`);
    }
  }
  if (!opts.port) fail('--port is required');
  return opts;
}

// A NewBlock-shaped notification padded to exactly `size` bytes, as zws-floor
// builds it.
function notification(size) {
  const head = '{"type":"Notification","values":[{"query":"NewBlock","value":{"pad":"';
  const tail = '"}}]}';
  return Buffer.from(head + 'a'.repeat(size - head.length - tail.length) + tail);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const frame = notification(opts.size);
  const wss = new WebSocketServer({ host: opts.host, port: opts.port, backlog: 4096, perMessageDeflate: false });
  let epoch = 0;

  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  wss.on('listening', () => {
    process.stderr.write(`node-server: listening on ${opts.host}:${opts.port}, ${opts.size}-byte frames, pid ${process.pid}\n`);
  });
  wss.on('error', (err) => {
    process.stderr.write(`node-server: ${err.message}\n`);
    process.exit(1);
  });

  process.on('SIGUSR2', () => {
    const t0 = process.hrtime.bigint();
    let sent = 0;
    wss.clients.forEach((client) => {
      if (client.readyState === WebSocket.OPEN) {
        client.send(frame, { binary: false });
        sent++;
      }
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    epoch++;
    process.stderr.write(`node-server: epoch ${epoch}: ${opts.size}-byte frame to ${sent} connections in ${ms.toFixed(3)} ms (send calls returned)\n`);
  });
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setTimeout(stop, opts.duration * 1000).unref();
}

main();
