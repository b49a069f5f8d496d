import type { FreshnessMarker } from '@grouproles/core'
import type { Client } from 'ldapts'
import { dnKey, isDnKeyWithin } from './normalize-dn.js'

/** The attributes of the root DSE and of a suffix entry, as ldapts returns them. */
type Attributes = Readonly<Record<string, unknown>>

/** An attribute's string values, whatever its case in the answer (servers differ). */
function values(entry: Attributes | undefined, name: string): string[] {
  if (entry === undefined) return []
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase())
  const v = key === undefined ? undefined : entry[key]
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v]
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).filter(Boolean)
}

/** The naming context that holds `dn` (the longest one, for nested suffixes). */
export function namingContextOf(contexts: readonly string[], dn: string): string | undefined {
  const key = dnKey(dn)
  if (key.isErr()) return undefined
  let best: { dn: string; key: string } | undefined
  for (const c of contexts) {
    const k = dnKey(c)
    if (k.isErr() || k.value === '' || !isDnKeyWithin(key.value, k.value)) continue
    if (best === undefined || k.value.length > best.key.length) best = { dn: c, key: k.value }
  }
  return best?.dn
}

/**
 * The marker from what was read: AD's `highestCommittedUSN` on the root DSE, else the suffix's
 * `contextCSN` values (one per server id), sorted so equal states give equal text. Pure.
 */
export function freshnessFrom(
  rootDse: Attributes | undefined,
  suffix: Attributes | undefined,
): FreshnessMarker | undefined {
  const usn = values(rootDse, 'highestCommittedUSN')[0]
  if (usn !== undefined) return { kind: 'highestCommittedUSN', value: usn.trim() }
  const csns = values(suffix, 'contextCSN')
    .map((v) => v.trim())
    .sort()
  return csns.length === 0 ? undefined : { kind: 'contextCSN', value: csns.join(' ') }
}

/**
 * Reads the directory's freshness marker on a bound connection: the root DSE, then the
 * `contextCSN` of the naming context holding `groupsDn` (where removals come from). A server that
 * has none, or refuses to show it, gives `undefined`: the caller warns, the read goes on.
 */
export async function readFreshness(
  client: Client,
  groupsDn: string,
): Promise<FreshnessMarker | undefined> {
  const attrs = (entry: unknown): Attributes | undefined =>
    typeof entry === 'object' && entry !== null ? (entry as Attributes) : undefined
  try {
    const root = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['namingContexts', 'highestCommittedUSN'],
    })
    const rootDse = attrs(root.searchEntries[0])
    const fromRoot = freshnessFrom(rootDse, undefined)
    if (fromRoot !== undefined) return fromRoot
    const context = namingContextOf(values(rootDse, 'namingContexts'), groupsDn)
    if (context === undefined) return undefined
    const suffix = await client.search(context, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['contextCSN'],
    })
    return freshnessFrom(undefined, attrs(suffix.searchEntries[0]))
  } catch {
    // No marker is a warning, not a failed read: the directory's groups are still what they are.
    return undefined
  }
}
