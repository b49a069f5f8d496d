import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { freshnessFrom, namingContextOf } from '../src/read-freshness.js'

describe('freshnessFrom', () => {
  it("should take AD's highestCommittedUSN from the root DSE over anything else", () => {
    expect(freshnessFrom({ highestCommittedUSN: ' 12345 ' }, { contextCSN: ['x'] })).toEqual({
      kind: 'highestCommittedUSN',
      value: '12345',
    })
    expect(freshnessFrom({ highestcommittedusn: '7' }, undefined)).toEqual({
      kind: 'highestCommittedUSN',
      value: '7',
    })
  })

  it('should join every contextCSN value (one per server id) in a stable order, whatever order the server sent', () => {
    const csns = [
      '20240101000000.000001Z#000000#001#000000',
      '20240101000000.000002Z#000000#002#000000',
      '20230101000000.000000Z#000003#003#000000',
    ]
    fc.assert(
      fc.property(fc.shuffledSubarray(csns, { minLength: 1 }), (sent) => {
        const m = freshnessFrom({}, { contextCSN: sent })
        expect(m?.kind).toBe('contextCSN')
        expect(m?.value.split(' ')).toEqual([...sent].sort())
        expect(freshnessFrom({}, { contextCSN: [...sent].reverse() })).toEqual(m)
      }),
      { numRuns: 30 },
    )
  })

  it('should give no marker when the directory shows none', () => {
    expect(freshnessFrom(undefined, undefined)).toBeUndefined()
    expect(freshnessFrom({ namingContexts: ['dc=a'] }, { contextCSN: [] })).toBeUndefined()
  })
})

describe('namingContextOf', () => {
  it('should pick the longest naming context holding the DN, case- and space-insensitively', () => {
    const contexts = ['dc=example,dc=org', 'ou=Sub, dc=Example,dc=org', 'dc=other']
    expect(namingContextOf(contexts, 'cn=groups,dc=example,dc=org')).toBe('dc=example,dc=org')
    expect(namingContextOf(contexts, 'cn=g,OU=sub,dc=example,dc=org')).toBe(
      'ou=Sub, dc=Example,dc=org',
    )
    expect(namingContextOf(contexts, 'cn=g,dc=elsewhere')).toBeUndefined()
    expect(namingContextOf(contexts, 'not a dn')).toBeUndefined()
  })
})
