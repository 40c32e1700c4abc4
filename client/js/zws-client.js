// zws-client.js: a dApp client for ZWS that never misses a block.
//
// It subscribes through Resume ({"query":"Resume","fromBlock":"N",
// "queries":[…]}), so every notification carries its block number; hands
// the application each block's values once, in block order (a callback or
// an async iterator); and when the connection drops (network, zws restart)
// it reconnects with capped exponential backoff and full jitter and resumes
// from the block after the last one it received, so the application sees
// every block exactly once. Started without fromBlock, it first asks the
// server (GetServerInfo) where its subscription starts, so even a drop
// before the first notification loses nothing. No dependencies; runs in browsers and in Node 20
// (pass a WebSocket constructor, or run Node with --experimental-websocket).
// The README beside this file documents the API and the error policy.

const DEFAULTS = {
  baseDelayMs: 500,
  maxDelayMs: 30000,
  answerTimeoutMs: 15000,
  maxBuffered: 256,
  idleTimeoutMs: 0,
};

// Errors the server may answer a Resume with that go away by themselves:
// the client reconnects after a backoff delay and asks again.
const RETRYABLE = [
  /^rate limit exceeded/,
  /^server address limit reached/,
  /^too many contract checks/,
  /^resume point ahead of the chain/,
];
const TOO_OLD = /^resume point too old \(oldest resumable block (\d+)\)$/;
// The id of the GetServerInfo call that asks where a first Resume starts.
const NEXT_BLOCK_ID = 'zws-client:nextBlock';

/** An error the client reports to the application (onError, the iterator). */
export class ZwsError extends Error {
  /**
   * @param {string} message
   * @param {{kind: string, serverError?: string, cause?: unknown}} info
   *   kind: "server" (an error the server answered), "protocol" (the server
   *   sent what a Resume-capable zws never sends), "application" (onBlock
   *   threw), "usage" (bad options)
   */
  constructor(message, info) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = 'ZwsError';
    this.kind = info.kind;
    this.serverError = info.serverError ?? null;
  }
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first after a
 * drop): full jitter over a capped exponential window, a whole number of
 * milliseconds in [0, min(maxMs, baseMs * 2^attempt)).
 */
export function backoffDelay(attempt, baseMs, maxMs, random = Math.random) {
  const window = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 40));
  return Math.min(Math.floor(random() * window), Math.max(window - 1, 0));
}

/**
 * What the client does with an error answered to its Resume:
 * {action:"gap", oldest} (resume from the oldest block the server keeps),
 * {action:"retry"} (reconnect after a backoff delay) or {action:"fail"}.
 */
export function classifyServerError(text) {
  const old = TOO_OLD.exec(text);
  if (old) return { action: 'gap', oldest: BigInt(old[1]) };
  if (RETRYABLE.some((re) => re.test(text))) return { action: 'retry' };
  return { action: 'fail' };
}

function parseBlockNumber(value, what) {
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) return BigInt(value);
  throw new ZwsError(`${what} must be a block number (a decimal string), got ${String(value)}`,
    { kind: 'usage' });
}

function checkQueries(queries) {
  if (!Array.isArray(queries) || queries.length === 0) {
    throw new ZwsError('queries must be a non-empty array of NewBlock/EventLog/TxnLog queries',
      { kind: 'usage' });
  }
  for (const q of queries) {
    if (!q || typeof q !== 'object' || typeof q.query !== 'string' || q.query === 'Resume') {
      throw new ZwsError(`not a subscription query: ${JSON.stringify(q)}`, { kind: 'usage' });
    }
  }
}

export class ZwsClient {
  /**
   * @param {object} options see README.md: url, queries, fromBlock, onBlock,
   *   onGap, onError, onState, WebSocket, baseDelayMs, maxDelayMs,
   *   answerTimeoutMs, idleTimeoutMs, maxBuffered, random
   */
  constructor(options) {
    const o = { ...DEFAULTS, ...options };
    if (typeof o.url !== 'string') throw new ZwsError('url is required', { kind: 'usage' });
    checkQueries(o.queries);
    this._WebSocket = o.WebSocket ?? globalThis.WebSocket;
    if (typeof this._WebSocket !== 'function') {
      throw new ZwsError('no WebSocket: pass options.WebSocket (Node 20: the "ws" package, ' +
        'or run node with --experimental-websocket)', { kind: 'usage' });
    }
    this._opt = o;
    this._queries = o.queries.map((q) => ({ ...q }));
    // The highest block received (queued or handed to the application);
    // null until the first one. The next Resume asks for the block after it.
    this._seen = null;
    // The block the next Resume asks for before any block was received:
    // options.fromBlock, or the oldest resumable block after a gap.
    this._from = o.fromBlock === undefined || o.fromBlock === null
      ? null : parseBlockNumber(o.fromBlock, 'fromBlock');
    this._processed = null;
    this._firstSeen = null;
    this._queue = [];
    this._pumping = false;
    this._ws = null;
    this._sent = null;
    this._subscribed = false;
    this._subscribedAt = 0;
    this._attempt = 0;
    this._timer = null;
    this._answerTimer = null;
    this._idleTimer = null;
    this._resumeWhenDrained = false;
    this._askingNext = false;
    this._state = 'idle';
    this._error = null;
    this._iter = null;
    this.stats = { connects: 0, duplicates: 0, gaps: 0, blocks: 0 };
  }

  /** idle, connecting, subscribed, waiting (to reconnect), closed or failed. */
  get state() { return this._state; }

  /** The last block the application finished processing (a string), or null. */
  get lastBlock() { return this._processed === null ? null : String(this._processed); }

  /**
   * The first block the application has not processed (a string): pass it
   * as fromBlock to a later client (after close(), a failure, a reload).
   * null while the client knows no block (it would start with the next one).
   */
  get nextBlock() {
    let n;
    if (this._processed !== null) {
      n = this._processed + 1n;
      if (this._from !== null && this._from > n) n = this._from;
    } else {
      n = this._from ?? this._firstSeen;
    }
    return n === null ? null : String(n);
  }

  /** Opens the connection. Called by the iterator; call it yourself with onBlock. */
  start() {
    if (this._state !== 'idle') return this;
    this._connect();
    return this;
  }

  /** Closes the connection for good; blocks still queued are not delivered. */
  close() {
    if (this._state === 'closed' || this._state === 'failed') return;
    this._setState('closed');
    this._shutdown(1000, 'client closed');
    this._iterFinish();
  }

  [Symbol.asyncIterator]() {
    if (this._opt.onBlock) {
      throw new ZwsError('use either onBlock or the async iterator, not both', { kind: 'usage' });
    }
    if (this._iter) throw new ZwsError('the client can be iterated once', { kind: 'usage' });
    this._iter = { pull: null, offer: null, handed: null };
    this.start();
    return {
      next: () => this._iterNext(),
      // Leaving the loop (break, return, throw) counts the block it was
      // given as processed.
      return: () => {
        const it = this._iter;
        if (it.handed) {
          const done = it.handed;
          it.handed = null;
          done(true);
        }
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  _resumePoint() {
    if (this._seen !== null) {
      const next = this._seen + 1n;
      return this._from !== null && this._from > next ? this._from : next;
    }
    return this._from;
  }

  _setState(state, info) {
    this._state = state;
    this._call('onState', state, info ?? {});
  }

  // Calls an application callback; what it throws goes to onError.
  _call(name, ...args) {
    const fn = this._opt[name];
    if (!fn) return;
    try {
      const r = fn(...args);
      if (r && typeof r.then === 'function') r.then(undefined, (e) => this._callbackFailed(name, e));
    } catch (e) {
      this._callbackFailed(name, e);
    }
  }

  _callbackFailed(name, e) {
    if (name === 'onError') return;
    this._call('onError', new ZwsError(`${name} threw: ${e?.message ?? e}`,
      { kind: 'application', cause: e }));
  }

  _connect() {
    this._clearTimers();
    this._setState('connecting', { attempt: this._attempt, url: this._opt.url });
    this.stats.connects++;
    this._subscribed = false;
    this._askingNext = false;
    let ws;
    try {
      ws = new this._WebSocket(this._opt.url);
    } catch (e) {
      this._fail(new ZwsError(`cannot connect to ${this._opt.url}: ${e?.message ?? e}`,
        { kind: 'usage', cause: e }));
      return;
    }
    this._ws = ws;
    ws.onopen = () => { if (this._ws === ws) this._opened(); };
    ws.onmessage = (ev) => { if (this._ws === ws) this._onMessage(ev.data); };
    // A failed connection fires error, then close; Node 20's WebSocket
    // fires only error, so error alone counts as the drop.
    ws.onerror = () => { if (this._ws === ws) this._drop('connection failed'); };
    ws.onclose = (ev) => {
      if (this._ws === ws) this._dropped(`closed (code ${ev.code}${ev.reason ? `, ${ev.reason}` : ''})`);
    };
    this._armAnswerTimer('no Resume answer');
  }

  _armAnswerTimer(why) {
    clearTimeout(this._answerTimer);
    this._answerTimer = setTimeout(() => {
      this._answerTimer = null;
      this._drop(`${why} within ${this._opt.answerTimeoutMs} ms`);
    }, this._opt.answerTimeoutMs);
  }

  // With idleTimeoutMs, a subscribed connection silent that long (a dead
  // network path the browser has not noticed) is dropped and resumed.
  _armIdleTimer() {
    if (!this._opt.idleTimeoutMs) return;
    clearTimeout(this._idleTimer);
    this._idleTimer = setTimeout(() => {
      this._idleTimer = null;
      if (this._subscribed) this._drop(`no message within ${this._opt.idleTimeoutMs} ms`);
    }, this._opt.idleTimeoutMs);
  }

  // Knowing no block yet, the client asks where a Resume without fromBlock
  // would start (GetServerInfo's nextBlock) and resumes from there, so a
  // drop before the first notification costs nothing. A server that cannot
  // say (an error, no nextBlock) gets a Resume without fromBlock.
  _opened() {
    if (this._resumePoint() !== null) {
      this._sendResume();
      return;
    }
    this._askingNext = true;
    this._armAnswerTimer('no GetServerInfo answer');
    this._ws.send(JSON.stringify({ jsonrpc: '2.0', id: NEXT_BLOCK_ID, method: 'GetServerInfo', params: [] }));
  }

  _onNextBlock(msg) {
    this._askingNext = false;
    const next = msg && msg.id === NEXT_BLOCK_ID ? msg.result?.nextBlock : undefined;
    if ((typeof next === 'number' && Number.isSafeInteger(next) && next > 0) ||
        (typeof next === 'string' && /^[1-9][0-9]{0,19}$/.test(next))) {
      this._from = BigInt(next);
    }
    this._sendResume();
  }

  _sendResume() {
    const msg = { query: 'Resume' };
    const from = this._resumePoint();
    if (from !== null) msg.fromBlock = String(from);
    msg.queries = this._queries;
    this._sent = JSON.stringify(msg);
    this._sentFrom = from;
    this._armAnswerTimer('no Resume answer');
    this._ws.send(this._sent);
  }

  _onMessage(data) {
    this._armIdleTimer();
    if (typeof data !== 'string') {
      this._fail(new ZwsError('the server sent a binary frame', { kind: 'protocol' }));
      return;
    }
    if (data === this._sent) {
      this._onSubscribed();
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this._fail(new ZwsError(`the server sent text that is not JSON: ${data.slice(0, 200)}`,
        { kind: 'protocol' }));
      return;
    }
    if (this._askingNext) this._onNextBlock(msg);
    else if (msg && msg.type === 'Notification') this._onNotification(msg);
    else if (msg && msg.type === 'Error') this._onServerError(String(msg.error));
    else if (msg && msg.query === 'Resume' && !this._subscribed && this._sent) this._onSubscribed();
    // Anything else is an echo of a query this client did not send (none)
    // or a message type newer than this client: ignored.
  }

  _onSubscribed() {
    clearTimeout(this._answerTimer);
    this._answerTimer = null;
    this._subscribed = true;
    this._subscribedAt = Date.now();
    this._armIdleTimer();
    this._setState('subscribed', { fromBlock: this._sentFrom === null ? null : String(this._sentFrom) });
  }

  _onNotification(msg) {
    if (typeof msg.blockNum !== 'string' || !/^[0-9]{1,20}$/.test(msg.blockNum)) {
      this._fail(new ZwsError('the server sent a notification without blockNum: ' +
        'it does not speak Resume', { kind: 'protocol' }));
      return;
    }
    const n = BigInt(msg.blockNum);
    if ((this._seen !== null && n <= this._seen) || (this._from !== null && n < this._from)) {
      this.stats.duplicates++;
      return;
    }
    this._seen = n;
    this._firstSeen ??= n;
    this._attempt = 0;
    this._queue.push({ block: { blockNum: msg.blockNum, values: msg.values ?? [] }, n });
    if (this._queue.length > this._opt.maxBuffered) {
      // The application is behind: stop reading, and resume from the block
      // after the last queued one once it has caught up.
      this._resumeWhenDrained = true;
      this._shutdown(1000, 'client behind');
      this._setState('waiting', { reason: 'application behind', delayMs: null });
    }
    this._pump();
  }

  _onServerError(text) {
    if (this._subscribed) {
      this._call('onError', new ZwsError(`server error: ${text}`, { kind: 'server', serverError: text }));
      return;
    }
    const c = classifyServerError(text);
    if (c.action === 'gap') {
      const from = this._sentFrom;
      this.stats.gaps++;
      this._queue.push({
        gap: {
          from: String(from),
          to: String(c.oldest - 1n),
          oldest: String(c.oldest),
          message: text,
        },
      });
      this._from = c.oldest;
      if (this._seen !== null && this._seen >= c.oldest) this._from = null;
      this._pump();
      this._sendResume();
    } else if (c.action === 'retry') {
      this._call('onError', new ZwsError(`server error: ${text} (retrying)`,
        { kind: 'server', serverError: text }));
      this._drop(text);
    } else {
      const hint = text === 'invalid query field' ? ' (does this server support Resume?)' : '';
      this._fail(new ZwsError(`server refused the subscription: ${text}${hint}`,
        { kind: 'server', serverError: text }));
    }
  }

  // Our side ends the connection and schedules a reconnect.
  _drop(reason) {
    this._shutdown(1000, 'reconnecting');
    this._dropped(reason);
  }

  _dropped(reason) {
    this._ws = null;
    this._subscribed = false;
    this._askingNext = false;
    clearTimeout(this._answerTimer);
    clearTimeout(this._idleTimer);
    this._answerTimer = null;
    this._idleTimer = null;
    if (this._state === 'closed' || this._state === 'failed' || this._resumeWhenDrained) return;
    if (this._subscribedAt && Date.now() - this._subscribedAt >= this._opt.maxDelayMs) this._attempt = 0;
    this._subscribedAt = 0;
    const delayMs = backoffDelay(this._attempt, this._opt.baseDelayMs, this._opt.maxDelayMs,
      this._opt.random ?? Math.random);
    this._attempt++;
    this._setState('waiting', { reason, delayMs, attempt: this._attempt });
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      this._timer = null;
      this._connect();
    }, delayMs);
  }

  _shutdown(code, reason) {
    this._clearTimers();
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
  }

  _clearTimers() {
    clearTimeout(this._timer);
    clearTimeout(this._answerTimer);
    clearTimeout(this._idleTimer);
    this._timer = null;
    this._answerTimer = null;
    this._idleTimer = null;
  }

  _fail(err) {
    if (this._state === 'closed' || this._state === 'failed') return;
    this._error = err;
    this._setState('failed', { error: err });
    this._shutdown(1000, 'client failed');
    this._call('onError', err);
    this._iterFinish();
  }

  // Hands queued blocks (and gap reports) to the application one at a time.
  async _pump() {
    if (this._pumping) return;
    this._pumping = true;
    try {
      while (this._queue.length && this._state !== 'closed' && this._state !== 'failed') {
        const item = this._queue.shift();
        if (item.gap) {
          if (this._opt.onGap) await this._guard('onGap', () => this._opt.onGap(item.gap));
          else this._call('onError', new ZwsError(`blocks ${item.gap.from} to ${item.gap.to} were ` +
            `not delivered: ${item.gap.message}`, { kind: 'server', serverError: item.gap.message }));
          continue;
        }
        const ok = this._iter
          ? await this._iterOffer(item.block)
          : await this._guard('onBlock', () => this._opt.onBlock?.(item.block), true);
        if (!ok) return;
        this._processed = item.n;
        this.stats.blocks++;
      }
      if (this._resumeWhenDrained && !this._queue.length &&
          this._state !== 'closed' && this._state !== 'failed') {
        this._resumeWhenDrained = false;
        this._connect();
      }
    } finally {
      this._pumping = false;
    }
  }

  // Runs an application callback; onBlock throwing stops the client (the
  // block stays unprocessed: nextBlock names it).
  async _guard(name, fn, fatal = false) {
    try {
      await fn();
      return true;
    } catch (e) {
      const err = new ZwsError(`${name} threw: ${e?.message ?? e}`, { kind: 'application', cause: e });
      if (fatal) {
        this._queue.length = 0;
        this._fail(err);
        return false;
      }
      this._call('onError', err);
      return true;
    }
  }

  // The iterator: a block counts as processed when the consumer asks for
  // the next one.
  _iterOffer(block) {
    return new Promise((resolve) => {
      this._iter.offer = { block, resolve };
      this._iterFeed();
    });
  }

  _iterFeed() {
    const it = this._iter;
    if (!it.offer || !it.pull) return;
    const pull = it.pull;
    it.pull = null;
    it.handed = it.offer.resolve;
    pull.resolve({ value: it.offer.block, done: false });
    it.offer = null;
  }

  _iterNext() {
    const it = this._iter;
    if (it.handed) {
      const done = it.handed;
      it.handed = null;
      done(true);
    }
    if (this._state === 'failed') return Promise.reject(this._error);
    if (this._state === 'closed') return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      it.pull = { resolve, reject };
      this._iterFeed();
    });
  }

  _iterFinish() {
    const it = this._iter;
    if (!it) return;
    if (it.offer) it.offer.resolve(false);
    if (it.handed) it.handed(false);
    it.offer = null;
    it.handed = null;
    if (it.pull) {
      const pull = it.pull;
      it.pull = null;
      if (this._state === 'failed') pull.reject(this._error);
      else pull.resolve({ value: undefined, done: true });
    }
  }
}
