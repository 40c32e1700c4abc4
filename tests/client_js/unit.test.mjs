// Unit tests of client/js/zws-client.js (node:test) against small in-test
// WebSocket servers that play zws's Resume: what the client sends, and
// what the application sees when the server drops, replays, refuses or
// stalls. Run by tests/client_js/unit.sh; `ws` comes from CLIENT_JS_MODULES.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { ZwsClient, ZwsError, backoffDelay, classifyServerError }
  from '../../client/js/zws-client.js';

const modules = process.env.CLIENT_JS_MODULES;
if (!modules) throw new Error('CLIENT_JS_MODULES (a node_modules folder holding ws) is not set');
const { WebSocket, WebSocketServer } = createRequire(`${modules}/`)('ws');

const WAIT_MS = 10000;

async function until(what, check) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function notification(n, values) {
  return JSON.stringify({ type: 'Notification', blockNum: String(n),
    values: values ?? [{ query: 'NewBlock', value: { TxBlock: { header: { BlockNum: String(n) } } } }] });
}

// A WebSocket server; onQuery(conn, text) answers each query. conns[i].queries
// holds the queries connection i sent, conns[i].rpc its JSON-RPC requests.
// GetServerInfo is answered by info(conn, request): a text to send, or
// null to send nothing; by default as a zws without JSON-RPC reads would.
const OLD_ZWS = () => '{"type":"Error","error":"invalid query field"}';
async function fakeZws(onQuery, info = OLD_ZWS) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const conns = [];
  wss.on('connection', (ws) => {
    const conn = { ws, queries: [], rpc: [], index: conns.length,
      send: (t) => ws.send(t), close: () => ws.terminate() };
    conns.push(conn);
    ws.on('message', (data) => {
      const text = data.toString();
      const msg = JSON.parse(text);
      if (msg.jsonrpc !== undefined) {
        conn.rpc.push(msg);
        const answer = info(conn, msg);
        if (answer !== null) ws.send(answer);
        return;
      }
      conn.queries.push(text);
      onQuery(conn, text, msg);
    });
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}`,
    conns,
    close: () => new Promise((r) => {
      for (const c of wss.clients) c.terminate();
      wss.close(r);
    }),
  };
}

function collect(extra) {
  const seen = { blocks: [], gaps: [], errors: [], states: [] };
  const opts = {
    WebSocket,
    queries: [{ query: 'NewBlock' }],
    baseDelayMs: 5,
    maxDelayMs: 40,
    onBlock: (b) => { seen.blocks.push(b.blockNum); },
    onGap: (g) => { seen.gaps.push(g); },
    onError: (e) => { seen.errors.push(e); },
    onState: (s, info) => { seen.states.push({ s, ...info }); },
    ...extra,
  };
  return { seen, opts };
}

test('backoff: the window doubles from baseDelayMs up to maxDelayMs, the delay is in [0, window)', () => {
  const windows = [];
  for (let a = 0; a < 12; a++) windows.push(backoffDelay(a, 100, 5000, () => 0.999999999) + 1);
  assert.deepEqual(windows, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000, 5000]);
  for (let a = 0; a < 60; a++) {
    assert.equal(backoffDelay(a, 100, 5000, () => 0), 0);
    const d = backoffDelay(a, 100, 5000, () => 1);
    assert.ok(d >= 0 && d < 5000, `attempt ${a}: ${d}`);
  }
  assert.equal(backoffDelay(3, 100, 5000, () => 0.5), 400);
});

test('backoff: full jitter spreads delays over the whole window', () => {
  const delays = Array.from({ length: 2000 }, () => backoffDelay(4, 100, 30000));
  assert.ok(delays.every((d) => Number.isInteger(d) && d >= 0 && d < 1600));
  const buckets = new Array(8).fill(0);
  for (const d of delays) buckets[Math.floor(d / 200)]++;
  assert.ok(buckets.every((b) => b > 0), `every eighth of the window is used: ${buckets}`);
});

test('server errors are classified: too old is a gap, limits retry, the rest fail', () => {
  assert.deepEqual(classifyServerError('resume point too old (oldest resumable block 692300)'),
    { action: 'gap', oldest: 692300n });
  for (const t of ['rate limit exceeded (limit 20 queries per second)',
    'resume point ahead of the chain (head 10)',
    'server address limit reached (limit 1000000 across all connections)',
    'too many contract checks (limit 4000 addresses per minute per connection)']) {
    assert.deepEqual(classifyServerError(t), { action: 'retry' }, t);
  }
  for (const t of ['invalid fromBlock field', 'invalid queries field', 'no contract found in list',
    'invalid query field']) {
    assert.deepEqual(classifyServerError(t), { action: 'fail' }, t);
  }
});

test('reconnects after each drop with the jittered backoff of the attempt', async () => {
  // The server accepts the connection and drops it before answering.
  const srv = await fakeZws((conn) => conn.close());
  const { seen, opts } = collect({ url: srv.url, baseDelayMs: 8, maxDelayMs: 50, random: () => 0.5 });
  const client = new ZwsClient(opts).start();
  await until('6 waits', () => seen.states.filter((s) => s.s === 'waiting').length >= 6);
  client.close();
  await srv.close();
  const delays = seen.states.filter((s) => s.s === 'waiting').slice(0, 6).map((s) => s.delayMs);
  assert.deepEqual(delays, [4, 8, 16, 25, 25, 25]);
});

test('a connection that fails with an error event and no close event is retried', async () => {
  // Node 20's WebSocket reports a refused connection with error only.
  let made = 0;
  class ErrorOnly {
    constructor() {
      made++;
      setTimeout(() => this.onerror?.({ type: 'error' }), 1);
    }
    send() {}
    close() {}
  }
  const { seen, opts } = collect({ url: 'ws://127.0.0.1:1', WebSocket: ErrorOnly });
  const client = new ZwsClient(opts).start();
  await until('3 attempts', () => made >= 3);
  client.close();
  assert.equal(seen.states.find((s) => s.s === 'waiting').reason, 'connection failed');
});

function serverInfo(nextBlock) {
  return (conn, req) => JSON.stringify({ jsonrpc: '2.0', id: req.id,
    result: { version: '0.1.0', scope: 'process', nextBlock } });
}

test('no fromBlock: the client asks GetServerInfo and resumes from its nextBlock; a drop before any block loses nothing', async () => {
  // Connection 0 subscribes from block 20 and drops before block 20 is
  // produced; blocks 20 and 21 come while the client is away.
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    if (conn.index === 0) setTimeout(() => conn.close(), 20);
    else for (const n of [20, 21]) conn.send(notification(n));
  }, serverInfo(20));
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('block 21', () => seen.blocks.includes('21'));
  client.close();
  await srv.close();
  assert.deepEqual(srv.conns[0].rpc, [{ jsonrpc: '2.0', id: 'zws-client:nextBlock', method: 'GetServerInfo', params: [] }]);
  assert.deepEqual(srv.conns[1].rpc, [], 'the second connection knows where to resume');
  assert.deepEqual(srv.conns.map((c) => JSON.parse(c.queries[0])), [
    { query: 'Resume', fromBlock: '20', queries: [{ query: 'NewBlock' }] },
    { query: 'Resume', fromBlock: '20', queries: [{ query: 'NewBlock' }] },
  ]);
  assert.deepEqual(seen.blocks, ['20', '21']);
  assert.equal(seen.states.find((s) => s.s === 'subscribed').fromBlock, '20');
  assert.deepEqual(seen.errors, []);
});

test('nextBlock as a decimal string is taken too; before any block nextBlock names it', async () => {
  const srv = await fakeZws((conn, text) => conn.send(text), serverInfo('18446744073709551615'));
  const { opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('subscribed', () => client.state === 'subscribed');
  assert.equal(JSON.parse(srv.conns[0].queries[0]).fromBlock, '18446744073709551615');
  assert.equal(client.nextBlock, '18446744073709551615');
  client.close();
  await srv.close();
});

test('GetServerInfo answered with an error or without a usable nextBlock: Resume without fromBlock', async () => {
  const answers = [
    (conn, req) => JSON.stringify({ jsonrpc: '2.0', id: req.id,
      error: { code: -32603, message: 'PostgreSQL unavailable' } }),
    serverInfo(null),
    serverInfo(-5),
    serverInfo('12x'),
    (conn, req) => JSON.stringify({ jsonrpc: '2.0', id: 'someone else', result: { nextBlock: 7 } }),
  ];
  for (const info of answers) {
    const srv = await fakeZws((conn, text) => conn.send(text), info);
    const { seen, opts } = collect({ url: srv.url });
    const client = new ZwsClient(opts).start();
    await until('subscribed', () => client.state === 'subscribed');
    client.close();
    await srv.close();
    assert.deepEqual(JSON.parse(srv.conns[0].queries[0]), { query: 'Resume', queries: [{ query: 'NewBlock' }] });
    assert.equal(client.nextBlock, null);
    assert.deepEqual(seen.errors, []);
  }
});

test('no answer to GetServerInfo within answerTimeoutMs: the client reconnects and asks again', async () => {
  const srv = await fakeZws((conn, text) => conn.send(text),
    (conn, req) => (conn.index === 0 ? null : serverInfo(5)(conn, req)));
  const { seen, opts } = collect({ url: srv.url, answerTimeoutMs: 100 });
  const client = new ZwsClient(opts).start();
  await until('subscribed', () => client.state === 'subscribed');
  client.close();
  await srv.close();
  assert.equal(seen.states.find((s) => s.s === 'waiting').reason, 'no GetServerInfo answer within 100 ms');
  assert.deepEqual(srv.conns.map((c) => c.queries.length), [0, 1]);
  assert.equal(JSON.parse(srv.conns[1].queries[0]).fromBlock, '5');
});

test('a server without GetServerInfo: the first Resume has no fromBlock; after a drop it resumes from the block after the last', async () => {
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    if (conn.index === 0) {
      for (const n of [10, 11, 12]) conn.send(notification(n));
      setTimeout(() => conn.close(), 20);
    } else {
      for (const n of [13, 14]) conn.send(notification(n));
    }
  });
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('block 14', () => seen.blocks.includes('14'));
  client.close();
  await srv.close();
  assert.deepEqual(srv.conns.map((c) => JSON.parse(c.queries[0])), [
    { query: 'Resume', queries: [{ query: 'NewBlock' }] },
    { query: 'Resume', fromBlock: '13', queries: [{ query: 'NewBlock' }] },
  ]);
  assert.deepEqual(seen.blocks, ['10', '11', '12', '13', '14']);
  assert.equal(client.lastBlock, '14');
  assert.equal(client.nextBlock, '15');
  assert.deepEqual(seen.errors, []);
});

test('fromBlock given: the first Resume asks for it; queries are sent as given', async () => {
  const queries = [{ query: 'NewBlock' },
    { query: 'EventLog', addresses: ['0x17329229cd84b964130977975054f7725a85381a'] }];
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    conn.send(notification(692300));
  });
  const { seen, opts } = collect({ url: srv.url, queries, fromBlock: '692300' });
  const client = new ZwsClient(opts).start();
  await until('block 692300', () => seen.blocks.length === 1);
  client.close();
  await srv.close();
  assert.equal(srv.conns[0].queries[0],
    '{"query":"Resume","fromBlock":"692300","queries":[{"query":"NewBlock"},' +
    '{"query":"EventLog","addresses":["0x17329229cd84b964130977975054f7725a85381a"]}]}');
  assert.equal(client.state, 'closed');
});

test('duplicates and blocks out of order are dropped; each block reaches the application once, in order', async () => {
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    if (conn.index === 0) {
      for (const n of [3, 4, 4, 2, 5]) conn.send(notification(n));
      setTimeout(() => conn.close(), 20);
    } else {
      // A server that replays too much: 4 and 5 again.
      for (const n of [4, 5, 6, 7]) conn.send(notification(n));
    }
  });
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('block 7', () => seen.blocks.includes('7'));
  client.close();
  await srv.close();
  assert.deepEqual(seen.blocks, ['3', '4', '5', '6', '7']);
  assert.equal(client.stats.duplicates, 4);
});

test('a slow async onBlock gets one block at a time, in order', async () => {
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    for (let n = 100; n < 120; n++) conn.send(notification(n));
  });
  let running = 0;
  let overlapped = false;
  const got = [];
  const { opts } = collect({
    url: srv.url,
    onBlock: async (b) => {
      running++;
      if (running > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, 2));
      got.push(Number(b.blockNum));
      running--;
    },
  });
  const client = new ZwsClient(opts).start();
  await until('20 blocks', () => got.length === 20);
  client.close();
  await srv.close();
  assert.equal(overlapped, false);
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => 100 + i));
});

test('resume point too old: onGap names the lost blocks, then the client resumes from the oldest kept', async () => {
  const srv = await fakeZws((conn, text, q) => {
    if (conn.index === 0) {
      conn.send(text);
      conn.send(notification(10));
      setTimeout(() => conn.close(), 20);
    } else if (q.fromBlock === '11') {
      conn.send('{"type":"Error","error":"resume point too old (oldest resumable block 40)"}');
    } else {
      conn.send(text);
      conn.send(notification(40));
      conn.send(notification(41));
    }
  });
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('block 41', () => seen.blocks.includes('41'));
  client.close();
  await srv.close();
  assert.deepEqual(seen.blocks, ['10', '40', '41']);
  assert.deepEqual(seen.gaps, [{ from: '11', to: '39', oldest: '40',
    message: 'resume point too old (oldest resumable block 40)' }]);
  // The second Resume went on the same connection, at once.
  assert.equal(srv.conns.length, 2);
  assert.deepEqual(srv.conns[1].queries.map((t) => JSON.parse(t).fromBlock), ['11', '40']);
});

test('a gap without onGap is reported through onError and the client goes on', async () => {
  const srv = await fakeZws((conn, text, q) => {
    if (q.fromBlock === '5') conn.send('{"type":"Error","error":"resume point too old (oldest resumable block 9)"}');
    else { conn.send(text); conn.send(notification(9)); }
  });
  const { seen, opts } = collect({ url: srv.url, fromBlock: 5, onGap: undefined });
  const client = new ZwsClient(opts).start();
  await until('block 9', () => seen.blocks.includes('9'));
  client.close();
  await srv.close();
  assert.equal(seen.errors.length, 1);
  assert.ok(seen.errors[0] instanceof ZwsError);
  assert.match(seen.errors[0].message, /^blocks 5 to 8 were not delivered: resume point too old/);
});

test('a refused subscription stops the client with the server\'s words', async () => {
  const srv = await fakeZws((conn) => conn.send('{"type":"Error","error":"invalid addresses field"}'));
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('failed', () => client.state === 'failed');
  await srv.close();
  assert.equal(seen.errors.length, 1);
  assert.equal(seen.errors[0].kind, 'server');
  assert.equal(seen.errors[0].serverError, 'invalid addresses field');
  assert.equal(seen.errors[0].message, 'server refused the subscription: invalid addresses field');
  assert.equal(srv.conns.length, 1);
});

test('a server without Resume is named as such', async () => {
  const srv = await fakeZws((conn) => conn.send('{"type":"Error","error":"invalid query field"}'));
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('failed', () => client.state === 'failed');
  await srv.close();
  assert.match(seen.errors[0].message, /invalid query field \(does this server support Resume\?\)/);
});

test('a notification without blockNum is a protocol error', async () => {
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    conn.send('{"type":"Notification","values":[]}');
  });
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('failed', () => client.state === 'failed');
  await srv.close();
  assert.equal(seen.errors[0].kind, 'protocol');
  assert.deepEqual(seen.blocks, []);
});

test('a rate limit answer is retried after a backoff on a new connection', async () => {
  const srv = await fakeZws((conn, text) => {
    if (conn.index === 0) conn.send('{"type":"Error","error":"rate limit exceeded (limit 20 queries per second)"}');
    else { conn.send(text); conn.send(notification(3)); }
  });
  const { seen, opts } = collect({ url: srv.url });
  const client = new ZwsClient(opts).start();
  await until('block 3', () => seen.blocks.includes('3'));
  client.close();
  await srv.close();
  assert.equal(srv.conns.length, 2);
  assert.match(seen.errors[0].message, /rate limit exceeded .* \(retrying\)/);
});

test('no answer to the Resume within answerTimeoutMs: the client reconnects', async () => {
  const srv = await fakeZws((conn, text) => {
    if (conn.index === 0) return;
    conn.send(text);
    conn.send(notification(8));
  });
  const { seen, opts } = collect({ url: srv.url, answerTimeoutMs: 100 });
  const client = new ZwsClient(opts).start();
  await until('block 8', () => seen.blocks.includes('8'));
  client.close();
  await srv.close();
  const wait = seen.states.find((s) => s.s === 'waiting');
  assert.equal(wait.reason, 'no Resume answer within 100 ms');
});

test('an echo that is not byte for byte the Resume sent still counts as the answer', async () => {
  const srv = await fakeZws((conn, text, q) => {
    conn.send(JSON.stringify(q, null, 1));
    conn.send(notification(2));
  });
  const { seen, opts } = collect({ url: srv.url, answerTimeoutMs: 100 });
  const client = new ZwsClient(opts).start();
  await until('block 2 and the answer time passed', () => seen.blocks.includes('2') &&
    seen.states.some((s) => s.s === 'subscribed'));
  await new Promise((r) => setTimeout(r, 200));
  client.close();
  await srv.close();
  assert.equal(srv.conns.length, 1, 'no reconnect for want of an answer');
});

test('idleTimeoutMs: a subscribed connection that goes silent is dropped and resumed', async () => {
  const srv = await fakeZws((conn, text, q) => {
    conn.send(text);
    if (conn.index === 0) conn.send(notification(30));
    else conn.send(notification(Number(q.fromBlock)));
  });
  const { seen, opts } = collect({ url: srv.url, idleTimeoutMs: 150 });
  const client = new ZwsClient(opts).start();
  await until('block 31', () => seen.blocks.includes('31'));
  client.close();
  await srv.close();
  assert.deepEqual(seen.blocks, ['30', '31']);
  assert.equal(seen.states.find((s) => s.s === 'waiting').reason, 'no message within 150 ms');
});

test('an application that falls behind maxBuffered is resumed from where its queue ended, nothing lost', async () => {
  const srv = await fakeZws((conn, text, q) => {
    conn.send(text);
    const from = q.fromBlock ? Number(q.fromBlock) : 1;
    for (let n = from; n <= 50; n++) conn.send(notification(n));
  });
  const got = [];
  const { seen, opts } = collect({
    url: srv.url,
    maxBuffered: 5,
    onBlock: async (b) => {
      await new Promise((r) => setTimeout(r, 1));
      got.push(Number(b.blockNum));
    },
  });
  const client = new ZwsClient(opts).start();
  await until('block 50', () => got.includes(50));
  client.close();
  await srv.close();
  assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i + 1));
  assert.ok(srv.conns.length >= 2, 'the client dropped the connection while behind');
  assert.ok(seen.states.some((s) => s.s === 'waiting' && s.reason === 'application behind'));
});

test('close() with blocks still queued: nextBlock is the first block the application did not process', async () => {
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    for (const n of [7, 9, 12, 15]) conn.send(notification(n));
  });
  let release;
  const blocked = new Promise((r) => { release = r; });
  const got = [];
  const { opts } = collect({
    url: srv.url,
    onBlock: async (b) => {
      got.push(b.blockNum);
      if (b.blockNum === '9') await blocked;
    },
  });
  const client = new ZwsClient(opts).start();
  await until('4 blocks received', () => client.stats.connects === 1 && got.includes('9') &&
    client._seen === 15n);
  // 7 is processed, 9 is in the application's hands: resume at 8.
  assert.equal(client.nextBlock, '8');
  client.close();
  release();
  await until('block 9 processed', () => client.lastBlock === '9');
  await srv.close();
  assert.deepEqual(got, ['7', '9']);
  assert.equal(client.nextBlock, '10');
});

test('onBlock throwing stops the client; nextBlock names the block to start again from', async () => {
  const srv = await fakeZws((conn, text) => {
    conn.send(text);
    for (const n of [1, 2, 3]) conn.send(notification(n));
  });
  const { seen, opts } = collect({
    url: srv.url,
    onBlock: (b) => { if (b.blockNum === '2') throw new Error('database down'); },
  });
  const client = new ZwsClient(opts).start();
  await until('failed', () => client.state === 'failed');
  await srv.close();
  assert.equal(seen.errors[0].kind, 'application');
  assert.equal(seen.errors[0].message, 'onBlock threw: database down');
  assert.equal(client.lastBlock, '1');
  assert.equal(client.nextBlock, '2');
});

test('the async iterator yields each block once, in order, across a drop; break closes', async () => {
  const srv = await fakeZws((conn, text, q) => {
    conn.send(text);
    const from = q.fromBlock ? Number(q.fromBlock) : 1;
    for (let n = from - 1; n < from + 3; n++) if (n > 0) conn.send(notification(n));
    if (conn.index === 0) setTimeout(() => conn.close(), 20);
  });
  const { opts } = collect({ url: srv.url, onBlock: undefined });
  const client = new ZwsClient(opts);
  const got = [];
  for await (const block of client) {
    got.push(block.blockNum);
    if (block.blockNum === '6') break;
  }
  await srv.close();
  assert.deepEqual(got, ['1', '2', '3', '4', '5', '6']);
  assert.equal(client.state, 'closed');
  await until('block 6 counted', () => client.lastBlock === '6');
  assert.equal(client.nextBlock, '7');
});

test('the async iterator throws the server\'s refusal', async () => {
  const srv = await fakeZws((conn) => conn.send('{"type":"Error","error":"invalid fromBlock field"}'));
  const { opts } = collect({ url: srv.url, onBlock: undefined });
  await assert.rejects(async () => {
    for await (const _ of new ZwsClient(opts)) { /* nothing arrives */ }
  }, { name: 'ZwsError', message: 'server refused the subscription: invalid fromBlock field' });
  await srv.close();
});

test('bad options are refused at once', () => {
  assert.throws(() => new ZwsClient({ url: 'ws://x', queries: [], WebSocket }), /queries must be/);
  assert.throws(() => new ZwsClient({ url: 'ws://x', queries: [{ query: 'Resume' }], WebSocket }),
    /not a subscription query/);
  assert.throws(() => new ZwsClient({ url: 'ws://x', queries: [{ query: 'NewBlock' }], fromBlock: '-1',
    WebSocket }), /fromBlock must be a block number/);
  if (!globalThis.WebSocket) {
    assert.throws(() => new ZwsClient({ url: 'ws://x', queries: [{ query: 'NewBlock' }] }),
      /no WebSocket: pass options.WebSocket/);
  }
});
