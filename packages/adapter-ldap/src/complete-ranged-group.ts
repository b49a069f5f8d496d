import type { AttributeValue, DirectoryEntry } from './directory-entry.js'
import { findRange, readRangedValues, type FetchRange } from './read-ranged-values.js'
import { toLdapError } from './to-ldap-error.js'

/** A group whose `member;range=` slices were all fetched, or why they could not be. */
export type RangedGroup =
  | { readonly kind: 'complete'; readonly entry: DirectoryEntry }
  /** `entry` is the group as first read: its first slice of members still counts. */
  | { readonly kind: 'unavailable'; readonly entry: DirectoryEntry; readonly reason: string }

/**
 * Completes a group that came back with `member;range=0-1499` (AD's MaxValRange) by fetching the
 * remaining slices of each member attribute through `fetch`. A failure of this one group (a refused
 * or malformed slice) makes it unavailable; a failure of the connection itself (lost, timed out,
 * unreachable) is rethrown, so the whole read fails instead of going on without a connection.
 */
export async function completeRangedGroup(
  entry: DirectoryEntry,
  memberAttributes: readonly string[],
  fetch: FetchRange,
  url: string,
): Promise<RangedGroup> {
  const attributes = new Map<string, readonly AttributeValue[]>(entry.attributes)
  for (const m of memberAttributes.filter((a) => findRange(entry, a) !== undefined)) {
    const result = await readRangedValues(entry, m, fetch).catch((e: unknown) => {
      const mapped = toLdapError(e, 'read', url)
      if (
        mapped.kind === 'connectionLost' ||
        mapped.kind === 'timeout' ||
        mapped.kind === 'unreachable'
      )
        throw e
      return { kind: 'rangeIncomplete' as const, message: mapped.message }
    })
    if ('kind' in result) return { kind: 'unavailable', entry, reason: result.message }
    for (const key of [...attributes.keys()])
      if (key.startsWith(`${m.toLowerCase()};range=`)) attributes.delete(key)
    attributes.set(m.toLowerCase(), result.values)
  }
  return { kind: 'complete', entry: { dn: entry.dn, attributes } }
}
