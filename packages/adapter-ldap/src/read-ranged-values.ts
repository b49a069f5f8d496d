import { textValues, type DirectoryEntry } from './directory-entry.js'

/** Why a ranged attribute could not be read to its end. */
export interface RangeError {
  readonly kind: 'rangeIncomplete'
  readonly message: string
}

/** Reads the entry again asking for one attribute spec, e.g. `member;range=1500-*`. */
export type FetchRange = (attributeSpec: string) => Promise<DirectoryEntry>

const rangeKey = /;range=(\d+)-(\d+|\*)$/

/** The `attr;range=a-b` key of an entry and its bounds, if the server sent a slice. */
export function findRange(
  entry: DirectoryEntry,
  attribute: string,
): { key: string; start: number; end: number | '*' } | undefined {
  const prefix = `${attribute.toLowerCase()};range=`
  for (const key of entry.attributes.keys()) {
    if (!key.startsWith(prefix)) continue
    const m = rangeKey.exec(key)
    if (m === null) continue
    return { key, start: Number(m[1]), end: m[2] === '*' ? '*' : Number(m[2]) }
  }
  return undefined
}

/**
 * AD range retrieval (ldapts does not do it): when a group came back with `member;range=0-1499`,
 * asks for `member;range=1500-*` and so on until a slice ends in `*`. Returns every value, or an
 * error when a slice is missing or does not advance (the caller marks the group unavailable).
 * Errors thrown by `fetch` propagate.
 */
export async function readRangedValues(
  entry: DirectoryEntry,
  attribute: string,
  fetch: FetchRange,
  maxRounds = 10_000,
): Promise<{ values: string[] } | RangeError> {
  const values = [...textValues(entry, attribute)]
  let range = findRange(entry, attribute)
  if (range === undefined) return { values }
  values.push(...textValues(entry, range.key))
  for (let round = 0; range.end !== '*'; round++) {
    if (round >= maxRounds)
      return {
        kind: 'rangeIncomplete',
        message: `gave up after ${maxRounds} slices of ${attribute}`,
      }
    const start: number = range.end + 1
    const next = await fetch(`${attribute};range=${start}-*`)
    const found = findRange(next, attribute)
    if (found === undefined)
      return {
        kind: 'rangeIncomplete',
        message: `the server sent no ${attribute};range slice from ${start}`,
      }
    if (found.start !== start || (found.end !== '*' && found.end < start))
      return {
        kind: 'rangeIncomplete',
        message: `the server sent ${found.key} when asked for ${attribute};range=${start}-*`,
      }
    values.push(...textValues(next, found.key))
    range = found
  }
  return { values }
}
