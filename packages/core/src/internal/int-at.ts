// Element reads for indexes that are in range by construction (slots, layout positions). With
// `noUncheckedIndexedAccess` every `a[i]` is `T | undefined`; these say "in range" once, here,
// instead of a cast at every read. For reads outside the per-row loops: a helper used from many
// sites shares one type feedback, and in the hottest loops that cost a lot (IdTable.get ran 2.4
// times slower through `intAt`, measured). Per-row loops read directly with a guard instead
// (`a[i] ?? -1`, `if (row === undefined) continue`): no cast, and the guard folds away.

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
