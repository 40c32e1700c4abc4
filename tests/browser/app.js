// The page's ZWS client: one WebSocket, a NewBlock and an EventLog
// subscription, and for every notification (one per epoch) a block row
// followed by that block's events, newest block on top. The document body's
// data-state says where the page is: connecting, subscribed, error, closed.
'use strict';

(function () {
	const query = new URLSearchParams(location.search);
	const url = query.get('ws') || 'ws://127.0.0.1:4401';
	const contracts = (query.get('contract') || '').split(',').filter(Boolean);
	const tbody = document.getElementById('events');
	const awaitingEcho = new Set(['NewBlock', 'EventLog']);

	document.getElementById('server').textContent = url;
	document.getElementById('contracts').textContent = contracts.join(', ');

	function setState(state, text) {
		document.body.dataset.state = state;
		document.getElementById('status').textContent = text;
	}

	function cell(row, text, title) {
		const td = row.insertCell();
		td.textContent = text;
		if (title)
			td.title = title;
		return td;
	}

	function shortAddress(a) {
		return a.length > 14 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
	}

	function paramsCell(row, params) {
		const td = row.insertCell();
		td.className = 'params';
		for (const p of params) {
			const span = document.createElement('span');
			const name = document.createElement('b');
			name.textContent = `${p.vname} `;
			span.title = p.type;
			span.append(name, typeof p.value === 'string' ? p.value : JSON.stringify(p.value));
			td.append(span);
		}
	}

	// One notification: values in the order NewBlock, EventLog, ... .
	function showEpoch(values) {
		const newBlock = values.find((v) => v.query === 'NewBlock');
		const eventLog = values.find((v) => v.query === 'EventLog');
		const header = newBlock ? newBlock.value.TxBlock.header : null;
		const num = header ? header.BlockNum : '?';
		const events = [];
		for (const entry of eventLog ? eventLog.value : [])
			for (const ev of entry.event_logs)
				events.push({ contract: entry.address, ev });

		const rows = document.createElement('tbody');
		const epoch = rows.insertRow();
		epoch.className = 'epoch';
		epoch.dataset.block = num;
		epoch.dataset.events = events.length;
		const td = cell(epoch, `Block ${num} · ${header ? header.NumTxns : '?'} transactions · `
			+ `${events.length} event${events.length === 1 ? '' : 's'}`);
		td.colSpan = 5;
		events.forEach(({ contract, ev }, i) => {
			const row = rows.insertRow();
			row.className = 'event';
			row.dataset.block = num;
			row.dataset.event = ev._eventname;
			cell(row, num);
			cell(row, String(i + 1));
			cell(row, shortAddress(contract), contract);
			cell(row, ev._eventname);
			paramsCell(row, ev.params);
		});
		tbody.prepend(...rows.rows);
		setState('subscribed', `Subscribed · last block ${num} brought ${events.length} `
			+ `event${events.length === 1 ? '' : 's'}`);
	}

	function onMessage(e) {
		let msg;
		try {
			msg = JSON.parse(e.data);
		} catch (err) {
			setState('error', `Unreadable message from the server: ${e.data}`);
			return;
		}
		if (msg.type === 'Notification')
			showEpoch(msg.values);
		else if (msg.type === 'Error')
			setState('error', `Server error: ${msg.error}`);
		else if (awaitingEcho.delete(msg.query) && awaitingEcho.size === 0)
			setState('subscribed', 'Subscribed to NewBlock and EventLog · waiting for the next block…');
	}

	const ws = new WebSocket(url);
	ws.onopen = () => {
		setState('connecting', 'Connected · subscribing…');
		ws.send(JSON.stringify({ query: 'NewBlock' }));
		ws.send(JSON.stringify({ query: 'EventLog', addresses: contracts }));
	};
	ws.onmessage = onMessage;
	ws.onclose = (e) => setState('closed', `Connection closed (code ${e.code})`);
}());
