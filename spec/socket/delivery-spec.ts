import { Subject } from 'rxjs';
import { dropResent } from '../../src/socket/delivery';
import { createLifecycle } from '../../src/socket/lifecycle';
import type { ManagedSocketEvent } from '../../src/socket/lifecycle';
import type { Inbound } from '../../src/socket/messages';
import { resolveOptions } from '../../src/socket/options';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';

type Msg = { readonly seq: number; readonly id: string };

const inbound = (seq: number, id: string | undefined): Inbound<Msg> => ({ message: { seq, id: id ?? '' }, seq, key: undefined, id, token: undefined });

/** The id window stage with `numbering` as the server-reset count; what it hands over and reports. */
function setup(numbering?: () => number) {
  const options = resolveOptions<Msg, unknown>({ url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor, seqOf: (m) => m.seq, dedupe: { window: 10 } });
  const lifecycle = createLifecycle(undefined);
  const repeats: ManagedSocketEvent[] = [];
  lifecycle.events$.subscribe((event) => event.type === 'duplicate' && repeats.push(event));
  const input = new Subject<Inbound<Msg>>();
  const out: Msg[] = [];
  input.pipe(dropResent(options, lifecycle, numbering)).subscribe((m) => out.push(m));
  return { input, out, repeats };
}

describe('delivery: the id window (dropResent)', () => {
  it('should hand over the messages and drop a repeated id, as a dedupe duplicate', () => {
    const { input, out, repeats } = setup();
    input.next(inbound(1, 'x'));
    input.next(inbound(2, 'y'));
    input.next(inbound(1, 'x'));
    expect(out).toEqual([
      { seq: 1, id: 'x' },
      { seq: 2, id: 'y' },
    ]);
    expect(repeats).toEqual([{ type: 'duplicate', seq: 1, key: undefined, stage: 'dedupe' }]);
  });

  it('should tell the ids of a new numbering (after a server reset) from the old ones', () => {
    let numbering = 0;
    const { input, out, repeats } = setup(() => numbering);
    input.next(inbound(1, 'x'));
    input.next(inbound(1, 'x'));
    expect(out).toHaveLength(1);
    numbering = 1; // the server restarted its numbering: its new seq 1 is a new event
    input.next(inbound(1, 'x'));
    input.next(inbound(1, 'x')); // and a repeat within the new numbering is still a repeat
    numbering = 2;
    input.next(inbound(1, 'x'));
    expect(out).toHaveLength(3);
    expect(repeats).toHaveLength(2);
  });

  it('should pass messages without an id through, before and after a reset', () => {
    let numbering = 0;
    const { input, out, repeats } = setup(() => numbering);
    input.next(inbound(1, undefined));
    input.next(inbound(1, undefined));
    numbering = 1;
    input.next(inbound(1, undefined));
    input.next(inbound(1, undefined));
    expect(out).toHaveLength(4);
    expect(repeats).toEqual([]);
  });
});
