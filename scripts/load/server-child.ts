// The scripted servers in a process of their own (forked with IPC by the load test), so that they do
// not share an event loop with a thousand clients: one set for the clients going through the proxy, one
// for the few connecting directly (the latency baseline).
import { ScriptedServer, type ServerReport } from './server.js';

export type ToServer = { type: 'report' } | { type: 'close' };
export type FromServer =
  | { type: 'ready'; proxied: ScriptedServer['addresses']; direct: ScriptedServer['addresses'] }
  | { type: 'report'; proxied: ServerReport; direct: ServerReport };

const send = (message: FromServer) => process.send?.(message);

const proxied = await ScriptedServer.start();
const direct = await ScriptedServer.start();
process.on('message', (message: ToServer) => {
  if (message.type === 'report') send({ type: 'report', proxied: proxied.report(), direct: direct.report() });
  if (message.type === 'close') void Promise.all([proxied.close(), direct.close()]).then(() => process.exit(0));
});
// The parent going away (killed, crashed) must not leave this process behind.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', proxied: proxied.addresses, direct: direct.addresses });
