// A read-only map made of a shared flat base plus a small layer of changes: what lets a rescan
// that changed one file produce a new Tree (and new facts and path index) in microseconds instead
// of copying 100k entries. Values stay values: patching never touches the base or the map it
// came from, it makes a new layer. Layers do not stack: a patch of a layered map merges its
// changes into one layer over the same base (a copy of the layer), and once that layer grows past
// √(2 × base size) entries the result is flattened into a new plain Map, so lookups cost at most
// two hash lookups. That bound balances the two copies a stream of one-change patches pays: the
// layer on every patch (≈ L/2 on average) and the base every L patches (N/L), least at L = √(2N).
// A share of the base (N/8) made each patch copy ~6,000 layer entries at 100k items: 2 of A's 16
// CPU-s while 10k new files were uploaded, profiled.

const REMOVED: unique symbol = Symbol('removed');
type Slot<V> = V | typeof REMOVED;

/** Flatten once the layer holds more than √(2 × base size) entries, or this floor for small bases. */
const FLATTEN_FLOOR = 64;

export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  readonly #base: ReadonlyMap<K, V>;
  readonly #layer: ReadonlyMap<K, Slot<V>>;
  readonly size: number;

  private constructor(base: ReadonlyMap<K, V>, layer: ReadonlyMap<K, Slot<V>>, size: number) {
    this.#base = base;
    this.#layer = layer;
    this.size = size;
  }

  /** The flat map under the layer (shared with every map patched from it). */
  get base(): ReadonlyMap<K, V> {
    return this.#base;
  }

  /** The keys whose value differs from the base (set or removed). */
  changedKeys(): IterableIterator<K> {
    return this.#layer.keys();
  }

  get(key: K): V | undefined {
    const slot = this.#layer.get(key);
    if (slot === undefined) return this.#base.get(key);
    return slot === REMOVED ? undefined : slot;
  }

  has(key: K): boolean {
    const slot = this.#layer.get(key);
    if (slot === undefined) return this.#base.has(key);
    return slot !== REMOVED;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): MapIterator<[K, V]> {
    const layer = this.#layer;
    if (layer.size === 0) {
      yield* this.#base.entries();
      return;
    }
    for (const entry of this.#base) {
      const slot = layer.get(entry[0]);
      if (slot === undefined) yield entry;
      else if (slot !== REMOVED) yield [entry[0], slot];
    }
    for (const [key, slot] of layer) if (slot !== REMOVED && !this.#base.has(key)) yield [key, slot];
  }

  *keys(): MapIterator<K> {
    for (const entry of this.entries()) yield entry[0];
  }

  *values(): MapIterator<V> {
    const layer = this.#layer;
    if (layer.size === 0) {
      yield* this.#base.values();
      return;
    }
    for (const entry of this.entries()) yield entry[1];
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'LayeredMap';
  }

  /**
   * A map equal to `from` with `set` entries added or replaced and then `remove` keys removed.
   * `from` is not changed. Costs O(changes + earlier layer), or O(size) when it flattens (about every √(2 × size) patches).
   */
  static patch<K, V>(from: ReadonlyMap<K, V>, set: Iterable<readonly [K, V]>, remove: Iterable<K> = []): ReadonlyMap<K, V> {
    const base = from instanceof LayeredMap ? (from.#base as ReadonlyMap<K, V>) : from;
    const layer = from instanceof LayeredMap ? new Map<K, Slot<V>>(from.#layer as ReadonlyMap<K, Slot<V>>) : new Map<K, Slot<V>>();
    let size = from.size;
    const put = (key: K, slot: Slot<V>) => {
      const wasThere = layer.has(key) ? layer.get(key) !== REMOVED : base.has(key);
      const isThere = slot !== REMOVED;
      if (wasThere !== isThere) size += isThere ? 1 : -1;
      // A key set back to exactly its base value, or removed where the base has none, needs no slot.
      if ((isThere && base.get(key) === slot && base.has(key)) || (!isThere && !base.has(key))) layer.delete(key);
      else layer.set(key, slot);
    };
    for (const [key, value] of set) put(key, value);
    for (const key of remove) put(key, REMOVED);
    if (layer.size === 0) return base;
    if (layer.size > Math.max(FLATTEN_FLOOR, Math.sqrt(2 * base.size))) {
      // Copying a Map is a fast path in V8; iterating the layered view would go through generators.
      const flat = new Map(base);
      for (const [key, slot] of layer) {
        if (slot === REMOVED) flat.delete(key);
        else flat.set(key, slot);
      }
      return flat;
    }
    return new LayeredMap(base, layer, size);
  }
}
