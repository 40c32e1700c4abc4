// zws as the official JavaScript client sees it: @zilliqa-js/subscriptions
// 3.5.0 from npm, used unmodified, against a running zws whose ingest
// follows zws-fake-lookup at height 692364.
//
// Two connections, built the way a dApp builds them:
//   blocks: SubscriptionBuilder.buildNewBlockSubscriptions (NewBlock only)
//   events: SubscriptionBuilder.buildEventLogSubscriptions for the contract
//           that emits in mainnet block 692365, plus NewBlock on the same
//           connection.
// Block 692365 must arrive as one notification per connection with the
// exact GetTxBlock result and all 13 event logs in receipt order. After the
// SDK's stop() on the EventLog subscription, the next notification names
// EventLog in its Unsubscribe entry and the one after carries no EventLog.
//
// Environment: ZWS_URL (ws://...), ZWS_LOOKUP (http://... of the fake
// lookup), ZWS_FIXTURES (tests/fixtures; defaults to ../fixtures).
// NODE_PATH must reach the node_modules holding the SDK.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {
	SubscriptionBuilder, StatusType, MessageType, SocketState, SocketConnect, QueryParam,
} = require('@zilliqa-js/subscriptions');

const CONTRACT = '0x17329229cd84b964130977975054f7725a85381a';
const MAINNET_BLOCK = 692365;
const WAIT_MS = 30000;

const zwsUrl = process.env.ZWS_URL;
const lookupUrl = process.env.ZWS_LOOKUP;
const fixtures = process.env.ZWS_FIXTURES || path.join(__dirname, '..', 'fixtures');

function log(msg) {
	console.log(`sdk: ${msg}`);
}

function readResult(name) {
	return JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8')).result;
}

// The event logs of the block's receipts, in receipt order, as the EventLog
// value carries them: {_eventname, params} of successful transactions.
function expectedEvents(bodies) {
	const out = [];
	for (const txn of bodies) {
		if (!txn.receipt.success)
			continue;
		for (const ev of txn.receipt.event_logs || []) {
			if (ev.address === CONTRACT)
				out.push({ _eventname: ev._eventname, params: ev.params });
		}
	}
	return out;
}

async function rpc(method, params) {
	const res = await fetch(lookupUrl, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
	});
	const body = await res.json();
	if (body.error)
		throw new Error(`${method}: ${JSON.stringify(body.error)}`);
	return body.result;
}

async function produce() {
	const res = await fetch(`${lookupUrl}/fake/produce?count=1`, { method: 'POST' });
	assert.equal(res.status, 200, 'POST /fake/produce');
	const head = Number((await res.json()).head);
	log(`lookup produced block ${head}`);
	return head;
}

function withTimeout(promise, what) {
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms: ${what}`)), WAIT_MS);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitFor(what, predicate) {
	const end = Date.now() + WAIT_MS;
	for (;;) {
		const v = predicate();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out after ${WAIT_MS} ms: ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

// Everything a subscription object hands to its listeners, in order.
function record(sub, name) {
	const r = { name, notifications: [], newBlock: [], eventLog: [], unsubscribe: [], errors: [] };
	sub.emitter.on(SocketState.SOCKET_MESSAGE, (m) => r.notifications.push(m));
	sub.emitter.on(MessageType.NEW_BLOCK, (v) => r.newBlock.push(v));
	sub.emitter.on(MessageType.EVENT_LOG, (v) => r.eventLog.push(v));
	sub.emitter.on(MessageType.UNSUBSCRIBE, (v) => r.unsubscribe.push(v));
	sub.emitter.on(SocketConnect.ERROR, (e) => r.errors.push(e));
	return r;
}

function blockNumOf(notification) {
	const nb = notification.values.find((v) => v.query === 'NewBlock');
	return nb ? Number(nb.value.TxBlock.header.BlockNum) : null;
}

function notificationFor(r, num) {
	return r.notifications.find((n) => blockNumOf(n) === num);
}

function queries(notification) {
	return notification.values.map((v) => v.query);
}

async function subscribeAll(builder) {
	const blocks = builder.buildNewBlockSubscriptions(zwsUrl);
	const events = builder.buildEventLogSubscriptions(zwsUrl, { addresses: [CONTRACT] });
	const rb = record(blocks, 'blocks');
	const re = record(events, 'events');
	let eventEcho = null;
	events.emitter.on(StatusType.SUBSCRIBE_EVENT_LOG, (echo) => { eventEcho = echo; });

	assert.equal(await withTimeout(blocks.start(), 'NewBlock echo (blocks)'), true,
		'blocks.start() resolves true');
	assert.equal(await withTimeout(events.start(), 'EventLog echo'), true,
		'events.start() resolves true');
	assert.deepEqual(eventEcho, { query: 'EventLog', addresses: [CONTRACT] }, 'EventLog echo');
	assert.equal(await withTimeout(events.subscribe({ query: QueryParam.NEW_BLOCK }),
		'NewBlock echo (events)'), true, 'NewBlock on the EventLog connection');
	log('subscribed: NewBlock on one connection, EventLog + NewBlock on another');
	return { blocks, events, rb, re };
}

function checkMainnetBlock(rb, re, txBlock, txHashes, bodies) {
	const nb = notificationFor(rb, MAINNET_BLOCK);
	assert.deepEqual(queries(nb), ['NewBlock'], 'NewBlock-only client gets only NewBlock');
	assert.equal(rb.newBlock.length, 1, 'blocks: one NewBlock event');
	const value = rb.newBlock[0].value;
	assert.equal(value.TxBlock.header.BlockNum, String(MAINNET_BLOCK));
	assert.deepEqual(value.TxBlock, txBlock, 'TxBlock equals GetTxBlock.json result');
	assert.deepEqual(value.TxHashes, txHashes, 'TxHashes equals GetTransactionsForTxBlock');
	assert.deepEqual(value.TxHashes.flat().sort(), bodies.map((t) => t.ID).sort(),
		'TxHashes lists the 28 transactions');

	const ne = notificationFor(re, MAINNET_BLOCK);
	assert.deepEqual(queries(ne), ['NewBlock', 'EventLog'],
		'one message with NewBlock then EventLog');
	assert.deepEqual(ne.values[0].value, value, 'both connections get the same NewBlock value');
	assert.equal(re.eventLog.length, 1, 'events: one EventLog event');
	const entries = re.eventLog[0].value;
	assert.deepEqual(entries.map((e) => e.address), [CONTRACT], 'one entry, for the contract');
	const expected = expectedEvents(bodies);
	assert.equal(expected.length, 13, 'fixture holds 13 event logs');
	assert.deepEqual(entries[0].event_logs, expected,
		'the 13 event logs of block 692365 in receipt order');
	log(`block ${MAINNET_BLOCK}: TxBlock exact, ${value.TxHashes.flat().length} hashes, `
		+ `${entries[0].event_logs.length} ${entries[0].event_logs[0]._eventname} events in order`);
}

function checkUnsubscribeBlock(re, num, unsubEchoCount) {
	const n = notificationFor(re, num);
	const q = queries(n);
	assert.equal(q[0], 'NewBlock', `block ${num}: NewBlock first`);
	assert.equal(q[q.length - 1], 'Unsubscribe', `block ${num}: Unsubscribe last`);
	assert.ok(q.length === 2 || (q.length === 3 && q[1] === 'EventLog'),
		`block ${num}: values ${JSON.stringify(q)}`);
	if (q.length === 3) {
		assert.deepEqual(n.values[1].value.map((e) => e.address), [CONTRACT],
			`block ${num}: EventLog of its block, for the contract only`);
	}
	assert.deepEqual(n.values[q.length - 1], { query: 'Unsubscribe', value: ['EventLog'] },
		`block ${num}: Unsubscribe entry names EventLog`);
	const dispatched = re.unsubscribe.slice(unsubEchoCount);
	assert.deepEqual(dispatched, [{ query: 'Unsubscribe', value: ['EventLog'] }],
		'the SDK dispatched the Unsubscribe entry');
	log(`block ${num}: notification ${JSON.stringify(q)} with Unsubscribe ["EventLog"]`);
}

// Each client got exactly one notification per block, for these blocks only.
function checkOnePerBlock(r, nums) {
	assert.deepEqual(r.notifications.map(blockNumOf), nums,
		`${r.name}: one notification per block`);
	assert.deepEqual(r.errors, [], `${r.name}: no socket errors`);
}

async function main() {
	assert.ok(zwsUrl && lookupUrl, 'ZWS_URL and ZWS_LOOKUP must be set');
	const txBlock = readResult('GetTxBlock.json');
	const bodies = readResult('GetTxnBodiesForTxBlock.json');
	const { blocks, events, rb, re } = await subscribeAll(new SubscriptionBuilder());

	assert.equal(await produce(), MAINNET_BLOCK, 'first produced block is 692365');
	await waitFor('block 692365 on both connections',
		() => notificationFor(rb, MAINNET_BLOCK) && notificationFor(re, MAINNET_BLOCK));
	await sleep(300);
	const txHashes = await rpc('GetTransactionsForTxBlock', [String(MAINNET_BLOCK)]);
	checkMainnetBlock(rb, re, txBlock, txHashes, bodies);

	assert.equal(await withTimeout(events.stop(), 'Unsubscribe echo'), true,
		'events.stop() resolves true');
	assert.deepEqual(re.unsubscribe, [{ query: 'Unsubscribe', type: 'EventLog' }],
		'Unsubscribe echo');
	log('events.stop(): Unsubscribe EventLog echoed');

	const second = await produce();
	await waitFor(`block ${second} on both connections`,
		() => notificationFor(rb, second) && notificationFor(re, second));
	await sleep(300);
	checkUnsubscribeBlock(re, second, 1);

	const third = await produce();
	await waitFor(`block ${third} on both connections`,
		() => notificationFor(rb, third) && notificationFor(re, third));
	await sleep(1000);
	assert.deepEqual(queries(notificationFor(re, third)), ['NewBlock'],
		`block ${third}: EventLog is gone`);
	log(`block ${third}: notification ["NewBlock"] only`);

	checkOnePerBlock(rb, [MAINNET_BLOCK, second, third]);
	checkOnePerBlock(re, [MAINNET_BLOCK, second, third]);
	const secondHadEvents = queries(notificationFor(re, second)).includes('EventLog');
	assert.equal(re.eventLog.length, secondHadEvents ? 2 : 1,
		'EventLog dispatched only until the Unsubscribe took effect');

	assert.equal(await withTimeout(blocks.stop(), 'Unsubscribe NewBlock echo'), true,
		'blocks.stop() resolves true');
	blocks.websocket.close();
	events.websocket.close();
	log('blocks.stop(): Unsubscribe NewBlock echoed; connections closed');
}

process.on('uncaughtException', (e) => {
	console.error(`sdk: FAIL: uncaught exception (the SDK throws on a message it cannot parse): ${e.stack || e}`);
	process.exit(1);
});

main().then(() => {
	console.log('sdk: all checks passed');
	process.exit(0);
}, (e) => {
	console.error(`sdk: FAIL: ${e.stack || e}`);
	process.exit(1);
});
