import {
  admitCommands,
  applyContextOf,
  emptyState,
  planSync,
  withGroupLoad,
  type SyncCommand,
  type SyncState,
} from '@grouproles/core'
import { foreignCommandArb, syncCommandArb, syncPolicyArb } from '@grouproles/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyPlan, isMattermostId, loadSyncState, readTouchedState } from '../src/index.js'
import { apiStateArb, clientFor, useFake } from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`

describe('readTouchedState', () => {
  const { fake } = useFake()

  it('should give admitCommands the same answer as the whole state, with a group load or the server’s own links', async () => {
    const arb = apiStateArb()
      .chain(foreignCommandArb)
      .chain((foreign) =>
        fc.tuple(
          fc.constant(foreign),
          fc.array(syncCommandArb(foreign.state), { maxLength: 6 }),
          syncPolicyArb(),
          fc.boolean(),
          fc.boolean(),
        ),
      )
    await fc.assert(
      fc.asyncProperty(arb, async ([foreign, extra, policy, ownLinks, teamsOnly]) => {
        fake().seed(foreign.state)
        const client = clientFor(fake())
        const full = (await loadSyncState(client))._unsafeUnwrap()
        const plan = planSync(full, policy)
        // Team commands alone: a team add a channel's link justifies touches no channel.
        const planned = teamsOnly ? plan.commands.filter((c) => 'teamId' in c) : plan.commands
        const commands: SyncCommand[] = [...planned, ...extra, foreign.command]
        const context = ownLinks ? { policy: plan.policy } : applyContextOf(full, plan.policy)
        const load = ownLinks ? undefined : applyContextOf(full).groupLoad
        const options = { isId: isMattermostId, policy: plan.policy }
        const expected = admitCommands(commands, withGroupLoad(full, load), options)
        const before = fake().snapshot()

        const touched = (
          await readTouchedState(client, commands, load !== undefined ? { groupLoad: load } : {})
        )._unsafeUnwrap()
        // Not strict: commands whose effect holds pass, so only admission can refuse.
        const applied = await applyPlan(
          client,
          { commands },
          { context, check: 'touched', strict: false },
        )

        expect(admitCommands(commands, withGroupLoad(touched, load), options)).toEqual(expected)
        expect(expected.refused.length).toBeGreaterThan(0)
        expect(applied.isErr() ? applied.error : 'applied').toEqual({
          kind: 'inadmissibleCommands',
          message: expect.any(String) as string,
          refused: expected.refused,
        })
        expect(fake().snapshot()).toEqual(before)
      }),
      { numRuns: 30 },
    )
  }, 120_000)

  it('should read the channel whose auto-add link alone justifies a team add, and admit the add', async () => {
    const [u1, t1, c1, g1] = [id('u', 1), id('t', 1), id('c', 1), id('g', 1)]
    const state: SyncState = {
      ...emptyState,
      users: [{ id: u1, username: 'ann', systemRole: 'user' }],
      teams: [{ id: t1, name: 'eng', groupConstrained: false }],
      channels: [{ id: c1, teamId: t1, name: 'ops', type: 'O', groupConstrained: false }],
      groups: [{ id: g1, name: 'ops', memberIds: [u1] }],
      links: [
        { groupId: g1, syncable: { kind: 'channel', id: c1 }, autoAdd: true, schemeAdmin: false },
      ],
    }
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: t1, userId: u1, role: 'member' },
    ]
    // With the plan's group load, and with the server's own groups and links.
    for (const context of [applyContextOf(state), undefined]) {
      fake().seed(state)
      const client = clientFor(fake())
      const load = context?.groupLoad

      const touched = (
        await readTouchedState(client, commands, load !== undefined ? { groupLoad: load } : {})
      )._unsafeUnwrap()
      const report = (
        await applyPlan(client, { commands }, { check: 'touched', ...(context ? { context } : {}) })
      )._unsafeUnwrap()

      expect(touched.channels.map((c) => c.id)).toEqual([c1])
      expect(report.counts.addTeamMember).toBe(1)
    }
  })

  it('should read only the touched users, channels and rows', async () => {
    const users = Array.from({ length: 30 }, (_, i) => ({
      id: id('u', i),
      username: `user${i}`,
      systemRole: 'user' as const,
    }))
    const [t1, t2] = [id('t', 1), id('t', 2)]
    const channels = Array.from({ length: 6 }, (_, i) => ({
      id: id('c', i),
      teamId: i < 3 ? t1 : t2,
      name: `ch${i}`,
      type: 'O' as const,
      groupConstrained: false,
    }))
    const state: SyncState = {
      ...emptyState,
      users,
      teams: [
        { id: t1, name: 'one', groupConstrained: false },
        { id: t2, name: 'two', groupConstrained: false },
      ],
      channels,
      teamMembers: users.map((u) => ({
        teamId: t1,
        userId: u.id,
        schemeAdmin: false,
        schemeGuest: false,
      })),
      channelMembers: users.slice(0, 10).map((u) => ({
        channelId: id('c', 0),
        userId: u.id,
        schemeAdmin: true,
        schemeGuest: false,
      })),
    }
    fake().seed(state)
    const [u1, u2] = [id('u', 1), id('u', 20)]
    const commands: SyncCommand[] = [
      { kind: 'setChannelMemberAdmin', channelId: id('c', 0), userId: u1, schemeAdmin: false },
      { kind: 'addChannelMember', channelId: id('c', 1), userId: u2, role: 'member' },
    ]

    const touched = (
      await readTouchedState(clientFor(fake()), commands, { groups: 'none' })
    )._unsafeUnwrap()

    expect(touched.users.map((u) => u.id).sort()).toEqual([u1, u2])
    expect(touched.teams.map((t) => t.id)).toEqual([t1])
    expect(touched.channels.map((c) => c.id).sort()).toEqual([id('c', 0), id('c', 1)])
    expect(touched.teamMembers).toEqual([])
    expect(touched.channelMembers).toEqual([
      { channelId: id('c', 0), userId: u1, schemeAdmin: true, schemeGuest: false },
    ])
    expect(
      fake()
        .requests.map((r) => r.operationId)
        .sort(),
    ).toEqual([
      'GetAllTeams',
      'GetChannel',
      'GetChannel',
      'GetChannelMembersByIds',
      'GetChannelMembersByIds',
      'GetUsersByIds',
    ])
  })

  it('should leave out a channel that does not exist, and fail on any other error', async () => {
    fake().seed({
      ...emptyState,
      teams: [{ id: id('t', 1), name: 'one', groupConstrained: false }],
    })
    const client = clientFor(fake(), { maxAttempts: 1 })
    const commands: SyncCommand[] = [
      { kind: 'removeChannelMember', channelId: id('c', 9), userId: id('u', 9) },
    ]

    const absent = (await readTouchedState(client, commands, { groups: 'none' }))._unsafeUnwrap()
    fake().failNext({ kind: 'serverError', status: 500 }, 1, (_, path) =>
      path.includes('/channels/'),
    )
    const failed = await readTouchedState(client, commands, { groups: 'none' })

    expect(absent.channels).toEqual([])
    expect(failed.isErr() ? failed.error : 'read').toMatchObject({ kind: 'http', status: 500 })
  })
})
