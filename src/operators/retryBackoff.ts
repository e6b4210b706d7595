import { asyncScheduler, defer, identity, isObservable, merge, retry, take, tap, throwError } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { alongside } from '../internal/alongside';
import { longTimer } from '../internal/longTimer';
import { count, duration, fraction, func } from '../internal/validate';

const OP = 'retryBackoff';

/**
 * The default backoff policy: `2 ** iteration * initialInterval`.
 *
 * It doubles the wait after every failed attempt: 1x, 2x, 4x, 8x ... the initial interval.
 * It is the same formula as backoff-rxjs's function of the same name.
 *
 * ## Example
 * ```ts
 * import { exponentialBackoffDelay } from 'rxjs-managed-socket';
 *
 * console.log([0, 1, 2, 3].map((i) => exponentialBackoffDelay(i, 100)));
 * // Output:
 * // [100, 200, 400, 800]
 * ```
 *
 * @param iteration The 0-based number of the retry being scheduled (0 for the first retry).
 * @param initialInterval The wait before the first retry, in milliseconds.
 * @returns The wait before this retry, in milliseconds, before `maxInterval` is applied.
 */
export function exponentialBackoffDelay(iteration: number, initialInterval: number): number {
  return Math.pow(2, iteration) * initialInterval;
}

/** What {@link RetryBackoffConfig.onRetry} is told each time a retry is scheduled. */
export interface RetryInfo {
  /** 1-based number of this retry since the start (or since the count was last reset). */
  readonly attempt: number;
  /** How long the operator waits before resubscribing, in milliseconds (after the cap and jitter). */
  readonly delay: number;
  /** The error that ended the previous subscription. */
  readonly error: unknown;
}

/**
 * Configuration of {@link retryBackoff}.
 *
 * The first six fields are backoff-rxjs's `RetryBackoffConfig`, with the same names, defaults and
 * meaning. The rest are opt-in extras; leaving them out keeps backoff-rxjs's behaviour exactly.
 */
export interface RetryBackoffConfig {
  /**
   * The wait before the first retry, in milliseconds (a finite number >= 0). It is the second
   * argument of `backoffDelay`.
   */
  initialInterval: number;
  /**
   * The longest wait between two attempts, in milliseconds: every delay is
   * `Math.min(backoffDelay(...), maxInterval)`. A number >= 0, or `Infinity`.
   * @default Infinity
   */
  maxInterval?: number;
  /**
   * How many times to resubscribe before giving up and passing the error on. An integer >= 0, or
   * `Infinity`. `0` turns the operator into a pass-through.
   * @default Infinity
   */
  maxRetries?: number;
  /**
   * When `true`, every value from the source resets the retry count, so the next failure waits
   * `initialInterval` again. See also `resetAfter`.
   * @default false
   */
  resetOnSuccess?: boolean;
  /**
   * Decides whether an error is worth a retry. Returning `false` passes that error on at once.
   * It is asked only while retries remain (`attempt < maxRetries && shouldRetry(error)`), so it
   * is not called for the error that exhausts the budget. If it throws, the output errors with
   * what it threw.
   * @default () => true
   */
  shouldRetry?(error: unknown): boolean;
  /**
   * Computes the wait before a retry from the 0-based `iteration` and `initialInterval`.
   * A negative result means "no wait" (0). `NaN` (or a non-number) stops retrying: the source's
   * error is passed on, as if `maxRetries` were reached. `Infinity` waits until unsubscribed.
   * If it throws, the output errors with what it threw.
   * @default exponentialBackoffDelay
   */
  backoffDelay?(iteration: number, initialInterval: number): number;
  /**
   * Spreads clients out: a fraction from 0 to 1 of each delay that is taken away at random,
   * after the `maxInterval` cap, as `delay = capped * (1 - jitter * random())`. The result is in
   * `(capped * (1 - jitter), capped]`, so it never exceeds `maxInterval`, and clients that all
   * reached the cap still retry at different times.
   * @default 0
   */
  jitter?: number;
  /**
   * The random source for `jitter`, returning a number in `[0, 1)`. It is not called while
   * `jitter` is 0. A result outside `[0, 1]` is clamped so the delay stays in `[0, capped]`.
   * @default Math.random
   */
  random?(): number;
  /**
   * Resets the retry count once a (re)subscription has emitted its first value and then stayed
   * free of errors for this many milliseconds. A server that accepts a connection and drops it
   * at once is then not retried at `initialInterval` forever. A number >= 0; `undefined` or
   * `Infinity` turns it off. `resetOnSuccess: true` is the stricter form that resets on any value.
   * @default undefined
   */
  resetAfter?: number;
  /**
   * Called each time a retry is scheduled, before the wait starts, with the 1-based `attempt`,
   * the `delay` and the `error`. Not called when the error is passed on. If it throws, the output
   * errors with what it threw.
   * @default undefined
   */
  onRetry?(info: RetryInfo): void;
  /**
   * A floor for the wait after `error`, in milliseconds, applied after the cap and the jitter: a
   * server that closed with "try again later" and a hint, or a 429/503 with `Retry-After`, is
   * not called back sooner than it asked. `0` (or anything not above the computed delay) leaves
   * the delay as it is. If it throws, the output errors with what it threw.
   * @default undefined
   */
  minDelay?(error: unknown): number;
  /**
   * What counts as a healthy (re)subscription for `resetAfter` and `resetOnSuccess`: by default
   * its first value; with this Observable, its first emission during the subscription (a socket
   * that opened, or a server that acknowledged the handshake, before any message comes).
   * Subscribed once per (re)subscription, for as long as it lasts.
   * @default undefined
   */
  healthy?: Observable<unknown>;
  /**
   * Cuts a wait short: when it emits while a retry is waiting, the source is resubscribed at once
   * (a "reconnect now" button, or the browser's `online` event). Emissions while no retry is
   * waiting are ignored, the retry count is left as it is, and an error from it errors the output.
   * It is subscribed only for the length of each wait.
   * @default undefined
   */
  retryNow?: Observable<unknown>;
  /**
   * The scheduler for the delay timers and the `resetAfter` clock.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/**
 * Resubscribes to the source after an error, waiting longer after each failure, up to a limit.
 *
 * When the connection drops, try again after 1 s, then 2 s, then 4 s ..., and give up (pass the
 * error on) after `maxRetries` tries or when `shouldRetry` says the error is permanent. Drop-in
 * compatible with backoff-rxjs's `retryBackoff`, plus opt-in `jitter`, `resetAfter`, `onRetry` and
 * `retryNow`.
 *
 * ```text
 * --1-2-3-#
 * > retryBackoff({ initialInterval: 1, maxRetries: 2 })
 * --1-2-3----1-2-3-----1-2-3-#
 * ```
 *
 * The delay before retry `n` (0-based, since the start or the last reset) is
 * `Math.min(backoffDelay(n, initialInterval), maxInterval)`, then multiplied by
 * `1 - jitter * random()` when `jitter` is set. Each subscription to the result keeps its own
 * retry count, so one operator instance can be shared by many streams.
 *
 * ## Example
 * Retry a flaky connection, logging each retry.
 * ```ts
 * import { defer, of, throwError } from 'rxjs';
 * import { retryBackoff } from 'rxjs-managed-socket';
 *
 * let calls = 0;
 * const connect$ = defer(() => (++calls < 3 ? throwError(() => new Error('down')) : of('connected')));
 *
 * connect$
 *   .pipe(
 *     retryBackoff({
 *       initialInterval: 100,
 *       maxRetries: 5,
 *       onRetry: ({ attempt, delay }) => console.log(`retry ${attempt} in ${delay} ms`),
 *     }),
 *   )
 *   .subscribe(console.log);
 * // Output:
 * // retry 1 in 100 ms
 * // retry 2 in 200 ms
 * // connected
 * ```
 *
 * Errors: the source's own error, unchanged, once retries are used up, when `shouldRetry`
 * returns `false` or when `backoffDelay` returns `NaN`; whatever `shouldRetry`, `backoffDelay`,
 * `random` or `onRetry` throws; an error from `retryNow`. Creating it with a bad option throws {@link InvalidOptionError}.
 *
 * @see {@link exponentialBackoffDelay}
 * @param config The {@link RetryBackoffConfig}, or a number that is its `initialInterval`.
 * @returns An operator that mirrors the source and resubscribes to it after errors, with backoff.
 */
export function retryBackoff(config: number | RetryBackoffConfig): <T>(source: Observable<T>) => Observable<T>;
/**
 * Resubscribes to the source after an error, waiting longer after each failure, up to a limit.
 * This overload lets callers name the value type: `retryBackoff<Message>(1000)`.
 *
 * @param config The {@link RetryBackoffConfig}, or a number that is its `initialInterval`.
 * @returns An operator that mirrors the source and resubscribes to it after errors, with backoff.
 */
export function retryBackoff<T>(config: number | RetryBackoffConfig): MonoTypeOperatorFunction<T>;
export function retryBackoff(config: number | RetryBackoffConfig): <T>(source: Observable<T>) => Observable<T> {
  const policy = backoffPolicy(config);
  if (policy.maxRetries === 0) return identity;
  const { healthy, retryNow, scheduler } = policy;

  return <T>(source: Observable<T>): Observable<T> =>
    defer(() => {
      const backoff = policy.start();
      // The values are not looked at when `healthy` says what is healthy: nothing is added to the path of each one.
      const watched$ = !policy.watchesHealth
        ? source
        : healthy !== undefined
          ? source.pipe(alongside(healthy.pipe(take(1), tap(() => backoff.healthy()))))
          : source.pipe(tap(() => backoff.healthy()));

      return watched$.pipe(
        retry({
          delay: (error: unknown) => {
            const wait = backoff.next(error);
            if (wait === null) return throwError(() => error);
            // Taken in steps when longer than a timer can wait (a month's retry hint, a large cap).
            const wait$ = longTimer(wait, scheduler);
            return retryNow === undefined ? wait$ : merge(wait$, retryNow).pipe(take(1));
          },
        }),
      );
    });
}

/**
 * One run of a backoff policy (one subscription of `retryBackoff`, or one run of a managed
 * socket's connections): the retry count and the `resetAfter` clock.
 *
 * @internal
 */
export interface Backoff {
  /**
   * The wait before the next retry after `error`, in ms (`Infinity`: until cut short), or `null`
   * to give up (retries used up, `shouldRetry` said no, or `backoffDelay` gave no number). Calls
   * `onRetry` for a retry. `judge` replaces the config's `shouldRetry`, `minDelay` and `onRetry`
   * (a managed socket judges with its own state). Throws what a user callback threw.
   */
  next(error: unknown, judge?: RetryJudge): number | null;
  /** This attempt is healthy: `resetOnSuccess` resets the count now, `resetAfter` starts its clock. */
  healthy(): void;
}

/** Who decides about one error: `shouldRetry`, `minDelay` and `onRetry`, called as methods. @internal */
export interface RetryJudge {
  shouldRetry(error: unknown): boolean;
  minDelay?(error: unknown): number;
  onRetry?(info: RetryInfo): void;
}

/**
 * A checked `retryBackoff` config, shared by the operator and the managed socket (which runs the
 * same policy on its connections without an operator per connection). @internal
 */
export interface BackoffPolicy {
  readonly maxRetries: number;
  /** Whether attempts are watched for health (`resetOnSuccess` or `resetAfter`). */
  readonly watchesHealth: boolean;
  readonly healthy: Observable<unknown> | undefined;
  readonly retryNow: Observable<unknown> | undefined;
  readonly scheduler: SchedulerLike;
  /** A new run: the count at 0. */
  start(): Backoff;
}

/**
 * Checks a `retryBackoff` config (throws {@link InvalidOptionError} for the first bad option, in
 * the operator's name) and applies the defaults.
 *
 * @internal
 */
export function backoffPolicy(config: number | RetryBackoffConfig): BackoffPolicy {
  if (typeof config !== 'number' && (typeof config !== 'object' || config === null)) {
    throw new InvalidOptionError({ operator: OP, option: 'config', reason: 'a number or a config object', value: config });
  }
  const {
    initialInterval,
    maxInterval = Infinity,
    maxRetries = Infinity,
    resetOnSuccess = false,
    shouldRetry = alwaysRetry,
    backoffDelay = exponentialBackoffDelay,
    jitter = 0,
    random = Math.random,
    resetAfter,
    onRetry,
    minDelay,
    healthy,
    retryNow,
    scheduler = asyncScheduler,
  }: RetryBackoffConfig = typeof config === 'number' ? { initialInterval: config } : config;

  duration(OP, 'initialInterval', initialInterval);
  duration(OP, 'maxInterval', maxInterval, true);
  count(OP, 'maxRetries', maxRetries, 0, true);
  func(OP, 'shouldRetry', shouldRetry);
  func(OP, 'backoffDelay', backoffDelay);
  fraction(OP, 'jitter', jitter);
  func(OP, 'random', random);
  if (resetAfter !== undefined) duration(OP, 'resetAfter', resetAfter, true);
  if (onRetry !== undefined) func(OP, 'onRetry', onRetry);
  if (minDelay !== undefined) func(OP, 'minDelay', minDelay);
  if (healthy !== undefined && !isObservable(healthy)) {
    throw new InvalidOptionError({ operator: OP, option: 'healthy', reason: 'an Observable', value: healthy });
  }
  if (retryNow !== undefined && !isObservable(retryNow)) {
    throw new InvalidOptionError({ operator: OP, option: 'retryNow', reason: 'an Observable', value: retryNow });
  }

  return new Policy(
    { initialInterval, maxInterval, maxRetries, resetOnSuccess, shouldRetry, backoffDelay, jitter, random, onRetry, minDelay },
    resetAfter === undefined || resetAfter === Infinity ? undefined : resetAfter,
    healthy,
    retryNow,
    scheduler,
  );
}

/** The checked config without the Observables and the scheduler. */
interface PolicyConfig extends RetryJudge {
  readonly initialInterval: number;
  readonly maxInterval: number;
  readonly maxRetries: number;
  readonly resetOnSuccess: boolean;
  shouldRetry(error: unknown): boolean;
  backoffDelay(iteration: number, initialInterval: number): number;
  readonly jitter: number;
  random(): number;
  onRetry?(info: RetryInfo): void;
  minDelay?(error: unknown): number;
}

class Policy implements BackoffPolicy {
  readonly maxRetries: number;
  readonly watchesHealth: boolean;

  constructor(
    readonly config: PolicyConfig,
    readonly resetDelay: number | undefined,
    readonly healthy: Observable<unknown> | undefined,
    readonly retryNow: Observable<unknown> | undefined,
    readonly scheduler: SchedulerLike,
  ) {
    this.maxRetries = config.maxRetries;
    this.watchesHealth = config.resetOnSuccess || resetDelay !== undefined;
  }

  start(): Backoff {
    return new Run(this);
  }

  /** The wait before retry `iteration`, or NaN when the policy gave no usable number. */
  delayFor(iteration: number): number {
    const { backoffDelay, initialInterval, maxInterval, jitter, random } = this.config;
    const raw: unknown = backoffDelay(iteration, initialInterval);
    if (typeof raw !== 'number' || Number.isNaN(raw)) return NaN;
    const capped = Math.max(0, Math.min(raw, maxInterval));
    if (jitter === 0) return capped;
    const jittered = capped * (1 - jitter * random());
    return Number.isNaN(jittered) ? capped : Math.min(Math.max(jittered, 0), capped);
  }
}

class Run implements Backoff {
  /** 0-based number of the next retry; reset by resetOnSuccess / resetAfter. */
  private iteration = 0;
  /**
   * When the current attempt turned healthy (for resetAfter), else null. The count is reset when
   * the attempt ends more than `resetAfter` later: no timer runs while it lasts.
   */
  private healthyAt: number | null = null;

  constructor(private readonly policy: Policy) {}

  next(error: unknown, judge: RetryJudge = this.policy.config): number | null {
    const { policy } = this;
    const { config, resetDelay } = policy;
    if (this.healthyAt !== null && resetDelay !== undefined && policy.scheduler.now() - this.healthyAt > resetDelay) this.iteration = 0;
    this.healthyAt = null;
    const current = this.iteration++;
    if (!(current < config.maxRetries && judge.shouldRetry(error))) return null;
    const computed = policy.delayFor(current);
    if (Number.isNaN(computed)) return null;
    const floor = judge.minDelay === undefined ? 0 : judge.minDelay(error);
    const wait = typeof floor === 'number' && floor > computed ? floor : computed;
    judge.onRetry?.({ attempt: current + 1, delay: wait, error });
    return wait;
  }

  healthy(): void {
    const { policy } = this;
    if (policy.config.resetOnSuccess) this.iteration = 0;
    if (policy.resetDelay !== undefined && this.healthyAt === null) this.healthyAt = policy.scheduler.now();
  }
}

function alwaysRetry(): boolean {
  return true;
}
