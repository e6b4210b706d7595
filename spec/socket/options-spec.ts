import { UpgradeRefusedError } from '../../src/errors';
import { DEFAULT_RESET_FALLBACK, resolveOptions } from '../../src/socket/options';
import type { ManagedSocketConfig } from '../../src/socket/config';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import { expectInvalidOption } from '../support/invalidOption';

type Msg = { readonly seq?: number; readonly epoch?: string };

describe('resolveOptions', () => {
  const base: ManagedSocketConfig<Msg, unknown> = { url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor };
  const seqOf = (m: Msg) => m.seq;
  const epochOf = (m: Msg) => m.epoch;
  const resolve = (config: Partial<ManagedSocketConfig<Msg, unknown>>) => resolveOptions<Msg, unknown>({ ...base, ...config });
  const refuses = (option: string, config: unknown) =>
    expectInvalidOption(() => resolveOptions<Msg, unknown>(config as ManagedSocketConfig<Msg, unknown>), { operator: 'managedSocket$', option });

  it('should refuse a config that is not an object', () => {
    refuses('config', null);
    refuses('config', undefined);
    refuses('config', 'ws://test');
  });

  it('should refuse a null where an options object is expected, naming the first option it lacks', () => {
    refuses('requests.idOf', { ...base, requests: null });
    refuses('acks.idOf', { ...base, acks: null });
    refuses('wire', { ...base, wire: null });
    refuses('resets', { ...base, resets: null });
    refuses('closeCodes', { ...base, closeCodes: null });
    refuses('closeCodes.permanent', { ...base, closeCodes: { permanent: null } });
  });

  it('should refuse a close-code list with one code that is not an integer', () => {
    refuses('closeCodes.permanent', { ...base, closeCodes: { permanent: [4000, 'x'] } });
  });

  it('should refuse a classify that is not a function', () => {
    refuses('classify', { ...base, classify: 'transient' });
  });

  it('should name gaps.maxResyncs, and take Infinity for it and for maxMessageSize', () => {
    refuses('gaps.maxResyncs', { ...base, seqOf, gaps: { maxResyncs: -1 } });
    expect(resolve({ seqOf, gaps: { maxResyncs: Infinity } }).gaps?.maxResyncs).toBe(Infinity);
    expect(resolve({ maxMessageSize: Infinity }).maxMessageSize).toBe(Infinity);
  });

  it('should take a first retry wait of 0 when a backoffDelay decides the waits', () => {
    expect(resolve({ retry: { initialInterval: 0, backoffDelay: () => 10 } }).retry.initialInterval).toBe(0);
    refuses('retry.initialInterval', { ...base, retry: { initialInterval: 0 } });
  });

  it("should keep the consumer's concurrency and policy", () => {
    const work = () => [];
    expect(resolve({ consumer: { capacity: 2, work, concurrency: 3, policy: 'oldest' } }).consumer).toEqual({ capacity: 2, work, concurrency: 3, policy: 'oldest' });
    expect(resolve({ consumer: { capacity: 2, work } }).consumer).toEqual({ capacity: 2, work, concurrency: 1, policy: 'newest' });
  });

  it('should floor the wait with a retry hint only for a transient failure', () => {
    const { classify } = resolve({});
    expect(classify(new UpgradeRefusedError({ status: 503, retryAfterMs: 5000 }))).toEqual({ kind: 'transient', minDelay: 5000 });
    expect(classify(new UpgradeRefusedError({ status: 401, retryAfterMs: 5000 }))).toEqual({ kind: 'reauth' });
  });

  it('should have no reorder stage without a seqOf', () => {
    expect(resolve({ gaps: { window: 5 } }).gaps).toBeUndefined();
    expect(resolve({ seqOf, gaps: { window: 5 } }).gaps).toEqual({ window: 5, maxWait: 5000, maxResyncs: 3 });
  });

  describe('resets', () => {
    it('should use the seq fallback only with the resume cursor on', () => {
      expect(resolve({ seqOf }).resets).toEqual({ epochOf: undefined, policy: 'restart', fallback: DEFAULT_RESET_FALLBACK });
      expect(resolve({ seqOf, resume: false }).resets).toBeUndefined();
      expect(resolve({}).resets).toBeUndefined();
    });

    it('should turn the seq fallback off with fallback: false, and keep the epochs', () => {
      expect(resolve({ seqOf, resets: { fallback: false } }).resets).toBeUndefined();
      expect(resolve({ seqOf, resets: { epochOf, fallback: false } }).resets).toEqual({ epochOf, policy: 'restart', fallback: undefined });
      expect(resolve({ resets: { epochOf } }).resets).toEqual({ epochOf, policy: 'restart', fallback: undefined });
    });

    it('should see a reset by default only below half the cursor', () => {
      expect(DEFAULT_RESET_FALLBACK({ seq: 49, cursor: 100 })).toBe(true);
      expect(DEFAULT_RESET_FALLBACK({ seq: 50, cursor: 100 })).toBe(false);
    });
  });
});
