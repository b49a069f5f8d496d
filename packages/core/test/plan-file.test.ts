import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { formatPlan, planSync, readPlanFile, writePlanFile, type SyncState } from '../src/index.js'
import { syncPolicyArb, syncStateArb } from '../src/testing/index.js'

const state: SyncState = {
  users: [
    { id: 'alice', username: 'alice', systemRole: 'user' },
    { id: 'bob', username: 'bob', systemRole: 'user' },
  ],
  groups: [{ id: 'g1', name: 'mm_rl_infra_admins', memberIds: ['alice'] }],
  links: [
    { groupId: 'g1', syncable: { kind: 'team', id: 'rl' }, autoAdd: true, schemeAdmin: true },
  ],
  teams: [{ id: 'rl', name: 'rl', groupConstrained: true }],
  channels: [],
  teamMembers: [{ teamId: 'rl', userId: 'bob', schemeAdmin: true, schemeGuest: false }],
  channelMembers: [],
  channelHistory: [],
}

describe('writePlanFile', () => {
  it('should write a file that reads back to the same plan, Infinity limits included', () => {
    const plan = planSync(state, { limits: { maxRemovals: Number.POSITIVE_INFINITY } })
    const text = writePlanFile(plan, { state, createdAt: '2026-11-22T00:00:00Z' })
    const file = readPlanFile(text)._unsafeUnwrap()
    expect(file.plan).toEqual(plan)
    expect(file.names).toEqual({ alice: 'alice', bob: 'bob', rl: 'rl' })
    expect(file.createdAt).toBe('2026-11-22T00:00:00Z')
  })

  it('should always round-trip any plan', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyArb(), (s, policy) => {
        const plan = planSync(s, policy)
        expect(readPlanFile(writePlanFile(plan))._unsafeUnwrap().plan).toEqual(plan)
      }),
    )
  })
})

describe('readPlanFile', () => {
  it('should refuse what is not a plan, with a typed error', () => {
    expect(readPlanFile('{').isErr() && readPlanFile('{')._unsafeUnwrapErr().kind).toBe(
      'invalidJson',
    )
    expect(readPlanFile('{"format":"other"}')._unsafeUnwrapErr().kind).toBe('notAPlanFile')
    expect(
      readPlanFile('{"format":"grouproles-plan","version":2}')._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'unsupportedVersion', version: 2 })
  })

  it('should refuse a file with a malformed or injected command', () => {
    const good = JSON.parse(writePlanFile(planSync(state))) as { plan: { commands: unknown[] } }
    const bad = (command: unknown) =>
      JSON.stringify({ ...good, plan: { ...good.plan, commands: [command] } })
    expect(
      readPlanFile(bad({ kind: 'dropTable', teamId: 'rl', userId: 'bob' }))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'invalidPlan', path: 'plan.commands[0]' })
    expect(
      readPlanFile(
        bad({ kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'owner' }),
      )._unsafeUnwrapErr().message,
    ).toMatch(/role must be/)
    expect(
      readPlanFile(
        bad({ kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'bob', schemeAdmin: 'yes' }),
      )._unsafeUnwrapErr().message,
    ).toMatch(/schemeAdmin/)
    expect(
      readPlanFile(
        bad({ kind: 'removeChannelMember', channelId: '', userId: 'bob' }),
      )._unsafeUnwrapErr().message,
    ).toMatch(/channelId/)
  })

  it('should refuse a file whose fingerprint was tampered with', () => {
    const text = writePlanFile(planSync(state)).replace(
      /"fingerprint": "[0-9a-f]{16}"/,
      '"fingerprint": "not-a-hash"',
    )
    expect(readPlanFile(text)._unsafeUnwrapErr()).toMatchObject({
      kind: 'invalidPlan',
      path: 'plan.fingerprint',
    })
  })
})

describe('formatPlan', () => {
  it('should show a table per team with names and reasons', () => {
    const plan = planSync(state)
    const text = formatPlan(plan, { alice: 'alice', bob: 'bob', rl: 'rl' })
    expect(text).toContain('team rl')
    expect(text).toMatch(
      /\+ add as admin\s+alice\s+auto-add via mm_rl_infra_admins; admin via mm_rl_infra_admins/,
    )
    expect(text).toMatch(
      /- remove\s+bob\s+in no group linked to team rl \(group-synced in Mattermost/,
    )
  })
})
