import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRoleDecider, decideRole } from '@grouproles/core'
import { syncPolicyArb } from '@grouproles/core/testing'
import {
  channel,
  channelRef,
  group,
  link,
  state,
  syncableRefsOf,
  team,
  teamRef,
  user,
} from './support/fixtures.js'
import { stateArb } from './support/arbitraries.js'
import { isLive } from './support/oracle.js'

const rl = teamRef('rl')
const infrastructure = channelRef('infrastructure')

const s = state({
  users: [
    user('alice'),
    user('bob'),
    user('carol', { systemRole: 'guest' }),
    user('root', { systemRole: 'admin' }),
  ],
  groups: [
    group('mm_rl_admins', ['alice', 'carol', 'root']),
    group('mm_rl_old_admins', ['bob'], { deleted: true }),
    group('mm_rl_infra', ['alice', 'bob']),
  ],
  teams: [team('rl', { groupConstrained: true }), team('gone', { deleted: true })],
  channels: [
    channel('infrastructure', 'rl'),
    channel('dm', 'rl', { type: 'D' }),
    channel('orphan', 'gone'),
  ],
  links: [
    link('mm_rl_admins', rl, { schemeAdmin: true, autoAdd: false }),
    link('mm_rl_old_admins', rl, { schemeAdmin: true }),
    link('mm_rl_infra', rl),
    link('mm_rl_infra', infrastructure, { schemeAdmin: true, deleted: true }),
  ],
})

describe('createRoleDecider', () => {
  it('should decide from the state’s live links and live groups', () => {
    const decider = createRoleDecider(s)

    expect(decider.decide('alice', rl)?.role).toBe('admin')
    // bob's only admin group is deleted; his only channel admin link is deleted.
    expect(decider.decide('bob', rl)?.role).toBe('member')
    expect(decider.decide('alice', infrastructure)?.role).toBe('member')
    expect(decider.decide('carol', rl)?.role).toBe('guest')
    expect(decider.decide('root', rl)?.role).toBe('member')
    expect(createRoleDecider(s, { sysadmins: 'asUsers' }).decide('root', rl)?.role).toBe('admin')
  })

  it('should answer undefined for an unknown user or a syncable that is not live', () => {
    const decider = createRoleDecider(s)

    expect(decider.decide('nobody', rl)).toBeUndefined()
    expect(decider.decide('alice', teamRef('gone'))).toBeUndefined()
    expect(decider.decide('alice', teamRef('missing'))).toBeUndefined()
    expect(decider.decide('alice', channelRef('dm'))).toBeUndefined()
    expect(decider.decide('alice', channelRef('orphan'))).toBeUndefined()
  })

  it('should always agree with decideRole on live syncables, and answer only for them', () => {
    fc.assert(
      fc.property(stateArb(), syncPolicyArb(), (st, policy) => {
        const decider = createRoleDecider(st, policy)
        const refs = syncableRefsOf(st)
        for (const u of st.users) {
          const userGroupIds = st.groups
            .filter((g) => g.deleted !== true && g.memberIds.includes(u.id))
            .map((g) => g.id)
          for (const ref of refs) {
            const decided = decider.decide(u.id, ref)
            if (!isLive(st, ref)) {
              expect(decided).toBeUndefined()
              continue
            }
            const expected = decideRole(
              { user: u, syncable: ref, links: st.links, userGroupIds },
              policy,
            )
            expect(decided?.role).toBe(expected.role)
            expect(decided?.viaGroupIds).toEqual(expected.viaGroupIds)
          }
        }
      }),
    )
  })

  it('should always give the same decisions through forSyncable as through decide', () => {
    fc.assert(
      fc.property(stateArb(), syncPolicyArb(), (st, policy) => {
        const decider = createRoleDecider(st, policy)
        const refs = syncableRefsOf(st)
        for (const ref of refs) {
          const view = decider.forSyncable(ref)
          expect(view === undefined).toBe(!isLive(st, ref))
          if (view === undefined) continue
          for (const id of [...st.users.map((u) => u.id), 'not-a-user']) {
            expect(view(id)).toEqual(decider.decide(id, ref))
          }
        }
      }),
    )
  })
})
