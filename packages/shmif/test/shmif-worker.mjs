// A worker thread running one shmif interface of its own rump kernel on a shared bus.
// Started with execArgv ['--conditions=@kspec/source'] and tsx registered here, so it runs the
// TypeScript sources directly (no build needed).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { ShmifBus } = await import('@kspec/shared-memory');
const { ShmifKernel, sharedHostPort } = await import('@kspec/shmif');

const { buffer, dataSize, path, count, expectFrom, seed } = workerData;
const host = sharedHostPort();
host.register(path, ShmifBus.fromBuffer(buffer, { dataSize }));
const kernel = new ShmifKernel({ host, seed });
const ifp = kernel.create(path);
const received = [];
let phantoms = 0;
ifp.onInput((f) => {
  if (f.length < 14) {
    phantoms++;
    return;
  }
  received.push({
    src: Buffer.from(f.subarray(6, 12)).toString('hex'),
    n: f[14] | (f[15] << 8),
    len: f.length,
  });
  if (sentAll && received.length >= expectFrom) finish();
});
ifp.up();
parentPort.postMessage({ kind: 'ready', mac: Buffer.from(ifp.mac).toString('hex'), unit: ifp.unit });

let done = false;
let sentAll = false;
function finish() {
  if (done) return;
  done = true;
  ifp.destroy();
  parentPort.postMessage({ kind: 'done', received, phantoms });
}

parentPort.on('message', (m) => {
  if (m.kind !== 'go') return;
  for (let n = 0; n < count; n++) {
    const f = new Uint8Array(60);
    f.fill(0xff, 0, 6);
    f.set(ifp.mac, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    f[14] = n & 0xff;
    f[15] = n >> 8;
    ifp.send(f);
  }
  sentAll = true;
  if (received.length >= expectFrom) finish();
});
