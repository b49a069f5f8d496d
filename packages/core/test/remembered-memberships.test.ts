import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyPlan,
  membershipsToRemember,
  normalizeState,
  planSync,
  withRememberedMemberships,
  type ApplyReport,
  type RememberedMemberships,
  type SyncCommand,
  type SyncState,
} from '@grouproles/core'
import { mattermostIdArb, syncPolicyArb } from '@grouproles/core/testing'
import { stateArb } from './support/arbitraries.js'
import {
  channel,
  channelMember,
  channelRef,
  clone,
  commandsOf,
  group,
  link,
  state,
  team,
  teamMember,
  teamRef,
  user,
} from './support/fixtures.js'
import { channelRow, defaultJoins, hasHistory, teamRow } from './support/oracle.js'

const rl = teamRef('rl')
const infrastructure = channelRef('infrastructure')

// What the REST API shows: active team rows and channel rows, no soft-deleted rows, no history.
const s = state({
  users: [user('alice'), user('bob'), user('carol', { systemRole: 'guest' })],
  groups: [group('mm_rl_infra', ['alice', 'bob', 'carol'])],
  teams: [team('rl')],
  channels: [
    channel('infrastructure', 'rl'),
    channel('town-square', 'rl', { type: 'O', defaultChannel: true }),
  ],
  links: [link('mm_rl_infra', rl), link('mm_rl_infra', infrastructure)],
  teamMembers: [teamMember('rl', 'alice')],
  channelMembers: [channelMember('infrastructure', 'alice')],
})

const report = (outcomes: ApplyReport['outcomes']): ApplyReport => ({
  outcomes,
  counts: {
    addTeamMember: 0,
    addChannelMember: 0,
    setTeamMemberAdmin: 0,
    setChannelMemberAdmin: 0,
    removeTeamMember: 0,
    removeChannelMember: 0,
  },
})

describe('withRememberedMemberships', () => {
  it('should add a soft-deleted team row and a history row for remembered members the load does not show', () => {
    const memory: RememberedMemberships = {
      teams: [{ teamId: 'rl', userIds: ['alice', 'bob', 'carol'] }],
      channels: [{ channelId: 'infrastructure', userIds: ['alice', 'bob'] }],
    }

    const after = withRememberedMemberships(s, memory)

    expect(after.teamMembers).toEqual([
      teamMember('rl', 'alice'),
      teamMember('rl', 'bob', { deleted: true }),
      teamMember('rl', 'carol', { schemeGuest: true, deleted: true }),
    ])
    // alice is a member (her history row was missing from the load too); bob left.
    expect(after.channelHistory).toEqual([
      { channelId: 'infrastructure', userId: 'alice' },
      { channelId: 'infrastructure', userId: 'bob' },
    ])
    expect(after.channelMembers).toEqual(s.channelMembers)
  })

  it('should keep rows the load has and ignore teams, channels and users the state does not have', () => {
    const loaded = {
      ...s,
      teamMembers: [
        ...s.teamMembers,
        teamMember('rl', 'bob', { deleted: true, schemeAdmin: true }),
      ],
      channelHistory: [{ channelId: 'infrastructure', userId: 'bob' }],
    }
    const memory: RememberedMemberships = {
      teams: [
        { teamId: 'rl', userIds: ['bob', 'someone-gone'] },
        { teamId: 'archived-long-ago', userIds: ['alice'] },
      ],
      channels: [
        { channelId: 'infrastructure', userIds: ['bob'] },
        { channelId: 'deleted-channel', userIds: ['alice'] },
      ],
    }

    expect(withRememberedMemberships(loaded, memory)).toBe(loaded)
  })

  it('should keep a user who left a channel from being re-added over REST, unless asked to', () => {
    // Run 1 remembers what it saw; bob was added then left infrastructure; run 2 loads without him.
    const memory = membershipsToRemember({
      ...s,
      teamMembers: [...s.teamMembers, teamMember('rl', 'bob')],
      channelMembers: [...s.channelMembers, channelMember('infrastructure', 'bob')],
    })
    const run2 = withRememberedMemberships(
      { ...s, teamMembers: [...s.teamMembers, teamMember('rl', 'bob')] },
      memory,
    )

    const adds = (policy: { reAddRemovedMembers: boolean }) =>
      commandsOf(planSync(run2, policy)).filter((c) => c.userId === 'bob')

    expect(adds({ reAddRemovedMembers: false })).toEqual([])
    expect(adds({ reAddRemovedMembers: true })).toEqual([
      { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'member' },
    ])
  })
})

describe('membershipsToRemember', () => {
  it('should remember active team rows and channel rows, sorted and without repeats', () => {
    const loaded = {
      ...s,
      teamMembers: [
        teamMember('rl', 'bob'),
        teamMember('rl', 'alice'),
        teamMember('rl', 'alice'),
        teamMember('rl', 'carol', { deleted: true }),
      ],
    }

    expect(membershipsToRemember(loaded)).toEqual({
      teams: [{ teamId: 'rl', userIds: ['alice', 'bob'] }],
      channels: [{ channelId: 'infrastructure', userIds: ['alice'] }],
    })
  })

  it('should add what an apply made: adds done or already there, and the default channels a team add joined', () => {
    const outcomes: ApplyReport['outcomes'] = [
      {
        kind: 'done',
        command: { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
      },
      {
        kind: 'done',
        command: { kind: 'addTeamMember', teamId: 'rl', userId: 'carol', role: 'guest' },
      },
      {
        kind: 'already',
        command: { kind: 'addTeamMember', teamId: 'rl', userId: 'alice', role: 'member' },
      },
      {
        kind: 'failed',
        command: {
          kind: 'addChannelMember',
          channelId: 'infrastructure',
          userId: 'carol',
          role: 'guest',
        },
        error: { kind: 'rejected', message: 'refused' },
      },
      {
        kind: 'already',
        command: {
          kind: 'addChannelMember',
          channelId: 'infrastructure',
          userId: 'bob',
          role: 'member',
        },
      },
      { kind: 'done', command: { kind: 'removeTeamMember', teamId: 'rl', userId: 'dave' } },
    ]

    expect(membershipsToRemember(s, report(outcomes))).toEqual({
      teams: [{ teamId: 'rl', userIds: ['alice', 'bob', 'carol'] }],
      channels: [
        { channelId: 'infrastructure', userIds: ['alice', 'bob'] },
        // bob's team add joined him; carol is a guest and alice's add changed nothing.
        { channelId: 'town-square', userIds: ['bob'] },
      ],
    })
  })

  // ---------------------------------------------------------------------------------------------
  // Properties.

  /** Memory over the state's ids and ids it does not have. */
  const memoryArb = (st: SyncState): fc.Arbitrary<RememberedMemberships> => {
    const id = (known: readonly string[]) =>
      known.length === 0
        ? mattermostIdArb()
        : fc.oneof(fc.constantFrom(...known), mattermostIdArb())
    const userIds = fc.uniqueArray(id(st.users.map((u) => u.id)), { maxLength: 6 })
    return fc.record({
      teams: fc.array(fc.record({ teamId: id(st.teams.map((t) => t.id)), userIds }), {
        maxLength: 3,
      }),
      channels: fc.array(fc.record({ channelId: id(st.channels.map((c) => c.id)), userIds }), {
        maxLength: 4,
      }),
    })
  }
  const withMemory = stateArb().chain((st) => fc.tuple(fc.constant(st), memoryArb(st)))
  const sorted = (st: SyncState) => normalizeState(st)

  it('should always leave a load unchanged by remembering what it shows', () => {
    fc.assert(
      fc.property(stateArb(), (st) => {
        expect(sorted(withRememberedMemberships(st, membershipsToRemember(st)))).toEqual(sorted(st))
      }),
    )
  })

  it('should always give every remembered known pair a team row and a history row, and add nothing else', () => {
    fc.assert(
      fc.property(withMemory, ([st, memory]) => {
        const before = clone(st)
        const after = withRememberedMemberships(st, memory)
        const known = {
          user: new Set(st.users.map((u) => u.id)),
          team: new Set(st.teams.map((t) => t.id)),
          channel: new Set(st.channels.map((c) => c.id)),
        }

        expect(st).toEqual(before)
        expect({ ...after, teamMembers: [], channelHistory: [] }).toEqual({
          ...st,
          teamMembers: [],
          channelHistory: [],
        })
        expect(after.teamMembers.slice(0, st.teamMembers.length)).toEqual(st.teamMembers)
        expect(after.channelHistory.slice(0, st.channelHistory.length)).toEqual(st.channelHistory)
        for (const { teamId, userIds } of memory.teams)
          for (const userId of userIds)
            if (known.team.has(teamId) && known.user.has(userId))
              expect(teamRow(after, teamId, userId)).toBeDefined()
        for (const { channelId, userIds } of memory.channels)
          for (const userId of userIds)
            if (known.channel.has(channelId) && known.user.has(userId))
              expect(hasHistory(after, channelId, userId)).toBe(true)
        const remembered = (
          list: RememberedMemberships['teams' | 'channels'],
          id: string,
          userId: string,
        ) =>
          list.some(
            (e) => ('teamId' in e ? e.teamId : e.channelId) === id && e.userIds.includes(userId),
          )
        for (const m of after.teamMembers.slice(st.teamMembers.length)) {
          expect(m.deleted).toBe(true)
          expect(teamRow(st, m.teamId, m.userId)).toBeUndefined()
          expect(remembered(memory.teams, m.teamId, m.userId)).toBe(true)
          expect(known.team.has(m.teamId) && known.user.has(m.userId)).toBe(true)
        }
        for (const h of after.channelHistory.slice(st.channelHistory.length)) {
          expect(hasHistory(st, h.channelId, h.userId)).toBe(false)
          expect(remembered(memory.channels, h.channelId, h.userId)).toBe(true)
          expect(known.channel.has(h.channelId) && known.user.has(h.userId)).toBe(true)
        }
        expect(withRememberedMemberships(after, memory)).toBe(after)
      }),
    )
  })

  it('should never let a plan re-add a remembered member by default', () => {
    fc.assert(
      fc.property(withMemory, syncPolicyArb(), ([st, memory], policy) => {
        const recalled = withRememberedMemberships(st, memory)
        const plan = planSync(recalled, { ...policy, reAddRemovedMembers: false })
        // A team add's default join is Mattermost's; the plan may only set that row's role.
        const joins = defaultJoins(recalled, plan.commands)
        for (const c of plan.commands) {
          if (
            joins.some(
              (j) => 'channelId' in c && j.channelId === c.channelId && j.userId === c.userId,
            )
          )
            continue
          if (c.kind === 'addTeamMember')
            expect(
              memory.teams.some((e) => e.teamId === c.teamId && e.userIds.includes(c.userId)),
            ).toBe(false)
          if (c.kind === 'addChannelMember' && channelRow(st, c.channelId, c.userId) === undefined)
            expect(
              memory.channels.some(
                (e) => e.channelId === c.channelId && e.userIds.includes(c.userId),
              ),
            ).toBe(false)
        }
      }),
    )
  })

  it('should always remember every membership an applied plan leaves, sorted and without repeats', () => {
    fc.assert(
      fc.property(stateArb(), syncPolicyArb(), (st, policy) => {
        const plan = planSync(st, policy)
        const after = applyPlan(st, plan)
        const applied = report(
          plan.commands.map((command: SyncCommand) => ({ kind: 'done' as const, command })),
        )
        const memory = membershipsToRemember(st, applied)
        const has = (
          list: RememberedMemberships['teams' | 'channels'],
          id: string,
          userId: string,
        ) =>
          list.some(
            (e) => ('teamId' in e ? e.teamId : e.channelId) === id && e.userIds.includes(userId),
          )

        for (const m of after.teamMembers)
          if (m.deleted !== true) expect(has(memory.teams, m.teamId, m.userId)).toBe(true)
        for (const m of after.channelMembers)
          expect(has(memory.channels, m.channelId, m.userId)).toBe(true)
        for (const list of [memory.teams, memory.channels]) {
          const ids = list.map((e) => ('teamId' in e ? e.teamId : e.channelId))
          expect(ids).toEqual([...new Set(ids)].sort())
          for (const e of list) expect(e.userIds).toEqual([...new Set(e.userIds)].sort())
        }
      }),
    )
  })
})
