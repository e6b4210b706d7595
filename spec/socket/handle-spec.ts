import { managedSocket$ } from '../../src/socket/managedSocket';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';
import { expectInvalidOption } from '../support/invalidOption';

const CONTROLS = ['metrics', 'send', 'request', 'sendAcked', 'subscribeTopics', 'unsubscribeTopics', 'topics', 'reconnect', 'pause', 'resume', 'close'] as const;

describe('managedSocket$ handle', () => {
  const base = { url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor };

  it.each(CONTROLS)('should make %s the first time it is read, even first of all, and give the same function after', (name) => {
    const socket = managedSocket$(base);
    const control = socket[name];
    expect(typeof control).toBe('function');
    expect(socket[name]).toBe(control);
    for (const other of CONTROLS) void socket[other];
    expect(socket[name]).toBe(control);
  });

  it('should have no cursor without seqOf, and one with it', () => {
    expect(managedSocket$(base).cursor).toBeUndefined();
    expect(managedSocket$({ ...base, seqOf: () => undefined }).cursor).toBeDefined();
    expect(managedSocket$({ ...base, seqOf: () => undefined, resume: false }).cursor).toBeUndefined();
  });

  it('should refuse request() without a requests config and sendAcked() without an acks config, also beside the other one', () => {
    const idOf = () => 1;
    const withAcks = managedSocket$({ ...base, acks: { idOf, ackIdOf: idOf } });
    const withRequests = managedSocket$({ ...base, requests: { idOf, replyIdOf: idOf } });
    expectInvalidOption(() => withAcks.request('m'), { operator: 'managedSocket$', option: 'requests', reason: 'a requests config, for request()' });
    expectInvalidOption(() => withRequests.sendAcked('m'), { operator: 'managedSocket$', option: 'acks', reason: 'an acks config, for sendAcked()' });
    expectInvalidOption(() => managedSocket$(base).request('m'), { operator: 'managedSocket$', option: 'requests' });
  });
});
