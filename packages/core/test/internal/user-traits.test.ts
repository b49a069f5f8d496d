import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { syncPolicyArb, userArb } from '@grouproles/core/testing'
import {
  addTimeRole,
  isAutoAddable,
  isBypassed,
  isExemptFromRemoval,
  isRoleSynced,
  joinsConstrainedTeamOutsideGroups,
  joinsDefaultChannels,
  roleSource,
} from '../../src/rules.js'
import { UserTraits } from '../../src/internal/user-traits.js'

describe('UserTraits', () => {
  it('answers every user rule exactly as rules.ts does', () => {
    fc.assert(
      fc.property(fc.array(userArb(), { maxLength: 8 }), syncPolicyArb(), (users, policy) => {
        const traits = new UserTraits(users, policy)
        users.forEach((user, u) => {
          for (const inAdminGroup of [false, true])
            expect(traits.addTimeRole(u, inAdminGroup)).toBe(
              addTimeRole(user, inAdminGroup, policy),
            )
          for (const schemeGuest of [false, true])
            expect(traits.isRoleSynced(u, { schemeGuest })).toBe(
              isRoleSynced(user, { schemeGuest }, policy),
            )
          expect(traits.isGuest(u)).toBe(roleSource(user, policy) === 'guest')
          expect(traits.isBypassed(u)).toBe(isBypassed(user, policy))
          expect(traits.isExemptFromRemoval(u)).toBe(isExemptFromRemoval(user, policy))
          expect(traits.joinsConstrainedTeamOutsideGroups(u)).toBe(
            joinsConstrainedTeamOutsideGroups(user, policy),
          )
          expect(traits.isAutoAddable(u)).toBe(isAutoAddable(user))
          expect(traits.joinsDefaultChannels(u)).toBe(joinsDefaultChannels(user))
        })
      }),
    )
  })
})
