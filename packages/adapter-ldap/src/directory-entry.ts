/** A value as read: text, or bytes for binary attributes (AD objectGUID, `::` values in LDIF). */
export type AttributeValue = string | Uint8Array

/**
 * A directory entry with normalised keys: attribute names lowercased (options such as `;range=0-1499`
 * kept), every value a list, and no empty lists (empty = absent).
 */
export interface DirectoryEntry {
  readonly dn: string
  readonly attributes: ReadonlyMap<string, readonly AttributeValue[]>
}

const utf8 = new TextDecoder('utf-8')

/** Builds a {@link DirectoryEntry} from `ldapts`-shaped data or LDIF pairs. */
export function toDirectoryEntry(
  dn: string,
  pairs: Iterable<readonly [string, unknown]>,
): DirectoryEntry {
  const attributes = new Map<string, AttributeValue[]>()
  const owned = new Set<AttributeValue[]>()
  for (const [name, raw] of pairs) addValues(attributes, name, raw, owned)
  return { dn, attributes }
}

/** Builds a {@link DirectoryEntry} straight from an `ldapts` entry object (no intermediate copies). */
export function fromLdapEntry(entry: {
  readonly dn: string
  readonly [key: string]: unknown
}): DirectoryEntry {
  const attributes = new Map<string, AttributeValue[]>()
  const owned = new Set<AttributeValue[]>()
  for (const name in entry) if (name !== 'dn') addValues(attributes, name, entry[name], owned)
  return { dn: entry.dn, attributes }
}

function isValue(v: unknown): v is AttributeValue {
  return typeof v === 'string' || v instanceof Uint8Array
}

function allValues(list: readonly unknown[]): list is AttributeValue[] {
  // A plain loop: `every` with a callback costs a call per value (a million member values).
  for (let i = 0; i < list.length; i++) if (!isValue(list[i])) return false
  return true
}

// `owned`: the lists built here, which may grow in place (an LDIF gives one pair per value).
function addValues(
  attributes: Map<string, AttributeValue[]>,
  name: string,
  raw: unknown,
  owned: Set<AttributeValue[]>,
): void {
  let values: AttributeValue[]
  // ldapts hands out fresh arrays: keep them instead of copying a million member values.
  if (Array.isArray(raw)) values = allValues(raw) ? raw : (raw as unknown[]).filter(isValue)
  else if (isValue(raw)) values = [raw]
  else return
  if (values.length === 0) return
  const key = name.toLowerCase()
  const existing = attributes.get(key)
  if (existing === undefined) {
    attributes.set(key, values)
    if (values !== raw) owned.add(values)
  } else if (owned.has(existing)) {
    // Appended in place: copying the list for each value was quadratic (40k members took 10 s).
    for (const v of values) existing.push(v)
  } else {
    // The kept list is the caller's array: merge into a new one, which this entry then owns.
    const merged = existing.concat(values)
    owned.add(merged)
    attributes.set(key, merged)
  }
}

/** One value as text (bytes decoded as UTF-8). */
export function valueText(v: AttributeValue): string {
  return typeof v === 'string' ? v : utf8.decode(v)
}

/** All values of an attribute as text (bytes decoded as UTF-8). */
export function textValues(entry: DirectoryEntry, attribute: string): readonly string[] {
  const values = entry.attributes.get(attribute.toLowerCase())
  if (values === undefined) return []
  for (const v of values) if (typeof v !== 'string') return values.map(valueText)
  return values as readonly string[]
}

/** The first value of an attribute as text, or undefined when absent or blank. */
export function firstText(entry: DirectoryEntry, attribute: string): string | undefined {
  const v = textValues(entry, attribute)[0]
  return v === undefined || v.trim() === '' ? undefined : v
}

/** Formats AD's 16-byte objectGUID the way AD tools print it (first three groups little-endian). */
export function formatGuid(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 16) return undefined
  const hex = (i: number): string => (bytes[i] ?? 0).toString(16).padStart(2, '0')
  const part = (idx: readonly number[]): string => idx.map(hex).join('')
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`
}

/** The id attribute as a string: text as is, or a binary GUID formatted. */
export function idValue(
  entry: DirectoryEntry,
  attribute: string,
  format: 'text' | 'guid',
): string | undefined {
  const v = entry.attributes.get(attribute.toLowerCase())?.[0]
  if (v === undefined) return undefined
  if (format === 'guid') {
    if (typeof v !== 'string') return formatGuid(v)
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)
      ? v.toLowerCase()
      : undefined
  }
  const text = typeof v === 'string' ? v : utf8.decode(v)
  return text.trim() === '' ? undefined : text
}
