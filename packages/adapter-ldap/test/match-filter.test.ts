import { describe, expect, it } from 'vitest'
import { toDirectoryEntry } from '../src/directory-entry.js'
import { compileFilter } from '../src/match-filter.js'

const entry = toDirectoryEntry('uid=a,dc=x', [
  ['objectClass', ['top', 'inetOrgPerson', 'posixAccount']],
  ['uid', 'Alice'],
  ['userAccountControl', '514'],
])
const matches = (filter: string): boolean => compileFilter(filter)._unsafeUnwrap()(entry)

describe('compileFilter', () => {
  it('should match multi-valued attributes case-insensitively with and/or/not', () => {
    expect(matches('(objectClass=POSIXACCOUNT)')).toBe(true)
    expect(matches('(&(objectClass=posixAccount)(!(uid=alice)))')).toBe(false)
    expect(matches('(|(objectClass=group)(uid=ali*))')).toBe(true)
    expect(matches('(uid=*c*e)')).toBe(true)
    expect(matches('(mail=*)')).toBe(false)
  })

  it('should treat escaped filter values as data', () => {
    expect(matches('(uid=\\2a)')).toBe(false)
    expect(matches('(uid=*)')).toBe(true)
  })

  it("should evaluate AD's bitwise rules and refuse the in-chain rule", () => {
    expect(matches('(userAccountControl:1.2.840.113556.1.4.803:=2)')).toBe(true)
    expect(matches('(userAccountControl:1.2.840.113556.1.4.803:=16)')).toBe(false)
    expect(compileFilter('(memberOf:1.2.840.113556.1.4.1941:=cn=g)')._unsafeUnwrapErr().kind).toBe(
      'unsupportedFilter',
    )
  })
})
