import { describe, expect, it } from 'vitest'
import { directoryWarning, type DirectorySnapshot } from '../src/directory-snapshot.js'
import { groupsFromDirectory } from '../src/groups-from-directory.js'
import type { TargetView } from '../src/ports.js'

const snapshot: DirectorySnapshot = {
  users: [
    { dn: 'uid=alice,dc=t', id: 'a', username: 'alice', disabled: false },
    { dn: 'uid=zed,dc=t', id: 'z', username: 'zed', disabled: false },
  ],
  groups: [
    {
      dn: 'cn=mm_rl,dc=t',
      id: 'g1',
      name: 'mm_rl',
      memberUsernames: ['alice', 'zed'],
      status: 'complete',
    },
  ],
  warnings: [directoryWarning({ kind: 'referralIgnored', url: 'ldap://elsewhere' })],
}
const target: TargetView = {
  users: [{ id: 'U1', username: 'alice', systemRole: 'user' }],
  teams: [{ id: 'T1', name: 'rl', groupConstrained: false }],
  channels: [],
}

describe('groupsFromDirectory', () => {
  it('should resolve, link and mark managed, reporting the warnings of every step in order', () => {
    const load = groupsFromDirectory(snapshot, target, {
      matchBy: 'username',
      rules: [
        { kind: 'pattern', pattern: 'mm_{team}', manage: true },
        { kind: 'explicit', group: 'ghost', team: 'rl' },
      ],
    })
    expect(load.groups).toEqual([
      { id: 'g1', name: 'mm_rl', memberIds: ['U1'], status: 'complete' },
    ])
    expect(load.links).toEqual([
      { groupId: 'g1', syncable: { kind: 'team', id: 'T1' }, autoAdd: true, schemeAdmin: false },
    ])
    expect(load.managed).toEqual([{ syncable: { kind: 'team', id: 'T1' }, by: 'rule 1' }])
    expect(load.warnings.map((w) => w.kind)).toEqual([
      'referralIgnored',
      'noMattermostUser',
      'unknownGroup',
    ])
    expect(load.warnings.every((w) => w.message.length > 0)).toBe(true)
  })

  it('should pass the manage list through', () => {
    const load = groupsFromDirectory(snapshot, target, {
      matchBy: 'username',
      rules: [],
      manage: ['rl'],
    })
    expect(load.managed).toEqual([{ syncable: { kind: 'team', id: 'T1' }, by: 'the manage list' }])
    expect(load.links).toEqual([])
  })
})
