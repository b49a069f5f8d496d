import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyPlan,
  normalizeState,
  planSync,
  type SyncCommand,
  type SyncState,
} from '@grouproles/core'
import { syncCommandArb, syncStateArb } from '@grouproles/core/testing'
import {
  channel,
  channelMember,
  channelRef,
  clone,
  group,
  link,
  state,
  team,
  teamMember,
  teamRef,
  user,
} from './support/fixtures.js'
import { activeTeamRow, channelRow, findChannel, hasHistory, teamRow } from './support/oracle.js'

const rl = state({
  users: [user('alice'), user('bob'), user('carol', { systemRole: 'guest' })],
  groups: [group('mm_rl_infra', ['alice', 'bob'])],
  teams: [team('rl', { groupConstrained: true }), team('ops')],
  channels: [
    channel('infrastructure', 'rl'),
    channel('town-square', 'rl', { type: 'O' }),
    channel('dm', 'rl', { type: 'D' }),
    channel('alerts', 'ops', { type: 'O' }),
  ],
  links: [link('mm_rl_infra', teamRef('rl')), link('mm_rl_infra', channelRef('infrastructure'))],
  teamMembers: [
    teamMember('rl', 'alice', { schemeAdmin: true }),
    teamMember('ops', 'alice'),
    teamMember('rl', 'bob', { deleted: true, schemeAdmin: true }),
  ],
  channelMembers: [
    channelMember('infrastructure', 'alice'),
    channelMember('town-square', 'alice'),
    channelMember('dm', 'alice'),
    channelMember('alerts', 'alice'),
  ],
  channelHistory: [
    { channelId: 'infrastructure', userId: 'alice' },
    { channelId: 'town-square', userId: 'alice' },
    { channelId: 'dm', userId: 'alice' },
    { channelId: 'alerts', userId: 'alice' },
  ],
})

describe('applyPlan', () => {
  it('should insert a team member with flags from the role', () => {
    const after = applyPlan(rl, [
      { kind: 'addTeamMember', teamId: 'ops', userId: 'carol', role: 'guest' },
    ])

    expect(teamRow(after, 'ops', 'carol')).toEqual(
      teamMember('ops', 'carol', { schemeGuest: true }),
    )
  })

  it('should revive a soft-deleted team row with fresh flags', () => {
    const after = applyPlan(rl, [
      { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
    ])

    expect(teamRow(after, 'rl', 'bob')).toEqual(teamMember('rl', 'bob'))
  })

  it('should keep an active team row as it is on a team add', () => {
    const after = applyPlan(rl, [
      { kind: 'addTeamMember', teamId: 'rl', userId: 'alice', role: 'member' },
    ])

    expect(teamRow(after, 'rl', 'alice')).toEqual(teamMember('rl', 'alice', { schemeAdmin: true }))
  })

  it('should add a channel member and write channel history', () => {
    const after = applyPlan(rl, {
      commands: [
        { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'admin' },
      ],
    })

    expect(channelRow(after, 'infrastructure', 'bob')).toEqual(
      channelMember('infrastructure', 'bob', { schemeAdmin: true }),
    )
    expect(hasHistory(after, 'infrastructure', 'bob')).toBe(true)
  })

  it('should set the admin flag of active rows only', () => {
    const after = applyPlan(rl, [
      { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: false },
      { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'bob', schemeAdmin: false },
      {
        kind: 'setChannelMemberAdmin',
        channelId: 'infrastructure',
        userId: 'alice',
        schemeAdmin: true,
      },
      {
        kind: 'setChannelMemberAdmin',
        channelId: 'infrastructure',
        userId: 'carol',
        schemeAdmin: true,
      },
    ])

    expect(teamRow(after, 'rl', 'alice')?.schemeAdmin).toBe(false)
    expect(teamRow(after, 'rl', 'bob')).toEqual(
      teamMember('rl', 'bob', { deleted: true, schemeAdmin: true }),
    )
    expect(channelRow(after, 'infrastructure', 'alice')?.schemeAdmin).toBe(true)
    expect(channelRow(after, 'infrastructure', 'carol')).toBeUndefined()
  })

  it('should soft-delete a team row and remove the user from that team’s O/P channels only', () => {
    const after = applyPlan(rl, [{ kind: 'removeTeamMember', teamId: 'rl', userId: 'alice' }])

    expect(teamRow(after, 'rl', 'alice')?.deleted).toBe(true)
    expect(after.channelMembers).toEqual([
      channelMember('dm', 'alice'),
      channelMember('alerts', 'alice'),
    ])
    expect(after.channelHistory).toEqual(rl.channelHistory)
    expect(activeTeamRow(after, 'ops', 'alice')).toBeDefined()
  })

  it('should delete a channel row and keep its history', () => {
    const after = applyPlan(rl, [
      { kind: 'removeChannelMember', channelId: 'infrastructure', userId: 'alice' },
    ])

    expect(channelRow(after, 'infrastructure', 'alice')).toBeUndefined()
    expect(hasHistory(after, 'infrastructure', 'alice')).toBe(true)
  })

  it('should leave users, groups, teams, channels and links alone', () => {
    const after = applyPlan(rl, planSync(rl))

    expect(after.users).toEqual(rl.users)
    expect(after.groups).toEqual(rl.groups)
    expect(after.teams).toEqual(rl.teams)
    expect(after.channels).toEqual(rl.channels)
    expect(after.links).toEqual(rl.links)
  })

  const stateAndCommands = syncStateArb().chain((s) =>
    fc.tuple(fc.constant(s), fc.array(syncCommandArb(s), { maxLength: 8 })),
  )

  it('should never change its input', () => {
    fc.assert(
      fc.property(stateAndCommands, ([s, commands]) => {
        const before = clone(s)

        applyPlan(s, commands)

        expect(s).toEqual(before)
      }),
    )
  })

  it('should always make each command’s effect hold, and change nothing else', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => fc.tuple(fc.constant(s), syncCommandArb(s))),
        ([s, c]) => {
          const after = applyPlan(s, [c])
          const teamId = 'teamId' in c ? c.teamId : findChannel(s, c.channelId)?.teamId
          const touched = (kind: 'team' | 'channel', id: string, userId: string) => {
            if (userId !== c.userId) return false
            if (kind === 'team') return 'teamId' in c && c.teamId === id
            if ('channelId' in c) return c.channelId === id
            return (
              c.kind === 'removeTeamMember' &&
              findChannel(s, id)?.teamId === teamId &&
              ['O', 'P'].includes(findChannel(s, id)?.type ?? '')
            )
          }

          switch (c.kind) {
            case 'addTeamMember': {
              const before = activeTeamRow(s, c.teamId, c.userId)
              const row = activeTeamRow(after, c.teamId, c.userId)
              expect(row).toEqual(
                before ??
                  teamMember(c.teamId, c.userId, {
                    schemeAdmin: c.role === 'admin',
                    schemeGuest: c.role === 'guest',
                  }),
              )
              break
            }
            case 'addChannelMember': {
              const before = channelRow(s, c.channelId, c.userId)
              const row = channelRow(after, c.channelId, c.userId)
              expect(row).toEqual(
                before ??
                  channelMember(c.channelId, c.userId, {
                    schemeAdmin: c.role === 'admin',
                    schemeGuest: c.role === 'guest',
                  }),
              )
              expect(hasHistory(after, c.channelId, c.userId)).toBe(true)
              break
            }
            case 'setTeamMemberAdmin': {
              const before = activeTeamRow(s, c.teamId, c.userId)
              expect(teamRow(after, c.teamId, c.userId)).toEqual(
                before === undefined
                  ? teamRow(s, c.teamId, c.userId)
                  : { ...before, schemeAdmin: c.schemeAdmin },
              )
              break
            }
            case 'setChannelMemberAdmin': {
              const before = channelRow(s, c.channelId, c.userId)
              expect(channelRow(after, c.channelId, c.userId)).toEqual(
                before === undefined ? undefined : { ...before, schemeAdmin: c.schemeAdmin },
              )
              break
            }
            case 'removeTeamMember': {
              const before = teamRow(s, c.teamId, c.userId)
              expect(teamRow(after, c.teamId, c.userId)).toEqual(
                before === undefined ? undefined : { ...before, deleted: true },
              )
              break
            }
            case 'removeChannelMember':
              expect(channelRow(after, c.channelId, c.userId)).toBeUndefined()
          }
          // Frame: every row the command does not name stays exactly as it was.
          const teamRows = (x: SyncState) =>
            x.teamMembers.filter((m) => !touched('team', m.teamId, m.userId))
          const channelRows = (x: SyncState) =>
            x.channelMembers.filter((m) => !touched('channel', m.channelId, m.userId))
          expect(sorted(teamRows(after))).toEqual(sorted(teamRows(s)))
          expect(sorted(channelRows(after))).toEqual(sorted(channelRows(s)))
          for (const h of s.channelHistory)
            expect(hasHistory(after, h.channelId, h.userId)).toBe(true)
          expect(after.channelHistory.length - s.channelHistory.length).toBe(
            c.kind === 'addChannelMember' && !hasHistory(s, c.channelId, c.userId) ? 1 : 0,
          )
        },
      ),
    )
  })

  it('should always make a single command idempotent', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => fc.tuple(fc.constant(s), syncCommandArb(s))),
        ([s, c]) => {
          const once = applyPlan(s, [c])

          expect(normalizeState(applyPlan(once, [c]))).toEqual(normalizeState(once))
        },
      ),
    )
  })

  it('should always apply a list like one command after the other', () => {
    fc.assert(
      fc.property(stateAndCommands, ([s, commands]) => {
        const stepwise = commands.reduce<SyncState>((acc, c: SyncCommand) => applyPlan(acc, [c]), s)

        expect(normalizeState(applyPlan(s, commands))).toEqual(normalizeState(stepwise))
        expect(normalizeState(applyPlan(s, { commands }))).toEqual(normalizeState(stepwise))
      }),
    )
  })
})

function sorted(rows: readonly object[]): string[] {
  return rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort()
}
