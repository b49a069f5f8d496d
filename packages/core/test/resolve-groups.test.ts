import type { User } from '../src/index.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DirectorySnapshot, DirectoryUser } from '../src/directory-snapshot.js'
import { resolveGroups } from '../src/resolve-groups.js'

const du = (username: string, extra: Partial<DirectoryUser> = {}): DirectoryUser => ({
  dn: `uid=${username},cn=users,dc=x`,
  id: `id-${username}`,
  username,
  email: `${username}@x.test`,
  disabled: false,
  ...extra,
})
const mm = (id: string, username: string, extra: Partial<User> = {}): User => ({
  id,
  username,
  systemRole: 'user',
  ...extra,
})

const snapshot: DirectorySnapshot = {
  users: [du('alice'), du('bob'), du('carol', { disabled: true }), du('dave'), du('eve')],
  groups: [
    {
      dn: 'cn=infra,dc=x',
      id: 'g1',
      name: 'infra',
      memberUsernames: ['alice', 'bob', 'carol', 'dave'],
      status: 'complete',
      nesting: { bob: ['infra', 'leads'] },
    },
    { dn: 'cn=docs,dc=x', id: 'g2', name: 'docs', memberUsernames: ['eve'], status: 'unavailable' },
  ],
  warnings: [],
}

describe('resolveGroups', () => {
  it('should map members to Mattermost ids case-insensitively and keep nesting and status', () => {
    const users = [mm('U1', 'ALICE'), mm('U2', 'bob'), mm('U3', 'carol'), mm('U5', 'eve')]
    const r = resolveGroups(snapshot, users, { matchBy: 'username' })
    expect(r.groups).toEqual([
      {
        id: 'g1',
        name: 'infra',
        memberIds: ['U1', 'U2'],
        status: 'complete',
        nesting: { U2: ['infra', 'leads'] },
      },
      { id: 'g2', name: 'docs', memberIds: ['U5'], status: 'unavailable' },
    ])
    expect(r.unmatched).toEqual([
      {
        kind: 'noMattermostUser',
        username: 'dave',
        dn: 'uid=dave,cn=users,dc=x',
        groups: ['infra'],
        message:
          'dave (uid=dave,cn=users,dc=x) has no Mattermost account matching by username: not added to the teams and channels of infra',
      },
    ])
    expect(r.disabled).toEqual(['carol'])
  })

  it('should keep nesting as links: subgroup ids, and the direct members as Mattermost ids', () => {
    const linked: DirectorySnapshot = {
      users: [du('alice'), du('bob'), du('carol')],
      groups: [
        {
          dn: 'cn=infra,dc=x',
          id: 'g1',
          name: 'infra',
          memberUsernames: ['alice', 'bob', 'carol'],
          status: 'complete',
          subgroupIds: ['g2'],
          directMemberUsernames: ['alice', 'carol'],
        },
        {
          dn: 'cn=leads,dc=x',
          id: 'g2',
          name: 'leads',
          memberUsernames: ['bob'],
          status: 'complete',
        },
      ],
      warnings: [],
    }
    const r = resolveGroups(linked, [mm('U1', 'alice'), mm('U2', 'bob')], { matchBy: 'username' })
    expect(r.groups).toEqual([
      {
        id: 'g1',
        name: 'infra',
        memberIds: ['U1', 'U2'],
        status: 'complete',
        subgroupIds: ['g2'],
        directMemberIds: ['U1'],
      },
      { id: 'g2', name: 'leads', memberIds: ['U2'], status: 'complete' },
    ])
  })

  it('should match by email or authData', () => {
    const byEmail = resolveGroups(snapshot, [mm('U1', 'x', { email: 'Alice@X.test' })], {
      matchBy: 'email',
    })
    expect(byEmail.groups[0]?.memberIds).toEqual(['U1'])
    const byId = resolveGroups(snapshot, [mm('U2', 'y', { authData: 'ID-BOB' })], {
      matchBy: 'authData',
    })
    expect(byId.groups[0]?.memberIds).toEqual(['U2'])
  })

  it('should report and leave out a directory user matching two Mattermost users', () => {
    const r = resolveGroups(snapshot, [mm('U1', 'alice'), mm('U9', 'Alice'), mm('U2', 'bob')], {
      matchBy: 'username',
    })
    expect(r.groups[0]?.memberIds).toEqual(['U2'])
    expect(r.ambiguous).toEqual([
      {
        kind: 'severalMattermostUsers',
        username: 'alice',
        dn: 'uid=alice,cn=users,dc=x',
        userIds: ['U1', 'U9'],
        groups: ['infra'],
        message:
          'alice (uid=alice,cn=users,dc=x) matches 2 Mattermost users by username (U1, U9): left out of the teams and channels of infra',
      },
    ])
  })

  it('should report and leave out a Mattermost user claimed by two directory users', () => {
    const s: DirectorySnapshot = {
      ...snapshot,
      users: [du('alice'), du('alice2', { email: 'alice@x.test' })],
      groups: [{ ...snapshot.groups[0]!, memberUsernames: ['alice', 'alice2'] }],
    }
    const r = resolveGroups(s, [mm('U1', 'a', { email: 'ALICE@x.test' })], { matchBy: 'email' })
    expect(r.groups[0]?.memberIds).toEqual([])
    expect(r.ambiguous).toMatchObject([{ kind: 'severalDirectoryUsers', userId: 'U1' }])
  })

  it('should never match bots', () => {
    const r = resolveGroups(snapshot, [mm('B1', 'alice', { isBot: true })], { matchBy: 'username' })
    expect(r.groups[0]?.memberIds).toEqual([])
  })

  const caseArb = (s: string) =>
    fc
      .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
      .map((flags) => Array.from(s, (c, i) => (flags[i] ? c.toUpperCase() : c)).join(''))

  it('should always give the same result whatever the case of Mattermost usernames', () => {
    const names = ['alice', 'bob', 'carol', 'dave', 'eve']
    fc.assert(
      fc.property(fc.tuple(...names.map(caseArb)), fc.subarray(names), (cased, present) => {
        const users = names.flatMap((n, i) => (present.includes(n) ? [mm(`U${i}`, cased[i]!)] : []))
        const lower = names.flatMap((n, i) => (present.includes(n) ? [mm(`U${i}`, n)] : []))
        expect(resolveGroups(snapshot, users, { matchBy: 'username' })).toEqual(
          resolveGroups(snapshot, lower, { matchBy: 'username' }),
        )
      }),
    )
  })

  it('should never put a user with an ambiguous match into a group', () => {
    const names = ['alice', 'bob', 'dave', 'eve']
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...names), fc.constantFrom('U1', 'U2', 'U3', 'U4', 'U5', 'U6')),
          { maxLength: 8 },
        ),
        (pairs) => {
          const users = pairs.map(([n, id]) => mm(id, n))
          const r = resolveGroups(snapshot, users, { matchBy: 'username' })
          const idsPerName = new Map(
            names.map((n) => [n, new Set(users.filter((u) => u.username === n).map((u) => u.id))]),
          )
          const namesPerId = new Map<string, Set<string>>()
          for (const u of users)
            namesPerId.set(u.id, new Set([...(namesPerId.get(u.id) ?? []), u.username]))
          for (const g of r.groups)
            for (const id of g.memberIds) {
              expect(namesPerId.get(id)?.size).toBe(1)
              const [name] = [...namesPerId.get(id)!]
              expect(idsPerName.get(name!)?.size).toBe(1)
            }
        },
      ),
    )
  })
})
