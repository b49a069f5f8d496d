import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  directorySizes,
  formatPlan,
  planSafely,
  planSync,
  readPlanFile,
  writePlanFile,
  type SyncState,
} from '../src/index.js'
import { syncPolicyInputArb, syncStateArb } from '../src/testing/index.js'

describe('planSafely', () => {
  it('should plan exactly as planSync with its defaults (no grace, no guard, nothing to compare with), counting the run unless a group is unavailable', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyInputArb(), (state, policy) => {
        const safe = planSafely(state, policy, { now: 0 })
        expect(safe.plan).toEqual(planSync(state, policy))
        expect(safe.warnings).toEqual([])
        const unavailable = state.groups.some(
          (g) => g.status === 'unavailable' && g.deleted !== true,
        )
        expect(safe.counted).toBe(!unavailable)
      }),
      { numRuns: 100 },
    )
  })

  it('should only ever move commands to held, whatever the rules and history', () => {
    fc.assert(
      fc.property(
        syncStateArb(),
        syncPolicyInputArb(),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (state, policy, runs, shrink) => {
          const plain = planSync(state, policy)
          const lastGood = directorySizes(
            shrink
              ? state.groups.map((g) => ({
                  ...g,
                  memberIds: [...g.memberIds, 'x1', 'x2', 'x3', 'x4', 'x5', 'x6'],
                }))
              : state.groups,
            0,
          )
          const safe = planSafely(state, policy, {
            history: { pendingRemovals: [], lastGood },
            now: 0,
            removalGrace: { runs, hours: 0 },
            lastAdmin: 'guard',
            removals: 'ownOnly',
          })
          const planned = new Set(
            [...plain.commands, ...plain.held].map((c) =>
              JSON.stringify([c.kind, c.userId, 'teamId' in c ? c.teamId : c.channelId]),
            ),
          )
          // Frozen groups plan fewer commands; nothing new ever appears, except a channel removal
          // the plain plan left to a removal from its team (the team row now frozen, the channel's
          // own removal no longer rides on it).
          const teamOf = new Map(state.channels.map((ch) => [ch.id, ch.teamId]))
          for (const c of [...safe.plan.commands, ...safe.plan.held]) {
            const key = JSON.stringify([c.kind, c.userId, 'teamId' in c ? c.teamId : c.channelId])
            const subsumed =
              c.kind === 'removeChannelMember' &&
              planned.has(JSON.stringify(['removeTeamMember', c.userId, teamOf.get(c.channelId)]))
            expect(planned.has(key) || subsumed, key).toBe(true)
          }
          expect(safe.plan.stats.held).toBe(safe.plan.held.length)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('should write and read back a plan with every safety hold, and label a pending removal "1 of 2 runs"', () => {
    const ids = ['a', 'b', 'x']
    const state: SyncState = {
      users: ids.map((id) => ({ id, username: id, systemRole: 'user' as const })),
      groups: [{ id: 'g', name: 'g', memberIds: ['b'] }],
      teams: [
        { id: 't', name: 'ops', groupConstrained: true },
        { id: 'u', name: 'dev', groupConstrained: true },
      ],
      channels: [],
      links: ['t', 'u'].map((id) => ({
        groupId: 'g',
        syncable: { kind: 'team' as const, id },
        autoAdd: false,
        schemeAdmin: false,
      })),
      teamMembers: [
        { teamId: 't', userId: 'a', schemeAdmin: true, schemeGuest: false },
        { teamId: 't', userId: 'b', schemeAdmin: false, schemeGuest: false },
        { teamId: 'u', userId: 'b', schemeAdmin: false, schemeGuest: false },
        { teamId: 'u', userId: 'x', schemeAdmin: false, schemeGuest: false },
      ],
      channelMembers: [],
      channelHistory: [],
    }
    const noLimits = { limits: { maxRemovals: Number.POSITIVE_INFINITY, maxRemovalFraction: 1 } }
    const safe = planSafely(state, noLimits, {
      now: 0,
      removalGrace: { runs: 2, hours: 0 },
      lastAdmin: 'guard',
    })
    expect(safe.plan.held.map((c) => [c.userId, c.hold.kind])).toEqual([
      ['a', 'pendingRemoval'],
      ['x', 'pendingRemoval'],
    ])
    const text = formatPlan(safe.plan)
    expect(text).toContain('[PENDING: 1 of 2 runs]')
    const back = readPlanFile(writePlanFile(safe.plan))._unsafeUnwrap()
    expect(back.plan.held).toEqual(safe.plan.held)
    const others = {
      ...safe.plan,
      held: [
        {
          ...safe.plan.held[0]!,
          hold: { kind: 'lastAdmin' as const, syncable: { kind: 'team' as const, id: 't' } },
        },
        {
          ...safe.plan.held[1]!,
          hold: { kind: 'healthGate' as const, then: 10, now: 2, limit: 0.2 },
        },
        { ...safe.plan.held[1]!, teamId: 'v', hold: { kind: 'notAdded' as const } },
      ],
    }
    expect(readPlanFile(writePlanFile(others))._unsafeUnwrap().plan.held).toEqual(others.held)
  })
})
