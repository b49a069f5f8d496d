import { hashInto } from './multiset-hash.js'

/**
 * Id text → slot (0, 1, 2, … in insertion order), keeping each id's two lane hashes (the ones
 * the fingerprints mix). Open addressing on one Int32Array of slot + 1: a probe checks the slot's
 * lane A and lane B (small typed arrays) before it reads an id string, so a look-up reads one
 * string (the match) where a `Map` reads one per entry of its bucket chain, each a cache miss in
 * a large state.
 */
export class IdTable {
  readonly #ids: string[] = []
  /** Lane hashes of each slot's id. */
  readonly laneA: Int32Array
  readonly laneB: Int32Array
  readonly #table: Int32Array
  readonly #mask: number
  // Lanes of the id last passed to `get`, so `insert` does not hash it again.
  readonly #lastA = new Int32Array(1)
  readonly #lastB = new Int32Array(1)

  /** A table for up to `capacity` ids. */
  constructor(capacity: number) {
    this.laneA = new Int32Array(capacity)
    this.laneB = new Int32Array(capacity)
    let buckets = 16
    while (buckets < capacity * 2) buckets *= 2
    this.#mask = buckets - 1
    this.#table = new Int32Array(buckets)
  }

  get size(): number {
    return this.#ids.length
  }

  /** The slot of `id`, or -1. */
  get(id: string): number {
    hashInto(id, this.#lastA, this.#lastB, 0)
    // Direct reads with a guard, not a shared helper: the hottest loop of the index keeps its
    // own type feedback (through a helper used everywhere it ran 2.4 times slower, measured).
    const a = this.#lastA[0] ?? 0
    const b = this.#lastB[0] ?? 0
    const table = this.#table
    for (let k = a & this.#mask; ; k = (k + 1) & this.#mask) {
      const entry = table[k]
      if (entry === undefined || entry === 0) return -1
      const s = entry - 1
      if (this.laneA[s] === a && this.laneB[s] === b && this.#ids[s] === id) return s
    }
  }

  /** Adds `id`, which the last `get` was called with and did not find; returns its slot. */
  insert(id: string): number {
    const s = this.#ids.length
    if (s >= this.laneA.length) throw new Error(`IdTable is full at ${s} ids`)
    const a = this.#lastA[0] ?? 0
    this.#ids.push(id)
    this.laneA[s] = a
    this.laneB[s] = this.#lastB[0] ?? 0
    const table = this.#table
    let k = a & this.#mask
    while (table[k] !== 0) k = (k + 1) & this.#mask
    table[k] = s + 1
    return s
  }
}
