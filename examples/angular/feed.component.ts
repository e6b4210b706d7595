import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FeedService } from './feed.service';

/**
 * Shows the connection state and the recent events. `toSignal` subscribes in the component's
 * injection context and unsubscribes when the component is destroyed, which is what lets the
 * service's refCount close the connection once no view needs it.
 */
@Component({
  selector: 'app-feed',
  standalone: true,
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p class="state" [attr.data-state]="state()">Connection: {{ state() }}</p>
    <ul>
      @for (event of events(); track event.id) {
        <li>{{ event.topic }} #{{ event.seq }}</li>
      } @empty {
        <li>No events yet</li>
      }
    </ul>
  `,
})
export class FeedComponent {
  private readonly feed = inject(FeedService);
  /** `state$` replays the current state synchronously, so `requireSync` gives a signal that is never `undefined`. */
  readonly state = toSignal(this.feed.state$, { requireSync: true });
  /** Subscribing connects (or reuses the connection another view opened). */
  readonly events = toSignal(this.feed.recent$, { initialValue: [] });
}
