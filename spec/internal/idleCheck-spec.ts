import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { IdleTimeoutError } from '../../src/errors';
import { idleCheck } from '../../src/internal/idleCheck';

/**
 * The idle check on its own, in virtual time: `signs` and `held` are set by the test, and each
 * report is recorded with its frame.
 */
function setup(ms: number, signsAtOpen = 0) {
  // Bounded: a check that never reports must not keep the flush going forever.
  const scheduler = new VirtualTimeScheduler(VirtualAction, 1000);
  const state = { signs: signsAtOpen, held: false };
  const reports: Array<{ at: number; error: IdleTimeoutError }> = [];
  const at = (frame: number, work: () => void) => scheduler.schedule(work, frame);
  const check = idleCheck(ms, scheduler, {
    signs: () => state.signs,
    held: () => state.held,
    idle: (error) => reports.push({ at: scheduler.now(), error }),
  });
  return { scheduler, state, reports, at, check };
}

describe('idleCheck', () => {
  it('should report a link silent since the open exactly ms after it, with nothing seen', () => {
    const { scheduler, reports } = setup(10, 7);
    scheduler.flush();
    expect(reports).toEqual([{ at: 10, error: new IdleTimeoutError({ idleMs: 10, seen: 0 }) }]);
  });

  it('should look every half of ms, rounded up, and need that many quiet looks', () => {
    const { scheduler, reports } = setup(3);
    scheduler.flush();
    // step 2, two quiet looks
    expect(reports.map((r) => r.at)).toEqual([4]);
  });

  it('should start the silence again at each sign of life, and count the signs since the open', () => {
    const { scheduler, state, reports, at } = setup(10, 5);
    at(7, () => (state.signs = 6));
    at(12, () => (state.signs = 8));
    scheduler.flush();
    // looks at 5, 10 (moved), 15 (moved), 20, 25: failed 10-15 ms after the last sign
    expect(reports).toEqual([{ at: 25, error: new IdleTimeoutError({ idleMs: 10, seen: 3 }) }]);
  });

  it('should not count silence while held, nor the look right after', () => {
    const { scheduler, state, reports, at } = setup(10);
    at(3, () => (state.held = true));
    at(31, () => (state.held = false));
    scheduler.flush();
    // looks at 5..30 held, 35 (the first look after: not counted), 40, 45
    expect(reports.map((r) => r.at)).toEqual([45]);
  });

  it('should report once, and nothing after it is stopped', () => {
    const stopped = setup(10);
    stopped.at(9, () => stopped.check.unsubscribe());
    stopped.scheduler.flush();
    expect(stopped.reports).toEqual([]);
    const { scheduler, reports } = setup(2);
    scheduler.flush();
    expect(reports.map((r) => r.at)).toEqual([2]);
  });
});
