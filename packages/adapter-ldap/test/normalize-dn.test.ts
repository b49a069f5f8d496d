import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dnKey, escapeDnValue, isDnKeyWithin, normalizeDn, parseDn } from '../src/normalize-dn.js'

describe('normalizeDn', () => {
  it('should lowercase types and drop spaces around separators', () => {
    expect(normalizeDn(' UID = Bob , CN=Users,  dc=ipa,DC=test ')._unsafeUnwrap()).toBe(
      'uid=Bob,cn=Users,dc=ipa,dc=test',
    )
  })

  it('should unescape hex pairs and re-escape the same way', () => {
    expect(normalizeDn('cn=Spe(c)ial*\\5Cchars,dc=x')._unsafeUnwrap()).toBe(
      'cn=Spe(c)ial*\\\\chars,dc=x',
    )
    expect(normalizeDn('cn=a\\2Cb,dc=x')._unsafeUnwrap()).toBe('cn=a\\,b,dc=x')
    expect(normalizeDn('cn=Jos\\C3\\A9,dc=x')._unsafeUnwrap()).toBe('cn=José,dc=x')
    expect(normalizeDn('cn="a,b",dc=x')._unsafeUnwrap()).toBe('cn=a\\,b,dc=x')
  })

  it('should keep escaped trailing spaces and sort multi-valued RDNs', () => {
    expect(normalizeDn('cn=a\\ ,dc=x')._unsafeUnwrap()).toBe('cn=a\\ ,dc=x')
    expect(normalizeDn('uid=b+cn=a,dc=x')._unsafeUnwrap()).toBe('cn=a+uid=b,dc=x')
  })

  it('should reject broken DNs', () => {
    expect(normalizeDn('no equals sign').isErr()).toBe(true)
    expect(normalizeDn('cn=a\\').isErr()).toBe(true)
    expect(normalizeDn('c n=a').isErr()).toBe(true)
  })

  it('should always be idempotent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('cn', 'uid', 'OU', 'dc'), fc.string()), {
          minLength: 1,
          maxLength: 4,
        }),
        (rdns) => {
          const dn = rdns.map(([t, v]) => `${t}=${escapeDnValue(v)}`).join(',')
          const once = normalizeDn(dn)._unsafeUnwrap()
          expect(normalizeDn(once)._unsafeUnwrap()).toBe(once)
        },
      ),
    )
  })

  it('should always give back the escaped value when parsed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        const parsed = parseDn(`cn=${escapeDnValue(value)},dc=x`)._unsafeUnwrap()
        expect(parsed[0]?.[0]?.value).toBe(value)
      }),
    )
  })
})

describe('isDnKeyWithin', () => {
  it('should accept the base and its subtree only', () => {
    const base = dnKey('cn=groups,cn=accounts,dc=x')._unsafeUnwrap()
    expect(isDnKeyWithin(dnKey('CN=Groups, cn=accounts,dc=x')._unsafeUnwrap(), base)).toBe(true)
    expect(isDnKeyWithin(dnKey('cn=g,cn=groups,cn=accounts,dc=x')._unsafeUnwrap(), base)).toBe(true)
    expect(isDnKeyWithin(dnKey('cn=xgroups,cn=accounts,dc=x')._unsafeUnwrap(), base)).toBe(false)
    expect(isDnKeyWithin(dnKey('cn=a\\,cn=groups,cn=accounts,dc=x')._unsafeUnwrap(), base)).toBe(
      false,
    )
  })
})
