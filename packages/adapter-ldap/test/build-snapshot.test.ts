import { directoryWarning } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import { buildSnapshot } from '../src/build-snapshot.js'
import { toDirectoryEntry } from '../src/directory-entry.js'
import { resolveLdapConfig } from '../src/ldap-directory-config.js'

const schema = resolveLdapConfig({
  url: 'ldap://x',
  bindDn: 'cn=x,dc=x',
  password: 'x',
  preset: 'openldap',
  baseDn: 'dc=x',
})._unsafeUnwrap()
const user = (uid: string) =>
  toDirectoryEntry(`uid=${uid},ou=people,dc=x`, [
    ['uid', uid],
    ['entryUUID', `id-${uid}`],
  ])
const group = (cn: string, attrs: [string, string[]][]) => ({
  entry: toDirectoryEntry(`cn=${cn},ou=groups,dc=x`, [
    ['cn', cn],
    ['entryUUID', `g-${cn}`],
    ...attrs,
  ]),
})

describe('buildSnapshot', () => {
  it('should mark a group unavailable when a group nested in it is, and keep its known members', () => {
    const s = buildSnapshot(
      [user('a'), user('b')],
      [
        group('outer', [['member', ['uid=a,ou=people,dc=x', 'cn=inner,ou=groups,dc=x']]]),
        {
          ...group('inner', [['member', ['uid=b,ou=people,dc=x']]]),
          unavailableReason: 'range failed',
        },
      ],
      schema,
    )._unsafeUnwrap()
    expect(s.groups.map((g) => [g.name, g.memberUsernames, g.status, g.unavailableReason])).toEqual(
      [
        ['outer', ['a', 'b'], 'unavailable', 'a nested group could not be read'],
        ['inner', ['b'], 'unavailable', 'range failed'],
      ],
    )
  })

  it('should keep nesting as links to group ids, with the direct members apart', () => {
    const s = buildSnapshot(
      [user('a'), user('b'), user('c')],
      [
        group('outer', [['member', ['uid=a,ou=people,dc=x', 'cn=mid,ou=groups,dc=x']]]),
        group('mid', [['member', ['cn=leaf,ou=groups,dc=x', 'cn=outer,ou=groups,dc=x']]]),
        group('leaf', [['member', ['uid=b,ou=people,dc=x', 'uid=c,ou=people,dc=x']]]),
      ],
      schema,
    )._unsafeUnwrap()
    const [outer, mid, leaf] = s.groups
    expect(outer).toMatchObject({
      memberUsernames: ['a', 'b', 'c'],
      subgroupIds: ['g-mid'],
      directMemberUsernames: ['a'],
    })
    expect(mid).toMatchObject({ subgroupIds: ['g-leaf', 'g-outer'], directMemberUsernames: [] })
    // outer and mid are one cycle: one member list, shared.
    expect(mid?.memberUsernames).toBe(outer?.memberUsernames)
    expect(leaf).not.toHaveProperty('subgroupIds')
    expect(leaf).not.toHaveProperty('nesting')
  })

  it('should refuse nesting deeper than limits.maxNestingDepth, naming the top group', () => {
    const chain = Array.from({ length: 12 }, (_, i) =>
      group(`g${i}`, [['member', [`uid=a,ou=people,dc=x`, `cn=g${i + 1},ou=groups,dc=x`]]]),
    )
    const limited = { ...schema, limits: { ...schema.limits, maxNestingDepth: 10 } }
    expect(buildSnapshot([user('a')], chain, limited)._unsafeUnwrapErr()).toMatchObject({
      kind: 'readLimit',
      limit: 'nestingDepth',
      max: 10,
      group: 'g0',
    })
    const enough = { ...schema, limits: { ...schema.limits, maxNestingDepth: 11 } }
    expect(buildSnapshot([user('a')], chain, enough).isOk()).toBe(true)
  })

  it('should mark a group unavailable when it nests a group the read did not return', () => {
    // e.g. an external group without ipaUserGroup, or one a narrower groupFilter leaves out: its
    // members are unknown, so the parent must freeze rather than look smaller.
    const s = buildSnapshot(
      [user('a')],
      [
        group('outer', [['member', ['uid=a,ou=people,dc=x', 'CN=Filtered,OU=Groups,DC=x']]]),
        group('top', [['member', ['cn=outer,ou=groups,dc=x']]]),
        group('plain', [['member', ['uid=a,ou=people,dc=x', 'cn=host,ou=hosts,dc=x']]]),
      ],
      schema,
    )._unsafeUnwrap()
    expect(s.groups.map((g) => [g.name, g.memberUsernames, g.status])).toEqual([
      ['outer', ['a'], 'unavailable'],
      ['top', ['a'], 'unavailable'],
      ['plain', ['a'], 'complete'],
    ])
    expect(s.groups[0]?.unavailableReason).toBe(
      '1 nested group(s) outside the group filter could not be read: cn=filtered,ou=groups,dc=x',
    )
    expect(s.warnings).toContainEqual(
      directoryWarning({
        kind: 'groupUnavailable',
        group: 'outer',
        reason:
          '1 nested group(s) outside the group filter could not be read: cn=filtered,ou=groups,dc=x',
      }),
    )
  })

  it('should not guess when users and groups share a container (an unread DN there may be anything)', () => {
    const shared = { ...schema, usersDn: 'dc=x', groupsDn: 'dc=x' }
    const s = buildSnapshot(
      [user('a')],
      [group('g', [['member', ['uid=a,ou=people,dc=x', 'cn=filtered,ou=groups,dc=x']]])],
      shared,
    )._unsafeUnwrap()
    expect(s.groups[0]?.status).toBe('complete')
    expect(s.warnings).toContainEqual(
      directoryWarning({
        kind: 'unresolvedMembers',
        group: 'g',
        count: 1,
        examples: ['cn=filtered,ou=groups,dc=x'],
      }),
    )
  })

  it('should resolve uniqueMember with an optional uid and memberUid, without duplicates', () => {
    const s = buildSnapshot(
      [user('a'), user('b')],
      [
        group('g', [
          ['uniqueMember', ["uid=a,ou=people,dc=x#'0101'B"]],
          ['memberUid', ['A', 'b']],
        ]),
      ],
      schema,
    )._unsafeUnwrap()
    expect(s.groups[0]?.memberUsernames).toEqual(['a', 'b'])
  })

  it('should warn about members that are not users it read', () => {
    const s = buildSnapshot(
      [user('a')],
      [group('g', [['member', ['uid=a,ou=people,dc=x', 'cn=host,ou=hosts,dc=x']]])],
      schema,
    )._unsafeUnwrap()
    expect(s.warnings).toContainEqual(
      directoryWarning({
        kind: 'unresolvedMembers',
        group: 'g',
        count: 1,
        examples: ['cn=host,ou=hosts,dc=x'],
      }),
    )
    expect(s.groups[0]?.status).toBe('complete')
  })

  it('should resolve every spelling of a member DN to the same user, across groups', () => {
    const s = buildSnapshot(
      [user('a'), user('b')],
      [
        group('g1', [['member', ['UID=A, OU=People,DC=x', 'uid=b,ou=people,dc=x']]]),
        group('g2', [
          ['member', ['uid=a,ou=people,dc=x', 'uid = B ,ou=people,dc=x', 'uid=a,ou=people,dc=x']],
        ]),
        group('g3', [['member', ['uid=a,ou=people,dc=x', 'not a dn']]]),
      ],
      schema,
    )._unsafeUnwrap()
    expect(s.groups.map((g) => [g.name, g.memberUsernames, g.status])).toEqual([
      ['g1', ['a', 'b'], 'complete'],
      ['g2', ['a', 'b'], 'complete'],
      ['g3', ['a'], 'unavailable'],
    ])
    expect(s.groups[2]?.unavailableReason).toBe('1 member DN(s) could not be parsed')
  })
})
