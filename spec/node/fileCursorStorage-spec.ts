import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCursorStorage } from '../../src/node/fileCursorStorage';
import { createResumeCursor } from '../../src/cursor';
import type { ResumeCursorState } from '../../src/cursor';
import { expectInvalidOption } from '../support/invalidOption';

describe('fileCursorStorage', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'cursor-spec-'));
    file = join(dir, 'cursor.json');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const state = (cursor: number): ResumeCursorState => ({ version: 1, mode: 'contiguous', cursor, ahead: [] });

  it('should throw InvalidOptionError for a path that is not a non-empty string', () => {
    for (const bad of ['', undefined, 42, null]) {
      expectInvalidOption(() => fileCursorStorage(bad as string), { operator: 'fileCursorStorage', option: 'path', value: bad });
    }
  });

  it('should load null when the file does not exist, so the cursor starts at `start`', () => {
    const storage = fileCursorStorage(file);
    expect(storage.load()).toBeNull();
    expect(createResumeCursor({ start: 0, storage }).value).toBe(0);
    expect(fs.existsSync(file)).toBe(false); // loading writes nothing
  });

  it('should load what it saved, as JSON in the file', () => {
    const storage = fileCursorStorage(file);
    storage.save(state(7));
    expect(storage.load()).toEqual(state(7));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(state(7));
    storage.save(state(8));
    expect(storage.load()).toEqual(state(8));
  });

  it('should let a second cursor on the same file resume where the first one stopped (a restart)', () => {
    const first = createResumeCursor({ mode: 'perKey', start: 0, storage: fileCursorStorage(file) });
    for (const seq of [1, 2, 3]) first.markDelivered(seq, 'orders');
    for (const seq of [1, 2, 4]) first.markDelivered(seq, 'news'); // 3 missing: 4 is remembered above the hole

    const second = createResumeCursor({ mode: 'perKey', start: 0, storage: fileCursorStorage(file) });
    expect(second.get('orders')).toBe(3);
    expect(second.get('news')).toBe(2);
    expect(second.isDelivered(4, 'news')).toBe(true);
    expect(second.isDelivered(3, 'news')).toBe(false);
    expect(second.value).toBe(2);
    expect(second.snapshot()).toEqual(first.snapshot());
  });

  it('should create the missing directories on the first save', () => {
    const nested = join(dir, 'state', 'jobs', 'cursor.json');
    const cursor = createResumeCursor({ start: 0, storage: fileCursorStorage(nested) });
    cursor.markDelivered(1);
    expect(fileCursorStorage(nested).load()).toEqual(state(1));
  });

  describe('atomic writes', () => {
    it('should write to a temp file in the same directory and rename it: the file is never partly written', () => {
      const storage = fileCursorStorage(file);
      storage.save(state(1));
      const writeFileSync = fs.writeFileSync;
      const seen: Array<{ target: string; current: unknown }> = [];
      const spy = jest.spyOn(fs, 'writeFileSync').mockImplementation((target, data, options) => {
        writeFileSync(target, data, options);
        // Mid-save: the real file still holds the previous, complete state.
        seen.push({ target: String(target), current: JSON.parse(fs.readFileSync(file, 'utf8')) });
      });
      storage.save(state(2));
      spy.mockRestore();
      expect(seen).toHaveLength(1);
      expect(seen[0]?.target).not.toBe(file);
      expect(seen[0]?.target.startsWith(dir)).toBe(true);
      expect(seen[0]?.current).toEqual(state(1));
      expect(storage.load()).toEqual(state(2));
      expect(fs.readdirSync(dir)).toEqual(['cursor.json']); // no temp file left
    });

    it('should keep the previous state and leave no temp file when the save fails', () => {
      const storage = fileCursorStorage(file);
      const cursor = createResumeCursor({ start: 0, storage });
      cursor.markDelivered(1);
      const failure = Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      const spy = jest.spyOn(fs, 'renameSync').mockImplementation(() => {
        throw failure;
      });
      expect(() => cursor.markDelivered(2)).toThrow(failure);
      spy.mockRestore();
      expect(cursor.value).toBe(1); // the cursor undid the change it could not save
      expect(storage.load()).toEqual(state(1));
      expect(fs.readdirSync(dir)).toEqual(['cursor.json']);
    });
  });

  describe('a malformed file', () => {
    it('should throw InvalidOptionError naming the file when it is not JSON', () => {
      fs.writeFileSync(file, '{"version":1,"mode":"contig');
      const storage = fileCursorStorage(file);
      expectInvalidOption(() => storage.load(), { operator: 'fileCursorStorage', option: 'path', value: file });
      expect(() => createResumeCursor({ storage })).toThrow(/not JSON/);
    });

    it('should let createResumeCursor reject JSON that is not a cursor state', () => {
      fs.writeFileSync(file, JSON.stringify({ version: 2, cursor: 'x' }));
      expectInvalidOption(() => createResumeCursor({ storage: fileCursorStorage(file) }), { operator: 'createResumeCursor', option: 'storage' });
    });

    it('should pass other read errors on (a directory where the file should be)', () => {
      fs.mkdirSync(file);
      expect(() => fileCursorStorage(file).load()).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    });
  });
});
