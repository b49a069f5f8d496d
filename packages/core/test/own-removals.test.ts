import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  applyOwnOnly,
  applyPlan,
  planSync,
  recordAdded,
  type RememberedMemberships,
  type SyncState,
} from '../src/index.js'
import { syncPolicyInputArb, syncStateArb } from '../src/testing/index.js'

/** Active memberships as `team:t:u` / `channel:c:u`. */
function memberships(state: SyncState): Set<string> {
  return new Set([
    ...state.teamMembers
      .filter((m) => m.deleted !== true)
      .map((m) => `team:${m.teamId}:${m.userId}`),
    ...state.channelMembers.map((m) => `channel:${m.channelId}:${m.userId}`),
  ])
}

/** A state with a random part of its memberships recorded as added by grouproles. */
const withProvenance = syncStateArb().chain((state) =>
  fc.subarray([...memberships(state)].sort()).map((keys): [SyncState, RememberedMemberships] => {
    const teams = new Map<string, string[]>()
    const channels = new Map<string, string[]>()
    for (const key of keys) {
      const [kind, id, user] = key.split(':') as [string, string, string]
      const map = kind === 'team' ? teams : channels
      map.set(id, [...(map.get(id) ?? []), user])
    }
    return [
      state,
      {
        teams: [...teams].map(([teamId, userIds]) => ({ teamId, userIds })),
        channels: [...channels].map(([channelId, userIds]) => ({ channelId, userIds })),
      },
    ]
  }),
)

describe('applyOwnOnly', () => {
  it('should never let a plan remove a membership the store did not record as added, holding only removals', () => {
    fc.assert(
      fc.property(withProvenance, syncPolicyInputArb(), ([state, added], policy) => {
        const plan = planSync(state, policy)
        const own = new Set([
          ...added.teams.flatMap((t) => t.userIds.map((u) => `team:${t.teamId}:${u}`)),
          ...added.channels.flatMap((c) => c.userIds.map((u) => `channel:${c.channelId}:${u}`)),
        ])
        const guarded = applyOwnOnly(plan, state, added)
        const after = memberships(applyPlan(state, guarded.plan))
        for (const key of memberships(state)) if (!after.has(key)) expect(own.has(key)).toBe(true)
        const moved = guarded.plan.held.filter((c) => c.hold.kind === 'notAdded')
        expect(moved.every((c) => c.kind.startsWith('remove'))).toBe(true)
        expect(guarded.plan.commands.length + moved.length).toBe(plan.commands.length)
        expect(guarded.warnings.length > 0).toBe(moved.length > 0)
      }),
      { numRuns: 300 },
    )
  })

  it('should let every removal through when everything was added by grouproles', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyInputArb(), (state, policy) => {
        const plan = planSync(state, policy)
        const all = [...memberships(state)].map((k) => k.split(':') as [string, string, string])
        const added: RememberedMemberships = {
          teams: all
            .filter(([k]) => k === 'team')
            .map(([, teamId, u]) => ({ teamId, userIds: [u] })),
          channels: all
            .filter(([k]) => k === 'channel')
            .map(([, channelId, u]) => ({ channelId, userIds: [u] })),
        }
        expect(applyOwnOnly(plan, state, added).plan).toBe(plan)
      }),
      { numRuns: 100 },
    )
  })
})

describe('recordAdded', () => {
  it('should record done adds (with default joins of a team add), not adds that already held, and forget what it removed', () => {
    const state: Pick<SyncState, 'channels'> = {
      channels: [
        {
          id: 'town',
          teamId: 't',
          name: 'town-square',
          type: 'O',
          groupConstrained: false,
          defaultChannel: true,
        },
        { id: 'c', teamId: 't', name: 'c', type: 'P', groupConstrained: true },
      ],
    }
    const zero = {
      addTeamMember: 0,
      addChannelMember: 0,
      setTeamMemberAdmin: 0,
      setChannelMemberAdmin: 0,
      removeTeamMember: 0,
      removeChannelMember: 0,
    }
    const next = recordAdded(
      {
        teams: [{ teamId: 't', userIds: ['old'] }],
        channels: [{ channelId: 'c', userIds: ['old'] }],
      },
      {
        counts: zero,
        outcomes: [
          {
            kind: 'done',
            command: { kind: 'addTeamMember', teamId: 't', userId: 'new', role: 'member' },
          },
          {
            kind: 'already',
            command: { kind: 'addChannelMember', channelId: 'c', userId: 'hand', role: 'member' },
          },
          {
            kind: 'done',
            command: { kind: 'addChannelMember', channelId: 'c', userId: 'new', role: 'admin' },
          },
          { kind: 'done', command: { kind: 'removeTeamMember', teamId: 't', userId: 'old' } },
        ],
      },
      state,
    )
    expect(next).toEqual({
      teams: [{ teamId: 't', userIds: ['new'] }],
      channels: [
        { channelId: 'c', userIds: ['new'] },
        { channelId: 'town', userIds: ['new'] },
      ],
    })
  })
})
