import { provideZonelessChangeDetection } from '@angular/core';
import type { ApplicationConfig } from '@angular/core';
import { provideFeed } from './feed.config';
import { feedProtocol } from './feed.protocol';

/**
 * The application's providers. In `main.ts` (with `@angular/platform-browser`):
 *
 * ```ts
 * bootstrapApplication(FeedComponent, appConfig);
 * ```
 */
export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideFeed({
      socket: { url: 'wss://feed.example.com/ws', ...feedProtocol(), retry: { initialInterval: 1_000, maxInterval: 30_000 } },
      topics: ['orders'],
    }),
  ],
};
