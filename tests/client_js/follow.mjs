// A Node program using client/js/zws-client.js with Node's own WebSocket
// (run with --experimental-websocket): follows NewBlock on the zws at
// argv[2], appends each block number it processes to argv[3] (one line),
// creates argv[4] once subscribed, logs every state, gap and error. Exits 1
// when the client fails or a notification's TxBlock is not its block.
// Used by tests/script/client_js_node.sh.
import { appendFileSync, writeFileSync } from 'node:fs';
import { ZwsClient } from '../../client/js/zws-client.js';

const [url, out, ready] = process.argv.slice(2);
const log = (...a) => console.log(new Date().toISOString(), ...a);

const client = new ZwsClient({
  url,
  queries: [{ query: 'NewBlock' }],
  baseDelayMs: 100,
  maxDelayMs: 2000,
  onBlock: ({ blockNum, values }) => {
    const header = values.find((v) => v.query === 'NewBlock')?.value?.TxBlock?.header;
    if (header?.BlockNum !== blockNum) {
      log(`FAIL: the notification of block ${blockNum} carries TxBlock ${header?.BlockNum}`);
      process.exit(1);
    }
    appendFileSync(out, `${blockNum}\n`);
  },
  onGap: (g) => log(`gap: blocks ${g.from}..${g.to}: ${g.message}`),
  onError: (e) => log(`error (${e.kind}): ${e.message}`),
  onState: (state, info) => {
    log(`state ${state} ${JSON.stringify(info)}`);
    if (state === 'subscribed') writeFileSync(ready, '');
    if (state === 'failed') process.exit(1);
  },
});
client.start();
process.on('SIGTERM', () => {
  log(`stopping: ${JSON.stringify(client.stats)}`);
  client.close();
  process.exit(0);
});
