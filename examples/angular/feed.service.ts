import { DestroyRef, Injectable, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { asyncScheduler, filter, ReplaySubject, scan, share, startWith, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { managedSocket$ } from 'rxjs-managed-socket';
import type { ConnectionState, ManagedSocket, ManagedSocketMetrics } from 'rxjs-managed-socket';
import { FEED_CONFIG } from './feed.config';
import type { FeedCommand, FeedEvent, FeedFrame } from './feed.protocol';

/**
 * The app's one connection to the feed: a managed socket (reconnect, resume, dedupe, gaps) shared
 * by every component that shows the feed, closed with the application.
 *
 * Sharing, explicitly:
 * - `state$` is the socket's own state stream: it replays the current state and never connects,
 *   so it needs no sharing.
 * - `events$` is hot and shared, with **no replay**: an event is something that happened, and a
 *   component that subscribes late must not handle an old one again.
 * - `recent$` is state (the last N events), so it **replays** its latest value to late subscribers.
 * - Both count their subscribers (refCount): the connection exists while some view needs it.
 *   Without refCount (`shareReplay(1)` alone) this root service, which lives as long as the app,
 *   would keep the socket open forever once any view had shown the feed. The count reaching zero
 *   does not close at once, though: a route change destroys one component before the next one
 *   subscribes, so the reset waits `keepAliveMs` (`share`'s `resetOnRefCountZero: () => timer(...)`)
 *   and a quick resubscribe reuses the open connection and the recent list.
 *
 * Clean-up: the service is provided in root, so its `DestroyRef` is the application's. When the
 * app is destroyed, the socket is closed gracefully and every stream completes
 * (`takeUntilDestroyed`); components need no clean-up of their own (`toSignal` unsubscribes with
 * the component).
 */
@Injectable({ providedIn: 'root' })
export class FeedService {
  private readonly config = inject(FEED_CONFIG);
  private readonly destroyRef = inject(DestroyRef);
  private readonly socket: ManagedSocket<FeedFrame, FeedCommand> = managedSocket$(this.config.socket);
  private readonly keepAlive = () => timer(this.config.keepAliveMs ?? 2_000, this.config.socket.scheduler ?? asyncScheduler);

  /** The connection state, current value first. Subscribing does not connect. */
  readonly state$: Observable<ConnectionState> = this.socket.state$.pipe(takeUntilDestroyed(this.destroyRef));

  /**
   * The socket's events until the app is destroyed. `close()` already completes the socket's
   * subscribers; `takeUntilDestroyed` also stops a subscription that comes after the destroy from
   * connecting again. Not shared itself: the socket multicasts one connection already.
   */
  private readonly live$: Observable<FeedEvent> = this.socket.pipe(
    filter((frame): frame is FeedEvent => frame.type === 'event'),
    takeUntilDestroyed(this.destroyRef),
  );

  /** Each event once, as it arrives (no replay). Subscribing connects; see the class notes on sharing. */
  readonly events$: Observable<FeedEvent> = this.live$.pipe(share({ resetOnRefCountZero: this.keepAlive }));

  /**
   * The last `recent` events, newest first; a late subscriber gets the current list at once.
   * Built on `live$`, not on `events$`: two grace periods in a chain would add up.
   */
  readonly recent$: Observable<readonly FeedEvent[]> = this.live$.pipe(
    scan((list: readonly FeedEvent[], event: FeedEvent) => [event, ...list].slice(0, this.config.recent ?? 50), []),
    startWith<readonly FeedEvent[]>([]),
    share({
      connector: () => new ReplaySubject<readonly FeedEvent[]>(1),
      resetOnError: true,
      resetOnComplete: true,
      resetOnRefCountZero: this.keepAlive,
    }),
  );

  constructor() {
    if (this.config.topics?.length) this.follow(...this.config.topics);
    this.destroyRef.onDestroy(() => this.socket.close());
  }

  /** Starts following topics; they are subscribed again on every reconnect. */
  follow(...topics: string[]): void {
    this.socket.subscribeTopics(...topics);
  }

  /** Stops following topics. */
  unfollow(...topics: string[]): void {
    this.socket.unsubscribeTopics(...topics);
  }

  /** The socket's counters (connections, reconnects, duplicates, gaps, drops, ...). */
  metrics(): ManagedSocketMetrics {
    return this.socket.metrics();
  }
}
