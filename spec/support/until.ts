/**
 * Resolves once `predicate()` holds; rejects after `timeoutMs`, naming `what`. Polls every 5 ms.
 * For specs on real sockets, where time is the wall clock (unit specs use virtual time instead).
 */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
