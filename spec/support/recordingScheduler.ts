import { VirtualTimeScheduler } from 'rxjs';
import type { SchedulerAction, Subscription } from 'rxjs';

/** A virtual-time scheduler that records the delay of every timer asked of it. */
export class RecordingScheduler extends VirtualTimeScheduler {
  readonly delays: number[] = [];

  override schedule<S>(work: (this: SchedulerAction<S>, state?: S) => void, delay = 0, state?: S): Subscription {
    this.delays.push(delay);
    return super.schedule(work, delay, state);
  }
}
