import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  directorySizes,
  healthGate,
  planSafely,
  planSync,
  type Group,
  type LastGoodRun,
  type SyncState,
} from '../src/index.js'

const thresholdsArb = fc.record({
  groupShrink: fc.constantFrom(0, 0.2, 0.5, 0.9, 1),
  minMembers: fc.integer({ min: 0, max: 8 }),
  totalShrink: fc.constantFrom(0, 0.2, 0.5, 1),
})

/** Groups `g0…` whose members are drawn from `u0…u19`, before and after. */
const sizesArb = fc.array(
  fc.record({
    before: fc.uniqueArray(fc.integer({ min: 0, max: 19 }), { maxLength: 20 }),
    after: fc.uniqueArray(fc.integer({ min: 0, max: 19 }), { maxLength: 20 }),
  }),
  { minLength: 1, maxLength: 5 },
)

const groupsOf = (lists: readonly (readonly number[])[]): Group[] =>
  lists.map((ids, i) => ({ id: `g${i}`, name: `group ${i}`, memberIds: ids.map((n) => `u${n}`) }))

const noState = { links: [], teams: [], channels: [] }

describe('healthGate', () => {
  it('should freeze exactly the groups that shrank by more than the fraction from at least minMembers, and gate the run exactly on a drop of all users by more than totalShrink', () => {
    fc.assert(
      fc.property(sizesArb, thresholdsArb, (sizes, t) => {
        const before = groupsOf(sizes.map((s) => s.before))
        const after = groupsOf(sizes.map((s) => s.after))
        const lastGood = directorySizes(before, 0)
        const gate = healthGate({ ...noState, groups: after }, lastGood, t)
        const frozen = new Set(gate.frozen.map((g) => g.id))
        sizes.forEach((s, i) => {
          const then = s.before.length
          const now = s.after.length
          expect(frozen.has(`g${i}`)).toBe(
            then >= t.minMembers && then - now > t.groupShrink * then,
          )
        })
        for (const g of gate.frozen)
          expect(gate.warnings).toContainEqual(
            expect.objectContaining({
              kind: 'groupShrank',
              groupId: g.id,
              then: g.then,
              now: g.now,
            }),
          )
        const usersThen = new Set(sizes.flatMap((s) => s.before)).size
        const usersNow = new Set(sizes.flatMap((s) => s.after)).size
        const gated = usersThen > 0 && usersThen - usersNow > t.totalShrink * usersThen
        expect(gate.directory !== undefined).toBe(gated)
        if (gated) expect(gate.directory).toEqual({ then: usersThen, now: usersNow })
      }),
      { numRuns: 300 },
    )
  })

  it('should trip on nothing without a last complete run', () => {
    const gate = healthGate({ ...noState, groups: groupsOf([[]]) }, undefined)
    expect(gate).toEqual({ frozen: [], warnings: [] })
  })
})

/** Team `t` linked to group `g` (auto-add, admin) with 10 members; `c` a channel linked to `g`. */
function tenMembers(inGroup: number): SyncState {
  const ids = Array.from({ length: 10 }, (_, i) => `u${i}`)
  return {
    users: [...ids, 'other'].map((id) => ({ id, username: id, systemRole: 'user' as const })),
    groups: [
      { id: 'g', name: 'engineers', memberIds: ids.slice(0, inGroup) },
      { id: 'o', name: 'others', memberIds: ['other'] },
    ],
    teams: [
      { id: 't', name: 'eng', groupConstrained: true },
      { id: 't2', name: 'misc', groupConstrained: true },
    ],
    channels: [{ id: 'c', teamId: 't', name: 'eng-chat', type: 'P', groupConstrained: true }],
    links: [
      { groupId: 'g', syncable: { kind: 'team', id: 't' }, autoAdd: true, schemeAdmin: true },
      { groupId: 'g', syncable: { kind: 'channel', id: 'c' }, autoAdd: true, schemeAdmin: false },
      { groupId: 'o', syncable: { kind: 'team', id: 't2' }, autoAdd: true, schemeAdmin: false },
    ],
    teamMembers: [
      ...ids.map((userId) => ({ teamId: 't', userId, schemeAdmin: true, schemeGuest: false })),
      { teamId: 't2', userId: 'other', schemeAdmin: false, schemeGuest: false },
      // A stray in t2: the directory gate holds its removal too.
      { teamId: 't2', userId: 'u0', schemeAdmin: false, schemeGuest: false },
    ],
    channelMembers: ids.map((userId) => ({
      channelId: 'c',
      userId,
      schemeAdmin: false,
      schemeGuest: false,
    })),
    channelHistory: [],
  }
}

describe('planSafely with the health gate', () => {
  const lastGood: LastGoodRun = directorySizes(tenMembers(10).groups, 0)
  const noLimits = { limits: { maxRemovals: Number.POSITIVE_INFINITY, maxRemovalFraction: 1 } }

  it('should freeze a group emptied by mistake: no removal or demotion on its team and channel, a typed warning with its size then and now', () => {
    const state = tenMembers(0)
    expect(planSync(state, noLimits).commands.length).toBeGreaterThan(10)
    const safe = planSafely(state, noLimits, {
      history: { pendingRemovals: [], lastGood },
      now: 1,
      healthGate: { groupShrink: 0.5, minMembers: 5, totalShrink: 1 },
    })
    expect(safe.frozenGroups).toEqual([{ id: 'g', name: 'engineers', then: 10, now: 0 }])
    expect(safe.counted).toBe(false)
    expect(safe.warnings).toMatchObject([
      {
        kind: 'groupShrank',
        groupName: 'engineers',
        then: 10,
        now: 0,
        syncables: [
          { kind: 'channel', id: 'c' },
          { kind: 'team', id: 't' },
        ],
      },
    ])
    expect(safe.plan.warnings.some((w) => w.kind === 'unavailableGroup')).toBe(false)
    const onT = safe.plan.commands.filter(
      (c) => ('teamId' in c && c.teamId === 't') || ('channelId' in c && c.channelId === 'c'),
    )
    expect(onT).toEqual([])
    // t2 is not linked to the group: its stray is still removed.
    expect(safe.plan.commands).toMatchObject([
      { kind: 'removeTeamMember', teamId: 't2', userId: 'u0' },
    ])
  })

  it('should hold every removal and demotion when the directory as a whole dropped, and plan nothing once the group is back', () => {
    const safe = planSafely(tenMembers(0), noLimits, {
      history: { pendingRemovals: [], lastGood },
      now: 1,
    })
    expect(safe.directoryGated).toBe(true)
    expect(safe.warnings.map((w) => w.kind)).toEqual(['groupShrank', 'directoryShrank'])
    expect(safe.plan.commands).toEqual([])
    expect(safe.plan.held).toMatchObject([
      {
        kind: 'removeTeamMember',
        teamId: 't2',
        userId: 'u0',
        hold: { kind: 'healthGate', then: 11, now: 1 },
      },
    ])
    const restored = planSafely(tenMembers(10), noLimits, {
      history: { pendingRemovals: [], lastGood },
      now: 2,
    })
    expect(restored.warnings).toEqual([])
    expect(restored.counted).toBe(true)
    expect(restored.plan.commands).toMatchObject([{ kind: 'removeTeamMember', userId: 'u0' }])
    expect(restored.plan.commands).toHaveLength(1)
  })

  it('should let a small group shrink (below minMembers) and a shrink within the fraction through', () => {
    const small = planSafely(tenMembers(6), noLimits, {
      history: { pendingRemovals: [], lastGood },
      now: 1,
      healthGate: { groupShrink: 0.5, minMembers: 5, totalShrink: 1 },
    })
    expect(small.frozenGroups).toEqual([])
    expect(small.plan.commands.filter((c) => c.kind === 'removeTeamMember')).toHaveLength(5)
  })
})
