/**
 * A TypeDoc plugin: resolves `{@link name}` to rxjs.dev when `name` is an rxjs export and nothing
 * in these docs has that name. rxjs's own comments need it: `ManagedSocket` inherits `forEach` and
 * `toPromise` from `Observable`, whose comments link `take`, `firstValueFrom` and others.
 * Types named in signatures (`Observable`) are left alone. Loaded by typedoc.json (`plugin`).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const operators = new Set(Object.keys(require('rxjs/operators')));
const index = new Set(Object.keys(require('rxjs')));

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.addUnknownSymbolResolver((ref, _reflection, part) => {
    // Only `{@link}` tags in comments (they come with their comment part); types stay as they are.
    if (part === undefined) return undefined;
    if (ref.moduleSource !== undefined && ref.moduleSource !== 'rxjs') return undefined;
    const path = ref.symbolReference?.path;
    if (path?.length !== 1) return undefined;
    const name = path[0].path;
    if (operators.has(name)) return `https://rxjs.dev/api/operators/${name}`;
    if (index.has(name)) return `https://rxjs.dev/api/index/function/${name}`;
    return undefined;
  });
}
