import { Observable, Subject, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { replaySubscriptions } from '../../src/operators/replaySubscriptions';
import type { TopicCommand } from '../../src/operators/replaySubscriptions';
import { expectInvalidOption } from '../support/invalidOption';

const S = <K = string>(...topics: K[]): TopicCommand<K> => ({ type: 'subscribe', topics });
const U = <K = string>(...topics: K[]): TopicCommand<K> => ({ type: 'unsubscribe', topics });

describe('replaySubscriptions', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  describe('deltas', () => {
    it('should send nothing when subscribing a topic that is already active', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x'), b: S('x'), c: S('x', 'y'), C: S('y') };
        // prettier-ignore
        const commands = hot('-a-b-c-', values);
        // prettier-ignore
        const opened = hot('  -------');
        // prettier-ignore
        const subs = '        ^------';
        // prettier-ignore
        const expected = '    -a---C-';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should send nothing when unsubscribing a topic that is not active', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: U('x'), b: S('x', 'y'), c: U('x', 'z'), C: U('x'), d: U('x') };
        // prettier-ignore
        const commands = hot('-a-b-c-d-', values);
        // prettier-ignore
        const opened = hot('  ---------');
        // prettier-ignore
        const subs = '        ^--------';
        // prettier-ignore
        const expected = '    ---b-C---';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should collapse repeated topics inside one command', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x', 'x', 'y', 'x'), A: S('x', 'y'), b: U('y', 'y', 'x'), B: U('y', 'x'), c: S() };
        // prettier-ignore
        const commands = hot('-a-b-c-', values);
        // prettier-ignore
        const opened = hot('  -------');
        // prettier-ignore
        const subs = '        ^------';
        // prettier-ignore
        const expected = '    -A-B---'; // an empty command sends nothing
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should compare topics with SameValueZero: numbers and NaN by value, objects by reference', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const room = { id: 1 };
        const twin = { id: 1 };
        const values = {
          a: S<unknown>(1, NaN, room),
          b: S<unknown>(1, NaN, room, twin, -0), // 1, NaN and room are active; twin is another object
          B: S<unknown>(twin, -0),
          c: U<unknown>(0, twin), // 0 matches the -0 subscribed above
          C: U<unknown>(0, twin),
        };
        // prettier-ignore
        const commands = hot('-a-b-c-', values);
        // prettier-ignore
        const opened = hot('  -------');
        // prettier-ignore
        const subs = '        ^------';
        // prettier-ignore
        const expected = '    -a-B-C-';
        expectObservable(commands.pipe(replaySubscriptions<unknown>(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });
  });

  describe('replay on open', () => {
    it('should send every active topic in one subscribe on each open', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = {
          a: S('x', 'y'),
          b: S('y', 'z'),
          B: S('z'),
          c: U('x', 'w'),
          C: U('x'),
          d: S('x'),
          r: S('x', 'y', 'z'),
          s: S('y', 'z'),
        };
        // prettier-ignore
        const commands = hot('-a---b-----c-----d---', values);
        // prettier-ignore
        const opened = hot('  --------o-----o------');
        // prettier-ignore
        const subs = '        ^--------------------';
        // prettier-ignore
        const expected = '    -a---B--r--C--s--d---';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should send nothing on open while no topic is active', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x'), b: U('x'), r: S('x') };
        // prettier-ignore
        const commands = hot('---a---b----', values);
        // prettier-ignore
        const opened = hot('  -o---o---o--');
        // prettier-ignore
        const subs = '        ^-----------';
        // prettier-ignore
        const expected = '    ---a-r-b----';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should keep insertion order, moving a topic subscribed again after an unsubscribe to the end', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('c', 'a', 'b'), b: U('c'), d: S('c'), r: S('c', 'a', 'b'), s: S('a', 'b', 'c') };
        // prettier-ignore
        const commands = hot('-a---b-d----', values);
        // prettier-ignore
        const opened = hot('  ---o------o-');
        // prettier-ignore
        const subs = '        ^-----------';
        // prettier-ignore
        const expected = '    -a-r-b-d--s-';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should listen to opened$ before the commands, so an immediate open does not repeat them', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x', 'y') };
        // both in frame 0; opened$ first, while the set is still empty
        const commands = cold('a', values);
        const opened = cold('  o');
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe('a', values);
        expectSubscriptions(commands.subscriptions).toBe('^');
        expectSubscriptions(opened.subscriptions).toBe('^');
      });
    });

    it('should copy topics, so changing a command array after sending it changes nothing', () => {
      const commands = new Subject<TopicCommand>();
      const opened = new Subject<void>();
      const sent: TopicCommand[] = [];
      commands.pipe(replaySubscriptions(opened)).subscribe((cmd) => sent.push(cmd));
      const topics = ['x'];
      commands.next({ type: 'subscribe', topics });
      topics.push('y');
      opened.next();
      expect(sent).toEqual([S('x'), S('x')]);
      expect(commands.observed && opened.observed).toBe(true);
    });
  });

  describe('documentation example', () => {
    it('should log what the TSDoc example says', () => {
      const commands$ = new Subject<TopicCommand>();
      const opened$ = new Subject<void>();
      const log: string[] = [];
      commands$.pipe(replaySubscriptions(opened$)).subscribe((cmd) => log.push(`${cmd.type} ${cmd.topics.join(', ')}`));
      commands$.next({ type: 'subscribe', topics: ['btc', 'eth'] });
      commands$.next({ type: 'subscribe', topics: ['eth', 'sol'] });
      commands$.next({ type: 'unsubscribe', topics: ['btc', 'doge'] });
      opened$.next();
      expect(log).toEqual(['subscribe btc, eth', 'subscribe sol', 'unsubscribe btc', 'subscribe eth, sol']);
    });
  });

  describe('lifecycle', () => {
    it('should never emit or end when both inputs never emit', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const commands = cold<TopicCommand>('-');
        const opened = cold('-');
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe('-');
        expectSubscriptions(commands.subscriptions).toBe('^');
        expectSubscriptions(opened.subscriptions).toBe('^');
      });
    });

    it('should complete at once for an empty command stream', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const commands = cold<TopicCommand>('|');
        const opened = cold('--o--');
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe('|');
        expectSubscriptions(commands.subscriptions).toBe('(^!)');
        expectSubscriptions(opened.subscriptions).toBe('(^!)');
      });
    });

    it('should complete when the command stream completes, and stop listening to opened$', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x') };
        // prettier-ignore
        const commands = hot('-a---|', values);
        // prettier-ignore
        const opened = hot('  ---o---o');
        // prettier-ignore
        const subs = '        ^----!';
        // prettier-ignore
        const expected = '    -a-a-|';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should keep sending deltas after opened$ completes', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x'), b: S('y'), c: U('x') };
        // prettier-ignore
        const commands = hot('-a---b--c--|', values);
        // prettier-ignore
        const opened = hot('  ---o-|');
        // prettier-ignore
        const expected = '    -a-a-b--c--|';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe('^----------!');
        expectSubscriptions(opened.subscriptions).toBe('  ^----!');
      });
    });

    it('should error when the command stream errors, and unsubscribe from opened$', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x') };
        // prettier-ignore
        const commands = hot('-a--#', values, 'bad command');
        // prettier-ignore
        const opened = hot('  ------o');
        // prettier-ignore
        const subs = '        ^---!';
        // prettier-ignore
        const expected = '    -a--#';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values, 'bad command');
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should error when opened$ errors, and unsubscribe from the commands', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x') };
        // prettier-ignore
        const commands = hot('-a-----a', values);
        // prettier-ignore
        const opened = hot('  ---o-#', undefined, 'socket gone');
        // prettier-ignore
        const subs = '        ^----!';
        // prettier-ignore
        const expected = '    -a-a-#';
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values, 'socket gone');
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should unsubscribe from both inputs when unsubscribed early', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x'), b: S('y') };
        // prettier-ignore
        const commands = hot('-a----b', values);
        // prettier-ignore
        const opened = hot('  ---o----o');
        // prettier-ignore
        const unsub = '       -----!';
        // prettier-ignore
        const subs = '        ^----!';
        // prettier-ignore
        const expected = '    -a-a---';
        expectObservable(commands.pipe(replaySubscriptions(opened)), unsub).toBe(expected, values);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should error with a TypeError for an unknown command type', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x'), b: { type: 'subscribed', topics: ['y'] } as unknown as TopicCommand };
        // prettier-ignore
        const commands = hot('-a-b-', values);
        // prettier-ignore
        const opened = hot('  -----');
        // prettier-ignore
        const subs = '        ^--!';
        // prettier-ignore
        const expected = '    -a-#';
        const err = new TypeError('replaySubscriptions: unknown command type "subscribed"');
        expectObservable(commands.pipe(replaySubscriptions(opened))).toBe(expected, values, err);
        expectSubscriptions(commands.subscriptions).toBe(subs);
        expectSubscriptions(opened.subscriptions).toBe(subs);
      });
    });

    it('should keep a separate topic set for each subscription of one operator value', () => {
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const values = { a: S('x'), b: S('y'), r: S('x', 'y'), s: S('y') };
        // prettier-ignore
        const commands = hot('-a---b-------', values);
        // prettier-ignore
        const opened = hot('  ---------o---');
        const op = replaySubscriptions(opened);
        const result = commands.pipe(op);
        // prettier-ignore
        const lateSub = '     ---^---------';
        // prettier-ignore
        const first = '       -a---b---r---';
        // prettier-ignore
        const second = '      -----b---s---'; // joined after a: only y is active for it
        expectObservable(result).toBe(first, values);
        expectObservable(result, lateSub).toBe(second, values);
        // prettier-ignore
        expectSubscriptions(commands.subscriptions).toBe(['^------------', '---^---------']);
        // prettier-ignore
        expectSubscriptions(opened.subscriptions).toBe(['^------------', '---^---------']);
      });
    });
  });

  describe('with invalid options', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a function', () => undefined],
      ['an array', [1]],
    ])('should throw InvalidOptionError at creation time for %s as opened$', (_label, opened) => {
      expectInvalidOption(() => replaySubscriptions(opened as unknown as Observable<unknown>), { operator: 'replaySubscriptions', option: 'opened$' });
    });

    it('should say what opened$ must be', () => {
      expectInvalidOption(() => replaySubscriptions(null as unknown as Observable<unknown>), {
        operator: 'replaySubscriptions',
        option: 'opened$',
        reason: 'an Observable',
      });
    });
  });

  describe('an opened$ that errors at once', () => {
    it('should error without ever subscribing to the commands', () => {
      let subscribed = 0;
      const commands$ = new Observable<TopicCommand>(() => {
        subscribed++;
      });
      let error: unknown;
      commands$.pipe(replaySubscriptions(throwError(() => 'no socket'))).subscribe({ error: (e: unknown) => (error = e) });
      expect(error).toBe('no socket');
      expect(subscribed).toBe(0);
    });
  });
});
