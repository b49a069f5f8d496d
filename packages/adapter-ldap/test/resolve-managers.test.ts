import { describe, expect, it } from 'vitest'
import { groupsFromDirectory, planSync, emptyState } from '@grouproles/core'
import { readLdif, type DirectorySnapshot, type LdapDirectoryConfig } from '../src/index.js'
import { managerConfigs } from './support/manager-configs.js'
import { ipaGroup, ipaUser, managersFixture } from './support/managers-fixture.js'
import { writeLdif } from './support/write-ldif.js'

const text = writeLdif(managersFixture())
const read = (preset: LdapDirectoryConfig['preset']): DirectorySnapshot =>
  readLdif(text, {
    url: 'ldap://unused',
    bindDn: 'cn=x',
    password: 'x',
    ...managerConfigs[preset],
  })._unsafeUnwrap()
const group = (s: DirectorySnapshot, name: string) => s.groups.find((g) => g.name === name)

describe('readLdif: group managers', () => {
  it('reads FreeIPA memberManager users and groups, nested included, disabled left out', () => {
    const s = read('freeipa')
    expect(group(s, 'mm_rl_infrastructure')).toMatchObject({
      memberUsernames: ['mona', 'quinn'],
      managerUsernames: ['mona', 'ned', 'olga'],
      managerAttribute: 'memberManager',
    })
    expect(group(s, 'mm_rl_infrastructure')?.managersUnavailableReason).toBeUndefined()
    expect(group(s, 'mm_rl_plain')).not.toHaveProperty('managerUsernames')
  })

  it('marks only the managers unknown for a manager outside the read base', () => {
    const s = read('freeipa')
    expect(group(s, 'mm_rl_outside')).toMatchObject({
      status: 'complete',
      managerUsernames: ['mona'],
      managersUnavailableReason:
        '1 manager DN(s) name no user or group of this read: uid=alice,cn=users,cn=accounts,dc=ipa,dc=test',
    })
    expect(s.warnings.map((w) => w.message)).toContain(
      'group mm_rl_outside: its managers could not all be read (1 manager DN(s) name no user or group of this read: uid=alice,cn=users,cn=accounts,dc=ipa,dc=test): where managers are admins, its teams and channels are frozen (no removals, no demotions)',
    )
  })

  it('reads AD managedBy (a user or a group) and OpenLDAP owner', () => {
    const ad = read('activeDirectory')
    expect(group(ad, 'mm_ad_infra')?.managerUsernames).toEqual(['sam'])
    expect(group(ad, 'mm_ad_ops')).toMatchObject({
      managerUsernames: ['tina'],
      managerAttribute: 'managedBy',
    })
    expect(group(read('openldap'), 'mm_ol_web')).toMatchObject({
      managerUsernames: ['victor', 'wendy'],
      managerAttribute: 'owner',
    })
  })

  it('marks the managers unknown when a manager group could not be read completely', () => {
    const entry = (dn: string, classes: string[], attrs: [string, string[]][]) => ({
      dn,
      attributes: [['objectClass', classes] as [string, string[]], ...attrs],
    })
    const ldif = writeLdif([
      ...['mona', 'ned'].map((uid) =>
        entry(
          ipaUser(uid),
          ['posixAccount'],
          [
            ['uid', [uid]],
            ['ipaUniqueID', [`id-${uid}`]],
          ],
        ),
      ),
      entry(
        ipaGroup('mm_x'),
        ['ipaUserGroup'],
        [
          ['cn', ['mm_x']],
          ['member', [ipaUser('mona')]],
          ['memberManager', [ipaGroup('owners')]],
        ],
      ),
      // External (AD trust) members cannot be resolved: the manager group is unavailable.
      entry(
        ipaGroup('owners'),
        ['ipaUserGroup'],
        [
          ['cn', ['owners']],
          ['member', [ipaUser('ned')]],
          ['ipaExternalMember', ['S-1-5-21-1-2-3-512']],
        ],
      ),
    ])
    const s = readLdif(ldif, {
      url: 'ldap://unused',
      bindDn: 'cn=x',
      password: 'x',
      ...managerConfigs.freeipa,
    })._unsafeUnwrap()
    expect(group(s, 'mm_x')).toMatchObject({
      memberUsernames: ['mona'],
      status: 'complete',
      managerUsernames: ['ned'],
      managersUnavailableReason: 'manager group(s) owners could not be read completely',
    })
  })

  it('makes managers admins through rules with managers: admin', () => {
    const s = read('freeipa')
    const target = {
      users: ['mona', 'ned', 'olga', 'quinn'].map((n) => ({
        id: `U-${n}`,
        username: n,
        systemRole: 'user' as const,
      })),
      teams: [{ id: 'T', name: 'rl', groupConstrained: false }],
      channels: [
        {
          id: 'C',
          teamId: 'T',
          name: 'infrastructure',
          type: 'P' as const,
          groupConstrained: false,
        },
      ],
    }
    const load = groupsFromDirectory(s, target, {
      matchBy: 'username',
      rules: [{ kind: 'pattern', pattern: 'mm_{team}_{channel}', managers: 'admin' }],
    })
    const plan = planSync({ ...emptyState, ...target, groups: load.groups, links: load.links })
    expect(
      plan.commands
        .filter((c) => c.kind === 'addChannelMember')
        .map((c) => `${c.userId} ${'role' in c ? c.role : ''}`)
        .sort(),
    ).toEqual(['U-mona admin', 'U-ned admin', 'U-olga admin', 'U-quinn member'])
  })
})
