/**
 * A flood far faster than the consumer, over a real socket: with `consumer: { capacity, work }`
 * the client drops (and counts) what does not fit instead of buffering it, so memory stays flat,
 * the connection stays up, and what is delivered is still in order.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { finalize, timer } from 'rxjs';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import { pause, startClient, until } from './harness';
import type { Client } from './harness';

jest.setTimeout(30_000);

/** `gc()` (jest's workers don't run with --expose-gc). */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const FLOOD = 10_000;
const PAYLOAD = 'p'.repeat(1_000);
/**
 * Buffering the flood would keep ~10,000 x (1 KB raw frame + 1 KB decoded string + the objects)
 * = 20+ MB alive when it has all arrived; dropping keeps `capacity` of them. What may grow: the
 * server's own log (it trims at retain + 1024 events: ~1.1 MB of these) and V8's noise after a GC.
 */
const HEAP_GROWTH_BOUND = 6 * 1_048_576;

describe('managedSocket$ under a flood', () => {
  let server: ReferenceServer;
  let client: Client | undefined;

  beforeEach(async () => {
    server = await startReferenceServer({ retain: 100 });
  });

  afterEach(async () => {
    client?.stop();
    client = undefined;
    await server.stop();
  });

  it('should drop and count what a slow consumer cannot take, keep memory flat, and keep going', async () => {
    const gc = exposeGc();
    let working = 0;
    let maxWorking = 0;
    const consumer = {
      capacity: 16,
      // ~2 ms per event: ~500 events/s at best, against a flood of thousands per second.
      work: () => {
        working++;
        maxWorking = Math.max(maxWorking, working);
        return timer(2).pipe(finalize(() => working--));
      },
    };
    // Not recording the 'dropped' events one by one: that list would grow the heap.
    const c = startClient(server.url, { consumer }, ['a'], { record: ['connected', 'disconnected'] });
    client = c;
    const droppedEvents = { count: 0, reasons: [] as string[] };
    c.socket.events$.subscribe((e) => {
      if (e.type !== 'dropped') return;
      droppedEvents.count++;
      if (!droppedEvents.reasons.includes(e.reason)) droppedEvents.reasons.push(e.reason);
    });
    await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
    gc();
    const before = process.memoryUsage().heapUsed;

    for (let i = 1; i <= FLOOD; i++) {
      server.publish('a', { i, payload: PAYLOAD });
      if (i % 500 === 0) await pause(0); // let the socket flush
    }
    // Every frame reached the client and was decoded: each is now delivered, waiting or dropped.
    // This is when a buffering client would hold the most.
    await until(() => c.socket.metrics().messagesIn >= FLOOD + 1, 15_000, 'the flood to arrive'); // + the welcome
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    // The consumer then finishes what it kept.
    await until(() => c.socket.metrics().drops + c.received.length === FLOOD, 10_000, 'the consumer to finish');

    const { drops } = c.socket.metrics();
    expect(drops).toBeGreaterThan(FLOOD / 2);
    expect(droppedEvents).toEqual({ count: drops, reasons: ['consumer-full'] });
    expect(c.received.length + drops).toBe(FLOOD);
    const seqs = c.seqs();
    expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number))).toBe(true); // in order, no repeats
    expect(maxWorking).toBe(1); // concurrency 1: the rest waited in the buffer or was dropped
    expect(growth).toBeLessThan(HEAP_GROWTH_BOUND);
    expect(c.socket.metrics()).toMatchObject({ connections: 1, disconnects: 0 });

    // The buffer drained: events at a pace the consumer can follow all get through.
    const delivered = c.received.length;
    for (let i = 1; i <= 5; i++) {
      server.publish('a', { i: FLOOD + i });
      await pause(20);
    }
    await until(() => c.received.length === delivered + 5, 5_000, 'the paced events');
    expect(c.seqs().slice(-5)).toEqual([FLOOD + 1, FLOOD + 2, FLOOD + 3, FLOOD + 4, FLOOD + 5]);
    expect(c.socket.metrics().drops).toBe(drops);
  });
});
