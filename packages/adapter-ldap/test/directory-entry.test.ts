import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  firstText,
  formatGuid,
  fromLdapEntry,
  idValue,
  textValues,
  toDirectoryEntry,
  valueText,
} from '../src/directory-entry.js'

const dn = 'uid=alice,cn=users,dc=x'
const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs)

describe('toDirectoryEntry / fromLdapEntry', () => {
  it('should lowercase attribute names, merge spellings and keep options', () => {
    const e = toDirectoryEntry(dn, [
      ['Member', ['a']],
      ['MEMBER', 'b'],
      ['member;Range=0-1499', ['c']],
    ])
    expect([...e.attributes.keys()]).toEqual(['member', 'member;range=0-1499'])
    expect(textValues(e, 'member')).toEqual(['a', 'b'])
    expect(textValues(e, 'mEmBeR')).toEqual(['a', 'b'])
    expect(fromLdapEntry({ dn, NsAccountLock: 'TRUE' }).attributes.get('nsaccountlock')).toEqual([
      'TRUE',
    ])
  })

  it('should not grow the list of the caller when a name comes twice', () => {
    const first = ['a']
    const e = toDirectoryEntry(dn, [
      ['member', first],
      ['Member', first],
    ])
    expect(textValues(e, 'member')).toEqual(['a', 'a'])
    expect(first).toEqual(['a'])
  })

  it('should grow a list it built in place, and copy a caller list only once', () => {
    const caller = ['a']
    const pairs: [string, unknown][] = [['member', caller]]
    for (let i = 0; i < 100_000; i++) pairs.push(['member', `v${i}`])
    const values = toDirectoryEntry(dn, pairs).attributes.get('member')
    expect(values).toHaveLength(100_001)
    expect(values?.[100_000]).toBe('v99999')
    expect(caller).toEqual(['a'])
    const one = toDirectoryEntry(dn, [
      ['uid', 'x'],
      ['UID', 'y'],
    ])
    expect(one.attributes.get('uid')).toEqual(['x', 'y'])
  })

  it('should make one value and many values both a list', () => {
    const e = fromLdapEntry({ dn, uid: 'alice', mail: ['a@x', 'b@x'] })
    expect(e.attributes.get('uid')).toEqual(['alice'])
    expect(e.attributes.get('mail')).toEqual(['a@x', 'b@x'])
    expect(e.dn).toBe(dn)
    expect(e.attributes.has('dn')).toBe(false)
  })

  it('should treat an empty list as an absent attribute and drop values that are not values', () => {
    const e = fromLdapEntry({ dn, mail: [], nsAccountLock: [], member: [null, 3], cn: ['x', 7] })
    expect([...e.attributes.keys()]).toEqual(['cn'])
    expect(e.attributes.get('cn')).toEqual(['x'])
    expect(textValues(e, 'mail')).toEqual([])
    expect(firstText(e, 'mail')).toBeUndefined()
  })

  it('should decode bytes as UTF-8 text', () => {
    const e = toDirectoryEntry(dn, [['cn', [Buffer.from('josé'), 'plain']]])
    expect(textValues(e, 'cn')).toEqual(['josé', 'plain'])
    expect(valueText(Buffer.from('ü'))).toBe('ü')
  })

  it('should keep every value in order whatever the case of the names', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('member', 'Member', 'MEMBER', 'mEmber'),
            fc.array(fc.string(), { maxLength: 3 }),
          ),
        ),
        (pairs) => {
          const all = pairs.flatMap(([, vs]) => vs)
          const before = structuredClone(pairs)
          const e = toDirectoryEntry(dn, pairs)
          expect(textValues(e, 'member')).toEqual(all)
          expect(e.attributes.has('member')).toBe(all.length > 0)
          // The caller's lists are kept, never merged into.
          expect(pairs).toEqual(before)
        },
      ),
    )
  })
})

describe('firstText', () => {
  it('should treat a blank first value as absent', () => {
    expect(firstText(toDirectoryEntry(dn, [['uid', ['  ', 'b']]]), 'uid')).toBeUndefined()
    expect(firstText(toDirectoryEntry(dn, [['uid', ['a', 'b']]]), 'UID')).toBe('a')
  })
})

describe('formatGuid / idValue', () => {
  it("should print an objectGUID in AD's byte order (first three groups little-endian)", () => {
    const guid = bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    expect(formatGuid(guid)).toBe('03020100-0504-0706-0809-0a0b0c0d0e0f')
    // An AD GUID as tools print it: {8ed9e5c5-...}; the wire bytes start with c5 e5 d9 8e.
    const wire = bytes(0xc5, 0xe5, 0xd9, 0x8e, 0x4b, 0x2a, 0x1f, 0x4d, 0x9a, 0x3b, 1, 2, 3, 4, 5, 6)
    expect(formatGuid(wire)).toBe('8ed9e5c5-2a4b-4d1f-9a3b-010203040506')
  })

  it('should refuse a GUID of the wrong length', () => {
    expect(formatGuid(bytes(1, 2, 3))).toBeUndefined()
    expect(
      idValue(toDirectoryEntry(dn, [['objectGUID', [bytes(1, 2)]]]), 'objectGUID', 'guid'),
    ).toBe(undefined)
  })

  it('should read the id attribute as a GUID or as text', () => {
    const guid = bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    expect(idValue(toDirectoryEntry(dn, [['objectGUID', [guid]]]), 'objectguid', 'guid')).toBe(
      '03020100-0504-0706-0809-0a0b0c0d0e0f',
    )
    // Text GUIDs (an LDIF export, a server sending strings) are accepted and lowercased.
    const text = '8ED9E5C5-2A4B-4D1F-9A3B-010203040506'
    expect(idValue(toDirectoryEntry(dn, [['objectGUID', text]]), 'objectGUID', 'guid')).toBe(
      text.toLowerCase(),
    )
    expect(idValue(toDirectoryEntry(dn, [['objectGUID', 'nope']]), 'objectGUID', 'guid')).toBe(
      undefined,
    )
    expect(idValue(toDirectoryEntry(dn, [['ipaUniqueID', ' ']]), 'ipaUniqueID', 'text')).toBe(
      undefined,
    )
    expect(idValue(toDirectoryEntry(dn, [['ipaUniqueID', 'abc']]), 'IPAUNIQUEID', 'text')).toBe(
      'abc',
    )
    expect(idValue(toDirectoryEntry(dn, []), 'ipaUniqueID', 'text')).toBeUndefined()
  })
})
