import { intAt } from './int-at.js'

/** Where a layout put each slot's rows: positions `start[s]..end[s]-1` of `input` (and `user`). */
export interface LaidOut {
  /** Each row's index in its own input array. */
  readonly input: Int32Array
  /** User slot of each row (empty for a layout without users). */
  readonly user: Int32Array
  readonly start: Int32Array
  readonly end: Int32Array
}

/**
 * Lays rows out by syncable slot: `note` each input row with its slot (-1: unknown syncable,
 * dropped) and user slot, then `finish` gives each slot a range of positions. Rows that already
 * come grouped by syncable (adapters read them so) keep their input positions; otherwise a
 * counting sort moves them. Typed arrays only, and as few as possible: their memory counts as
 * external to V8, and tens of MB more of it start a full collection of the whole heap.
 */
export class RowLayout {
  /** User slot per input row while noting (empty when the layout has no users). */
  readonly #user: Int32Array
  readonly #rows: number
  readonly #count: Int32Array
  /** Input position of each slot's first row, or -1. */
  readonly #first: Int32Array
  #last = -2
  #grouped = true

  constructor(rows: number, syncables: number, withUsers = true) {
    this.#rows = rows
    this.#user = new Int32Array(withUsers ? rows : 0)
    this.#count = new Int32Array(syncables)
    this.#first = new Int32Array(syncables).fill(-1)
  }

  note(n: number, s: number, u: number): void {
    if (n < this.#user.length) this.#user[n] = u
    if (s !== this.#last) {
      this.#last = s
      // A slot seen again after another one: its rows are not one run.
      if (s >= 0) {
        if ((this.#first[s] ?? -1) >= 0) this.#grouped = false
        else this.#first[s] = n
      }
    }
    if (s >= 0) this.#count[s] = (this.#count[s] ?? 0) + 1
  }

  /**
   * Input positions below `split` are rows of the first array, the rest of the second: `input`
   * holds each row's index in its own array. `slotOf` gives a row's slot again, needed only when
   * the rows were not grouped.
   */
  finish(split: number, slotOf: (n: number) => number): LaidOut {
    const count = this.#count
    const start = new Int32Array(count.length)
    const end = new Int32Array(count.length)
    const rows = this.#rows
    if (this.#grouped) {
      for (let s = 0; s < count.length; s++) {
        const first = intAt(this.#first, s)
        const from = first < 0 ? 0 : first
        start[s] = from
        end[s] = from + intAt(count, s)
      }
      const input = new Int32Array(rows)
      for (let n = 0; n < rows; n++) input[n] = n < split ? n : n - split
      return { input, user: this.#user, start, end }
    }
    let total = 0
    for (let s = 0; s < count.length; s++) {
      start[s] = total
      end[s] = total
      total += intAt(count, s)
    }
    const input = new Int32Array(total)
    const user = new Int32Array(this.#user.length === 0 ? 0 : total)
    for (let n = 0; n < rows; n++) {
      const s = slotOf(n)
      if (s < 0) continue
      const p = intAt(end, s)
      end[s] = p + 1
      input[p] = n < split ? n : n - split
      if (user.length > 0) user[p] = intAt(this.#user, n)
    }
    return { input, user, start, end }
  }
}

/** A syncable-id look-up that remembers the last id: rows mostly come grouped by syncable. */
export function lastIdLookup(slots: ReadonlyMap<string, number>): (id: string) => number {
  let lastId: string | undefined
  let last = -1
  return (id) => {
    if (id !== lastId) {
      lastId = id
      last = slots.get(id) ?? -1
    }
    return last
  }
}
