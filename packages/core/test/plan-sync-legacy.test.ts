import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planSync, type SyncPolicyInput, type SyncState } from '@grouproles/core'
import {
  generateState,
  shuffledStateArb,
  stateSizes,
  syncPolicyInputArb,
  untidyStateArb,
} from '@grouproles/core/testing'
import { stateArb } from './support/arbitraries.js'
import { legacyPlanSync } from './support/legacy-plan-sync/index.js'

// Issue #13 split the state index and renamed the planner's scratch state: the plan must not
// change by a byte, fingerprints, reasons, warnings and order included.
const same = (state: SyncState, policy?: SyncPolicyInput): void => {
  expect(JSON.stringify(planSync(state, policy))).toBe(
    JSON.stringify(legacyPlanSync(state, policy)),
  )
}

const untidy = stateArb()
  .chain((s) => untidyStateArb(s))
  .chain((s) => shuffledStateArb(s))

describe('planSync against the pre-#13 planner (test fixture)', () => {
  it('is byte-identical on consistent states under any policy', () => {
    fc.assert(
      fc.property(stateArb(), syncPolicyInputArb(), (s, p) => {
        same(s, p)
      }),
    )
  })

  it('is byte-identical on untidy states (duplicates, unknown references, any order)', () => {
    fc.assert(
      fc.property(untidy, syncPolicyInputArb(), (s, p) => {
        same(s, p)
      }),
    )
  })

  it('is byte-identical on a generated S-size state, as the benchmark plans', () => {
    const s = generateState(stateSizes.S, 42)
    same(s)
    same(s, { roleSync: 'allLinked', sysadmins: 'asUsers', reAddRemovedMembers: true })
  })
})
