// Child process for the crash test: hands frames to a capture store as fast as it can and prints, after
// each group, how many it has handed over. Killed with SIGKILL mid-burst by the test; stops by itself
// after a while if nobody does. Usage: node --import tsx burst-writer.ts FILE BATCH_SIZE
import { CaptureStore } from '../../proxy/capture/store.js';
import { fakeFrame } from './helpers.js';

const [file, batchSize] = process.argv.slice(2);
if (!file) throw new Error('usage: burst-writer.ts FILE BATCH_SIZE');
const store = CaptureStore.open(file, { batchMs: 50, batchSize: Number(batchSize ?? 500) });
const sessionId = store.openSession({ client: '127.0.0.1:1', tsWall: Date.now() });
const connectionId = store.openConnection({
  sessionId, label: 'ns1', kind: 'ns', client: '127.0.0.1:1', upstream: '192.0.2.1:1863', listen: '127.0.0.1:1863',
  tsWall: Date.now(), tsMono: performance.now(),
});

const GROUP = 97; // not a divisor of the batch size, so kills land at every point of a batch
const LIMIT = 2_000_000;
const deadline = Date.now() + 60_000;
let handed = 0;

function burst(): void {
  for (let i = 0; i < GROUP; i++) store.addFrame(fakeFrame(connectionId, handed++, 64));
  // Pipes are synchronous on Linux: once this returns, the parent can read the count.
  process.stdout.write(`${handed}\n`);
  if (handed < LIMIT && Date.now() < deadline) setImmediate(burst); // let the store's timer run, as a proxy would
  else store.close();
}
burst();
