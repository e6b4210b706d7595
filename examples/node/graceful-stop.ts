import { lastValueFrom } from 'rxjs';
import { managedSocket$, toAsyncIterable } from 'rxjs-managed-socket/node';
import { referenceProtocol } from 'rxjs-managed-socket/protocol';

/** Your slow sink: a database, a file, a remote API. */
async function save(event: unknown): Promise<void> {
  console.log(JSON.stringify(event));
}

async function main(url: string): Promise<void> {
  const socket = managedSocket$({ url, ...referenceProtocol() });
  socket.subscribeTopics('orders');

  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());

  try {
    for await (const event of toAsyncIterable(socket, { capacity: 1_000, signal: controller.signal })) {
      await save(event); // slow is fine: at most 1 000 events wait, the rest are dropped and counted
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err; // the abort ends the loop with an AbortError: a clean stop
  }
  await lastValueFrom(socket.close(), { defaultValue: undefined }); // closed: nothing keeps the process alive
  console.log('stopped');
}

main(process.argv[2] ?? 'ws://127.0.0.1:8080').catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
