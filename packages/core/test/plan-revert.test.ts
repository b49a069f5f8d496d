import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyPlan,
  fingerprintTarget,
  planRevert,
  planSync,
  revertPlan,
  runBeforeOf,
  type SyncCommand,
} from '../src/index.js'
import { syncPolicyInputArb } from '../src/testing/index.js'
import { stateArb } from './support/arbitraries.js'
import { bare, state, team, teamMember, user } from './support/fixtures.js'

const runArb = fc
  .tuple(stateArb(), syncPolicyInputArb(), syncPolicyInputArb())
  .map(([s, policy, revertPolicy]) => {
    const commands: SyncCommand[] = [...planSync(s, policy).commands]
    const s1 = applyPlan(s, commands)
    return { commands, before: runBeforeOf(s, commands), s1, revertPolicy }
  })

const isRemoval = (c: SyncCommand): boolean =>
  c.kind === 'removeTeamMember' || c.kind === 'removeChannelMember'

describe('planRevert', () => {
  it('should plan revertPlan’s commands in order, holding only removals, within the limits', () => {
    fc.assert(
      fc.property(runArb, ({ commands, before, s1, revertPolicy }) => {
        const applied = { commands, before }
        const inverse = revertPlan(applied, s1)
        const { plan, notRevertible } = planRevert(applied, s1, revertPolicy)
        expect(notRevertible).toEqual(inverse.notRevertible)
        // Every inverse command is planned or held, none twice; the planned keep their order.
        const heldSet = new Set(plan.held.map((c) => JSON.stringify(bare(c))))
        expect(plan.commands).toEqual(
          inverse.commands.filter((c) => !heldSet.has(JSON.stringify(bare(c)))),
        )
        expect(plan.commands.length + plan.held.length).toBe(inverse.commands.length)
        expect(plan.held.every(isRemoval)).toBe(true)
        // Removals of rows the state has stay within maxRemovals.
        const rows = new Set(s1.channelMembers.map((m) => `${m.channelId}:${m.userId}`))
        const losing = plan.commands.filter(
          (c) =>
            c.kind === 'removeTeamMember' ||
            (c.kind === 'removeChannelMember' && rows.has(`${c.channelId}:${c.userId}`)),
        )
        expect(losing.length).toBeLessThanOrEqual(plan.policy.limits.maxRemovals)
        expect(plan.warnings.length > 0).toBe(plan.held.length > 0)
        expect(plan.targetFingerprint).toBe(fingerprintTarget(s1))
        expect(plan.stats.held).toBe(plan.held.length)
      }),
      { numRuns: 150 },
    )
  })

  it('should hold the re-removals of a revert past maxRemovals, and the re-adds never', () => {
    const users = Array.from({ length: 6 }, (_, i) => user(`u${i}`))
    const s = state({
      users,
      teams: [team('rl', { groupConstrained: true })],
      channels: [],
      teamMembers: users.slice(0, 3).map((u) => teamMember('rl', u.id)),
      channelMembers: [],
    })
    // The run added three and removed two: the revert removes three and re-adds two.
    const commands: SyncCommand[] = [
      ...users.slice(3).map((u) => ({
        kind: 'addTeamMember' as const,
        teamId: 'rl',
        userId: u.id,
        role: 'member' as const,
      })),
      ...users
        .slice(0, 2)
        .map((u) => ({ kind: 'removeTeamMember' as const, teamId: 'rl', userId: u.id })),
    ]
    const s1 = applyPlan(s, commands)
    const applied = { commands, before: runBeforeOf(s, commands) }
    const { plan } = planRevert(applied, s1, { limits: { maxRemovals: 2, maxRemovalFraction: 1 } })
    expect(plan.commands.map((c) => c.kind)).toEqual(['addTeamMember', 'addTeamMember'])
    expect(plan.held.map((c) => [c.kind, c.hold.kind])).toEqual([
      ['removeTeamMember', 'maxRemovals'],
      ['removeTeamMember', 'maxRemovals'],
      ['removeTeamMember', 'maxRemovals'],
    ])
    const loose = planRevert(applied, s1, { limits: { maxRemovals: 3, maxRemovalFraction: 1 } })
    expect(loose.plan.held).toEqual([])
    const fraction = planRevert(applied, s1, {
      limits: { maxRemovals: 100, maxRemovalFraction: 0.5 },
    })
    // Three of four active members: more than half.
    expect(fraction.plan.held.map((c) => c.hold.kind)).toEqual([
      'maxRemovalFraction',
      'maxRemovalFraction',
      'maxRemovalFraction',
    ])
  })
})
