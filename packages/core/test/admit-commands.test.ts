import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  admitCommands,
  inadmissibleCommands,
  planSync,
  toSyncCommand,
  withGroupLoad,
  type SyncCommand,
  type SyncState,
} from '../src/index.js'
import {
  denseStateArb,
  foreignCommandArb,
  shuffledStateArb,
  syncPolicyArb,
  syncStateArb,
  untidyStateArb,
} from '../src/testing/index.js'

const isMattermostId = (id: string): boolean => /^[a-z0-9]{26}$/.test(id)
const mmId = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`

const [alice, bob, guest, bot, root, gone] = ['a', 'b', 'g', 'r', 's', 'd'].map((p) =>
  mmId(p, 1),
) as [string, string, string, string, string, string]
const [eng, linked, old] = [1, 2, 3].map((n) => mmId('t', n)) as [string, string, string]
const [ops, dm, archived, townSquare, general] = [1, 2, 3, 4, 5].map((n) => mmId('c', n)) as [
  string,
  string,
  string,
  string,
  string,
]
const devs = mmId('g', 1)

// eng: managed, linked to devs (alice) with auto-add and scheme-admin; ops in eng linked likewise;
// linked: not constrained, devs linked without auto-add; old: deleted.
const state: SyncState = {
  users: [
    { id: alice, username: 'alice', systemRole: 'user' },
    { id: bob, username: 'bob', systemRole: 'user' },
    { id: guest, username: 'gina', systemRole: 'guest' },
    { id: bot, username: 'robot', systemRole: 'user', isBot: true },
    { id: root, username: 'root', systemRole: 'admin' },
    { id: gone, username: 'gone', systemRole: 'user', deactivated: true },
  ],
  groups: [{ id: devs, name: 'devs', memberIds: [alice, guest, gone] }],
  links: [
    { groupId: devs, syncable: { kind: 'team', id: eng }, autoAdd: true, schemeAdmin: true },
    { groupId: devs, syncable: { kind: 'channel', id: ops }, autoAdd: true, schemeAdmin: false },
    { groupId: devs, syncable: { kind: 'team', id: linked }, autoAdd: false, schemeAdmin: true },
  ],
  teams: [
    { id: eng, name: 'eng', groupConstrained: false, managed: true },
    { id: linked, name: 'linked', groupConstrained: false },
    { id: old, name: 'old', groupConstrained: true, deleted: true },
  ],
  channels: [
    { id: ops, teamId: eng, name: 'ops', type: 'O', groupConstrained: false, managed: true },
    { id: dm, teamId: '', name: `${alice}__${bob}`, type: 'D', groupConstrained: false },
    { id: archived, teamId: eng, name: 'attic', type: 'O', groupConstrained: false, deleted: true },
    {
      id: townSquare,
      teamId: eng,
      name: 'town-square',
      type: 'O',
      groupConstrained: false,
      managed: true,
      defaultChannel: true,
    },
    { id: general, teamId: old, name: 'general', type: 'O', groupConstrained: false },
  ],
  teamMembers: [{ teamId: eng, userId: bob, schemeAdmin: true, schemeGuest: false }],
  channelMembers: [],
  channelHistory: [],
}

const reasonOf = (command: SyncCommand, s: SyncState = state, policy = {}) =>
  admitCommands([command], s, { isId: isMattermostId, policy }).refused.map((r) => r.reason)

describe('admitCommands', () => {
  it('should refuse the reproductions of issue 14 with a typed reason each', () => {
    // A user added to a direct-message channel, an admin of a team no rule links, a crafted id.
    const commands: SyncCommand[] = [
      { kind: 'addChannelMember', channelId: dm, userId: alice, role: 'member' },
      { kind: 'addTeamMember', teamId: mmId('t', 9), userId: alice, role: 'admin' },
      { kind: 'setTeamMemberAdmin', teamId: linked, userId: bob, schemeAdmin: true },
      { kind: 'addTeamMember', teamId: "x');DROP TABLE users;--", userId: alice, role: 'member' },
    ]

    const { admitted, refused } = admitCommands(commands, state, { isId: isMattermostId })

    expect(admitted).toEqual([])
    expect(refused.map((r) => [r.index, r.reason])).toEqual([
      [0, 'directChannel'],
      [1, 'unknownTeam'],
      [2, 'unjustified'],
      [3, 'malformedId'],
    ])
    expect(refused[3]?.message).toContain('#4 addTeamMember user a')
    expect(refused[3]?.message).toContain("team id x');DROP TABLE users;-- is malformed")
  })

  it('should refuse commands on archived, deleted and unknown syncables and users', () => {
    expect(
      reasonOf({ kind: 'addChannelMember', channelId: archived, userId: alice, role: 'member' }),
    ).toEqual(['archivedChannel'])
    expect(reasonOf({ kind: 'removeChannelMember', channelId: general, userId: bob })).toEqual([
      'archivedTeam',
    ])
    expect(reasonOf({ kind: 'removeTeamMember', teamId: old, userId: bob })).toEqual([
      'archivedTeam',
    ])
    expect(reasonOf({ kind: 'removeChannelMember', channelId: mmId('c', 9), userId: bob })).toEqual(
      ['unknownChannel'],
    )
    expect(
      reasonOf({ kind: 'addTeamMember', teamId: eng, userId: mmId('u', 9), role: 'member' }),
    ).toEqual(['unknownUser'])
    expect(reasonOf({ kind: 'addTeamMember', teamId: eng, userId: gone, role: 'member' })).toEqual([
      'deletedUser',
    ])
  })

  it('should admit adds through a live auto-add link and refuse them without one', () => {
    expect(reasonOf({ kind: 'addTeamMember', teamId: eng, userId: alice, role: 'admin' })).toEqual(
      [],
    )
    expect(
      reasonOf({ kind: 'addChannelMember', channelId: ops, userId: alice, role: 'member' }),
    ).toEqual([])
    expect(reasonOf({ kind: 'addTeamMember', teamId: eng, userId: bob, role: 'member' })).toEqual([
      'unjustified',
    ])
    // Linked, but without auto-add: a sync never adds there.
    expect(
      reasonOf({ kind: 'addTeamMember', teamId: linked, userId: alice, role: 'member' }),
    ).toEqual(['unjustified'])
    expect(
      reasonOf({ kind: 'addChannelMember', channelId: ops, userId: alice, role: 'admin' }),
    ).toEqual(['unjustified'])
  })

  it('should refuse roles that contradict the user', () => {
    expect(reasonOf({ kind: 'addTeamMember', teamId: eng, userId: guest, role: 'member' })).toEqual(
      ['roleMismatch'],
    )
    expect(reasonOf({ kind: 'addTeamMember', teamId: eng, userId: alice, role: 'guest' })).toEqual([
      'roleMismatch',
    ])
    expect(
      reasonOf({ kind: 'setTeamMemberAdmin', teamId: eng, userId: guest, schemeAdmin: true }),
    ).toEqual(['roleMismatch'])
    expect(reasonOf({ kind: 'addTeamMember', teamId: eng, userId: guest, role: 'guest' })).toEqual(
      [],
    )
  })

  it("should admit a team's channel links and default-channel joins of the same commands only", () => {
    const viaChannel: SyncState = {
      ...state,
      links: state.links.filter((l) => l.syncable.kind === 'channel'),
    }
    const teamAdd: SyncCommand = {
      kind: 'addTeamMember',
      teamId: eng,
      userId: alice,
      role: 'member',
    }
    const join: SyncCommand = {
      kind: 'addChannelMember',
      channelId: townSquare,
      userId: alice,
      role: 'member',
    }

    expect(reasonOf(teamAdd, viaChannel)).toEqual([])
    expect(admitCommands([teamAdd, join], state).refused).toEqual([])
    expect(admitCommands([join, teamAdd], state).refused.map((r) => [r.index, r.reason])).toEqual([
      [0, 'unjustified'],
    ])
  })

  it('should admit removals and demotions only on constrained syncables, of users in no linked group', () => {
    expect(reasonOf({ kind: 'removeTeamMember', teamId: eng, userId: bob })).toEqual([])
    expect(
      reasonOf({ kind: 'setTeamMemberAdmin', teamId: eng, userId: bob, schemeAdmin: false }),
    ).toEqual([])
    expect(reasonOf({ kind: 'removeTeamMember', teamId: eng, userId: alice })).toEqual([
      'unjustified',
    ])
    expect(
      reasonOf({ kind: 'setTeamMemberAdmin', teamId: eng, userId: alice, schemeAdmin: false }),
    ).toEqual(['unjustified'])
    expect(reasonOf({ kind: 'removeTeamMember', teamId: linked, userId: bob })).toEqual([
      'unjustified',
    ])
    // Non-guests stay in town-square; bots and bypassed system admins are never removed.
    expect(reasonOf({ kind: 'removeChannelMember', channelId: townSquare, userId: bob })).toEqual([
      'unjustified',
    ])
    expect(reasonOf({ kind: 'removeTeamMember', teamId: eng, userId: bot })).toEqual(['exemptUser'])
    expect(
      reasonOf({ kind: 'removeTeamMember', teamId: eng, userId: root }, state, {
        sysadmins: 'bypass',
      }),
    ).toEqual(['exemptUser'])
    expect(
      reasonOf({ kind: 'removeTeamMember', teamId: eng, userId: root }, state, {
        sysadmins: 'asUsers',
      }),
    ).toEqual([])
  })

  it('should admit role changes on merely linked syncables unless roleSync is groupConstrained', () => {
    const demote: SyncCommand = {
      kind: 'setTeamMemberAdmin',
      teamId: linked,
      userId: bob,
      schemeAdmin: false,
    }
    expect(reasonOf(demote)).toEqual([])
    expect(reasonOf(demote, state, { roleSync: 'allLinked' })).toEqual([])
    expect(reasonOf(demote, state, { roleSync: 'groupConstrained' })).toEqual(['unjustified'])
  })

  it('should refuse removals and demotions where a linked group could not be read', () => {
    const unread: SyncState = {
      ...state,
      groups: [
        ...state.groups,
        { id: mmId('g', 2), name: 'lost', memberIds: [], status: 'unavailable' },
      ],
      links: [
        ...state.links,
        {
          groupId: mmId('g', 2),
          syncable: { kind: 'team', id: eng },
          autoAdd: false,
          schemeAdmin: false,
        },
      ],
    }
    expect(reasonOf({ kind: 'removeTeamMember', teamId: eng, userId: bob }, unread)).toEqual([
      'groupUnavailable',
    ])
    expect(
      reasonOf(
        { kind: 'setTeamMemberAdmin', teamId: eng, userId: bob, schemeAdmin: false },
        unread,
      ),
    ).toEqual(['groupUnavailable'])
  })

  it('should judge by a group load in place of the target state’s own groups', () => {
    const target: SyncState = {
      ...state,
      groups: [],
      links: [],
      teams: state.teams.map((t) => ({ ...t, managed: false })),
    }
    const add: SyncCommand = { kind: 'addTeamMember', teamId: eng, userId: alice, role: 'admin' }
    const remove: SyncCommand = { kind: 'removeTeamMember', teamId: eng, userId: bob }

    expect(admitCommands([add, remove], target).refused.map((r) => r.reason)).toEqual([
      'unjustified',
      'unjustified',
    ])
    const load = {
      groups: state.groups,
      links: state.links,
      managed: [{ syncable: { kind: 'team' as const, id: eng }, by: 'rule 1' }],
    }
    expect(admitCommands([add, remove], withGroupLoad(target, load)).refused).toEqual([])
  })

  it('should name the refused commands in one error, escaped and cut short', () => {
    const hostile = `\u001b[2K${'x'.repeat(100)}`
    const { refused } = admitCommands(
      Array.from({ length: 7 }, (): SyncCommand => ({
        kind: 'removeTeamMember',
        teamId: hostile,
        userId: bob,
      })),
      state,
    )
    const error = inadmissibleCommands(refused, 9)

    expect(error.kind).toBe('inadmissibleCommands')
    expect(error.refused).toHaveLength(7)
    expect(error.message).toMatch(/^refused: 7 of 9 commands/)
    expect(error.message).toContain('; and 2 more')
    expect(error.message).not.toContain('\u001b')
    expect(error.message).not.toContain('x'.repeat(65))
  })

  it('should always admit every command and held command planSync makes', () => {
    const states = fc.oneof(
      denseStateArb(),
      syncStateArb(),
      denseStateArb().chain(untidyStateArb).chain(shuffledStateArb),
    )
    fc.assert(
      fc.property(states, syncPolicyArb(), fc.boolean(), (s, policy, withPolicy) => {
        const plan = planSync(s, policy)
        const all = [...plan.commands, ...plan.held].map(toSyncCommand)

        const { refused } = admitCommands(all, s, withPolicy ? { policy } : {})

        expect(refused).toEqual([])
      }),
      { numRuns: 400 },
    )
  })

  it('should always refuse foreign commands with the right reason, and only them', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain(foreignCommandArb),
        syncPolicyArb(),
        fc.nat(),
        ({ state: s, command, reason }, policy, at) => {
          const planned = planSync(s, policy).commands.map(toSyncCommand)
          const index = at % (planned.length + 1)
          // A foreign command ahead of the planned ones: nothing it could have justified comes before.
          const commands = [...planned.slice(0, index), command, ...planned.slice(index)]

          const { admitted, refused } = admitCommands(commands, s, { isId: isMattermostId, policy })

          expect(refused.map((r) => [r.index, r.reason])).toEqual([[index, reason]])
          expect(admitted).toEqual(planned)
        },
      ),
      { numRuns: 300 },
    )
  })
})
