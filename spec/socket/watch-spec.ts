import { VirtualTimeScheduler } from 'rxjs';
import type { SocketCore } from '../../src/socket/core';
import type { ResetDetector } from '../../src/socket/resets';
import { createWatch } from '../../src/socket/watch';

type Msg = { readonly type: string; readonly epoch?: string };

/** What the watch reads of the socket: its options, its ready and heartbeat state. */
interface FakeCore {
  options: {
    ready?: { isReady: (message: Msg) => boolean; timeout: number };
    heartbeat?: { interval: number; message: () => unknown; isReply?: (message: Msg) => boolean };
    resets?: { epochOf: ((message: Msg) => string | undefined) | undefined };
    scheduler: VirtualTimeScheduler;
  };
  conversations: undefined;
  isReady: boolean;
  live: boolean;
  heartbeatAt: number | null;
  rttMs: number | null;
  readyReceived(): void;
  readies: number;
}

function fakeCore(options: Partial<FakeCore['options']> = {}): FakeCore {
  return {
    options: { scheduler: new VirtualTimeScheduler(), ...options },
    conversations: undefined,
    isReady: false,
    live: true,
    heartbeatAt: null,
    rttMs: null,
    readies: 0,
    readyReceived() {
      this.readies++;
      this.isReady = true;
    },
  };
}

/**
 * A reset detector that records the epochs it is given; `resetOn` is a reset, which ends the
 * attempt. The core stays live: a reset starts the next attempt at once.
 */
function fakeResets(resetOn?: string) {
  const epochs: string[] = [];
  const resets = {
    wantsEpoch: true,
    numbering: 0,
    connecting: () => undefined,
    observe: () => undefined,
    epoch(epoch: string | number) {
      epochs.push(String(epoch));
      resets.wantsEpoch = false;
      return epoch === resetOn;
    },
  };
  return { resets: resets as ResetDetector, epochs };
}

const asCore = (core: FakeCore) => core as unknown as SocketCore<Msg, unknown>;
const epochOf = (m: Msg) => m.epoch;

describe('createWatch', () => {
  it('should make no watch when nothing needs one', () => {
    expect(createWatch(asCore(fakeCore()), undefined)).toBeUndefined();
  });

  it('should make no watch for an epochOf without a reset detector', () => {
    expect(createWatch(asCore(fakeCore({ resets: { epochOf } })), undefined)).toBeUndefined();
  });

  it('should make a watch for a ready handshake, a heartbeat reply or an epoch', () => {
    expect(createWatch(asCore(fakeCore({ ready: { isReady: () => true, timeout: 10 } })), undefined)).toBeDefined();
    expect(createWatch(asCore(fakeCore({ heartbeat: { interval: 10, message: () => 'hb', isReply: () => true } })), undefined)).toBeDefined();
    const core = fakeCore({ resets: { epochOf } });
    expect(createWatch(asCore(core), fakeResets().resets)).toBeDefined();
  });

  describe('with a ready handshake', () => {
    it('should read the epoch from the ready reply only, and look for the reply only until ready', () => {
      const isReady = jest.fn((m: Msg) => m.type === 'ready');
      const core = fakeCore({ ready: { isReady, timeout: 10 }, resets: { epochOf } });
      const { resets, epochs } = fakeResets();
      const watch = createWatch(asCore(core), resets);
      expect(watch?.see({ type: 'ready', epoch: 'e1' })).toBe(false);
      expect(core.readies).toBe(1);
      expect(watch?.see({ type: 'ready', epoch: 'e2' })).toBe(false);
      expect(watch?.see({ type: 'event', epoch: 'e3' })).toBe(false);
      expect(epochs).toEqual(['e1']);
      expect(core.readies).toBe(1);
      expect(isReady).toHaveBeenCalledTimes(1);
    });

    it('should get ready on the reply when the reset detector reads no epochs (no epochOf)', () => {
      const core = fakeCore({ ready: { isReady: (m) => m.type === 'ready', timeout: 10 } });
      const { resets, epochs } = fakeResets();
      const watch = createWatch(asCore(core), resets);
      expect(watch?.see({ type: 'ready', epoch: 'e1' })).toBe(false);
      expect(core.readies).toBe(1);
      expect(epochs).toEqual([]);
    });

    it('should keep a ready reply whose epoch ended the attempt from going on, and not get ready', () => {
      const core = fakeCore({ ready: { isReady: (m) => m.type === 'ready', timeout: 10 }, resets: { epochOf } });
      const { resets, epochs } = fakeResets('e2');
      const watch = createWatch(asCore(core), resets);
      expect(watch?.see({ type: 'ready', epoch: 'e2' })).toBe(true);
      expect(epochs).toEqual(['e2']);
      expect(core.readies).toBe(0);
    });
  });

  describe('without a ready handshake', () => {
    it('should read the epoch of the first message that has one, and no later one', () => {
      const core = fakeCore({ resets: { epochOf } });
      const { resets, epochs } = fakeResets();
      const watch = createWatch(asCore(core), resets);
      expect(watch?.see({ type: 'event' })).toBe(false);
      expect(watch?.see({ type: 'event', epoch: 'e1' })).toBe(false);
      expect(watch?.see({ type: 'event', epoch: 'e2' })).toBe(false);
      expect(epochs).toEqual(['e1']);
    });

    it('should keep a message whose epoch ended the attempt from going on', () => {
      const core = fakeCore({ resets: { epochOf } });
      const { resets } = fakeResets('e2');
      const watch = createWatch(asCore(core), resets);
      expect(watch?.see({ type: 'event', epoch: 'e2' })).toBe(true);
    });
  });

  describe('asleep while nothing is waited for', () => {
    it('should stay awake until ready, fall asleep once ready, and look again after wake()', () => {
      const isReady = jest.fn((m: Msg) => m.type === 'ready');
      const core = fakeCore({ ready: { isReady, timeout: 10 } });
      const watch = createWatch(asCore(core), undefined);
      expect(watch?.awake).toBe(true);
      watch?.see({ type: 'event' });
      expect(watch?.awake).toBe(true); // the ready reply is still waited for
      watch?.see({ type: 'ready' });
      expect(watch?.awake).toBe(false);
      core.isReady = false; // a new connection
      watch?.wake();
      expect(watch?.awake).toBe(true);
      watch?.see({ type: 'ready' });
      expect({ awake: watch?.awake, readies: core.readies }).toEqual({ awake: false, readies: 2 });
    });

    it('should stay awake while an answer is waited for, and sleep while none is', () => {
      const core = { ...fakeCore({ ready: { isReady: () => true, timeout: 10 } }), isReady: true };
      const pending = { size: 0, answer: () => false };
      const watch = createWatch(asCore({ ...core, conversations: pending } as unknown as FakeCore), undefined);
      watch?.see({ type: 'event' });
      expect(watch?.awake).toBe(false);
      pending.size = 1; // a request went out (the core wakes the watch)
      watch?.wake();
      watch?.see({ type: 'event' });
      expect(watch?.awake).toBe(true);
      pending.size = 0;
      watch?.see({ type: 'event' });
      expect(watch?.awake).toBe(false);
    });

    it('should stay awake while an epoch or a heartbeat reply is waited for', () => {
      const epochCore = fakeCore({ resets: { epochOf } });
      const { resets } = fakeResets();
      const epochWatch = createWatch(asCore(epochCore), resets);
      epochWatch?.see({ type: 'event' });
      expect(epochWatch?.awake).toBe(true);
      epochWatch?.see({ type: 'event', epoch: 'e1' });
      expect(epochWatch?.awake).toBe(false);

      const beatCore = fakeCore({ heartbeat: { interval: 10, message: () => 'hb', isReply: (m) => m.type === 'pong' } });
      const beatWatch = createWatch(asCore(beatCore), undefined);
      beatWatch?.see({ type: 'event' });
      expect(beatWatch?.awake).toBe(false); // no heartbeat sent yet
      beatCore.heartbeatAt = 0;
      beatWatch?.wake();
      beatWatch?.see({ type: 'event' });
      expect(beatWatch?.awake).toBe(true);
      beatWatch?.see({ type: 'pong' });
      expect(beatWatch?.awake).toBe(false);
    });
  });

  describe('with a heartbeat reply', () => {
    it('should measure the round trip from the unanswered heartbeat, once, and let the reply go on', () => {
      const core = fakeCore({ heartbeat: { interval: 10, message: () => 'hb', isReply: (m) => m.type === 'pong' } });
      const watch = createWatch(asCore(core), undefined);
      const { scheduler } = core.options;
      scheduler.schedule(() => undefined, 30);
      scheduler.flush();
      // Nothing was sent: a reply says nothing about the round trip.
      expect(watch?.see({ type: 'pong' })).toBe(false);
      expect(core.rttMs).toBeNull();
      core.heartbeatAt = 12;
      expect(watch?.see({ type: 'event' })).toBe(false);
      expect(core.rttMs).toBeNull();
      expect(watch?.see({ type: 'pong' })).toBe(false);
      expect(core.rttMs).toBe(18);
      expect(core.heartbeatAt).toBeNull();
      // A second reply to the same heartbeat changes nothing.
      expect(watch?.see({ type: 'pong' })).toBe(false);
      expect(core.rttMs).toBe(18);
    });
  });
});
