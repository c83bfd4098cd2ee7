/**
 * A set of objects kept in a plain array, each object holding its own index
 * in a field named for this roster (`-1` while in none). Adding and removing
 * are O(1) without a hash entry: on JavaScriptCore a `Set` entry costs about
 * 130 bytes and a `Map` entry about 170, an array slot 8, and every idle
 * viewer sits in such sets. Order is not kept (removing moves the last item into the
 * gap), and an object can be in one roster per field. A pass runs from the
 * last item to the first, so removing the item being visited, or one already
 * visited, during a pass skips nobody.
 */
export class Roster<K extends string, T extends Record<K, number>> {
  readonly #key: K;
  #items: T[] = [];

  constructor(key: K) {
    this.#key = key;
  }

  get size(): number {
    return this.#items.length;
  }

  has(item: T): boolean {
    const i = item[this.#key];
    return i >= 0 && this.#items[i] === item;
  }

  add(item: T): void {
    if (this.has(item)) return;
    (item as Record<K, number>)[this.#key] = this.#items.length;
    this.#items.push(item);
  }

  /** Removes `item`; false when it was not in. */
  delete(item: T): boolean {
    if (!this.has(item)) return false;
    const i = item[this.#key];
    const last = this.#items.pop()!;
    if (last !== item) {
      this.#items[i] = last;
      (last as Record<K, number>)[this.#key] = i;
    }
    (item as Record<K, number>)[this.#key] = -1;
    return true;
  }

  clear(): void {
    for (const item of this.#items) (item as Record<K, number>)[this.#key] = -1;
    this.#items = [];
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.#items.length - 1; i >= 0; i--) {
      // Shorter when more than the visited item was removed meanwhile.
      const item = this.#items[i];
      if (item) yield item;
    }
  }
}
