import type { ChannelHistory } from '../model.js'

/**
 * The history rows of one channel at a time, found by user id without the state's user map:
 * open addressing on each row's lane-A id hash, confirmed by lane B and then by the id text, so a
 * look-up is exact. History is the largest row set and is only asked "was this user ever here?"
 * for users about to be added, so hashing its ids (CPU work) beats resolving every row through
 * the user map (a cache miss or two per row at scale).
 */
export class HistoryTable {
  readonly #rows: readonly ChannelHistory[]
  readonly #laneA: Int32Array
  readonly #laneB: Int32Array
  /** Row index + 1 per bucket; valid only where `#stamp` equals `#generation`. */
  #bucket = new Int32Array(16)
  #stamp = new Int32Array(16)
  #generation = 0
  #mask = 15

  /** `laneA[i]`/`laneB[i]` are the id hashes of `rows[i].userId`. */
  constructor(rows: readonly ChannelHistory[], laneA: Int32Array, laneB: Int32Array) {
    this.#rows = rows
    this.#laneA = laneA
    this.#laneB = laneB
  }

  /** Empties the table for up to `rows` rows (O(1) unless it has to grow). */
  reset(rows: number): void {
    if (rows * 2 > this.#mask + 1) {
      let capacity = this.#mask + 1
      while (capacity < rows * 2) capacity *= 2
      this.#bucket = new Int32Array(capacity)
      this.#stamp = new Int32Array(capacity)
      this.#mask = capacity - 1
      this.#generation = 0
    }
    this.#generation++
  }

  /** Row `i`, unless the table already has a row for the same user id: then `false`. */
  add(i: number): boolean {
    const row = this.#rows[i]
    if (row === undefined) return false
    const a = this.#laneA[i] ?? 0
    const b = this.#laneB[i] ?? 0
    let k = a & this.#mask
    for (; this.#stamp[k] === this.#generation; k = (k + 1) & this.#mask)
      if (this.#same(this.#bucket[k] ?? 0, a, b, row.userId)) return false
    this.#stamp[k] = this.#generation
    this.#bucket[k] = i + 1
    return true
  }

  /** Whether a row names `userId`, whose lane hashes are `a` and `b`. */
  has(a: number, b: number, userId: string): boolean {
    for (let k = a & this.#mask; this.#stamp[k] === this.#generation; k = (k + 1) & this.#mask)
      if (this.#same(this.#bucket[k] ?? 0, a, b, userId)) return true
    return false
  }

  #same(entry: number, a: number, b: number, userId: string): boolean {
    const j = entry - 1
    return this.#laneA[j] === a && this.#laneB[j] === b && this.#rows[j]?.userId === userId
  }
}
