import { err, ok, type Result } from 'neverthrow'

/** A DN that could not be parsed (RFC 4514 syntax). */
export interface DnSyntaxError {
  readonly kind: 'dnSyntax'
  readonly message: string
  readonly dn: string
}

/** One attribute-value assertion of an RDN, with the value unescaped. */
export interface DnAttribute {
  readonly type: string
  readonly value: string
}

const plainDn = /^[^\\"+#;<>\t\n\r\0]*$/
const attributeType = /^([a-z][a-z0-9-]*|\d+(\.\d+)*)$/
const specials = new Set(['"', '+', ',', ';', '<', '>', '\\'])

/**
 * Parses a DN into RDNs (outermost last, as written), lowercasing attribute types, trimming the spaces
 * around `=` / `,` / `+` and unescaping values (`\,`, `\2C`, UTF-8 hex pairs, legacy quotes).
 */
export function parseDn(dn: string): Result<readonly (readonly DnAttribute[])[], DnSyntaxError> {
  const fail = (message: string): Result<never, DnSyntaxError> =>
    err({ kind: 'dnSyntax', message, dn })
  if (dn.trim() === '') return ok([])
  const rdns: DnAttribute[][] = []
  let rdn: DnAttribute[] = []
  let i = 0
  const n = dn.length
  for (;;) {
    while (i < n && dn[i] === ' ') i++
    const eq = dn.indexOf('=', i)
    if (eq < 0) return fail(`missing "=" after position ${i}`)
    const type = dn.slice(i, eq).trim().toLowerCase()
    if (!attributeType.test(type)) return fail(`invalid attribute type "${type}"`)
    i = eq + 1
    while (i < n && dn[i] === ' ') i++
    let value: string
    if (dn[i] === '#') {
      // A hex-encoded BER value: keep it verbatim (lowercased) so it compares stably.
      let j = i + 1
      while (j < n && /[0-9a-fA-F]/.test(dn[j] ?? '')) j++
      value = dn.slice(i, j).toLowerCase()
      i = j
    } else if (dn[i] === '"') {
      let j = i + 1
      let out = ''
      while (j < n && dn[j] !== '"') {
        if (dn[j] === '\\' && j + 1 < n) j++
        out += dn[j] ?? ''
        j++
      }
      if (j >= n) return fail('unterminated quoted value')
      value = out
      i = j + 1
    } else {
      const bytes: number[] = []
      let lastNonSpace = 0
      while (i < n) {
        const c = dn[i] as string
        if (c === ',' || c === ';' || c === '+') break
        if (c === '\\') {
          const h = dn.slice(i + 1, i + 3)
          if (/^[0-9a-fA-F]{2}$/.test(h)) {
            bytes.push(parseInt(h, 16))
            i += 3
          } else if (i + 1 < n) {
            const ch = String.fromCodePoint(dn.codePointAt(i + 1) ?? 0)
            pushUtf8(bytes, ch)
            i += 1 + ch.length
          } else return fail('dangling "\\" at the end')
          lastNonSpace = bytes.length
          continue
        }
        if (c === '"' || c === '<' || c === '>') return fail(`unescaped "${c}" in a value`)
        const cp = dn.codePointAt(i) ?? 0
        const ch = String.fromCodePoint(cp)
        pushUtf8(bytes, ch)
        if (c !== ' ') lastNonSpace = bytes.length
        i += ch.length
      }
      // Unescaped trailing spaces are not part of the value; escaped ones were counted as non-space.
      value = Buffer.from(bytes.slice(0, lastNonSpace)).toString('utf8')
    }
    while (i < n && dn[i] === ' ') i++
    rdn.push({ type, value })
    if (i >= n) {
      rdns.push(rdn)
      return ok(rdns)
    }
    const sep = dn[i]
    i++
    if (sep === ',' || sep === ';') {
      rdns.push(rdn)
      rdn = []
    } else if (sep !== '+') return fail(`unexpected "${sep ?? ''}" at position ${i - 1}`)
  }
}

function pushUtf8(bytes: number[], ch: string): void {
  const code = ch.codePointAt(0) ?? 0
  if (code < 0x80) bytes.push(code)
  else for (const b of Buffer.from(ch, 'utf8')) bytes.push(b)
}

/** Escapes one RDN value the way {@link normalizeDn} writes it (RFC 4514 §2.4, minimal form). */
export function escapeDnValue(value: string): string {
  let out = ''
  for (let k = 0; k < value.length; k++) {
    const c = value[k] as string
    if (specials.has(c)) out += `\\${c}`
    else if (c === '\0') out += '\\00'
    else if ((k === 0 && (c === ' ' || c === '#')) || (k === value.length - 1 && c === ' '))
      out += `\\${c}`
    else out += c
  }
  return out
}

/**
 * Writes a DN in one canonical form: lowercase attribute types, no spaces around separators, values
 * escaped minimally and consistently, multi-valued RDNs sorted. Value case is kept.
 */
export function normalizeDn(dn: string): Result<string, DnSyntaxError> {
  if (isCanonicalDn(dn)) return ok(dn)
  if (plainDn.test(dn)) {
    // Fast path for the common DN without escapes (a million member values in a big directory).
    const parts = dn.split(',')
    let out = ''
    for (const part of parts) {
      const eq = part.indexOf('=')
      if (eq < 0) return parseDn(dn).map(formatDn)
      const type = part.slice(0, eq).trim().toLowerCase()
      const value = part.slice(eq + 1).trim()
      if (!attributeType.test(type) || value.includes('=')) return parseDn(dn).map(formatDn)
      out += out === '' ? `${type}=${value}` : `,${type}=${value}`
    }
    return dn.trim() === '' ? ok('') : ok(out)
  }
  return parseDn(dn).map(formatDn)
}

/**
 * Is the DN already in canonical form (lowercase types, no spaces at separators, no character that
 * needs escaping or unescaping)? One pass over the characters: most DNs from a server are.
 */
function isCanonicalDn(dn: string): boolean {
  const n = dn.length
  if (n === 0) return false
  let inType = true
  let start = 0
  for (let i = 0; i < n; i++) {
    const c = dn.charCodeAt(i)
    if (inType) {
      if (c === 61 /* = */) {
        if (i === start || !(dn.charCodeAt(start) >= 97 && dn.charCodeAt(start) <= 122))
          return false
        inType = false
        start = i + 1
      } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return false
    } else if (c === 44 /* , */) {
      if (i === start || dn.charCodeAt(i - 1) === 32) return false
      inType = true
      start = i + 1
    } else if (
      c === 92 ||
      c === 34 ||
      c === 43 ||
      c === 59 ||
      c === 60 ||
      c === 62 ||
      c === 61 ||
      c < 32
    )
      return false
    else if (i === start && (c === 32 || c === 35)) return false
  }
  return !inType && start < n && dn.charCodeAt(n - 1) !== 32
}

function formatDn(rdns: readonly (readonly DnAttribute[])[]): string {
  return rdns
    .map((rdn) =>
      [...rdn]
        .map(
          (a) =>
            `${a.type}=${a.value.startsWith('#') && /^#[0-9a-f]*$/.test(a.value) ? a.value : escapeDnValue(a.value)}`,
        )
        .sort()
        .join('+'),
    )
    .join(',')
}

/** The key two DNs are compared by: the normalised DN, lowercased (directory DNs match case-insensitively). */
export function dnKey(dn: string): Result<string, DnSyntaxError> {
  return normalizeDn(dn).map((d) => d.toLowerCase())
}

/** Is `key` (a {@link dnKey}) the base itself or below it? Both arguments must be keys. */
export function isDnKeyWithin(key: string, baseKey: string): boolean {
  if (baseKey === '') return true
  if (key === baseKey) return true
  if (!key.endsWith(baseKey) || key.length <= baseKey.length) return false
  const sepAt = key.length - baseKey.length - 1
  if (key[sepAt] !== ',') return false
  // The comma must not itself be escaped: count the backslashes in front of it.
  let slashes = 0
  for (let k = sepAt - 1; k >= 0 && key[k] === '\\'; k--) slashes++
  return slashes % 2 === 0
}
