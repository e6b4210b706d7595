import { filter, firstValueFrom } from 'rxjs';
import { managedSocket$ } from 'rxjs-managed-socket/node';
import { referenceProtocol, startReferenceServer } from 'rxjs-managed-socket/server';

async function main(): Promise<void> {
  // A real server on 127.0.0.1 speaking the example protocol (docs/protocol.md).
  const server = await startReferenceServer();

  // The socket: hello with a gap-safe resume cursor, topic replay, reconnect with backoff.
  const socket = managedSocket$({
    url: server.url,
    ...referenceProtocol(),
    resume: { start: 0 }, // we want the topic's history from seq 1
    retry: { initialInterval: 100, maxInterval: 5_000 },
  });
  socket.subscribeTopics('prices');
  socket.state$.subscribe((state) => console.log('state:', state));
  socket.subscribe((event) => {
    if (event.type === 'event') console.log(`${event.topic} #${event.seq}:`, event.data);
  });

  await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('prices')));
  server.publish('prices', { bid: 101 });
  server.publish('prices', { bid: 102 });
  server.killAll(); // the network drops: no close frame
  server.publish('prices', { bid: 103 }); // published while the client is away
  await server.waitFor((s) => s.openConnections().some((c) => c.topics.includes('prices')));
  server.publish('prices', { bid: 104 });

  await firstValueFrom(socket.cursor!.value$.pipe(filter((seq) => seq === 4))); // delivered up to 4
  socket.close().subscribe({ complete: () => void server.stop() });
}

void main();
// Output:
// state: idle
// state: connecting
// state: open
// prices #1: { bid: 101 }
// prices #2: { bid: 102 }
// state: reconnecting
// state: open
// prices #3: { bid: 103 }
// prices #4: { bid: 104 }
// state: closing
// state: closed
