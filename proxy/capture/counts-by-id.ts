// A count per row id, for ids that SQLite hands out densely from 1 (connections): one 4-byte slot per
// id in a typed array that doubles as needed. A Map entry per connection cost the inspector ~37 bytes of
// V8 heap each (3.7 MiB per 100,000 connections, which a 10-minute load test makes). Ids past
// DENSE_LIMIT (a capture file edited by hand, say) go to a Map, so one odd id cannot claim gigabytes.
const DENSE_LIMIT = 1 << 24;

export class CountsById {
  #slots = new Uint32Array(1024);
  readonly #sparse = new Map<number, number>();

  get(id: number): number {
    if (id >= 0 && id < this.#slots.length) return this.#slots[id] as number;
    return this.#sparse.get(id) ?? 0;
  }

  add(id: number, n: number): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not a row id: ${id}`);
    if (id >= DENSE_LIMIT) {
      this.#sparse.set(id, (this.#sparse.get(id) ?? 0) + n);
      return;
    }
    if (id >= this.#slots.length) {
      let size = this.#slots.length;
      while (size <= id) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.#slots);
      this.#slots = grown;
    }
    this.#slots[id] = (this.#slots[id] as number) + n;
  }
}
