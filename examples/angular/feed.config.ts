import { InjectionToken } from '@angular/core';
import type { Provider } from '@angular/core';
import type { ManagedSocketConfig } from 'rxjs-managed-socket';
import type { FeedCommand, FeedFrame } from './feed.protocol';

/** What {@link FeedService} is configured with, through {@link FEED_CONFIG}. */
export interface FeedConfig {
  /**
   * The managed socket's config: the URL and the protocol in the app; in tests also the fake
   * `WebSocketCtor` and, through `scheduler`, virtual time.
   */
  readonly socket: ManagedSocketConfig<FeedFrame, FeedCommand>;
  /** Topics to follow from the start. @default [] */
  readonly topics?: readonly string[];
  /** How many events `recent$` keeps, newest first. @default 50 */
  readonly recent?: number;
  /**
   * Ms the connection stays up after the last subscriber left (a route change destroys one
   * component before the next one subscribes), before it closes. @default 2000
   */
  readonly keepAliveMs?: number;
}

/**
 * The feed's configuration. Injectable rather than hard-coded, so a test provides a fake
 * WebSocket and a TestScheduler, and each environment its URL.
 *
 * ## Example
 * ```ts
 * providers: [{ provide: FEED_CONFIG, useValue: { socket: { url: 'wss://feed.example.com/ws', ...feedProtocol() } } }]
 * ```
 */
export const FEED_CONFIG = new InjectionToken<FeedConfig>('FEED_CONFIG');

/**
 * Provides {@link FEED_CONFIG}.
 *
 * ## Example
 * ```ts
 * bootstrapApplication(FeedComponent, { providers: [provideFeed({ socket: { url, ...feedProtocol() }, topics: ['orders'] })] });
 * ```
 *
 * @param config The feed's configuration.
 * @returns The provider.
 */
export function provideFeed(config: FeedConfig): Provider {
  return { provide: FEED_CONFIG, useValue: config };
}
