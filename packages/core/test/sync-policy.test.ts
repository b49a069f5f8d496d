import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  defaultSyncPolicy,
  resolvePolicy,
  type SyncPolicy,
  type SyncPolicyInput,
} from '@grouproles/core'
import { syncPolicyArb, syncPolicyInputArb } from '@grouproles/core/testing'

describe('defaultSyncPolicy', () => {
  it('should document the defaults of the issue', () => {
    expect(defaultSyncPolicy).toEqual({
      sysadmins: 'bypass',
      roleSync: 'groupConstrained',
      reAddRemovedMembers: false,
      groupConstrainedRemovals: 'apply',
      limits: { maxRemovals: 100, maxRemovalFraction: 0.5, fractionMinRemovals: 1 },
    })
  })
})

describe('resolvePolicy', () => {
  it('should fill in every default', () => {
    expect(resolvePolicy()).toEqual(defaultSyncPolicy)
    expect(resolvePolicy({})).toEqual(defaultSyncPolicy)
  })

  it('should merge partial limits with the default limits', () => {
    expect(resolvePolicy({ limits: { maxRemovals: 7 } }).limits).toEqual({
      ...defaultSyncPolicy.limits,
      maxRemovals: 7,
    })
    expect(resolvePolicy({ roleSync: 'allLinked' })).toEqual({
      ...defaultSyncPolicy,
      roleSync: 'allLinked',
    })
  })

  it('should fill in fractionMinRemovals for limits written to the pinned shape', () => {
    const pinned: SyncPolicy = {
      sysadmins: 'asUsers',
      roleSync: 'allLinked',
      reAddRemovedMembers: true,
      limits: { maxRemovals: 5, maxRemovalFraction: 0.25 },
    }

    expect(resolvePolicy(pinned)).toEqual({
      ...pinned,
      groupConstrainedRemovals: 'apply',
      limits: { maxRemovals: 5, maxRemovalFraction: 0.25, fractionMinRemovals: 1 },
    })
  })

  it('should accept Infinity and 1, which disable the limits', () => {
    expect(
      resolvePolicy({ limits: { maxRemovals: Number.POSITIVE_INFINITY, maxRemovalFraction: 1 } })
        .limits,
    ).toEqual({
      maxRemovals: Number.POSITIVE_INFINITY,
      maxRemovalFraction: 1,
      fractionMinRemovals: 1,
    })
  })

  it.each<[string, SyncPolicyInput]>([
    ['negative maxRemovals', { limits: { maxRemovals: -1 } }],
    ['NaN maxRemovals', { limits: { maxRemovals: Number.NaN } }],
    ['a fraction above 1', { limits: { maxRemovalFraction: 1.5 } }],
    ['a negative fraction', { limits: { maxRemovalFraction: -0.1 } }],
    ['negative fractionMinRemovals', { limits: { fractionMinRemovals: -1 } }],
    ['an unknown sysadmins mode', { sysadmins: 'ignore' as never }],
    ['an unknown roleSync mode', { roleSync: 'everything' as never }],
  ])('should throw a RangeError for %s', (_, input) => {
    expect(() => resolvePolicy(input)).toThrow(RangeError)
  })

  it('should always return a complete policy unchanged', () => {
    fc.assert(
      fc.property(syncPolicyArb(), (policy) => {
        expect(resolvePolicy(policy)).toEqual(policy)
      }),
    )
  })

  it('should always be idempotent on partial policies', () => {
    fc.assert(
      fc.property(syncPolicyInputArb(), (input) => {
        const resolved = resolvePolicy(input)

        expect(resolvePolicy(resolved)).toEqual(resolved)
        expect(resolved.sysadmins).toBe(input.sysadmins ?? defaultSyncPolicy.sysadmins)
        expect(resolved.limits.maxRemovals).toBe(
          input.limits?.maxRemovals ?? defaultSyncPolicy.limits.maxRemovals,
        )
      }),
    )
  })
})
