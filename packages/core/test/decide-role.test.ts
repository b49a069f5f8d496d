import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decideRole, type GroupLink, type SyncableRef } from '@grouproles/core'
import { groupLinkArb, syncPolicyArb, userArb } from '@grouproles/core/testing'
import { channelRef, link, teamRef, user } from './support/fixtures.js'

const rl = teamRef('rl')
const infrastructure = channelRef('infrastructure')

describe('decideRole', () => {
  it('should make a guest a guest without looking at groups', () => {
    const decision = decideRole({
      user: user('carol', { systemRole: 'guest' }),
      syncable: rl,
      links: [link('mm_rl_infra', rl, { schemeAdmin: true })],
      userGroupIds: ['mm_rl_infra'],
    })

    expect(decision.role).toBe('guest')
    expect(decision.viaGroupIds).toEqual([])
  })

  it('should make a system admin a plain member with bypass (the default), saying so', () => {
    const input = {
      user: user('dave', { systemRole: 'admin' }),
      syncable: rl,
      links: [link('mm_rl_infra', rl, { schemeAdmin: true })],
      userGroupIds: ['mm_rl_infra'],
    }

    const byDefault = decideRole(input)
    const explicit = decideRole(input, { sysadmins: 'bypass' })

    expect(byDefault.role).toBe('member')
    expect(byDefault.reason).toMatch(/system admin/i)
    expect(byDefault.viaGroupIds).toEqual([])
    expect(explicit).toEqual(byDefault)
  })

  it('should decide a system admin like a user with asUsers', () => {
    const links = [link('mm_rl_infra', rl, { schemeAdmin: true })]
    const dave = user('dave', { systemRole: 'admin' })

    const inAdminGroup = decideRole(
      { user: dave, syncable: rl, links, userGroupIds: ['mm_rl_infra'] },
      { sysadmins: 'asUsers' },
    )
    const inNoGroup = decideRole(
      { user: dave, syncable: rl, links, userGroupIds: [] },
      { sysadmins: 'asUsers' },
    )

    expect(inAdminGroup.role).toBe('admin')
    expect(inAdminGroup.viaGroupIds).toEqual(['mm_rl_infra'])
    expect(inNoGroup.role).toBe('member')
  })

  it('should make a user admin iff a group of theirs has a live scheme-admin link to the syncable', () => {
    const links = [
      link('mm_rl_admins', rl, { schemeAdmin: true }),
      link('mm_rl_users', rl, { schemeAdmin: false }),
      link('mm_rl_infra', infrastructure, { schemeAdmin: true }),
    ]

    const admin = decideRole({
      user: user('alice'),
      syncable: rl,
      links,
      userGroupIds: ['mm_rl_admins', 'mm_rl_users'],
    })
    const member = decideRole({
      user: user('bob'),
      syncable: rl,
      links,
      userGroupIds: ['mm_rl_users'],
    })
    // An admin link to another syncable (the channel) does not make alice admin of the team.
    const otherSyncable = decideRole({
      user: user('bob'),
      syncable: rl,
      links,
      userGroupIds: ['mm_rl_infra'],
    })

    expect(admin.role).toBe('admin')
    expect(admin.viaGroupIds).toEqual(['mm_rl_admins'])
    expect(member.role).toBe('member')
    expect(member.viaGroupIds).toEqual(['mm_rl_users'])
    expect(otherSyncable.role).toBe('member')
  })

  it('should ignore AutoAdd when granting admin', () => {
    const links = [link('mm_rl_admins', rl, { schemeAdmin: true, autoAdd: false })]

    const decision = decideRole({
      user: user('alice'),
      syncable: rl,
      links,
      userGroupIds: ['mm_rl_admins'],
    })

    expect(decision.role).toBe('admin')
  })

  it('should never grant admin through a deleted link (divergence from Mattermost)', () => {
    const links = [link('mm_rl_admins', rl, { schemeAdmin: true, deleted: true })]

    const decision = decideRole({
      user: user('alice'),
      syncable: rl,
      links,
      userGroupIds: ['mm_rl_admins'],
    })

    expect(decision.role).toBe('member')
    expect(decision.viaGroupIds).toEqual([])
  })

  it('should not confuse a team and a channel that share an id', () => {
    const links = [link('mm_rl_admins', teamRef('x'), { schemeAdmin: true })]

    const decision = decideRole({
      user: user('alice'),
      syncable: channelRef('x'),
      links,
      userGroupIds: ['mm_rl_admins'],
    })

    expect(decision.role).toBe('member')
  })

  const syncableIds = ['rl', 'infra', 'ops']
  const groupIds = ['mm_rl_infra', 'mm_rl_admins', 'mm_rl_users', 'mm_ops']
  const syncableArb: fc.Arbitrary<SyncableRef> = fc.record({
    kind: fc.constantFrom<'team' | 'channel'>('team', 'channel'),
    id: fc.constantFrom(...syncableIds),
  })
  const linksArb: fc.Arbitrary<GroupLink[]> = fc.array(
    fc.tuple(fc.constantFrom(...groupIds), syncableArb).chain(([g, s]) => groupLinkArb(g, s)),
    { maxLength: 8 },
  )
  const inputArb = fc.record({
    user: userArb(),
    syncable: syncableArb,
    links: linksArb,
    userGroupIds: fc.subarray(groupIds),
  })
  const policyArb = fc.option(syncPolicyArb(), { nil: undefined })

  it('should always decide (total) and give guests guest, bypassed sysadmins member', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const decision = decideRole(input, policy)

        expect(decision.role === 'guest').toBe(input.user.systemRole === 'guest')
        if (input.user.systemRole === 'admin' && (policy?.sysadmins ?? 'bypass') === 'bypass') {
          expect(decision.role).toBe('member')
          expect(decision.viaGroupIds).toEqual([])
        }
        expect(decision.reason.length).toBeGreaterThan(0)
      }),
    )
  })

  it('should always grant admin exactly through a live scheme-admin link of one of the user’s groups', () => {
    fc.assert(
      fc.property(inputArb, policyArb, (input, policy) => {
        const decision = decideRole(input, policy)
        const grants = (groupId: string) =>
          input.userGroupIds.includes(groupId) &&
          input.links.some(
            (l) =>
              l.groupId === groupId &&
              l.schemeAdmin &&
              l.deleted !== true &&
              l.syncable.kind === input.syncable.kind &&
              l.syncable.id === input.syncable.id,
          )
        const decidesByGroups =
          input.user.systemRole === 'user' ||
          (input.user.systemRole === 'admin' && policy?.sysadmins === 'asUsers')

        if (decision.role === 'admin') {
          expect(decision.viaGroupIds.length).toBeGreaterThan(0)
          for (const g of decision.viaGroupIds) expect(grants(g)).toBe(true)
        }
        if (decidesByGroups) expect(decision.role === 'admin').toBe(input.userGroupIds.some(grants))
      }),
    )
  })

  it('should never depend on the order of links or group ids', () => {
    fc.assert(
      fc.property(
        inputArb.chain((input) =>
          fc.tuple(
            fc.constant(input),
            fc.shuffledSubarray(input.links, { minLength: input.links.length }),
            fc.shuffledSubarray(input.userGroupIds, { minLength: input.userGroupIds.length }),
          ),
        ),
        policyArb,
        ([input, links, userGroupIds], policy) => {
          expect(decideRole({ ...input, links, userGroupIds }, policy)).toEqual(
            decideRole(input, policy),
          )
        },
      ),
    )
  })
})
