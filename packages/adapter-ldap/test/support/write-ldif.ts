/** A test-side LDIF entry: attribute values in order, text or bytes. */
export interface TestEntry {
  readonly dn: string
  readonly attributes: readonly (readonly [string, readonly (string | Uint8Array)[]])[]
}

// RFC 2849 SAFE-STRING: no leading space, colon or "<", ASCII without NUL/CR/LF, no trailing space.
// eslint-disable-next-line no-control-regex -- the RFC's character ranges are the point
const safe = /^(?![ :<])[\x01-\x09\x0b\x0c\x0e-\x7f]*$/

function line(type: string, value: string | Uint8Array, width: number): string {
  const text =
    typeof value === 'string' && safe.test(value) && !value.endsWith(' ')
      ? `${type}: ${value}`
      : `${type}:: ${Buffer.from(typeof value === 'string' ? Buffer.from(value, 'utf8') : value).toString('base64')}`
  if (width <= 1 || text.length <= width) return text
  const parts = [text.slice(0, width)]
  for (let i = width; i < text.length; i += width - 1)
    parts.push(` ${text.slice(i, i + width - 1)}`)
  return parts.join('\n')
}

/** Serialises entries as LDIF (the reverse of parseLdif), folding at `width` columns like ldapsearch. */
export function writeLdif(
  entries: Iterable<TestEntry>,
  options: { width?: number; crlf?: boolean; version?: boolean } = {},
): string {
  const width = options.width ?? 76
  const chunks: string[] = options.version === true ? ['version: 1\n'] : []
  for (const e of entries) {
    const lines = [line('dn', e.dn, width)]
    for (const [type, values] of e.attributes)
      for (const v of values) lines.push(line(type, v, width))
    chunks.push(`${lines.join('\n')}\n`)
  }
  const text = chunks.join('\n')
  return options.crlf === true ? text.replace(/\n/g, '\r\n') : text
}
