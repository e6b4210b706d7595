import WebSocket from 'ws';

/** How long `until` waits by default. */
export const WAIT_MS = 2_000;

/** How a test client's connection ended. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A plain `ws` client for tests of the servers in this tree. Every wait is event-driven and bounded. */
export interface TestClient {
  readonly ws: WebSocket;
  /** Every frame: JSON-parsed text, the raw string when it is not JSON, `{ binary }` for binary frames. */
  readonly frames: unknown[];
  /** Payloads of the control pongs received. */
  readonly pongs: string[];
  /** Resolves on open; rejects when the connection fails or closes first. */
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  /** Sends a string as it is, anything else as JSON. */
  send(frame: unknown): void;
  /** Resolves with the frames once `test(frames)` holds; rejects after `timeoutMs`. */
  until(test: (frames: readonly unknown[]) => boolean, timeoutMs?: number): Promise<readonly unknown[]>;
}

/** Connects a {@link TestClient}; the caller terminates it (`client.ws.terminate()`) after the test. */
export function connectTestClient(url: string, options: WebSocket.ClientOptions = {}): TestClient {
  const ws = new WebSocket(url, options);
  const frames: unknown[] = [];
  const pongs: string[] = [];
  const listeners = new Set<() => void>();
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('close', () => reject(new Error('closed before it opened')));
  });
  opened.catch(() => undefined); // some tests expect it to fail
  ws.on('error', () => undefined); // a refused or cut connection is expected
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('message', (data, isBinary) => {
    const text = String(data);
    let value: unknown = isBinary ? { binary: text } : text;
    try {
      if (!isBinary) value = JSON.parse(text);
    } catch {
      // keep the raw text
    }
    frames.push(value);
    for (const listener of [...listeners]) listener();
  });
  ws.on('pong', (data) => pongs.push(String(data)));
  return {
    ws,
    frames,
    pongs,
    opened,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    until: (test, timeoutMs = WAIT_MS) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!test(frames)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(frames);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`client.until timed out; frames: ${JSON.stringify(frames)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
