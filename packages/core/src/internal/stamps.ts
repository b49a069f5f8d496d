/**
 * A stamp array: per user slot, the syncable slot for which a fact last held ("member of", "in a
 * linked group of", …), -1 for none. Marking for syncable `s` overwrites older marks, so the plan
 * loops never clear it between syncables (as long as they ask only about the current one). The
 * loops read and write it directly: `stamp[u] === s`, `stamp[u] = s`.
 */
export function stampArray(users: number): Int32Array {
  return new Int32Array(users).fill(-1)
}
