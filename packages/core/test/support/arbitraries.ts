import fc from 'fast-check'
import type { SyncState } from '@grouproles/core'
import { denseStateArb, syncStateArb } from '@grouproles/core/testing'

export { denseStateArb }

/** The exported `syncStateArb` and the dense states, for properties over any consistent state. */
export function stateArb(): fc.Arbitrary<SyncState> {
  return fc.oneof(
    { arbitrary: syncStateArb(), weight: 1 },
    { arbitrary: denseStateArb(), weight: 2 },
  )
}
