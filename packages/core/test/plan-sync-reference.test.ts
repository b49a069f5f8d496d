import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planSync } from '@grouproles/core'
import { shuffledStateArb, syncPolicyInputArb, untidyStateArb } from '@grouproles/core/testing'
import { stateArb } from './support/arbitraries.js'
import { decisionsOf, referencePlan } from './support/reference-plan.js'

// planSync ≡ referencePlan: the fast planner (typed-array stamps, one pass per syncable) and the
// readable one (array scans, rules.ts asked directly) decide the same commands, holds and
// warnings, in planSync's documented order (commands and held as lists, warnings as a set).
describe('planSync against referencePlan', () => {
  it('decides the same on consistent states under any policy', () => {
    fc.assert(
      fc.property(stateArb(), syncPolicyInputArb(), (s, p) => {
        expect(decisionsOf(planSync(s, p))).toEqual(referencePlan(s, p))
      }),
    )
  })

  it('decides the same on untidy states (duplicates, unknown references, any order)', () => {
    const untidy = stateArb()
      .chain((s) => untidyStateArb(s))
      .chain((s) => shuffledStateArb(s))
    fc.assert(
      fc.property(untidy, syncPolicyInputArb(), (s, p) => {
        expect(decisionsOf(planSync(s, p))).toEqual(referencePlan(s, p))
      }),
    )
  })
})
