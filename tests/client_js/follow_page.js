// The page of tests/client_js/follow.html: a dApp that follows NewBlock
// through client/js/zws-client.js with the browser's WebSocket. It lists
// each block it processes and keeps their numbers in window.followed and
// what the client reported in window.followLog, which
// tests/client_js/browser_follow.py reads over DevTools.
import { ZwsClient } from '/client/js/zws-client.js';

const url = new URLSearchParams(location.search).get('ws');
const list = document.getElementById('blocks');
const status = document.getElementById('status');
window.followed = [];
window.followLog = [];

function note(text) {
  window.followLog.push(`${new Date().toISOString()} ${text}`);
  const line = document.createElement('div');
  line.textContent = text;
  document.getElementById('log').append(line);
}

const client = new ZwsClient({
  url,
  queries: [{ query: 'NewBlock' }],
  baseDelayMs: 100,
  maxDelayMs: 2000,
  onBlock: ({ blockNum, values }) => {
    const header = values.find((v) => v.query === 'NewBlock')?.value?.TxBlock?.header;
    if (header?.BlockNum !== blockNum) {
      throw new Error(`the notification of block ${blockNum} carries TxBlock ${header?.BlockNum}`);
    }
    window.followed.push(blockNum);
    const item = document.createElement('li');
    item.textContent = blockNum;
    list.append(item);
  },
  onGap: (g) => note(`gap: blocks ${g.from}..${g.to}: ${g.message}`),
  onError: (e) => note(`error (${e.kind}): ${e.message}`),
  onState: (state, info) => {
    document.body.dataset.state = state;
    status.textContent = `${state}; ${window.followed.length} blocks, last ${client.lastBlock ?? 'none'}`;
    note(`state ${state} ${JSON.stringify(info, (k, v) => (k === 'error' ? String(v.message) : v))}`);
  },
});
client.start();
