/**
 * The last `size` distinct keys accepted, oldest forgotten first: the single-step core of
 * `dedupe`, also run by the managed socket's id window. Keys are compared with SameValueZero, as a
 * `Set` does.
 *
 * String and number keys (nearly all keys) live in an open-addressing table of its own: two typed
 * arrays hold each place's hash and ring slot, so a lookup compares hashes before it reads a key.
 * A `Set` in this role costs a delete per accepted key and a rebuild every few thousand deletes:
 * on the bench host 150-250 ns per key, against 55-65 ns for this table (docs/benchmarks.md,
 * round 6).
 *
 * A key that leaves the window is not taken out of the table: its place stays, pointing at a ring
 * slot that now holds another key, and a lookup that reaches it compares that other key and goes
 * on (a match there is a key that is in the window). Once 5/8 of the places are taken, live or
 * not, the table is filled again from the ring by the stored hashes, without hashing a key: for a
 * full window of 10,000 keys in 32,768 places, once per 10,480 new keys. That costs less per key
 * than taking each leaving key out at once (a probe and a backward shift per key: about 10 ns per
 * key more on the bench host, round 8). Other keys (objects by reference, booleans, `null`,
 * `undefined`, symbols, bigints) go in a `Set`. The table starts at 16 places and, once it has 10
 * keys, grows to what a full window needs; the ring of keys grows as keys arrive.
 *
 * The hash is FNV-1a over the key's UTF-16 code units from a random seed per window, so no set
 * of keys is prepared to collide in every process.
 *
 * @internal
 */
export class IdWindow {
  /** The accepted keys by ring slot: filled up first, then overwritten from the oldest on. */
  private keys: unknown[] = [];
  /** The hash of the string or number key in each ring slot. */
  private slotHashes = new Int32Array(MIN_PLACES);
  /** Linear probing: each place holds a ring slot + 1, or 0 when empty... */
  private places = new Int32Array(MIN_PLACES);
  /** ...and the hash of the key there. */
  private hashes = new Int32Array(MIN_PLACES);
  /** Places used in the table. */
  private used = 0;
  private oldest = 0;
  /** Keys that are neither strings nor numbers. */
  private others: Set<unknown> | null = null;

  constructor(
    private readonly size: number,
    private readonly seed: number = (Math.random() * 0x1_0000_0000) | 0,
  ) {}

  /** `true` for a key not in the window (it is added, and the oldest one leaves when full); `false` for a repeat. */
  add(key: unknown): boolean {
    let hash: number;
    if (typeof key === 'string') hash = hashText(key, this.seed);
    else if (typeof key === 'number') hash = hashOf(key, this.seed);
    else return this.addOther(key);
    const { places, hashes, keys } = this;
    const mask = places.length - 1;
    let place = hash & mask;
    for (let slot = places[place] as number; slot !== 0; slot = places[place] as number) {
      if (hashes[place] === hash && sameValueZero(keys[slot - 1], key)) return false;
      place = (place + 1) & mask;
    }
    const slot = this.takeSlot(key);
    this.slotHashes[slot] = hash;
    if (this.used < (places.length * 5) >> 3) return this.place(place, slot, hash);
    // 5/8 of the places are taken, by keys in the window and keys that left it: place the ring's
    // keys again (this one with them).
    this.rebuild();
    return true;
  }

  clear(): void {
    this.keys = [];
    this.slotHashes = new Int32Array(MIN_PLACES);
    this.places = new Int32Array(MIN_PLACES);
    this.hashes = new Int32Array(MIN_PLACES);
    this.used = 0;
    this.oldest = 0;
    this.others = null;
  }

  private addOther(key: unknown): boolean {
    this.others ??= new Set();
    // One lookup for both questions: `add` leaves the size alone when the key is already in.
    const before = this.others.size;
    if (this.others.add(key).size === before) return false;
    this.takeSlot(key);
    return true;
  }

  /** The ring slot for a new key (it is stored there): the next free one, or the oldest's. */
  private takeSlot(key: unknown): number {
    const { keys } = this;
    if (keys.length < this.size) {
      if (keys.length === this.slotHashes.length) this.slotHashes = copyInto(new Int32Array(Math.min(keys.length * 2, this.size)), this.slotHashes);
      return keys.push(key) - 1;
    }
    const slot = this.oldest;
    // A string or number key that leaves stays in the table until the next rebuild (see above).
    const leaving = keys[slot];
    if (typeof leaving !== 'string' && typeof leaving !== 'number') (this.others as Set<unknown>).delete(leaving);
    keys[slot] = key;
    if (++this.oldest === this.size) this.oldest = 0;
    return slot;
  }

  /** The first empty place on `hash`'s probe. */
  private free(hash: number): number {
    const { places } = this;
    const mask = places.length - 1;
    let place = hash & mask;
    while (places[place] !== 0) place = (place + 1) & mask;
    return place;
  }

  private place(place: number, slot: number, hash: number): true {
    this.places[place] = slot + 1;
    this.hashes[place] = hash;
    this.used++;
    return true;
  }

  /**
   * Places every string and number key of the ring again by its stored hash, in new arrays (the
   * places of keys that left are gone). The table holds its keys in under 3/8 of its places, so a
   * quarter of them at least is free for new keys before the next rebuild: at most 1.5 keys placed
   * again per new key. The first time it grows straight to what a full window needs (up to
   * {@link FIRST_GROWTH_LIMIT} places: growing in many small steps cost about 25 ns per key of the
   * first `size` keys), then as the keys need.
   */
  private rebuild(): void {
    const { keys, slotHashes } = this;
    let length = this.places.length;
    if (length === MIN_PLACES) while (this.size * 8 >= length * 3 && length < FIRST_GROWTH_LIMIT) length *= 2;
    while (keys.length * 8 >= length * 3) length *= 2;
    this.places = new Int32Array(length);
    this.hashes = new Int32Array(length);
    this.used = 0;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot];
      if (typeof key === 'string' || typeof key === 'number') this.place(this.free(slotHashes[slot] as number), slot, slotHashes[slot] as number);
    }
  }
}

/** The table's first size (a power of two; the ring's hashes start there too): an idle window holds little. */
const MIN_PLACES = 16;

/** How far the first growth may go at once: 131,072 places (1 MB of table), for windows up to 49,151 keys. */
const FIRST_GROWTH_LIMIT = 131_072;

/** FNV-1a's prime. */
const PRIME = 0x01000193;

/** FNV-1a of a string key's code units (of a number's string form, but for an int32: one step) from `seed`. @internal */
export function hashOf(key: string | number, seed: number): number {
  // An int32 (-0 included, which equals 0) in one step; other numbers by their string form.
  if (typeof key === 'number' && (key | 0) === key) return Math.imul(seed ^ key, PRIME);
  return hashText(typeof key === 'string' ? key : String(key), seed);
}

/** FNV-1a of a string's code units from `seed` (`add` calls it for a string key without `hashOf`'s number tests). */
function hashText(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), PRIME);
  return hash;
}

function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

function copyInto(target: Int32Array<ArrayBuffer>, source: Int32Array): Int32Array<ArrayBuffer> {
  target.set(source);
  return target;
}
