/** What is wrong with an event's seq, key, id or resume token: the frame is refused (the stream goes on). @internal */
export interface SequenceProblem {
  readonly kind: 'seq' | 'key' | 'id';
  readonly reason: string;
}

/** The callback the receive path was running when reading an event. @internal */
export type ReadStep = 'seqOf' | 'keyOf' | 'idOf' | 'resumeTokenOf';

const STEP_KIND: Readonly<Record<ReadStep, SequenceProblem['kind']>> = { seqOf: 'seq', keyOf: 'key', idOf: 'id', resumeTokenOf: 'seq' };

/** A key of a keyed sequence: a string or a finite number. @internal */
export function isKey(key: unknown): key is string | number {
  return typeof key === 'string' || Number.isFinite(key);
}

/** A resume token: a finite number. @internal */
export function isToken(token: unknown): token is number {
  return Number.isFinite(token);
}

/** A seq that is not a safe integer >= 0. @internal */
export function badSeq(seq: unknown): SequenceProblem {
  return { kind: 'seq', reason: `seq ${String(seq)} is not a safe integer >= 0` };
}

/** A key that is not a string or a finite number. @internal */
export function badKey(key: unknown): SequenceProblem {
  const shown = key === null ? 'null' : typeof key === 'object' ? 'an object' : typeof key === 'function' ? 'a function' : String(key);
  return { kind: 'key', reason: `key ${shown} is not a string or a finite number` };
}

/** A resume token that is not a finite number. @internal */
export function badToken(token: unknown): SequenceProblem {
  return { kind: 'seq', reason: `resume token ${String(token)} is not a finite number` };
}

/** A callback that threw while its event was read. @internal */
export function threw(step: ReadStep, err: unknown): SequenceProblem {
  return { kind: STEP_KIND[step], reason: `${step} threw: ${err instanceof Error ? err.message : String(err)}` };
}
