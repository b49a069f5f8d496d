import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decideRole, type GroupLink, type SyncableRef } from '@grouproles/core'
import { channelArb, syncPolicyArb, teamArb, userArb } from '@grouproles/core/testing'
import {
  addTimeRole,
  blocksReAdd,
  channelAddSkip,
  constraintLabel,
  exceedsMaxRemovals,
  exceedsRemovalFraction,
  isBypassed,
  isConstrained,
  isExemptFromRemoval,
  isLiveChannel,
  isLiveLink,
  isLiveTeam,
  isRoleSynced,
  joinsByDefault,
  joinsConstrainedTeamOutsideGroups,
  joinsDefaultChannels,
  keepsTownSquare,
  leavesRemovalsToMattermost,
  removesMembers,
  roleChange,
  roleSource,
  syncsRoles,
} from '../src/rules.js'

const policyArb = syncPolicyArb()
const rowArb = fc.option(fc.record({ deleted: fc.boolean() }), { nil: undefined })

describe('rules', () => {
  it('addTimeRole: guests are guests, bypassed admins members, everyone else admin iff in an admin group', () => {
    fc.assert(
      fc.property(userArb(), fc.boolean(), policyArb, (user, inAdminGroup, policy) => {
        const role = addTimeRole(user, inAdminGroup, policy)
        if (user.systemRole === 'guest') expect(role).toBe('guest')
        else if (user.systemRole === 'admin' && policy.sysadmins === 'bypass')
          expect(role).toBe('member')
        else expect(role).toBe(inAdminGroup ? 'admin' : 'member')
        expect(isBypassed(user, policy)).toBe(roleSource(user, policy) === 'bypass')
      }),
    )
  })

  it('decideRole gives the role addTimeRole gives for its live admin links', () => {
    const ref: SyncableRef = { kind: 'team', id: 't' }
    const linkArb = fc.record({
      groupId: fc.constantFrom('g1', 'g2', 'g3'),
      syncable: fc.constantFrom<SyncableRef>(ref, { kind: 'channel', id: 't' }),
      autoAdd: fc.boolean(),
      schemeAdmin: fc.boolean(),
      deleted: fc.boolean(),
    })
    fc.assert(
      fc.property(
        userArb(),
        fc.array(linkArb, { maxLength: 5 }),
        fc.subarray(['g1', 'g2', 'g3']),
        policyArb,
        (user, links: GroupLink[], userGroupIds, policy) => {
          const inAdminGroup = links.some(
            (l) =>
              l.syncable.kind === ref.kind &&
              l.schemeAdmin &&
              isLiveLink(l, {}, true) &&
              userGroupIds.includes(l.groupId),
          )
          expect(decideRole({ user, syncable: ref, links, userGroupIds }, policy).role).toBe(
            addTimeRole(user, inAdminGroup, policy),
          )
        },
      ),
    )
  })

  it('bots and bypassed admins are exempt from removal; the channel-add exception is its own rule, equal today', () => {
    fc.assert(
      fc.property(userArb(), policyArb, (user, policy) => {
        expect(isExemptFromRemoval(user, policy)).toBe(
          user.isBot === true || (user.systemRole === 'admin' && policy.sysadmins === 'bypass'),
        )
        // Two rules with one answer today: a change to one must be a decision about the other.
        expect(joinsConstrainedTeamOutsideGroups(user, policy)).toBe(
          isExemptFromRemoval(user, policy),
        )
      }),
    )
  })

  it('role sync skips guest rows, bots and bypassed admins', () => {
    fc.assert(
      fc.property(userArb(), fc.boolean(), policyArb, (user, schemeGuest, policy) => {
        expect(isRoleSynced(user, { schemeGuest }, policy)).toBe(
          !schemeGuest && user.isBot !== true && !isBypassed(user, policy),
        )
      }),
    )
  })

  it('roleChange promotes and demotes to what the groups want, never demoting on a frozen syncable', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), (isAdmin, wants, frozen) => {
        const change = roleChange(isAdmin, wants, frozen)
        if (isAdmin === wants) expect(change).toBeUndefined()
        else if (wants) expect(change).toBe('promote')
        else expect(change).toBe(frozen ? undefined : 'demote')
      }),
    )
  })

  it('liveness: a channel is live only when open or private, not archived, with a live team', () => {
    fc.assert(
      fc.property(teamArb('t'), channelArb(['t']), (team, channel) => {
        expect(isLiveTeam(team)).toBe(team.deleted !== true)
        expect(isLiveChannel(channel, team)).toBe(
          channel.deleted !== true &&
            (channel.type === 'O' || channel.type === 'P') &&
            isLiveTeam(team),
        )
        expect(isLiveChannel(channel, undefined)).toBe(false)
        if (joinsByDefault(channel)) expect(isLiveChannel(channel, { deleted: false })).toBe(true)
      }),
    )
  })

  it('constraint: constrained iff group-synced or managed, labelled iff constrained', () => {
    fc.assert(
      fc.property(teamArb(), channelArb(['t']), policyArb, (team, channel, policy) => {
        for (const x of [team, channel]) {
          expect(isConstrained(x)).toBe(x.groupConstrained || x.managed === true)
          expect(constraintLabel(x) !== '').toBe(isConstrained(x))
          expect(leavesRemovalsToMattermost(x, policy)).toBe(
            x.groupConstrained && policy.groupConstrainedRemovals === 'leaveToMattermost',
          )
        }
      }),
    )
  })

  it('syncsRoles and removesMembers', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(3), fc.boolean(), policyArb, (c, links, frozen, policy) => {
        expect(syncsRoles(c, links, policy)).toBe(
          c || (policy.roleSync === 'allLinked' && links > 0),
        )
        expect(removesMembers(c, frozen)).toBe(c && !frozen)
      }),
    )
  })

  it('town-square keeps non-guests only; guests are never joined to default channels', () => {
    fc.assert(
      fc.property(fc.constantFrom('town-square', 'off-topic'), fc.boolean(), (name, guest) => {
        expect(keepsTownSquare(name, guest)).toBe(name === 'town-square' && !guest)
      }),
    )
    fc.assert(
      fc.property(userArb(), (user) => {
        expect(joinsDefaultChannels(user)).toBe(user.systemRole !== 'guest')
      }),
    )
  })

  it('channelAddSkip: leaving beats everything, an active row needs nothing, then left-team, then constraint', () => {
    fc.assert(
      fc.property(
        userArb(),
        rowArb,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        policyArb,
        (user, row, leaving, constrained, inLinkedGroup, policy) => {
          const skip = channelAddSkip(user, { row, leaving, constrained, inLinkedGroup }, policy)
          if (leaving) expect(skip).toBe('notInTeamGroups')
          else if (row !== undefined && !row.deleted) expect(skip).toBeUndefined()
          else if (blocksReAdd(row !== undefined, policy)) expect(skip).toBe('leftTeam')
          else if (
            constrained &&
            !inLinkedGroup &&
            !joinsConstrainedTeamOutsideGroups(user, policy)
          )
            expect(skip).toBe('notInTeamGroups')
          else expect(skip).toBeUndefined()
        },
      ),
    )
  })

  it('limits: the fraction needs both the minimum count and more than the fraction; maxRemovals is strict', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(100), policyArb, (n, active, policy) => {
        const { limits } = policy
        expect(exceedsRemovalFraction(n, active, limits)).toBe(
          n >= limits.fractionMinRemovals && n > limits.maxRemovalFraction * active,
        )
        expect(exceedsMaxRemovals(n, limits)).toBe(n > limits.maxRemovals)
        // A fraction of 1 never holds: nobody can lose more members than it has.
        if (n <= active)
          expect(exceedsRemovalFraction(n, active, { ...limits, maxRemovalFraction: 1 })).toBe(
            false,
          )
      }),
    )
  })
})
