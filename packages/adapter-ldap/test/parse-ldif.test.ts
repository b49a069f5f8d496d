import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseLdif, scanLdif, type LdifItem } from '../src/parse-ldif.js'
import { fuzzLdifArb } from './support/mutate-ldif.js'
import { writeLdif, type TestEntry } from './support/write-ldif.js'

const text = (v: string | Uint8Array): string =>
  typeof v === 'string' ? v : Buffer.from(v).toString('utf8')

describe('parseLdif', () => {
  it('should read folded lines, base64 values, comments and multi-valued attributes', () => {
    const ldif = [
      'version: 1',
      '',
      '# extended LDIF',
      '# continued comment',
      '  still the comment',
      'dn: uid=alice,cn=users,cn=accounts,dc=ipa,dc=te',
      ' st',
      'mail: alice@ipa.test',
      'mail: alice.alt@ipa.test',
      'cn:: Sm9zw6k=',
      'description: a very long',
      '  value',
      '',
      '# search result',
      'search: 2',
      'result: 0 Success',
      '',
    ].join('\r\n')
    const r = parseLdif(ldif)._unsafeUnwrap()
    expect(r.entries).toHaveLength(1)
    const e = r.entries[0]!
    expect(e.dn).toBe('uid=alice,cn=users,cn=accounts,dc=ipa,dc=test')
    expect(e.attributes.filter((a) => a.type === 'mail').map((a) => a.value)).toEqual([
      'alice@ipa.test',
      'alice.alt@ipa.test',
    ])
    expect(text(e.attributes.find((a) => a.type === 'cn')!.value)).toBe('José')
    expect(e.attributes.find((a) => a.type === 'description')!.value).toBe('a very long value')
  })

  it('should skip change records with a warning', () => {
    const r = parseLdif(
      'dn: cn=a,dc=x\nchangetype: modify\nadd: member\nmember: cn=b,dc=x\n-\n\ndn: cn=c,dc=x\ncn: c\n',
    )._unsafeUnwrap()
    expect(r.entries.map((e) => e.dn)).toEqual(['cn=c,dc=x'])
    expect(r.warnings).toEqual([
      {
        kind: 'changeRecordIgnored',
        dn: 'cn=a,dc=x',
        line: 1,
        changetype: 'modify',
        message:
          'line 1: a change record (changetype: modify) for cn=a,dc=x was ignored: an export holds entries, not changes',
      },
    ])
  })

  it('should refuse an export whose search ended with an error', () => {
    const r = parseLdif(
      'dn: cn=a,dc=x\ncn: a\n\n# search result\nsearch: 2\nresult: 4 Size limit exceeded\n',
    )
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'incompleteExport', resultCode: 4 })
  })

  it('should report syntax errors with a line number', () => {
    expect(parseLdif('dn: cn=a,dc=x\nthis is not ldif\n')._unsafeUnwrapErr()).toMatchObject({
      kind: 'ldifSyntax',
      line: 2,
    })
    expect(parseLdif('cn: a\n')._unsafeUnwrapErr()).toMatchObject({ kind: 'ldifSyntax', line: 1 })
    expect(parseLdif('dn: cn=a,dc=x\ncn:: !!!\n')._unsafeUnwrapErr()).toMatchObject({
      kind: 'ldifSyntax',
      line: 2,
    })
    expect(
      parseLdif('dn: cn=a,dc=x\njpegPhoto:< file:///etc/passwd\n')._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'ldifSyntax' })
    expect(parseLdif('dn: cn=a,dc=x\n-\n')._unsafeUnwrapErr()).toMatchObject({
      kind: 'ldifSyntax',
      line: 2,
    })
  })

  const entryArb: fc.Arbitrary<TestEntry> = fc.record({
    dn: fc
      .string({ unit: 'grapheme', minLength: 1 })
      .map((v) => `cn=${v.replace(/[\\,+"<>;=]/g, '_')},dc=x`),
    attributes: fc.array(
      fc.tuple(
        fc.constantFrom('cn', 'mail', 'member', 'member;range=0-1499', 'description'),
        fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), {
          minLength: 1,
          maxLength: 3,
        }),
      ),
      { maxLength: 5 },
    ),
  })

  it('should hand over records one at a time, in order, and stop when asked', () => {
    const ldif = [
      'dn: cn=a,dc=x',
      'cn: a',
      '',
      'dn: cn=gone,dc=x',
      'changetype: delete',
      '',
      'dn: cn=b,dc=x',
      'cn: b',
      '',
      'dn: cn=c,dc=x',
      'cn: c',
    ].join('\r\n')
    const seen: string[] = []
    const name = (item: LdifItem): string =>
      item.kind === 'entry' ? item.entry.dn : item.warning.kind
    expect(scanLdif(ldif, (item) => (seen.push(name(item)), true)).isOk()).toBe(true)
    expect(seen).toEqual(['cn=a,dc=x', 'changeRecordIgnored', 'cn=b,dc=x', 'cn=c,dc=x'])
    seen.length = 0
    scanLdif(ldif, (item) => (seen.push(name(item)), seen.length < 2))
    expect(seen).toEqual(['cn=a,dc=x', 'changeRecordIgnored'])
    // A syntax error still ends the scan with its line, after what came before it.
    seen.length = 0
    const broken = scanLdif(`${ldif}\r\n\r\nnot ldif`, (item) => (seen.push(name(item)), true))
    expect(broken._unsafeUnwrapErr()).toMatchObject({ kind: 'ldifSyntax', line: 13 })
    expect(seen).toHaveLength(4)
  })

  it('should join a value folded over 20,000 lines and decode a long base64 value whole', () => {
    const parts = Array.from({ length: 20_000 }, (_, i) => `p${i};`)
    const bytes = Buffer.alloc(300_000, 7)
    const b64 = bytes.toString('base64')
    const folded = (value: string) => value.match(/.{1,76}/g)?.join('\n ') ?? ''
    const ldif = `dn: cn=x\ndescription: ${parts.join('\n ')}\njpegPhoto:: ${folded(b64)}\n`
    const [entry] = parseLdif(ldif)._unsafeUnwrap().entries
    expect(entry?.attributes[0]?.value).toBe(parts.join(''))
    expect(Buffer.from(entry?.attributes[1]?.value as Uint8Array).equals(bytes)).toBe(true)
  })

  it('should always read back what the LDIF writer wrote', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 5 }),
        fc.integer({ min: 0, max: 80 }),
        fc.boolean(),
        (entries, width, crlf) => {
          const parsed = parseLdif(
            writeLdif(entries, { width, crlf, version: true }),
          )._unsafeUnwrap()
          expect(
            parsed.entries.map((e) => ({
              dn: e.dn,
              attributes: e.attributes.map((a) => [a.type, text(a.value)]),
            })),
          ).toEqual(
            entries.map((e) => ({
              dn: e.dn,
              attributes: e.attributes.flatMap(([t, vs]) => vs.map((v) => [t, text(v)])),
            })),
          )
        },
      ),
    )
  })
})

describe('parseLdif on broken and arbitrary text', () => {
  const kinds = ['ldifSyntax', 'incompleteExport']

  it('should answer records or a typed error with a line, never throw', () => {
    fc.assert(
      fc.property(fuzzLdifArb, (input) => {
        const parsed = parseLdif(input)
        if (parsed.isOk()) {
          for (const e of parsed.value.entries) expect(typeof e.dn).toBe('string')
          return
        }
        expect(kinds).toContain(parsed.error.kind)
        expect(Number.isInteger(parsed.error.line)).toBe(true)
        expect(parsed.error.message).not.toBe('')
      }),
      { numRuns: 2000 },
    )
  })

  it('should visit the same records through scanLdif, up to the error', () => {
    fc.assert(
      fc.property(fuzzLdifArb, (input) => {
        const items: LdifItem[] = []
        const scanned = scanLdif(input, (item) => (items.push(item), true))
        const parsed = parseLdif(input)
        expect(scanned.isOk()).toBe(parsed.isOk())
        if (parsed.isOk())
          expect(items.filter((i) => i.kind === 'entry').length).toBe(parsed.value.entries.length)
      }),
      { numRuns: 1000 },
    )
  })
})
