import {
  admitCommands,
  applyContextOf,
  applyPlan as applyModel,
  emptyState,
  fingerprintTarget,
  withGroupLoad,
  normalizeState,
  planSync,
  type SyncCommand,
  type SyncPlan,
  type SyncState,
  type TeamMember,
} from '@grouproles/core'
import {
  admittingContext,
  foreignCommandArb,
  syncCommandArb,
  syncPolicyArb,
} from '@grouproles/core/testing'
import { okAsync } from 'neverthrow'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyPlan,
  channelHistoryOf,
  type ApplyProgress,
  loadSyncState,
  MattermostSyncTarget,
  type MattermostClient,
  type MattermostCommandOutcome,
} from '../src/index.js'
import {
  apiStateArb,
  clientFor,
  refusedByGroupConstraint,
  seededRandom,
  toApiState,
  useFake,
} from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const team = id('t', 1)
const channel = id('c', 1)

/** Plain-member adds of `people` to the test team / channel, and their active team rows. */
const teamAdds = (people: readonly { id: string }[]): SyncCommand[] =>
  people.map((u) => ({ kind: 'addTeamMember', teamId: team, userId: u.id, role: 'member' }))
const channelAdds = (people: readonly { id: string }[]): SyncCommand[] =>
  people.map((u) => ({
    kind: 'addChannelMember',
    channelId: channel,
    userId: u.id,
    role: 'member',
  }))
const teamRows = (people: readonly { id: string }[]): TeamMember[] =>
  people.map((u) => ({ teamId: team, userId: u.id, schemeAdmin: false, schemeGuest: false }))

function users(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({
    id: id('u', from + i),
    username: `user${from + i}`,
    systemRole: 'user' as const,
  }))
}

function oneTeamState(extra: Partial<SyncState> = {}): SyncState {
  return {
    ...emptyState,
    teams: [{ id: team, name: 'eng', groupConstrained: false }],
    channels: [{ id: channel, teamId: team, name: 'ops', type: 'O', groupConstrained: false }],
    ...extra,
  }
}

/**
 * Options under which hand-made commands are justified (`admittingContext`), read from the fake's
 * model without requests, so that tests of the mechanics count only the writes' requests.
 */
const justified = (commands: readonly SyncCommand[]) => ({
  context: admittingContext(commands),
  loadTarget: () => okAsync<SyncState>(currentFake().snapshot()),
})
let currentFake: ReturnType<typeof useFake>['fake'] = () => {
  throw new Error('no fake yet')
}

async function loadAll(client: MattermostClient): Promise<SyncState> {
  return (await loadSyncState(client))._unsafeUnwrap()
}

// Why the server may refuse a command on `state` (mattermost-semantics.md §2-§3, api §3).
function justifiedFailure(c: SyncCommand, state: SyncState): boolean {
  if (refusedByGroupConstraint(c, state)) return true
  const user = state.users.find((u) => u.id === c.userId)
  if (c.kind === 'addChannelMember') {
    const ch = state.channels.find((x) => x.id === c.channelId)
    const row = state.teamMembers.find((m) => m.teamId === ch?.teamId && m.userId === c.userId)
    return user?.deactivated === true || row === undefined || row.deleted === true
  }
  if (c.kind === 'setTeamMemberAdmin') {
    const row = state.teamMembers.find((m) => m.teamId === c.teamId && m.userId === c.userId)
    return row === undefined || row.deleted === true || row.schemeGuest
  }
  if (c.kind === 'setChannelMemberAdmin') {
    const row = state.channelMembers.find(
      (m) => m.channelId === c.channelId && m.userId === c.userId,
    )
    return row === undefined || row.schemeGuest
  }
  if (c.kind === 'removeChannelMember') {
    // The town-square check comes before the member check: a non-guest is refused even as a non-member.
    const ch = state.channels.find((x) => x.id === c.channelId)
    return ch?.name === 'town-square' && user !== undefined && user.systemRole !== 'guest'
  }
  return false
}

/**
 * What the server does beyond core's model after a command that went through, as the commands
 * that model it: a team removal of a user whose row was already soft-deleted runs again (their
 * channel rows in the team go), and a guest removed from their last channel of a team leaves the
 * team (mattermost-semantics.md §4.6).
 */
function serverExtras(before: SyncState, state: SyncState, c: SyncCommand): SyncCommand[] {
  const channelsOf = (teamId: string) =>
    new Set(
      state.channels
        .filter((ch) => ch.teamId === teamId && (ch.type === 'O' || ch.type === 'P'))
        .map((ch) => ch.id),
    )
  if (c.kind === 'removeTeamMember') {
    // Without any row the server refuses (400 missing), which the adapter reports as already.
    if (!state.teamMembers.some((m) => m.teamId === c.teamId && m.userId === c.userId)) return []
    const inTeam = channelsOf(c.teamId)
    return state.channelMembers
      .filter((m) => m.userId === c.userId && inTeam.has(m.channelId))
      .map((m) => ({ kind: 'removeChannelMember', channelId: m.channelId, userId: c.userId }))
  }
  if (c.kind !== 'removeChannelMember') return []
  // Only a removal that removed a row gets this far on the server (a non-member is a 404).
  if (!before.channelMembers.some((m) => m.channelId === c.channelId && m.userId === c.userId)) {
    return []
  }
  const guest = state.users.find((u) => u.id === c.userId)?.systemRole === 'guest'
  const teamId = state.channels.find((ch) => ch.id === c.channelId)?.teamId
  if (!guest || teamId === undefined) return []
  const inTeam = channelsOf(teamId)
  const left = state.channelMembers.some((m) => m.userId === c.userId && inTeam.has(m.channelId))
  const row = state.teamMembers.find((m) => m.teamId === teamId && m.userId === c.userId)
  return left || row === undefined || row.deleted === true
    ? []
    : [{ kind: 'removeTeamMember', teamId, userId: c.userId }]
}

/**
 * Walks the outcomes in plan order over the core model: every failure must be one the server is
 * documented to refuse, every `already` must be a no-op, and the result is the expected state.
 * The model runs on all the commands that went through at once, so a channel add for a row that
 * the same apply's team add made by a default-channel join gets the plan's role, as in the model.
 */
function expectedAfter(start: SyncState, outcomes: readonly MattermostCommandOutcome[]): SyncState {
  const commands: SyncCommand[] = []
  let current = start
  for (const o of outcomes) {
    if (o.kind === 'failed') {
      expect({ command: o.command, justified: justifiedFailure(o.command, current) }).toEqual({
        command: o.command,
        justified: true,
      })
      continue
    }
    commands.push(o.command)
    let next = applyModel(start, commands)
    const extras = serverExtras(current, next, o.command)
    if (extras.length > 0) {
      commands.push(...extras)
      next = applyModel(start, commands)
    }
    if (o.kind === 'already') expect(normalizeState(next)).toEqual(normalizeState(current))
    current = next
  }
  return current
}

// Random commands must name a role the API can give: guests join as guests, others never do.
function representable(state: SyncState) {
  return (c: SyncCommand): SyncCommand => {
    if (c.kind !== 'addTeamMember' && c.kind !== 'addChannelMember') return c
    const guest = state.users.find((u) => u.id === c.userId)?.systemRole === 'guest'
    return { ...c, role: guest ? 'guest' : c.role === 'guest' ? 'member' : c.role }
  }
}

// States the API can represent and on which a sync has something to do (most random states have
// nothing, which would make the properties vacuous).
const busyStateArb = apiStateArb().filter((s) => planSync(s).commands.length > 0)

describe('applyPlan', () => {
  const { fake } = useFake()
  currentFake = fake

  it('should add 600 users in 3 graceful team batches, then their channel adds in 1 call', async () => {
    // Arrange
    const people = users(600)
    fake().seed(oneTeamState({ users: people }))
    const commands: SyncCommand[] = [...teamAdds(people), ...channelAdds(people)]

    // Act
    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    // Assert
    expect([report.done, report.failed]).toEqual([1200, 0])
    const adds = fake().requests.filter(
      (r) => r.operationId === 'AddTeamMembers' || r.operationId === 'AddChannelMember',
    )
    expect(adds.map((r) => r.operationId)).toEqual([
      'AddTeamMembers',
      'AddTeamMembers',
      'AddTeamMembers',
      'AddChannelMember',
    ])
    expect(
      adds.slice(0, 3).map((r) => [r.query['graceful'], (r.body as unknown[]).length]),
    ).toEqual([
      ['true', 256],
      ['true', 256],
      ['true', 88],
    ])
    expect(((adds[3]?.body ?? {}) as { user_ids: string[] }).user_ids).toHaveLength(600)
    expect(fake().channelMembers.get(channel)?.size).toBe(600)
  })

  it('should report already for members who are there and removals of people already gone', async () => {
    const [a, b] = users(2)
    fake().seed(
      oneTeamState({
        users: [a!, b!],
        teamMembers: [{ teamId: team, userId: a!.id, schemeAdmin: false, schemeGuest: false }],
        channelMembers: [
          { channelId: channel, userId: a!.id, schemeAdmin: false, schemeGuest: false },
        ],
      }),
    )
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: team, userId: a!.id, role: 'admin' },
      { kind: 'addChannelMember', channelId: channel, userId: a!.id, role: 'member' },
      { kind: 'removeChannelMember', channelId: channel, userId: b!.id },
      { kind: 'removeTeamMember', teamId: team, userId: b!.id },
    ]

    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    expect(report.outcomes.map((o) => o.kind)).toEqual(['already', 'already', 'already', 'already'])
    // An existing member keeps the role it had: the add never rewrites it.
    expect(fake().teamMembers.get(team)?.get(a!.id)?.scheme_admin).toBe(false)
  })

  it('should fail removals from a group-constrained team with a typed error and go on', async () => {
    const [a, b] = users(2)
    fake().seed({
      ...oneTeamState({ users: [a!, b!] }),
      teams: [{ id: team, name: 'eng', groupConstrained: true }],
      teamMembers: [
        { teamId: team, userId: a!.id, schemeAdmin: false, schemeGuest: false },
        { teamId: team, userId: b!.id, schemeAdmin: false, schemeGuest: false },
      ],
    })
    const commands: SyncCommand[] = [
      { kind: 'removeTeamMember', teamId: team, userId: a!.id },
      { kind: 'setTeamMemberAdmin', teamId: team, userId: b!.id, schemeAdmin: true },
    ]

    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    expect(report.outcomes[0]).toMatchObject({
      kind: 'failed',
      error: {
        kind: 'groupConstrained',
        status: 400,
        errorId: 'api.team.remove_member.group_constrained.app_error',
      },
    })
    expect(report.outcomes[1]?.kind).toBe('done')
    expect(fake().teamMembers.get(team)?.get(b!.id)?.scheme_admin).toBe(true)
  })

  it('should still add the group members of a batch when the constrained team denies one user', async () => {
    const people = users(3)
    fake().seed({
      ...oneTeamState({ users: people }),
      teams: [{ id: team, name: 'eng', groupConstrained: true }],
      groups: [{ id: id('g', 1), name: 'devs', memberIds: [people[0]!.id, people[1]!.id] }],
      links: [
        {
          groupId: id('g', 1),
          syncable: { kind: 'team', id: team },
          autoAdd: true,
          schemeAdmin: false,
        },
      ],
    })
    const commands = teamAdds(people)

    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    expect(report.outcomes.map((o) => o.kind)).toEqual(['done', 'done', 'failed'])
    expect(report.outcomes[2]).toMatchObject({
      error: { kind: 'groupConstrained', errorId: 'api.team.add_members.user_denied' },
    })
  })

  it('should give a new member the planned role when the server derived another', async () => {
    const [a] = users(1)
    fake().seed({
      ...oneTeamState({ users: [a!] }),
      groups: [{ id: id('g', 1), name: 'admins', memberIds: [a!.id] }],
      links: [
        {
          groupId: id('g', 1),
          syncable: { kind: 'team', id: team },
          autoAdd: true,
          schemeAdmin: true,
        },
      ],
    })

    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: team, userId: a!.id, role: 'member' },
    ]
    const report = await applyPlan(clientFor(fake()), { commands }, justified(commands))

    expect(report._unsafeUnwrap().done).toBe(1)
    expect(fake().teamMembers.get(team)?.get(a!.id)).toMatchObject({
      scheme_admin: false,
      scheme_user: true,
    })
    const put = fake().requests.find((r) => r.operationId === 'UpdateTeamMemberSchemeRoles')
    expect(put?.body).toEqual({ scheme_admin: false, scheme_user: true })
  })

  it('should retry through rate limits, server errors and resets', async () => {
    const people = users(300)
    fake().seed(oneTeamState({ users: people }))
    fake().failNext({ kind: 'rateLimit' }, 1)
    fake().failNext({ kind: 'serverError', status: 502 }, 1)
    fake().failNext(
      { kind: 'resetAfterApply' },
      1,
      (m, p) => m === 'POST' && p.endsWith('/members/batch'),
    )
    fake().failNext({ kind: 'reset' }, 1)
    const commands = teamAdds(people)

    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    expect(report.failed).toBe(0)
    expect(fake().teamMembers.get(team)?.size).toBe(300)
    // 3 faults on the first call, 1 on a batch: each answered by one more attempt.
    expect(fake().requests.length).toBe(1 + 3 + 2 + 1)
  })

  it('should refuse a plan whose target changed since it was made', async () => {
    const [a] = users(1)
    fake().seed(oneTeamState({ users: [a!] }))
    const client = clientFor(fake())
    const plan = planSync((await loadSyncState(client))._unsafeUnwrap())
    fake().seed(oneTeamState({ users: [a!, ...users(1, 5)] }))

    const result = await applyPlan(client, plan)

    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'stalePlan',
      expected: plan.targetFingerprint,
    })
  })

  it('should hand back the channel joins as history for the next load', async () => {
    const [a, b] = users(2)
    fake().seed(oneTeamState({ users: [a!, b!] }))
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: team, userId: a!.id, role: 'member' },
      { kind: 'addChannelMember', channelId: channel, userId: a!.id, role: 'member' },
      { kind: 'addChannelMember', channelId: channel, userId: b!.id, role: 'member' },
    ]

    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    // b is not in the team, so the server refused: only a's join is history.
    expect(channelHistoryOf(report)).toEqual([{ channelId: channel, userId: a!.id }])
  })

  it('should add 1500 channel members in 2 calls of at most 1000', async () => {
    const people = users(1500)
    fake().seed(
      oneTeamState({
        users: people,
        teamMembers: teamRows(people),
      }),
    )
    const commands = channelAdds(people)

    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    expect([report.done, report.failed]).toEqual([1500, 0])
    const sizes = fake()
      .requests.filter((r) => r.operationId === 'AddChannelMember')
      .map((r) => (r.body as { user_ids: string[] }).user_ids.length)
    expect(sizes.sort((a, b) => a - b)).toEqual([500, 1000])
    expect(fake().channelMembers.get(channel)?.size).toBe(1500)
  })

  it.each([
    ['a 503', { kind: 'serverError' } as const, { kind: 'http', status: 503 }],
    ['a connection reset', { kind: 'reset' } as const, { kind: 'network' }],
    ['a 429', { kind: 'rateLimit' } as const, { kind: 'rateLimited', status: 429 }],
  ])(
    'should fail a channel batch hit by %s as retryable, without splitting it into single adds',
    async (_, fault, error) => {
      // Arrange: every attempt of the multi-add fails; the user reads and a single add would not.
      const people = users(3)
      fake().seed(
        oneTeamState({
          users: people,
          teamMembers: teamRows(people),
        }),
      )
      fake().failNext(
        fault,
        2,
        (m, p) => m === 'POST' && p.endsWith(`/channels/${channel}/members`),
      )
      const commands = channelAdds(people)

      // Act
      const report = (
        await applyPlan(clientFor(fake(), { maxAttempts: 2 }), { commands }, justified(commands))
      )._unsafeUnwrap()

      // Assert
      expect(report.outcomes).toMatchObject(
        commands.map((command) => ({ kind: 'failed', command, error, retryable: true })),
      )
      expect(fake().count('AddChannelMember')).toBe(2)
      expect(fake().channelMembers.get(channel)?.size ?? 0).toBe(0)
    },
  )

  it('should split a channel batch the group check refuses so the group members still get in', async () => {
    const people = users(3)
    fake().seed({
      ...oneTeamState({ users: people }),
      channels: [{ id: channel, teamId: team, name: 'ops', type: 'O', groupConstrained: true }],
      groups: [{ id: id('g', 1), name: 'devs', memberIds: [people[0]!.id, people[1]!.id] }],
      links: [
        {
          groupId: id('g', 1),
          syncable: { kind: 'channel', id: channel },
          autoAdd: true,
          schemeAdmin: false,
        },
      ],
      teamMembers: teamRows(people),
    })
    const commands = channelAdds(people)

    const report = (
      await applyPlan(clientFor(fake()), { commands }, justified(commands))
    )._unsafeUnwrap()

    expect(report.outcomes.map((o) => o.kind)).toEqual(['done', 'done', 'failed'])
    expect(report.outcomes[2]).toMatchObject({
      error: { kind: 'groupConstrained', errorId: 'api.channel.add_members.user_denied' },
      retryable: false,
    })
    expect(fake().count('AddChannelMember')).toBe(1 + 3)
  })

  it('should not split a channel batch the server refuses for the channel itself', async () => {
    const people = users(3)
    const open = oneTeamState({ users: people, teamMembers: teamRows(people) })
    fake().seed({
      ...open,
      channels: [{ id: channel, teamId: team, name: 'dm', type: 'D', groupConstrained: false }],
    })
    const commands = channelAdds(people)

    // The read said open (the channel changed since): admitted, then refused by the server.
    const report = (
      await applyPlan(
        clientFor(fake()),
        { commands },
        { ...justified(commands), loadTarget: () => okAsync(open) },
      )
    )._unsafeUnwrap()

    expect(report.outcomes).toMatchObject(
      commands.map(() => ({
        kind: 'failed',
        error: { status: 400, errorId: 'api.channel.add_user_to_channel.type.app_error' },
        retryable: false,
      })),
    )
    expect(fake().count('AddChannelMember')).toBe(1)
  })

  it('should report progress per finished batch and every progressEvery single calls', async () => {
    // Arrange: 2 team batches, 1 channel chunk, 5 removals (of others) reported every 2.
    const people = users(300)
    const others = users(5, 300)
    fake().seed(oneTeamState({ users: [...people, ...others] }))
    const events: ApplyProgress[] = []
    const commands: SyncCommand[] = [
      ...teamAdds(people),
      ...channelAdds(people),
      ...others.map((u): SyncCommand => ({
        kind: 'removeChannelMember',
        channelId: channel,
        userId: u.id,
      })),
    ]

    // Act
    await applyPlan(
      clientFor(fake()),
      { commands },
      { onProgress: (p) => events.push(p), progressEvery: 2, ...justified(commands) },
    )

    // Assert: the two team batches run at once, so either may finish first.
    expect(events.map((e) => e.kind)).toEqual([
      'addTeamMember',
      'addTeamMember',
      'addChannelMember',
      'removeChannelMember',
      'removeChannelMember',
      'removeChannelMember',
    ])
    expect([44, 256]).toContain(events[0]?.completed)
    expect(events.slice(1).map((e) => e.completed)).toEqual([300, 600, 602, 604, 605])
    expect(events.every((e) => e.total === 605 && e.failed === 0)).toBe(true)
  })

  it('should report progress after each step', async () => {
    const [a, b] = users(2)
    fake().seed(oneTeamState({ users: [a!, b!] }))
    const events: unknown[] = []
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: team, userId: a!.id, role: 'member' },
      { kind: 'addChannelMember', channelId: channel, userId: a!.id, role: 'member' },
      { kind: 'removeChannelMember', channelId: channel, userId: b!.id },
    ]

    await applyPlan(
      clientFor(fake()),
      { commands },
      { onProgress: (p) => events.push(p), ...justified(commands) },
    )

    expect(events).toEqual([
      { completed: 1, total: 3, failed: 0, kind: 'addTeamMember' },
      { completed: 2, total: 3, failed: 0, kind: 'addChannelMember' },
      { completed: 3, total: 3, failed: 0, kind: 'removeChannelMember' },
    ])
  })

  it('should always leave the fake where the core model says, apart from documented refusals', async () => {
    await fc.assert(
      fc.asyncProperty(
        busyStateArb,
        fc.option(syncPolicyArb(), { nil: undefined }),
        async (state, policy) => {
          fake().seed(state)
          const client = clientFor(fake())
          const before = await loadAll(client)
          const plan = planSync(before, policy)

          const report = (
            await applyPlan(client, plan, {
              loadTarget: () => loadSyncState(client),
            })
          )._unsafeUnwrap()

          expect(report.outcomes.map((o) => o.command)).toEqual(plan.commands)
          const expected = expectedAfter(before, report.outcomes)
          expect(normalizeState(await loadAll(client))).toEqual(
            normalizeState(toApiState(expected)),
          )
        },
      ),
      { numRuns: 40 },
    )
  }, 120_000)

  it('should always match the core model on random commands', async () => {
    await fc.assert(
      fc.asyncProperty(
        apiStateArb()
          .filter((s) => s.teams.length > 0)
          .chain((s) =>
            fc.tuple(fc.constant(s), fc.array(syncCommandArb(s), { minLength: 1, maxLength: 25 })),
          ),
        async ([state, raw]) => {
          fake().seed(state)
          const client = clientFor(fake())
          const before = await loadAll(client)
          // What the mechanics can be asked at all: the commands a group load can justify.
          const drawn = raw.map(representable(state))
          const commands = [
            ...admitCommands(drawn, withGroupLoad(before, admittingContext(drawn).groupLoad))
              .admitted,
          ]
          fc.pre(commands.length > 0)

          // Not strict: random commands include ones whose effect holds (reported `already`).
          const report = (
            await applyPlan(
              client,
              { commands },
              { context: admittingContext(drawn), strict: false },
            )
          )._unsafeUnwrap()

          const expected = expectedAfter(before, report.outcomes)
          expect(normalizeState(await loadAll(client))).toEqual(
            normalizeState(toApiState(expected)),
          )
        },
      ),
      { numRuns: 40, endOnFailure: true },
    )
  }, 120_000)

  it('should always converge under 10 % injected faults without losing or duplicating members', async () => {
    // What the API can never do: refused by the group constraint, or a channel add whose team add is.
    const blocked = (plan: SyncPlan, state: SyncState) => (c: SyncCommand) =>
      refusedByGroupConstraint(c, state) ||
      (c.kind === 'addChannelMember' &&
        plan.commands.some(
          (t) =>
            t.kind === 'addTeamMember' &&
            t.userId === c.userId &&
            t.teamId === state.channels.find((ch) => ch.id === c.channelId)?.teamId &&
            refusedByGroupConstraint(t, state),
        ))
    const syncToFixpoint = async (faultRate: number): Promise<SyncState> => {
      const client = clientFor(fake(), { maxAttempts: 2 })
      for (let round = 0; round < 12; round++) {
        fake().faultRate = faultRate
        const loaded = await loadSyncState(client)
        if (loaded.isErr()) continue
        const plan = planSync(loaded.value)
        if (plan.commands.every(blocked(plan, loaded.value))) break
        await applyPlan(client, plan, { loadTarget: () => loadSyncState(client) })
      }
      fake().faultRate = 0
      return loadAll(client)
    }
    // Memberships only: a new member's role fix-up that failed is not re-planned on syncables
    // whose roles are not synced (see README, Limits). Counted as the rows the fake lists, one
    // page each (the states are small), because the client de-duplicates pages by user id and a
    // state loaded through it could never show a member twice.
    const memberships = async () => {
      const rows = async (kind: 'teams' | 'channels', ids: Iterable<string>) => {
        const out: string[] = []
        for (const sid of ids) {
          const response = await fetch(
            `${fake().url}/api/v4/${kind}/${sid}/members?page=0&per_page=200`,
            { headers: { Authorization: `Bearer ${fake().token}` } },
          )
          const listed = (await response.json()) as { user_id: string }[]
          out.push(...listed.map((m) => `${sid}:${m.user_id}`))
        }
        return out.sort()
      }
      return {
        team: await rows('teams', fake().teams.keys()),
        channel: await rows('channels', fake().channels.keys()),
      }
    }
    await fc.assert(
      fc.asyncProperty(busyStateArb, fc.integer(), async (state, seed) => {
        fake().seed(state)
        await syncToFixpoint(0)
        const clean = await memberships()
        fake().seed(state)
        fake().random = seededRandom(seed)
        const faulty = await syncToFixpoint(0.1)
        fake().random = Math.random
        const rows = await memberships()

        const final = planSync(faulty)
        expect(final.commands.filter((c) => !blocked(final, faulty)(c))).toEqual([])
        expect(rows).toEqual(clean)
        expect([new Set(rows.team).size, new Set(rows.channel).size]).toEqual([
          rows.team.length,
          rows.channel.length,
        ])
      }),
      { numRuns: 25 },
    )
  }, 120_000)
})

describe('applyPlan admission (issue 14: apply only what a sync could have planned)', () => {
  const { fake } = useFake()
  const [a, b] = users(2)
  const dm = id('c', 7)
  // One team no rule links, its open channel, and a direct-message channel between a and b.
  const crafted = (): SyncState =>
    oneTeamState({
      users: [a!, b!],
      channels: [
        { id: channel, teamId: team, name: 'ops', type: 'O', groupConstrained: false },
        { id: dm, teamId: '', name: `${a!.id}__${b!.id}`, type: 'D', groupConstrained: false },
      ],
      teamMembers: teamRows([a!]),
    })
  // Batched reads are POSTs too (the touched check's users and rows).
  const readsByPost = new Set(['GetUsersByIds', 'GetTeamMembersByIds', 'GetChannelMembersByIds'])
  const writes = () =>
    fake().requests.filter((r) => r.method !== 'GET' && !readsByPost.has(r.operationId ?? ''))
      .length

  it.each([
    [
      'a user added to a direct-message channel',
      { kind: 'addChannelMember', channelId: dm, userId: b!.id, role: 'member' },
      ['directChannel', 'unknownChannel'],
    ],
    [
      'an admin of a team no rule links',
      { kind: 'addTeamMember', teamId: team, userId: b!.id, role: 'admin' },
      ['unjustified'],
    ],
    [
      'a member made admin of a team no rule links',
      { kind: 'setTeamMemberAdmin', teamId: team, userId: a!.id, schemeAdmin: true },
      ['unjustified'],
    ],
    [
      "a team id x');DROP TABLE users;--",
      { kind: 'addTeamMember', teamId: "x');DROP TABLE users;--", userId: a!.id, role: 'member' },
      ['malformedId'],
    ],
  ] as const)(
    'should refuse %s with a typed error, sending nothing',
    async (_, command: SyncCommand, reasons) => {
      fake().seed(crafted())
      const client = clientFor(fake())
      const loaded = await loadAll(client)
      const before = fake().snapshot()
      const plan = { commands: [command], targetFingerprint: fingerprintTarget(loaded) }

      // The adapter called directly, with the run's group load and with the server's own groups.
      const errors = [
        (await applyPlan(client, plan, { context: applyContextOf(loaded) }))._unsafeUnwrapErr(),
        (await applyPlan(client, plan))._unsafeUnwrapErr(),
        (
          await new MattermostSyncTarget(client).applyPlan({
            ...plan,
            commands: [{ ...command, reason: 'crafted' }],
          })
        )._unsafeUnwrapErr(),
      ]

      for (const error of errors) {
        expect(error).toMatchObject({
          kind: 'inadmissibleCommands',
          refused: [{ index: 0, command }],
        })
        const refused = (error as Extract<typeof error, { kind: 'inadmissibleCommands' }>).refused
        expect(reasons).toContain(refused[0]?.reason)
      }
      expect(writes()).toBe(0)
      expect(fake().snapshot()).toEqual(before)
    },
  )

  it('should refuse a bare command list too, reading the target only to admit it', async () => {
    fake().seed(crafted())
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: team, userId: b!.id, role: 'member' },
    ]

    const error = (await applyPlan(clientFor(fake()), { commands }))._unsafeUnwrapErr()

    expect(error).toMatchObject({
      kind: 'inadmissibleCommands',
      refused: [{ reason: 'unjustified' }],
    })
    expect(writes()).toBe(0)
  })

  it('should always refuse foreign commands among planned ones and leave the fake as it was', async () => {
    const arb = apiStateArb()
      .chain(foreignCommandArb)
      .chain((foreign) => fc.tuple(fc.constant(foreign), fc.nat()))
    await fc.assert(
      fc.asyncProperty(arb, async ([{ state, command }, at]) => {
        fake().seed(state)
        const client = clientFor(fake())
        const loaded = await loadAll(client)
        const plan = planSync(loaded)
        const index = at % (plan.commands.length + 1)
        const commands = [...plan.commands.slice(0, index), command, ...plan.commands.slice(index)]
        const before = fake().snapshot()
        const sent = writes()

        const error = (
          await applyPlan(
            client,
            { commands, targetFingerprint: plan.targetFingerprint },
            { context: applyContextOf(loaded, plan.policy) },
          )
        )._unsafeUnwrapErr()

        // The fake's read may not show a deleted team or a D channel: refused either way.
        expect(error).toMatchObject({ kind: 'inadmissibleCommands', refused: [{ index, command }] })
        expect(writes()).toBe(sent)
        expect(fake().snapshot()).toEqual(before)
      }),
      { numRuns: 30 },
    )
  }, 120_000)
})

describe("applyPlan's touched check (check: 'touched', issue 11 item 3)", () => {
  const { fake } = useFake()
  const [ann, bob, cid] = users(3)
  const other = id('t', 2)
  const group = id('g', 1)
  const townSquare = id('c', 2)
  // ann is in devs, linked with auto-add to eng, ops and town-square: a sync adds her to all three.
  // bob and cid are in eng and ops already; other is a team no rule links.
  const state = (): SyncState =>
    oneTeamState({
      users: [ann!, bob!, cid!],
      teams: [
        { id: team, name: 'eng', groupConstrained: false },
        { id: other, name: 'other', groupConstrained: false },
      ],
      channels: [
        { id: channel, teamId: team, name: 'ops', type: 'O', groupConstrained: false },
        { id: townSquare, teamId: team, name: 'town-square', type: 'O', groupConstrained: false },
      ],
      groups: [{ id: group, name: 'devs', memberIds: [ann!.id] }],
      links: [team, channel, townSquare].map((syncableId, i) => ({
        groupId: group,
        syncable: { kind: i === 0 ? ('team' as const) : ('channel' as const), id: syncableId },
        autoAdd: true,
        schemeAdmin: false,
      })),
      teamMembers: teamRows([bob!, cid!]),
      channelMembers: [bob!, cid!].map((u) => ({
        channelId: channel,
        userId: u.id,
        schemeAdmin: false,
        schemeGuest: false,
      })),
    })
  const planned = async (client: MattermostClient) => {
    const loaded = await loadAll(client)
    const plan = planSync(loaded)
    return { plan, context: applyContextOf(loaded, plan.policy) }
  }
  const readsByPost = new Set(['GetUsersByIds', 'GetTeamMembersByIds', 'GetChannelMembersByIds'])
  const writes = () =>
    fake().requests.filter((r) => r.method !== 'GET' && !readsByPost.has(r.operationId ?? ''))

  it('should read nothing for a plan with no commands (a no-change run)', async () => {
    fake().seed(state())
    const client = clientFor(fake())
    const { plan, context } = await planned(client)
    const before = fake().requests.length

    const report = await applyPlan(client, { ...plan, commands: [] }, { check: 'touched' })
    const withGroups = await applyPlan(
      client,
      { ...plan, commands: [] },
      { context, check: 'touched' },
    )

    expect(report._unsafeUnwrap().outcomes).toEqual([])
    expect(withGroups._unsafeUnwrap().outcomes).toEqual([])
    expect(fake().requests.length).toBe(before)
  })

  it('should apply a plan despite an unrelated join between plan and apply, which the fingerprint check refuses', async () => {
    fake().seed(state())
    const client = clientFor(fake())
    const { plan, context } = await planned(client)
    expect(plan.commands.length).toBeGreaterThan(0)
    // bob joins the unlinked team: no command of the plan touches that row.
    fake().addTeamMember(other, bob!.id)

    const refused = await applyPlan(client, plan, { context })
    const report = (await applyPlan(client, plan, { context, check: 'touched' }))._unsafeUnwrap()

    expect(refused.isErr() ? refused.error.kind : 'applied').toBe('stalePlan')
    expect(report.outcomes.map((o) => o.kind)).toEqual(plan.commands.map(() => 'done'))
    expect(planSync(await loadAll(client)).commands).toEqual([])
  })

  it('should refuse a command whose row changed since the plan, naming it, sending nothing', async () => {
    fake().seed(state())
    const client = clientFor(fake())
    const { plan, context } = await planned(client)
    const index = plan.commands.findIndex((c) => c.kind === 'addChannelMember')
    const changed = plan.commands[index]
    expect(changed).toBeDefined()
    // Someone else adds ann to the team and the channel the plan adds her to.
    fake().addTeamMember(team, ann!.id)
    fake().addChannelMember(channel, ann!.id)
    fake().requests.length = 0

    const error = (await applyPlan(client, plan, { context, check: 'touched' }))._unsafeUnwrapErr()

    expect(error.kind).toBe('staleCommands')
    const stale = error.kind === 'staleCommands' ? error.stale : []
    expect(stale.map((s) => [s.index, s.command])).toContainEqual([index, changed])
    expect(error.message).toContain(`#${index + 1} addChannelMember`)
    expect(writes()).toEqual([])
  })

  it('should always refuse a plan one of whose rows another writer changed, naming that command, writing nothing', async () => {
    const arb = apiStateArb().chain((drawn) => fc.tuple(fc.constant(drawn), fc.nat()))
    await fc.assert(
      fc.asyncProperty(arb, async ([drawn, at]) => {
        fake().seed(drawn)
        const client = clientFor(fake())
        const loaded = await loadAll(client)
        const plan = planSync(loaded)
        fc.pre(plan.commands.length > 0)
        const index = at % plan.commands.length
        const command = plan.commands[index]!
        // Another writer makes the row what the command would make it.
        const other = await applyPlan(
          client,
          { commands: [command] },
          { context: admittingContext([command]), check: 'touched' },
        )
        fc.pre(other.isOk() && other.value.done === 1)
        const before = fake().snapshot()

        const error = (
          await applyPlan(client, plan, {
            context: applyContextOf(loaded, plan.policy),
            check: 'touched',
          })
        )._unsafeUnwrapErr()

        expect(error.kind).toBe('staleCommands')
        const stale = error.kind === 'staleCommands' ? error.stale : []
        expect(stale.map((s) => s.index)).toContain(index)
        expect(stale.find((s) => s.index === index)?.message).toContain(
          `#${index + 1} ${command.kind}`,
        )
        expect(fake().snapshot()).toEqual(before)
      }),
      { numRuns: 25 },
    )
  }, 120_000)

  it("should let a plan's add of a default channel pass after its own team add joined the user to it", async () => {
    fake().seed(state())
    const client = clientFor(fake())
    const { plan, context } = await planned(client)
    expect(plan.commands).toContainEqual(
      expect.objectContaining({ kind: 'addChannelMember', channelId: townSquare }),
    )

    const report = (await applyPlan(client, plan, { context, check: 'touched' }))._unsafeUnwrap()

    expect(report.failed).toBe(0)
    expect(fake().channelMembers.get(townSquare)?.has(ann!.id)).toBe(true)
  })

  it("should take the server's own removals in a later batch as no stale row", async () => {
    const gus = { id: id('u', 9), username: 'gus', systemRole: 'guest' as const }
    const seeded = (): SyncState =>
      oneTeamState({
        users: [bob!, gus],
        teamMembers: [
          ...teamRows([bob!]),
          { teamId: team, userId: gus.id, schemeAdmin: false, schemeGuest: true },
        ],
        channelMembers: [bob!, gus].map((u) => ({
          channelId: channel,
          userId: u.id,
          schemeAdmin: false,
          schemeGuest: u === gus,
        })),
      })
    // A guest leaves the team with their last channel of it; a team removal takes the channels.
    const cases: [string, SyncCommand[]][] = [
      [
        'guest',
        [
          { kind: 'removeChannelMember', channelId: channel, userId: gus.id },
          { kind: 'removeTeamMember', teamId: team, userId: gus.id },
        ],
      ],
      [
        'team first',
        [
          { kind: 'removeTeamMember', teamId: team, userId: bob!.id },
          { kind: 'removeChannelMember', channelId: channel, userId: bob!.id },
        ],
      ],
    ]
    for (const [, commands] of cases) {
      fake().seed(seeded())
      const report = (
        await applyPlan(
          clientFor(fake()),
          { commands },
          { context: admittingContext(commands), check: 'touched' },
        )
      )._unsafeUnwrap()

      // Sent, not refused: the second answers as the server does for a row already gone.
      expect(report.outcomes.map((o) => o.kind === 'failed')).toEqual([false, false])
      expect(fake().teamMembers.get(team)?.get(commands[0]!.userId)?.delete_at).toBeGreaterThan(0)
    }
  })

  it("should read the server's own groups once per apply, not once per batch", async () => {
    fake().seed(state())
    const client = clientFor(fake())
    const plan = planSync(await loadAll(client))
    expect(new Set(plan.commands.map((c) => c.kind)).size).toBeGreaterThan(1)
    fake().counts.clear()

    // No context: admitted with Mattermost's own groups and links.
    const report = (await applyPlan(client, plan, { check: 'touched' }))._unsafeUnwrap()

    expect(report.failed).toBe(0)
    expect(fake().count('GetGroups')).toBe(1)
  })

  it('should leave a default-channel add to the server when its team add failed, not refuse the batch', async () => {
    fake().seed(state())
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: team, userId: ann!.id, role: 'member' },
      { kind: 'addChannelMember', channelId: townSquare, userId: ann!.id, role: 'member' },
    ]
    // Only the team link: the town-square add is justified as the team add's default join.
    const context = {
      groupLoad: {
        groups: [{ id: group, name: 'devs', memberIds: [ann!.id] }],
        links: [
          {
            groupId: group,
            syncable: { kind: 'team' as const, id: team },
            autoAdd: true,
            schemeAdmin: false,
          },
        ],
        managed: [],
      },
    }
    fake().failNext(
      { kind: 'serverError', status: 500 },
      1,
      (method, path) => method === 'POST' && path.endsWith('/members/batch'),
    )

    const report = (
      await applyPlan(
        clientFor(fake(), { maxAttempts: 1 }),
        { commands },
        { context, check: 'touched' },
      )
    )._unsafeUnwrap()

    expect(report.outcomes.map((o) => o.kind)).toEqual(['failed', 'failed'])
    const last = report.outcomes[1]
    expect(last?.kind === 'failed' ? last.error.kind : '').toBe('http')
  })

  it('should send nothing of a later batch, or after it, whose row changed during the apply', async () => {
    fake().seed(state())
    const client = clientFor(fake())
    const loaded = await loadAll(client)
    // A role change first (its own batch), then the sync's adds.
    const promote: SyncCommand = {
      kind: 'setTeamMemberAdmin',
      teamId: team,
      userId: bob!.id,
      schemeAdmin: true,
    }
    const plan = planSync(loaded)
    const commands = [promote, ...plan.commands]
    const context = admittingContext(commands)
    // While the role change is sent, someone else adds ann to the team.
    fake().onRequest = (r) => {
      if (r.operationId === 'UpdateTeamMemberSchemeRoles') fake().addTeamMember(team, ann!.id)
    }

    const report = (await applyPlan(client, { commands }, { context })).unwrapOr(undefined)

    expect(report?.outcomes[0]?.kind).toBe('done')
    const rest = report?.outcomes.slice(1) ?? []
    expect(rest).toHaveLength(plan.commands.length)
    for (const o of rest)
      expect(o).toMatchObject({
        kind: 'failed',
        retryable: false,
        error: { kind: 'staleCommands', stale: [{ index: 1, command: plan.commands[0] }] },
      })
    expect(fake().count('AddTeamMembers') + fake().count('AddChannelMember')).toBe(0)
  })

  it('should send far fewer reads than the full re-read for a 1,000-command apply', async () => {
    // 3,000 users in one team and 20 channels of 300 members; the plan adds 500 others to two.
    const people = users(3_000, 100)
    const channels = Array.from({ length: 20 }, (_, i) => id('c', 100 + i))
    const big: SyncState = {
      ...emptyState,
      users: people,
      teams: [{ id: team, name: 'eng', groupConstrained: false }],
      channels: channels.map((c, i) => ({
        id: c,
        teamId: team,
        name: `ch${i}`,
        type: 'O',
        groupConstrained: false,
      })),
      teamMembers: teamRows(people),
      channelMembers: channels.flatMap((c, i) =>
        people.slice(i * 100, i * 100 + 300).map((u) => ({
          channelId: c,
          userId: u.id,
          schemeAdmin: false,
          schemeGuest: false,
        })),
      ),
    }
    const commands: SyncCommand[] = channels.slice(0, 2).flatMap((c) =>
      people.slice(2_500, 3_000).map((u): SyncCommand => ({
        kind: 'addChannelMember',
        channelId: c,
        userId: u.id,
        role: 'member',
      })),
    )
    const context = admittingContext(commands)
    const reads = (check: 'fingerprint' | 'touched') => async () => {
      fake().seed(big)
      fake().requests.length = 0
      const report = (
        await applyPlan(clientFor(fake()), { commands }, { context, check })
      )._unsafeUnwrap()
      expect(report.done).toBe(1_000)
      const all = fake().requests.filter((r) => writes().every((w) => w !== r))
      return { gets: all.filter((r) => r.method === 'GET').length, all: all.length }
    }

    const full = await reads('fingerprint')()
    const touched = await reads('touched')()

    expect(commands).toHaveLength(1_000)
    // Two channel reads and one team listing against every page of users, members and channels.
    expect(touched.gets).toBeLessThanOrEqual(3)
    expect(touched.gets * 10).toBeLessThan(full.gets)
    expect(touched.all * 5).toBeLessThan(full.all)
  }, 60_000)
})
