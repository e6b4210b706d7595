/**
 * Hostile and broken frames from a real server (the reference server's `sendRaw`), over real
 * sockets on 127.0.0.1: each is refused with a typed, counted `decodeError` (or dropped as a
 * duplicate, or resynced as a gap), the connection stays up where it should, and nothing the
 * client had already accepted is lost or repeated.
 */
import { SequenceGapError } from '../../src/errors';
import type { DecodeError } from '../../src/errors';
import { startReferenceServer } from '../../src/server/referenceServer';
import type { ReferenceServer } from '../../src/server/referenceServer';
import type { ServerFrame } from '../../src/server/protocol';
import { range, startClient, until } from './harness';
import type { Client } from './harness';

jest.setTimeout(15_000);

describe('managedSocket$ against hostile frames', () => {
  let server: ReferenceServer;
  let client: Client | undefined;

  beforeEach(async () => {
    server = await startReferenceServer();
  });

  afterEach(async () => {
    client?.stop();
    client = undefined;
    await server.stop();
  });

  /** Connects, then publishes `a` 1..3 and waits for them: the part that was accepted before the attack. */
  async function acceptedFirst(overrides: Parameters<typeof startClient>[1] = {}): Promise<Client> {
    const c = startClient(server.url, overrides);
    client = c;
    await server.waitFor((s) => s.openConnections().some((conn) => conn.topics.includes('a')));
    for (let i = 1; i <= 3; i++) server.publish('a', { i });
    await until(() => c.received.length === 3, 5_000, 'the first three events');
    return c;
  }

  /** Publishes `a` 4..6 after the attack and waits for them. */
  async function thenMore(c: Client, upTo = 6): Promise<void> {
    const from = server.heads()['a'] ?? 0;
    for (let i = from + 1; i <= upTo; i++) server.publish('a', { i });
    await until(() => c.received.length >= upTo, 5_000, `events up to ${upTo}`);
  }

  const decodeErrors = (c: Client): DecodeError[] => c.ofType('decodeError').map((e) => e.error);

  describe('frames that do not decode', () => {
    const cases: Array<[string, string | Buffer, DecodeError['info']['kind']]> = [
      ['invalid JSON', '{"type":"event","topic":"a",', 'json'],
      ['a JSON value that is not a frame', '[1,2,3]', 'codec'],
      ['a frame of an unknown type', '{"type":"surprise","seq":4}', 'codec'],
      ['an event without a seq', '{"type":"event","topic":"a","id":"a:4","data":null}', 'codec'],
      ['an event with a negative seq', '{"type":"event","topic":"a","seq":-4,"id":"a:-4","data":null}', 'codec'],
      ['an event with a fractional seq', '{"type":"event","topic":"a","seq":4.5,"id":"a:4.5","data":null}', 'codec'],
      ['an event with a seq beyond 2^53', '{"type":"event","topic":"a","seq":9007199254740993,"id":"a:x","data":null}', 'codec'],
      ['a binary frame', Buffer.from('{"type":"event","topic":"a","seq":4,"id":"a:4","data":null}'), 'binary'],
    ];

    it.each(cases)('should refuse %s with a typed, counted decodeError and keep the connection and the order', async (_name, frame, kind) => {
      const c = await acceptedFirst();
      server.sendRaw(frame);
      await thenMore(c);

      expect(c.seqs()).toEqual(range(1, 6));
      const errors = decodeErrors(c);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ name: 'DecodeError', info: { kind } });
      if (typeof frame === 'string') expect(errors[0]?.info.raw).toBe(frame.slice(0, 256));
      else expect(errors[0]?.info).toMatchObject({ raw: undefined, size: frame.length });
      if (kind === 'codec') expect(errors[0]?.info.errors.length).toBeGreaterThan(0);
      expect(c.socket.metrics()).toMatchObject({ decodeErrors: 1, connections: 1, disconnects: 0 });
      expect(server.stats.connectionsOpened).toBe(1);
      expect(c.error).toBeUndefined();
    });

    it.each([
      ['negative', -4],
      ['fractional', 4.5],
      ['a string', '"4"'],
    ])('should refuse an event whose seq is %s with kind "seq" when there is no codec', async (_name, seq) => {
      const c = await acceptedFirst({ codec: undefined });
      server.sendRaw(`{"type":"event","topic":"a","seq":${String(seq)},"id":"a:x","data":null}`);
      await thenMore(c);

      expect(c.seqs()).toEqual(range(1, 6));
      expect(decodeErrors(c)).toEqual([expect.objectContaining({ info: expect.objectContaining({ kind: 'seq' }) })]);
      expect(c.socket.metrics()).toMatchObject({ decodeErrors: 1, connections: 1 });
    });

    it('should refuse a frame above maxMessageSize before parsing it', async () => {
      const c = await acceptedFirst({ maxMessageSize: 1_024 });
      // A valid frame if it were parsed: a pong with a 4 KB id.
      const big = JSON.stringify({ type: 'pong', id: 'x'.repeat(4_096) });
      const parse = jest.spyOn(JSON, 'parse');
      server.sendRaw(big);
      await thenMore(c);

      expect(parse).toHaveBeenCalled(); // the spy sees the client's parsing (events 4..6)...
      expect(parse.mock.calls.some(([text]) => text === big)).toBe(false); // ...but never the big frame
      expect(decodeErrors(c)).toEqual([expect.objectContaining({ info: expect.objectContaining({ kind: 'size', size: big.length }) })]);
      expect(decodeErrors(c)[0]?.info.raw).toHaveLength(256);
      expect(c.seqs()).toEqual(range(1, 6));
      expect(c.socket.metrics()).toMatchObject({ decodeErrors: 1, connections: 1 });
    });
  });

  describe('sequence numbers that lie', () => {
    it('should drop an event whose seq goes backwards as a duplicate, and count it', async () => {
      const c = await acceptedFirst();
      const second = server.events('a')[1] as ServerFrame;
      server.sendRaw(JSON.stringify(second));
      server.sendRaw(JSON.stringify({ ...second, data: 'tampered' })); // same seq, other content: still seq 2
      await thenMore(c);

      expect(c.seqs()).toEqual(range(1, 6));
      expect(c.received.map((e) => e.data)).toEqual(range(1, 6).map((i) => ({ i })));
      expect(c.ofType('duplicate')).toEqual([
        { type: 'duplicate', seq: 2, key: 'a', stage: 'gaps' },
        { type: 'duplicate', seq: 2, key: 'a', stage: 'gaps' },
      ]);
      expect(c.socket.metrics()).toMatchObject({ duplicates: 2, decodeErrors: 0, connections: 1 });
    });

    it('should hold a seq that jumps by 10^9, give up on the hole after gaps.maxWait, resync and deliver nothing false', async () => {
      const c = await acceptedFirst({ gaps: { maxWait: 200 } });
      const bogus = 3 + 1_000_000_000;
      server.sendRaw(JSON.stringify({ type: 'event', topic: 'a', seq: bogus, id: `a:${bogus}`, data: 'bogus' }));
      await until(() => c.ofType('gap').length === 1, 5_000, 'the gap');
      await until(() => c.socket.metrics().connections === 2, 5_000, 'the resync');
      await thenMore(c);

      expect(c.ofType('gap')[0]?.gap).toEqual({ from: 4, to: bogus - 1, lastContiguous: 3, reason: 'timeout', key: 'a' });
      expect(c.seqs()).toEqual(range(1, 6));
      expect(c.received.some((e) => e.data === 'bogus')).toBe(false);
      // The cursor was never moved by the lie: the resync asked for everything after 3.
      const hellos = server.received.filter((r) => r.frame?.type === 'hello').map((r) => r.frame);
      expect(hellos[1]).toMatchObject({ type: 'hello', resume: { a: 3 } });
      expect(c.socket.cursor?.get('a')).toBe(6);
      expect(c.error).toBeUndefined();
    });

    it('should resync with a growing backoff, not a storm, when an event can never be accepted (a poison frame)', async () => {
      // Seq 4 is larger than maxMessageSize: refused on every connection, so its hole never fills.
      const c = await acceptedFirst({ maxMessageSize: 1_024, gaps: { maxWait: 50 }, retry: { initialInterval: 20, maxInterval: 5_000, jitter: 0 } });
      server.publish('a', 'y'.repeat(2_048));
      server.publish('a', { i: 5 });
      await until(() => c.ofType('reconnecting').length >= 3 || c.error !== undefined || c.seqs().includes(5), 5_000, 'three resyncs or an outcome');

      const retries = c.ofType('reconnecting').map((e) => [e.attempt, e.delay]);
      expect(retries).toEqual([[1, 20], [2, 40], [3, 80], [4, 160]].slice(0, retries.length)); // never reset
      expect(c.seqs().slice(0, 3)).toEqual([1, 2, 3]); // nothing lost before the hole
      expect(c.seqs()).not.toContain(4); // the refused event is never made up
      expect(c.ofType('decodeError').every((e) => e.error.info.kind === 'size')).toBe(true);
    });
  });

  /**
   * A hole that no resync can fill: the server no longer has the events (they fell out of its
   * retention while the client was away), or the client can never accept one of them. Resyncing
   * cannot help; the consumer must be told (a SequenceGapError) or the hole skipped with a `gap`
   * event, within a few attempts. Stalling forever, reconnecting every `maxInterval` and
   * delivering nothing more, is the failure these tests catch.
   */
  describe('holes that can never fill', () => {
    /** Waits (bounded) until the client fails loudly, moves past the hole, or has resynced `resyncs` times. */
    async function outcome(c: Client, pastTheHole: number, resyncs = 6): Promise<string> {
      const state = (): string =>
        c.error instanceof SequenceGapError ? 'failed with SequenceGapError' : c.seqs().includes(pastTheHole) ? 'moved past the hole' : 'stalled';
      await until(() => state() !== 'stalled' || c.ofType('gap').length >= resyncs, 8_000, 'an outcome');
      return state();
    }

    it('should not stall forever when the server no longer retains the events the client missed', async () => {
      await server.stop();
      server = await startReferenceServer({ retain: 5 });
      const c = await acceptedFirst({ gaps: { maxWait: 50 }, retry: { initialInterval: 20, maxInterval: 100, jitter: 0 } });
      // Keep the client away while 17 events are published: the server keeps the last 5 (16..20).
      server.refuse(true, 503);
      server.killAll();
      await until(() => c.socket.metrics().disconnects >= 1);
      for (let i = 4; i <= 20; i++) server.publish('a', { i });
      server.refuse(false);

      const result = await outcome(c, 20);
      expect(c.ofType('gap')[0]?.gap).toMatchObject({ from: 4, to: 15, lastContiguous: 3 });
      expect(result).not.toBe('stalled');
    });

    it('should not stall forever behind an event the client can never accept', async () => {
      const c = await acceptedFirst({ maxMessageSize: 1_024, gaps: { maxWait: 50 }, retry: { initialInterval: 20, maxInterval: 100, jitter: 0 } });
      server.publish('a', 'y'.repeat(2_048)); // seq 4, refused as too big on every connection
      server.publish('a', { i: 5 });

      const result = await outcome(c, 5);
      expect(c.ofType('gap')[0]?.gap).toMatchObject({ from: 4, to: 4, lastContiguous: 3 });
      expect(result).not.toBe('stalled');
    });
  });
});
