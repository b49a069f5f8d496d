import { describe, expect, it } from 'vitest'
import { directoryWarning } from '../src/directory-snapshot.js'

describe('directoryWarning', () => {
  it('should word each kind as a sentence that names the entry or group', () => {
    expect(
      directoryWarning({ kind: 'entrySkipped', dn: 'uid=x,dc=t', reason: 'no uid' }).message,
    ).toBe('entry uid=x,dc=t was skipped: no uid')
    expect(
      directoryWarning({
        kind: 'unresolvedMembers',
        group: 'admins',
        count: 4,
        examples: ['cn=a', 'cn=b', 'cn=c'],
      }).message,
    ).toBe('group admins: 4 member(s) are not users that were read (e.g. cn=a; cn=b; cn=c; …)')
    expect(
      directoryWarning({
        kind: 'changeRecordIgnored',
        dn: 'uid=x,dc=t',
        line: 12,
        changetype: 'modify',
      }).message,
    ).toBe(
      'line 12: a change record (changetype: modify) for uid=x,dc=t was ignored: an export holds entries, not changes',
    )
    expect(
      directoryWarning({ kind: 'groupUnavailable', group: 'ops', reason: 'AD-trust members' })
        .message,
    ).toMatch(/^group ops could not be read completely \(AD-trust members\): .*frozen/)
  })

  it('should keep every field it was given', () => {
    const fields = { kind: 'idFromDn', dn: 'uid=x,dc=t', attribute: 'ipaUniqueID' } as const
    expect(directoryWarning(fields)).toMatchObject(fields)
  })
})
