// Element reads for indexes that are in range by construction (slots, layout positions). With
// `noUncheckedIndexedAccess` every `a[i]` is `T | undefined`; these say "in range" once, here,
// instead of a cast at every read. They are tiny, monomorphic functions, so V8 inlines them.

/** `a[i]` of an Int32Array, `i` in range. */
export function intAt(a: Int32Array, i: number): number {
  return a[i] as number
}

/** `a[i]` of a Uint8Array, `i` in range. */
export function byteAt(a: Uint8Array, i: number): number {
  return a[i] as number
}

/** `list[i]` of an array without holes, `i` in range. */
export function itemAt<T>(list: readonly T[], i: number): T {
  return list[i] as T
}
