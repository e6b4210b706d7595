import { filter, lastValueFrom } from 'rxjs';
import { fileCursorStorage, managedSocket$, openCommitLog, processCommitted, toAsyncIterable } from 'rxjs-managed-socket/node';
import { referenceProtocol } from 'rxjs-managed-socket/protocol';
import type { EventFrame } from 'rxjs-managed-socket/protocol';

/** Your slow sink: a database, a file, a remote API. */
async function save(event: EventFrame): Promise<void> {
  console.log(JSON.stringify(event));
}

async function main(url: string, cursorFile: string): Promise<void> {
  // The committed position: where the finished work of the last run ended.
  const log = await openCommitLog({ storage: fileCursorStorage(cursorFile), mode: 'perKey', start: 0 });
  const socket = managedSocket$({ url, ...referenceProtocol(), resume: log.socketCursor() });
  socket.subscribeTopics('orders');
  const events$ = socket.pipe(filter((frame): frame is EventFrame => frame.type === 'event'));

  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());

  const { committed } = await processCommitted(toAsyncIterable(events$, { capacity: 1_000, pause: socket }), {
    log,
    work: save, // slow is fine: at 1 000 waiting events the socket stops reading, nothing is dropped
    seqOf: (event) => event.seq,
    keyOf: (event) => event.topic,
    signal: controller.signal,
    onStop: 'finish', // on SIGTERM: finish the work in hand and commit it ('abandon': the next run redoes it)
  });
  await lastValueFrom(socket.close(), { defaultValue: undefined }); // closed: nothing keeps the process alive
  console.log(`stopped: ${committed} committed, next run resumes after orders ${log.cursor.get('orders')}`);
}

main(process.argv[2] ?? 'ws://127.0.0.1:8080', process.argv[3] ?? '.state/orders-cursor.json').catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
