// The recovery test's server: the reference server (bundled from src/server), publishing one event
// to topic `prices` every `intervalMs`, cut on command.
//
// IPC: sends { type: 'ready', url }; answers { cmd: 'cut', how: 'kill' | 'restart', downtimeMs }
// with { type: 'cut', tCut, tAccept }: when the connections were cut, and when the server was
// accepting again (the same moment for `killAll()`, which never stops listening; after
// `restart()` resolved, which is right after it listens again).
import { BUNDLES } from '../lib/build.mjs';
import { now, reportErrors } from '../lib/proc.mjs';

reportErrors();

const { startReferenceServer } = await import(BUNDLES.server);
const intervalMs = Number(process.argv[2] ?? 5);
const server = await startReferenceServer();
let n = 0;
const ticker = setInterval(() => server.publish('prices', { n: ++n }), intervalMs);

process.on('message', async (message) => {
  if (message.cmd === 'exit') {
    clearInterval(ticker);
    await server.stop();
    process.exit(0);
  }
  if (message.cmd !== 'cut') return;
  const tCut = now();
  if (message.how === 'kill') {
    server.killAll();
    process.send({ type: 'cut', tCut, tAccept: tCut });
  } else {
    await server.restart({ downtimeMs: message.downtimeMs ?? 0 });
    process.send({ type: 'cut', tCut, tAccept: now() });
  }
});
process.send({ type: 'ready', url: server.url });
