import type { ResetDetector } from './resets';
import type { SocketCore } from './core';

/**
 * Sees each decoded message before it goes on (the ready handshake, heartbeat replies, epochs,
 * answers) while something is waited for; `true` keeps it from going on. Left out when no feature
 * needs it; while nothing is waited for, the receive path reads one flag per message and no more.
 *
 * @internal
 */
export interface Watch<In> {
  /** Whether something may be waited for: while `false`, messages need not be shown to `see`. */
  readonly awake: boolean;
  see(message: In): boolean;
  /** Something may be waited for from now on: a connection starts, a heartbeat or a request went out. */
  wake(): void;
}

/**
 * The one look at each decoded message that the ready handshake, heartbeat round-trip times,
 * epochs and conversations need; `undefined` when none is configured (then nothing runs per
 * message). Each check runs only while it is waiting for something: a ready reply, an unanswered
 * heartbeat, an epoch, an answer.
 *
 * @internal
 */
export function createWatch<In, Out>(core: SocketCore<In, Out>, resets: ResetDetector | undefined): Watch<In> | undefined {
  const { options, conversations } = core;
  const epochOf = resets === undefined ? undefined : options.resets?.epochOf;
  if (options.ready === undefined && options.heartbeat?.isReply === undefined && epochOf === undefined && conversations === undefined) return undefined;
  return new Watcher(core, resets, epochOf);
}

class Watcher<In, Out> implements Watch<In> {
  awake = true;
  /** `ready.isReady` and `heartbeat.isReply`, read once: the options never change. */
  private readonly isReady: ((message: In) => boolean) | undefined;
  private readonly isReply: ((message: In) => boolean) | undefined;

  constructor(
    private readonly core: SocketCore<In, Out>,
    private readonly resets: ResetDetector | undefined,
    private readonly epochOf: ((message: In) => string | number | undefined) | undefined,
  ) {
    this.isReady = core.options.ready?.isReady;
    this.isReply = core.options.heartbeat?.isReply;
  }

  // Runs once per message: each check that finds something is its own method, so this stays small.
  see(message: In): boolean {
    const { core, isReady, resets } = this;
    // Replies and acks are looked for only while something waits for one.
    const { conversations } = core;
    if (conversations !== undefined && conversations.size > 0 && this.answer(message, conversations)) return true;
    if (isReady !== undefined) {
      // With a ready handshake the epoch is read from the ready reply only: once ready, neither
      // check runs again on this connection.
      if (!core.isReady && isReady(message) && this.ready(message)) return true;
    } else if (resets !== undefined && resets.wantsEpoch && this.readEpoch(message)) {
      return true;
    }
    if (this.isReply !== undefined && core.heartbeatAt !== null && this.isReply(message)) this.replied(core.heartbeatAt);
    // Asleep once nothing is waited for, until `wake()`.
    this.awake = this.waiting();
    return false;
  }

  wake(): void {
    this.awake = true;
  }

  /** Whether any check of `see` has something to look for. */
  private waiting(): boolean {
    const { core, isReady, resets } = this;
    const { conversations } = core;
    if (conversations !== undefined && conversations.size > 0) return true;
    if (isReady !== undefined ? !core.isReady : resets !== undefined && resets.wantsEpoch) return true;
    return this.isReply !== undefined && core.heartbeatAt !== null;
  }

  /** Whether `message` answers a request or an ack that waits. */
  private answer(message: In, conversations: NonNullable<SocketCore<In, Out>['conversations']>): boolean {
    const { options } = this.core;
    const replyIdOf = options.requests?.replyIdOf;
    if (replyIdOf !== undefined && conversations.answer(replyIdOf(message), message, 'request')) return true;
    const ackIdOf = options.acks?.ackIdOf;
    return ackIdOf !== undefined && conversations.answer(ackIdOf(message), undefined, 'ack');
  }

  /** The ready reply: `true` when its epoch shows a reset that ended this attempt; else the connection is ready. */
  private ready(message: In): boolean {
    if (this.readEpoch(message)) return true;
    this.core.readyReceived();
    return false;
  }

  /** A heartbeat reply to the heartbeat sent at `sentAt`: the round-trip time. */
  private replied(sentAt: number): void {
    const { core } = this;
    core.rttMs = core.options.scheduler.now() - sentAt;
    core.heartbeatAt = null;
  }

  /** Reads the epoch of `message`, if any; `true` when a reset ended this attempt. */
  private readEpoch(message: In): boolean {
    const { epochOf, resets } = this;
    if (epochOf === undefined || resets === undefined) return false;
    const epoch = epochOf(message);
    // A reset ends this attempt (and may start the next one at once): this message is done with.
    return epoch !== undefined && resets.epoch(epoch);
  }
}
