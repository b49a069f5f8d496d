/**
 * A 64-bit multiset hash: each record gets its own hash (two independent 32-bit lanes) and the
 * record hashes are added up. Addition commutes, so any order of the input arrays gives the same
 * result without sorting millions of rows; duplicates still count (callers de-duplicate sets).
 * It detects change (a stale plan); it is not meant to resist someone forging a collision.
 *
 * Every intermediate value is kept in signed 32-bit range (`| 0`): V8 then keeps them as small
 * integers, where values above 2^31 would be boxed as heap numbers on every call that is not
 * inlined, turning millions of records into garbage. The bits, and so the digests, are the same.
 */
export class MultisetHash {
  sumA = 0
  sumB = 0
  count = 0
  a = 0
  b = 0

  begin(tag: number): this {
    this.a = Math.imul(0x811c9dc5 ^ tag, 0x01000193)
    this.b = Math.imul(0x9e3779b1 ^ tag, 0x5bd1e995)
    return this
  }

  /** Folds in a field given by its two lane hashes (see `hashInto`). */
  mix(x: number, y: number): this {
    this.a = (Math.imul(this.a ^ x, 0x01000193) + 0x7f4a7c15) | 0
    this.b = (Math.imul(this.b ^ y, 0x5bd1e995) + 0x3c6ef372) | 0
    return this
  }

  str(value: string | undefined): this {
    return value === undefined
      ? this.mix(0x7fffffff, 0x7ffffffe)
      : this.mix(hashLanes(value), laneB)
  }

  flags(a?: boolean, b?: boolean, c?: boolean): this {
    const bits = 8 | (a === true ? 4 : 0) | (b === true ? 2 : 0) | (c === true ? 1 : 0)
    return this.mix(bits, bits ^ 0x55555555)
  }

  end(): void {
    this.sumA = (this.sumA + fmix(this.a)) | 0
    this.sumB = (this.sumB + fmix(this.b ^ 0x165667b1)) | 0
    this.count++
  }

  /** Adds another accumulator's records (a multiset union). */
  add(other: MultisetHash): void {
    this.sumA = (this.sumA + other.sumA) | 0
    this.sumB = (this.sumB + other.sumB) | 0
    this.count += other.count
  }

  digest(): string {
    const x = fmix(this.sumA ^ this.count)
    const y = fmix(this.sumB ^ Math.imul(this.count, 0x85ebca6b))
    return hex(x) + hex(y)
  }
}

/** Lane B of the last `hashLanes`: two numbers out of one call without allocating a pair. */
let laneB = 0

/**
 * A string's two lane hashes in one pass over its characters: lane A (FNV-1a, finalised) is
 * returned, lane B (another multiplier and basis, independent of A) left in `laneB`.
 */
function hashLanes(value: string): number {
  let x = 0x811c9dc5
  let y = 0x27d4eb2f
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    x = Math.imul(x ^ c, 0x01000193)
    y = Math.imul(y ^ c, 0x5bd1e995)
  }
  laneB = fmix(y ^ Math.imul(value.length, 0x85ebca6b))
  return fmix(x ^ value.length)
}

/** Stores both lane hashes of `value` at `a[i]` and `b[i]`. */
export function hashInto(value: string, a: Int32Array, b: Int32Array, i: number): void {
  a[i] = hashLanes(value)
  b[i] = laneB
}

// murmur3's finaliser: spreads every input bit over the output before the sums mix records.
function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

function hex(h: number): string {
  return (h >>> 0).toString(16).padStart(8, '0')
}

/** Record tags: the same fields under two tags never hash alike. */
export const HashTag = {
  User: 1,
  Group: 2,
  GroupMember: 3,
  Team: 4,
  Channel: 5,
  Link: 6,
  TeamMember: 7,
  ChannelMember: 8,
  History: 9,
  Policy: 10,
  /** A team's `managed` / `managedBy`, only when set. */
  TeamConfig: 11,
  /** A channel's `managed` / `managedBy` / `defaultChannel`, only when set. */
  ChannelConfig: 12,
} as const
