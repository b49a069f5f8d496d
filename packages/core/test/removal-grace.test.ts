import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  applyPlan,
  applyRemovalGrace,
  emptySyncHistory,
  nextSyncHistory,
  planSafely,
  planSync,
  type HeldCommand,
  type PlannedCommand,
  type SyncHistory,
  type SyncState,
} from '../src/index.js'

const hour = 3_600_000

/** A held command without its hold. */
function toPlanned(c: HeldCommand): PlannedCommand {
  const copy: { -readonly [K in keyof HeldCommand]?: HeldCommand[K] } = { ...c }
  delete copy.hold
  return copy as PlannedCommand
}
const noLimits = { limits: { maxRemovals: Number.POSITIVE_INFINITY, maxRemovalFraction: 1 } }

/**
 * Team `t` (group-constrained, linked to `g`, and to `f` which only ever matters when it is
 * unavailable) and team `t2` (linked to `h`). `x` is the member who comes and goes from `g`; `a`
 * always stays. An incomplete run has `f` (freezing `t` itself) or `h` (another team) unavailable.
 */
function world(xInGroup: boolean, unavailable: 'none' | 'sameTeam' | 'otherTeam'): SyncState {
  return {
    users: [
      { id: 'a', username: 'a', systemRole: 'user' },
      { id: 'x', username: 'x', systemRole: 'user' },
    ],
    groups: [
      { id: 'g', name: 'g', memberIds: xInGroup ? ['a', 'x'] : ['a'] },
      {
        id: 'f',
        name: 'f',
        memberIds: ['a'],
        ...(unavailable === 'sameTeam' ? { status: 'unavailable' as const } : {}),
      },
      {
        id: 'h',
        name: 'h',
        memberIds: ['a'],
        ...(unavailable === 'otherTeam' ? { status: 'unavailable' as const } : {}),
      },
    ],
    teams: [
      { id: 't', name: 't', groupConstrained: true },
      { id: 't2', name: 't2', groupConstrained: true },
    ],
    channels: [],
    links: [
      { groupId: 'g', syncable: { kind: 'team', id: 't' }, autoAdd: true, schemeAdmin: false },
      { groupId: 'f', syncable: { kind: 'team', id: 't' }, autoAdd: false, schemeAdmin: false },
      { groupId: 'h', syncable: { kind: 'team', id: 't2' }, autoAdd: true, schemeAdmin: false },
    ],
    teamMembers: [],
    channelMembers: [],
    channelHistory: [],
  }
}

interface Run {
  readonly xInGroup: boolean
  readonly unavailable: 'none' | 'sameTeam' | 'otherTeam'
  readonly hoursLater: number
}

const runArb: fc.Arbitrary<Run> = fc.record({
  xInGroup: fc.boolean(),
  unavailable: fc.constantFrom('none', 'none', 'sameTeam', 'otherTeam'),
  hoursLater: fc.integer({ min: 0, max: 12 }),
})

/**
 * Plays `runs` as applied runs: the membership rows are Mattermost's (kept across runs), the
 * groups are the run's. Returns the index of the run that removed `x` from `t`, if any.
 */
function simulate(
  runs: readonly Run[],
  grace: { runs: number; hours: number },
): number | undefined {
  const members = [
    { teamId: 't', userId: 'a', schemeAdmin: false, schemeGuest: false },
    { teamId: 't', userId: 'x', schemeAdmin: false, schemeGuest: false },
    { teamId: 't2', userId: 'a', schemeAdmin: false, schemeGuest: false },
  ]
  let state: SyncState = { ...world(true, 'none'), teamMembers: members }
  let history: SyncHistory = emptySyncHistory
  let now = 1_700_000_000_000
  for (const [i, run] of runs.entries()) {
    now += run.hoursLater * hour
    state = { ...world(run.xInGroup, run.unavailable), teamMembers: state.teamMembers }
    const safe = planSafely(state, noLimits, {
      history,
      now,
      removalGrace: grace,
      healthGate: false,
    })
    state = applyPlan(state, safe.plan)
    if (safe.counted) history = nextSyncHistory(history, safe.plan, state, now)
    if (safe.plan.commands.some((c) => c.kind === 'removeTeamMember' && c.userId === 'x')) return i
  }
  return undefined
}

/** The rule as the issue states it, counted by hand. */
function expected(
  runs: readonly Run[],
  grace: { runs: number; hours: number },
): number | undefined {
  const noGrace = grace.runs <= 1 && grace.hours <= 0
  let count = 0
  let since: number | undefined
  let now = 1_700_000_000_000
  for (const [i, run] of runs.entries()) {
    now += run.hoursLater * hour
    const complete = run.unavailable === 'none'
    const planned = !run.xInGroup && run.unavailable !== 'sameTeam'
    if (planned) {
      if (noGrace) return i
      const runsNow = count + (complete ? 1 : 0)
      const first = since ?? now
      if (runsNow >= grace.runs && now - first >= grace.hours * hour) return i
    }
    if (!complete) continue
    if (run.xInGroup) {
      count = 0
      since = undefined
    } else {
      count++
      since ??= now
    }
  }
  return undefined
}

describe('applyRemovalGrace', () => {
  it('should remove a membership exactly at the N-th consecutive complete run that finds it unjustified, never if it comes back in between, and not count incomplete runs', () => {
    fc.assert(
      fc.property(
        fc.array(runArb, { maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 0, 6, 24),
        (runs, n, hours) => {
          expect(simulate(runs, { runs: n, hours })).toBe(expected(runs, { runs: n, hours }))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('should remove at the N-th run when nothing else happens (grace 2: pending "1 of 2 runs", then removed)', () => {
    const state: SyncState = {
      ...world(false, 'none'),
      teamMembers: [
        { teamId: 't', userId: 'a', schemeAdmin: false, schemeGuest: false },
        { teamId: 't', userId: 'x', schemeAdmin: false, schemeGuest: false },
        { teamId: 't2', userId: 'a', schemeAdmin: false, schemeGuest: false },
      ],
    }
    const first = planSafely(state, noLimits, {
      now: 0,
      removalGrace: { runs: 2, hours: 0 },
      healthGate: false,
    })
    expect(first.plan.commands).toEqual([])
    expect(first.plan.held).toMatchObject([
      {
        kind: 'removeTeamMember',
        userId: 'x',
        hold: { kind: 'pendingRemoval', runs: 1, of: 2, since: 0, hours: 0 },
      },
    ])
    expect(first.warnings).toMatchObject([{ kind: 'removalsPending', count: 1, runs: 2 }])
    const history = nextSyncHistory(emptySyncHistory, first.plan, state, 0)
    expect(history.pendingRemovals).toEqual([
      { kind: 'team', syncableId: 't', userId: 'x', runs: 1, since: 0 },
    ])
    const second = planSafely(state, noLimits, {
      history,
      now: 1,
      removalGrace: { runs: 2, hours: 0 },
      healthGate: false,
    })
    expect(second.plan.commands).toMatchObject([{ kind: 'removeTeamMember', userId: 'x' }])
    expect(second.plan.held).toEqual([])
  })

  it('should leave the plan as it is with no grace, and never hold adds, role changes or the undoing of its own default joins', () => {
    const state: SyncState = {
      users: [
        { id: 'a', username: 'a', systemRole: 'user' },
        { id: 'b', username: 'b', systemRole: 'user' },
      ],
      groups: [
        { id: 'g', name: 'g', memberIds: ['a', 'b'] },
        { id: 'ca', name: 'ca', memberIds: ['a'] },
      ],
      teams: [{ id: 't', name: 't', groupConstrained: true }],
      channels: [
        {
          id: 'town',
          teamId: 't',
          name: 'town-square',
          type: 'O',
          groupConstrained: false,
          defaultChannel: true,
        },
        {
          id: 'c',
          teamId: 't',
          name: 'c',
          type: 'O',
          groupConstrained: true,
          defaultChannel: true,
        },
      ],
      links: [
        { groupId: 'g', syncable: { kind: 'team', id: 't' }, autoAdd: true, schemeAdmin: true },
        {
          groupId: 'ca',
          syncable: { kind: 'channel', id: 'c' },
          autoAdd: false,
          schemeAdmin: false,
        },
      ],
      teamMembers: [{ teamId: 't', userId: 'a', schemeAdmin: false, schemeGuest: false }],
      channelMembers: [],
      channelHistory: [],
    }
    const plain = planSync(state, noLimits)
    // b joins t, Mattermost joins them to c by default, and the plan undoes that join.
    expect(plain.commands.some((c) => c.kind === 'removeChannelMember')).toBe(true)
    const none = applyRemovalGrace(plain, state, emptySyncHistory, { runs: 1, hours: 0 }, 0, true)
    expect(none.plan).toBe(plain)
    const graced = applyRemovalGrace(plain, state, emptySyncHistory, { runs: 3, hours: 5 }, 0, true)
    expect(graced.plan).toBe(plain)
  })

  it('should hold every real removal of a generated plan until due, and only removals', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            userId: fc.constantFrom('u1', 'u2', 'u3'),
            teamId: fc.constantFrom('t1', 't2'),
          }),
          { maxLength: 6 },
        ),
        fc.integer({ min: 2, max: 5 }),
        (pairs, n) => {
          const users = ['u1', 'u2', 'u3'].map((id) => ({
            id,
            username: id,
            systemRole: 'user' as const,
          }))
          const state: SyncState = {
            users,
            groups: [{ id: 'g', name: 'g', memberIds: [] }],
            teams: ['t1', 't2'].map((id) => ({ id, name: id, groupConstrained: true })),
            channels: [],
            links: ['t1', 't2'].map((id) => ({
              groupId: 'g',
              syncable: { kind: 'team' as const, id },
              autoAdd: true,
              schemeAdmin: false,
            })),
            teamMembers: [
              ...new Map(pairs.map((p) => [`${p.teamId}:${p.userId}`, p])).values(),
            ].map((p) => ({ ...p, schemeAdmin: false, schemeGuest: false })),
            channelMembers: [],
            channelHistory: [],
          }
          const plain = planSync(state, noLimits)
          const graced = applyRemovalGrace(
            plain,
            state,
            emptySyncHistory,
            { runs: n, hours: 0 },
            0,
            true,
          ).plan
          expect(graced.commands).toEqual([])
          expect(graced.held.map((c) => toPlanned(c))).toEqual(plain.commands)
          expect(graced.held.every((c: HeldCommand) => c.hold.kind === 'pendingRemoval')).toBe(true)
          expect(graced.stats.held).toBe(graced.held.length)
          expect(Object.values(graced.stats.commands).reduce((a, b) => a + b, 0)).toBe(0)
        },
      ),
      { numRuns: 100 },
    )
  })
})
