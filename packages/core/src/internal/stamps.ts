import { intAt } from './int-at.js'

/**
 * A fact about users, per syncable ("member of", "in a linked group of", …): for each user slot,
 * the syncable slot it last held for. Marking for syncable `s` overwrites older marks, so the plan
 * loops never clear it between syncables (as long as they ask only about the current one).
 */
export class Stamps {
  readonly #slot: Int32Array

  constructor(users: number) {
    this.#slot = new Int32Array(users).fill(-1)
  }

  has(u: number, s: number): boolean {
    return this.#slot[u] === s
  }

  mark(u: number, s: number): void {
    this.#slot[u] = s
  }
}

/** `Stamps` with a number per mark: e.g. where in the row layout a member's row of `s` is. */
export class StampedValues {
  readonly #slot: Int32Array
  readonly #value: Int32Array

  constructor(users: number) {
    this.#slot = new Int32Array(users).fill(-1)
    this.#value = new Int32Array(users)
  }

  has(u: number, s: number): boolean {
    return this.#slot[u] === s
  }

  set(u: number, s: number, value: number): void {
    this.#slot[u] = s
    this.#value[u] = value
  }

  /** The value marked for `u`; meaningful only where `has(u, s)` for the syncable asked about. */
  get(u: number): number {
    return intAt(this.#value, u)
  }
}
