/**
 * Jest equality for this library's errors. Jest's own `toEqual` compares two `Error`s by `message`
 * alone, so a `SequenceGapError` with `reason: 'timeout'` equals one with `reason: 'complete'` (the
 * message does not mention the reason). {@link libraryErrorEquality} compares them by `name`,
 * `message` and a deep `info` instead. Installed for every spec by `spec/support/jestSetup.ts`.
 */

/** The `equals` Jest hands to a tester (`this.equals`). */
type Equals = (a: unknown, b: unknown, customTesters?: Tester[], strictCheck?: boolean) => boolean;

/** A Jest custom equality tester: `true` or `false` decides, `undefined` leaves it to Jest. */
export type Tester = (this: { readonly equals: Equals }, a: unknown, b: unknown, customTesters: Tester[]) => boolean | undefined;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Expect {
      /** Jest 30: adds testers used by `toEqual`, `toStrictEqual`, `toMatchObject`, `toHaveBeenCalledWith`, ... */
      addEqualityTesters(testers: Tester[]): void;
    }
  }
}

/** An error of this library: an `Error` with its own `info` (see src/errors.ts). */
export function isLibraryError(value: unknown): value is Error & { readonly info: unknown } {
  return value instanceof Error && Object.prototype.hasOwnProperty.call(value, 'info');
}

/**
 * Two errors of which at least one is a library error: equal only when both are, with the same
 * `name`, the same `message` and deeply equal `info` (compared with the same testers, so nested
 * errors and asymmetric matchers inside `info` work). Anything else (an error against a plain
 * object, as `toMatchObject({ name, info })` does) is left to Jest: `undefined`.
 */
export const libraryErrorEquality: Tester = function (a, b, customTesters) {
  if (!(a instanceof Error && b instanceof Error) || (!isLibraryError(a) && !isLibraryError(b))) return undefined;
  if (!isLibraryError(a) || !isLibraryError(b)) return false;
  if (a === b) return true;
  return a.name === b.name && a.message === b.message && this.equals(a.info, b.info, customTesters);
};
