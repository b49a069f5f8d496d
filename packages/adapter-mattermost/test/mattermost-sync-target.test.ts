import { emptyState, planSync } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import { MattermostSyncTarget } from '../src/index.js'
import { clientFor, useFake } from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`

describe('MattermostSyncTarget', () => {
  const { fake } = useFake()

  it('should load, apply a plan and then have nothing left to do', async () => {
    // Arrange: u1 is in a group auto-added to the team and one of its channels.
    const [t, c, g, u] = [id('t', 1), id('c', 1), id('g', 1), id('u', 1)]
    fake().seed({
      ...emptyState,
      users: [{ id: u, username: 'ann', systemRole: 'user' }],
      groups: [{ id: g, name: 'devs', memberIds: [u] }],
      teams: [{ id: t, name: 'eng', groupConstrained: false }],
      channels: [{ id: c, teamId: t, name: 'ops', type: 'P', groupConstrained: false }],
      links: [
        { groupId: g, syncable: { kind: 'team', id: t }, autoAdd: true, schemeAdmin: true },
        { groupId: g, syncable: { kind: 'channel', id: c }, autoAdd: true, schemeAdmin: false },
      ],
    })
    const events: number[] = []
    const target = new MattermostSyncTarget(clientFor(fake()), {
      onProgress: (p) => events.push(p.completed),
    })

    // Act
    const plan = planSync((await target.loadSyncState())._unsafeUnwrap())
    const report = (await target.applyPlan(plan))._unsafeUnwrap()
    const again = planSync((await target.loadSyncState())._unsafeUnwrap())

    // Assert
    expect(report.counts).toMatchObject({ addTeamMember: 1, addChannelMember: 1 })
    expect(events).toEqual([1, 2])
    expect(again.commands).toEqual([])
    expect(fake().teamMembers.get(t)?.get(u)?.scheme_admin).toBe(true)
  })
  it('should pass progressEvery on to applyPlan', async () => {
    const [t, u1, u2, u3] = [id('t', 1), id('u', 1), id('u', 2), id('u', 3)]
    const people = [u1, u2, u3].map((u, i) => ({
      id: u,
      username: `p${i}`,
      systemRole: 'user' as const,
    }))
    fake().seed({
      ...emptyState,
      users: people,
      teams: [{ id: t, name: 'eng', groupConstrained: false }],
      teamMembers: people.map((p) => ({
        teamId: t,
        userId: p.id,
        schemeAdmin: false,
        schemeGuest: false,
      })),
    })
    const events: number[] = []
    const target = new MattermostSyncTarget(clientFor(fake()), {
      onProgress: (p) => events.push(p.completed),
      progressEvery: 1,
      verifyFingerprint: false,
    })

    const commands = people.map((p) => ({
      kind: 'setTeamMemberAdmin' as const,
      teamId: t,
      userId: p.id,
      schemeAdmin: true,
      reason: 'test',
    }))

    // verifyFingerprint is off: the fingerprint is never compared.
    await target.applyPlan({ commands, targetFingerprint: 'not-checked' })

    expect(events).toEqual([1, 2, 3])
  })
})
