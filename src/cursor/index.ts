/**
 * The resume cursor: the socket's state that outlives connections, read by the handshake and
 * marked by `resumeFrom`.
 *
 * @packageDocumentation
 */
export { createResumeCursor } from './createResumeCursor';
export { memoryCursorStorage } from './state';
export type {
  ResumeCursor,
  ResumeCursorConfig,
  ResumeCursorMode,
  ResumeCursorState,
  ResumeCursorSequenceState,
  ResumeCursorPerKeyState,
  ResumeCursorKeyState,
  ResumeCursorSkip,
  CursorStorage,
} from './types';
