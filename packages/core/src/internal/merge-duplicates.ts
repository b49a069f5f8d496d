import type { ChannelMember, TeamMember, User } from '../model.js'
import { IdTable } from './id-table.js'
import { intAt, itemAt } from './int-at.js'

// Real exports have repeats: two rows for one key (copies, or the same key with other flags). The
// state index keeps one per key, chosen by `pick` so that the choice, and so the plan, does not
// depend on the order of the input arrays.

/** Users by slot, without repeats (two rows for one id are merged by `pick`). */
export function uniqueUsers(input: readonly User[]): {
  users: User[]
  userSlot: IdTable
  /** The slot of each input row. */
  slotOfInput: Int32Array
} {
  const userSlot = new IdTable(input.length)
  const slotOfInput = new Int32Array(input.length)
  const users: User[] = []
  input.forEach((u, n) => {
    const known = userSlot.get(u.id)
    if (known < 0) {
      slotOfInput[n] = userSlot.insert(u.id)
      users.push(u)
    } else {
      slotOfInput[n] = known
      users[known] = pick(itemAt(users, known), u)
    }
  })
  return { users, userSlot, slotOfInput }
}

/** One record per key, the `pick` of its rows. */
export function byKey<T extends object>(
  items: readonly T[],
  key: (item: T) => string,
): Map<string, T> {
  const map = new Map<string, T>()
  for (const item of items) {
    const k = key(item)
    const previous = map.get(k)
    map.set(k, previous === undefined ? item : pick(previous, item))
  }
  return map
}

/** A syncable's range of laid-out membership rows (see `RowLayout`). */
export interface RowRange {
  readonly rowStart: number
  rowEnd: number
}

/**
 * Two rows for one (syncable, user) are rare: found with one stamp array, merged by `pick` (which
 * returns one of the two rows, so a merged row is still an input row), and each range compacted
 * in place (`rowEnd` moves down).
 */
export function mergeDuplicateRows(
  ranges: readonly RowRange[],
  userCount: number,
  rowInput: Int32Array,
  rowUser: Int32Array,
  rowOf: (s: number, p: number) => TeamMember | ChannelMember,
): void {
  const at = new Int32Array(userCount).fill(-1)
  const owner = new Int32Array(userCount).fill(-1)
  ranges.forEach((range, n) => {
    let unknownIds: Map<string, number> | undefined
    let w = range.rowStart
    for (let p = range.rowStart; p < range.rowEnd; p++) {
      const u = rowUser[p] ?? -1
      let first: number | undefined
      if (u >= 0) {
        if (owner[u] === n) first = at[u]
        else {
          owner[u] = n
          at[u] = w
        }
      } else {
        const id = rowOf(n, p).userId
        unknownIds ??= new Map()
        first = unknownIds.get(id)
        if (first === undefined) unknownIds.set(id, w)
      }
      if (first === undefined) {
        rowInput[w] = rowInput[p] ?? -1
        rowUser[w] = u
        w++
        continue
      }
      const kept = pick(rowOf(n, first), rowOf(n, p))
      if (kept !== rowOf(n, first)) rowInput[first] = intAt(rowInput, p)
    }
    range.rowEnd = w
  })
}

/**
 * Chooses between two records with the same key by their canonical text, so the choice does not
 * depend on input order (planSync must be deterministic under permutation). Only runs on collisions.
 */
export function pick<T extends object>(a: T, b: T): T {
  return canonical(a) >= canonical(b) ? a : b
}

/**
 * JSON with sorted keys: equal for equal records whatever their key order. A group's `memberIds`
 * is a set (its order and repeats mean nothing, and shuffling it must not change which of two
 * rows for one group wins), so it is written sorted and de-duplicated.
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object')
    return value === undefined ? 'undefined' : JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
  const text = (k: string): string => {
    const v = record[k]
    return k === 'memberIds' && Array.isArray(v) ? canonical([...new Set(v)].sort()) : canonical(v)
  }
  return `{${keys.map((k) => `${JSON.stringify(k)}:${text(k)}`).join(',')}}`
}
