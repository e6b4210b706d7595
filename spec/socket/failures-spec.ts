import { UpgradeRefusedError } from '../../src/errors';
import { createFailurePolicy } from '../../src/socket/failures';
import { resolveOptions } from '../../src/socket/options';
import { createFakeWebSockets } from '../../src/testing/fakeWebSocket';

describe('createFailurePolicy', () => {
  const options = resolveOptions({ url: 'ws://test', WebSocketCtor: createFakeWebSockets().WebSocketCtor });
  const refused = () => new UpgradeRefusedError({ status: 401 });

  it('should reauth an unauthorised upgrade once, and give up when it comes again right after', () => {
    const policy = createFailurePolicy(options, true);
    expect(policy.verdictOf(refused()).kind).toBe('reauth');
    expect(policy.verdictOf(refused()).kind).toBe('permanent');
  });

  it('should start again from zero once a connection was ready (a refusal after a clean reconnect is a first one)', () => {
    const policy = createFailurePolicy(options, true);
    policy.connected();
    expect(policy.verdictOf(refused()).kind).toBe('reauth');
    policy.connected();
    // e.g. a token refresh replaced the connection cleanly, with no failure in between
    expect(policy.verdictOf(refused()).kind).toBe('reauth');
  });
});
