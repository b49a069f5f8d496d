import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  admitCommands,
  admitForApply,
  admitRevert,
  applyContextOf,
  applyPlan,
  planSync,
  revertPlan,
  runBeforeOf,
  withGroupLoad,
  type SyncCommand,
} from '../src/index.js'
import { syncCommandArb, syncPolicyInputArb } from '../src/testing/index.js'
import { stateArb } from './support/arbitraries.js'
import { bare } from './support/fixtures.js'

const runArb = fc.tuple(stateArb(), syncPolicyInputArb()).chain(([s, policy]) => {
  const commands: SyncCommand[] = [...planSync(s, policy).commands]
  const s1 = applyPlan(s, commands)
  return fc
    .array(syncCommandArb(s1), { maxLength: 4 })
    .map((foreign) => ({ s1, commands, before: runBeforeOf(s, commands), foreign }))
})

describe('admitForApply', () => {
  it('should be admitCommands without a revert, and admitRevert with one', () => {
    fc.assert(
      fc.property(runArb, ({ s1, commands, before, foreign }) => {
        const context = applyContextOf(s1)
        expect(admitForApply(foreign, s1, context)).toEqual(
          admitCommands(foreign, withGroupLoad(s1, context.groupLoad), {}),
        )
        const applied = { commands, before }
        const file = [...revertPlan(applied, s1).commands.map(bare), ...foreign]
        const admission = admitForApply(file, s1, { ...context, revert: applied })
        const expected = admitRevert(file, applied, s1)
        expect(admission.admitted).toEqual(expected.admitted)
        expect(admission.refused.map((r) => [r.index, r.reason])).toEqual(
          expected.refused.map((r) => [r.index, 'unjustified']),
        )
      }),
      { numRuns: 100 },
    )
  })

  it('should refuse a revert command whose id is not of the target’s form', () => {
    fc.assert(
      fc.property(runArb, ({ s1, commands, before }) => {
        const applied = { commands, before }
        const file = revertPlan(applied, s1).commands.map(bare)
        const admission = admitForApply(file, s1, { revert: applied }, { isId: () => false })
        expect(admission.admitted).toEqual([])
        expect(admission.refused.every((r) => r.reason === 'malformedId')).toBe(true)
        expect(admission.refused).toHaveLength(file.length)
      }),
      { numRuns: 30 },
    )
  })
})
