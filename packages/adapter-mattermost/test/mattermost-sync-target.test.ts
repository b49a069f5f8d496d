import {
  applyContextOf,
  emptyState,
  planSync,
  type Group,
  type GroupLink,
  type MembershipStore,
  type RememberedMemberships,
  type SyncPolicyInput,
  type SyncState,
} from '@grouproles/core'
import { admittingContext } from '@grouproles/core/testing'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { MattermostSyncTarget, type MattermostSyncTargetConfig } from '../src/index.js'
import { clientFor, useFake } from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`

/** A store in memory: what `remember` was given, unioned, and how often it was called. */
class MemoryStore implements MembershipStore<{
  readonly kind: 'storeDown'
  readonly message: string
}> {
  readonly teams = new Map<string, Set<string>>()
  readonly channels = new Map<string, Set<string>>()
  remembered = 0
  down = false

  recall(): ResultAsync<RememberedMemberships, { kind: 'storeDown'; message: string }> {
    if (this.down) return errAsync({ kind: 'storeDown', message: 'the store is down' })
    const list = (m: Map<string, Set<string>>) => [...m].map(([k, v]) => [k, [...v]] as const)
    return okAsync({
      teams: list(this.teams).map(([teamId, userIds]) => ({ teamId, userIds })),
      channels: list(this.channels).map(([channelId, userIds]) => ({ channelId, userIds })),
    })
  }

  remember(m: RememberedMemberships): ResultAsync<void, { kind: 'storeDown'; message: string }> {
    this.remembered++
    const add = (map: Map<string, Set<string>>, key: string, ids: readonly string[]) => {
      let set = map.get(key)
      if (set === undefined) map.set(key, (set = new Set()))
      for (const u of ids) set.add(u)
    }
    for (const t of m.teams) add(this.teams, t.teamId, t.userIds)
    for (const c of m.channels) add(this.channels, c.channelId, c.userIds)
    return okAsync(undefined)
  }
}

type Directory = { readonly groups: readonly Group[]; readonly links: readonly GroupLink[] }

/**
 * One run as `runSync` does it: load, add the directory's groups and links and the managed flags
 * (config), plan with the target's policy defaults, apply.
 */
async function run<E>(
  target: MattermostSyncTarget<E>,
  directory: Directory | undefined,
  managed: ReadonlySet<string>,
  policy: SyncPolicyInput = {},
) {
  const loaded = (await target.loadSyncState())._unsafeUnwrap()
  const state = combine(loaded, directory, managed)
  const plan = planSync(state, { ...target.policyDefaults, ...policy })
  // As runSync does: the directory's groups, links and managed syncables admit the commands.
  const report = (await target.applyPlan(plan, applyContextOf(state, plan.policy)))._unsafeUnwrap()
  return { state, plan, report }
}

function combine(
  loaded: SyncState,
  directory: Directory | undefined,
  managed: ReadonlySet<string>,
): SyncState {
  return {
    ...loaded,
    ...(directory === undefined ? {} : { groups: directory.groups, links: directory.links }),
    teams: loaded.teams.map((t) =>
      managed.has(t.id) ? { ...t, managed: true, managedBy: 'rule 1' } : t,
    ),
    channels: loaded.channels.map((c) =>
      managed.has(c.id) ? { ...c, managed: true, managedBy: 'rule 1' } : c,
    ),
  }
}

async function replan<E>(
  target: MattermostSyncTarget<E>,
  directory: Directory | undefined,
  managed: ReadonlySet<string>,
  policy: SyncPolicyInput = {},
) {
  const loaded = (await target.loadSyncState())._unsafeUnwrap()
  return planSync(combine(loaded, directory, managed), { ...target.policyDefaults, ...policy })
}

// ---- a deployment ---------------------------------------------------------------------------

const [t1, t2] = [id('t', 1), id('t', 2)]
const [town1, off1, ops, lunch, town2, board] = [1, 2, 3, 4, 5, 6].map((n) => id('c', n)) as [
  string,
  string,
  string,
  string,
  string,
  string,
]
const u = Array.from({ length: 9 }, (_, n) => id('u', n))
const [devs, admins, ldapAll] = [id('g', 1), id('g', 2), id('g', 3)]

const users: SyncState['users'] = u.map((uid, n) => ({
  id: uid,
  username: `user${n}`,
  systemRole: n === 7 ? 'guest' : 'user',
  ...(n === 8 ? { isBot: true } : {}),
}))
const channels: SyncState['channels'] = [
  { id: town1, teamId: t1, name: 'town-square', type: 'O', groupConstrained: false },
  { id: off1, teamId: t1, name: 'off-topic', type: 'O', groupConstrained: false },
  { id: ops, teamId: t1, name: 'ops', type: 'P', groupConstrained: false },
  { id: lunch, teamId: t1, name: 'lunch', type: 'O', groupConstrained: false },
  { id: town2, teamId: t2, name: 'town-square', type: 'O', groupConstrained: false },
  { id: board, teamId: t2, name: 'board', type: 'P', groupConstrained: false },
]
const member = (teamId: string, userId: string, schemeAdmin = false) => ({
  teamId,
  userId,
  schemeAdmin,
  schemeGuest: userId === u[7],
})
const inChannel = (channelId: string, userId: string, schemeAdmin = false) => ({
  channelId,
  userId,
  schemeAdmin,
  schemeGuest: userId === u[7],
})

/**
 * Team 1: u1 (should be admin), u2, u5 and the guest u7 (both in no group), u8 a bot. Team 2: u1,
 * u5. Channels hold some of them; u3 and u4 are in the groups but in no team yet.
 */
const mattermost: SyncState = {
  ...emptyState,
  users,
  teams: [
    { id: t1, name: 'eng', groupConstrained: false },
    { id: t2, name: 'research', groupConstrained: false },
  ],
  channels,
  teamMembers: [
    member(t1, u[1]!),
    member(t1, u[2]!),
    member(t1, u[5]!),
    member(t1, u[7]!),
    member(t1, u[8]!),
    member(t2, u[1]!),
    member(t2, u[5]!),
  ],
  channelMembers: [
    inChannel(town1, u[1]!),
    inChannel(town1, u[2]!),
    inChannel(town1, u[5]!),
    inChannel(ops, u[2]!),
    inChannel(ops, u[5]!),
    inChannel(ops, u[7]!),
    inChannel(lunch, u[5]!),
    inChannel(town2, u[1]!),
    inChannel(town2, u[5]!),
    inChannel(board, u[5]!),
  ],
}

/** The directory's groups (as a directory group source would resolve them) and the rules' links. */
const directory: Directory = {
  groups: [
    { id: devs, name: 'devs', memberIds: [u[1]!, u[2]!, u[3]!, u[4]!] },
    { id: admins, name: 'admins', memberIds: [u[1]!] },
  ],
  links: [
    { groupId: devs, syncable: { kind: 'team', id: t1 }, autoAdd: true, schemeAdmin: false },
    { groupId: admins, syncable: { kind: 'team', id: t1 }, autoAdd: true, schemeAdmin: true },
    { groupId: devs, syncable: { kind: 'channel', id: ops }, autoAdd: true, schemeAdmin: false },
    { groupId: admins, syncable: { kind: 'channel', id: ops }, autoAdd: true, schemeAdmin: true },
    { groupId: admins, syncable: { kind: 'team', id: t2 }, autoAdd: true, schemeAdmin: false },
    { groupId: admins, syncable: { kind: 'channel', id: board }, autoAdd: true, schemeAdmin: true },
  ],
}
const managed = new Set([t1, ops, t2, board])

const rows = (state: SyncState, teamId: string) =>
  state.teamMembers
    .filter((m) => m.teamId === teamId && m.deleted !== true)
    .map((m) => m.userId)
    .sort()
const channelRows = (state: SyncState, channelId: string) =>
  state.channelMembers
    .filter((m) => m.channelId === channelId)
    .map((m) => m.userId)
    .sort()

describe('MattermostSyncTarget', () => {
  const { fake } = useFake()

  it('should ask the planner to leave removals from group-constrained syncables to Mattermost', () => {
    const target = new MattermostSyncTarget(clientFor(fake()))

    expect(target.policyDefaults).toEqual({ groupConstrainedRemovals: 'leaveToMattermost' })
  })

  it('should run a whole cycle on Team Edition with managed syncables, touching no group route', async () => {
    // Arrange
    fake().configure({ edition: 'team' })
    fake().seed(mattermost)
    const target = new MattermostSyncTarget(clientFor(fake()), { groups: 'none' })

    // Act
    const first = await run(target, directory, managed)
    const again = await replan(target, directory, managed)

    // Assert: adds, promotions and removals all went through REST, and nothing is left to do.
    expect(first.report.failed).toBe(0)
    expect(first.plan.commands.map((c) => c.kind)).toEqual(
      expect.arrayContaining([
        'addTeamMember',
        'setTeamMemberAdmin',
        'addChannelMember',
        'removeTeamMember',
      ]),
    )
    expect([again.commands, again.held]).toEqual([[], []])
    const after = fake().snapshot()
    // u8 is a bot (never removed); u5 and the guest u7 are in no group of the managed team.
    expect(rows(after, t1)).toEqual([u[1]!, u[2]!, u[3]!, u[4]!, u[8]!].sort())
    expect(channelRows(after, ops)).toEqual([u[1]!, u[2]!, u[3]!, u[4]!].sort())
    expect(
      after.channelMembers.find((m) => m.channelId === ops && m.userId === u[1])?.schemeAdmin,
    ).toBe(true)
    expect(after.teamMembers.find((m) => m.teamId === t1 && m.userId === u[1])?.schemeAdmin).toBe(
      true,
    )
    // The new members joined the default channels (the server did it), and nobody left town-square.
    expect(channelRows(after, off1)).toEqual([u[3]!, u[4]!].sort())
    expect(channelRows(after, lunch)).toEqual([])
    expect(rows(after, t2)).toEqual([u[1]!])
    expect(channelRows(after, board)).toEqual([u[1]!])
    expect(fake().requests.filter((r) => r.path.startsWith('/api/v4/groups'))).toEqual([])
    expect(fake().requests.filter((r) => r.operationId?.includes('Group') === true)).toEqual([])
  })

  it("should apply a run's plan with check: 'touched' reading no listing, and refuse a row changed since", async () => {
    fake().configure({ edition: 'team' })
    fake().seed(mattermost)
    const store = new MemoryStore()
    const target = new MattermostSyncTarget(clientFor(fake()), {
      groups: 'none',
      check: 'touched',
      store,
    })
    const loaded = (await target.loadSyncState())._unsafeUnwrap()
    const state = combine(loaded, directory, managed)
    const plan = planSync(state, target.policyDefaults)
    const context = applyContextOf(state, plan.policy)
    fake().requests.length = 0

    const report = (await target.applyPlan(plan, context))._unsafeUnwrap()
    const listings = fake().requests.filter((r) =>
      ['GetUsers', 'GetTeamMembers', 'GetChannelMembers', 'GetAllChannels'].includes(
        r.operationId ?? '',
      ),
    )
    const again = await replan(target, directory, managed)
    // The same plan on the first state, after u3 (whom it adds to team 1) joined it meanwhile.
    fake().seed(mattermost)
    fake().addTeamMember(t1, u[3]!)
    fake().requests.length = 0
    const refused = (await target.applyPlan(plan, context))._unsafeUnwrapErr()

    expect(report.failed).toBe(0)
    expect(listings.map((r) => `${r.operationId} ${r.path}`)).toEqual([])
    expect(again.commands).toEqual([])
    expect(store.teams.get(t1)?.has(u[3]!)).toBe(true)
    expect(refused).toMatchObject({
      kind: 'staleCommands',
      stale: [{ command: { kind: 'addTeamMember', teamId: t1, userId: u[3] } }],
    })
    const reads = ['GetUsersByIds', 'GetTeamMembersByIds', 'GetChannelMembersByIds']
    expect(
      fake().requests.filter((r) => r.method !== 'GET' && !reads.includes(r.operationId ?? '')),
    ).toEqual([])
  })

  it('should run a whole cycle on Enterprise, leaving constrained removals to Mattermost', async () => {
    // Arrange: team 1 and its ops channel are group-constrained by Mattermost, with Mattermost's
    // own groups; team 2 and its board are managed by config.
    fake().configure({ edition: 'enterprise' })
    fake().seed({
      ...mattermost,
      teams: [
        { id: t1, name: 'eng', groupConstrained: true },
        { id: t2, name: 'research', groupConstrained: false },
      ],
      channels: channels.map((c) => (c.id === ops ? { ...c, groupConstrained: true } : c)),
      groups: [...directory.groups, { id: ldapAll, name: 'everyone', memberIds: u }],
      links: directory.links,
    })
    const target = new MattermostSyncTarget(clientFor(fake()))
    const managedHere = new Set([t2, board])

    // Act
    const first = await run(target, undefined, managedHere)
    const again = await replan(target, undefined, managedHere)

    // Assert: what the API refuses is held for Mattermost, never sent, never a failure.
    expect(first.report.failed).toBe(0)
    const left = first.plan.held.filter((h) => h.hold.kind === 'leftToMattermost')
    expect(left.map((h) => [h.kind, h.userId]).sort()).toEqual(
      [
        ['removeChannelMember', u[5]!],
        ['removeChannelMember', u[7]!],
        ['removeTeamMember', u[5]!],
        ['removeTeamMember', u[7]!],
      ].sort(),
    )
    const deletes = fake()
      .requests.filter((r) => r.method === 'DELETE')
      .map((r) => r.path)
    expect(
      deletes.some(
        (p) => p.startsWith(`/api/v4/teams/${t1}/`) || p.startsWith(`/api/v4/channels/${ops}/`),
      ),
    ).toBe(false)
    expect(again.commands).toEqual([])
    expect(again.held.every((h) => h.hold.kind === 'leftToMattermost')).toBe(true)
    expect(again.held).toHaveLength(left.length)
    const after = fake().snapshot()
    expect(rows(after, t2)).toEqual([u[1]!])
    expect(channelRows(after, board)).toEqual([u[1]!])
    expect(rows(after, t1)).toEqual([u[1]!, u[2]!, u[3]!, u[4]!, u[5]!, u[7]!, u[8]!].sort())
  })

  it('should not add back a user who left a channel when a store remembers, and should with reAddRemovedMembers', async () => {
    // Arrange: a first run with the store sees u2 in ops; then u2 leaves it.
    fake().seed(mattermost)
    const store = new MemoryStore()
    const config: MattermostSyncTargetConfig<{ kind: 'storeDown'; message: string }> = {
      groups: 'none',
      store,
    }
    const target = new MattermostSyncTarget(clientFor(fake()), config)
    const unmanaged = new Set<string>()
    await run(target, directory, unmanaged)
    fake().removeChannelMember(ops, u[2]!)
    const blind = new MattermostSyncTarget(clientFor(fake()), { groups: 'none' })

    // Act
    const remembering = await replan(target, directory, unmanaged)
    const forgetting = await replan(blind, directory, unmanaged)
    const readding = await replan(target, directory, unmanaged, { reAddRemovedMembers: true })

    // Assert
    const addsOfU2 = (p: typeof remembering) =>
      p.commands.filter((c) => c.kind === 'addChannelMember' && c.userId === u[2])
    expect(addsOfU2(remembering)).toEqual([])
    expect(addsOfU2(forgetting)).toHaveLength(1)
    expect(addsOfU2(readding)).toHaveLength(1)
    expect(store.channels.get(ops)?.has(u[2]!)).toBe(true)
  })

  it('should not add back a user who left a team when a store remembers', async () => {
    fake().seed(mattermost)
    const store = new MemoryStore()
    const target = new MattermostSyncTarget(clientFor(fake()), { groups: 'none', store })
    const unmanaged = new Set<string>()
    await run(target, directory, unmanaged)
    fake().removeTeamMember(t1, u[2]!)

    const remembering = await replan(target, directory, unmanaged)

    expect(remembering.commands.filter((c) => c.userId === u[2])).toEqual([])
  })

  it('should remember what it loaded and the adds it made, default channels included', async () => {
    fake().seed(mattermost)
    const store = new MemoryStore()
    const target = new MattermostSyncTarget(clientFor(fake()), { groups: 'none', store })

    await run(target, directory, managed)

    expect([...(store.teams.get(t1) ?? [])].sort()).toEqual(
      [u[1]!, u[2]!, u[3]!, u[4]!, u[5]!, u[7]!, u[8]!].sort(),
    )
    expect(store.channels.get(off1)?.has(u[3]!)).toBe(true)
    expect(store.channels.get(ops)?.has(u[4]!)).toBe(true)
    expect(store.remembered).toBeGreaterThanOrEqual(3)
  })

  it('should fail the load with the store error when the store is down', async () => {
    fake().seed(mattermost)
    const store = new MemoryStore()
    store.down = true
    const target = new MattermostSyncTarget(clientFor(fake()), { groups: 'none', store })

    const loaded = await target.loadSyncState()

    expect(loaded._unsafeUnwrapErr()).toEqual({ kind: 'storeDown', message: 'the store is down' })
  })

  it('should load, apply a plan and then have nothing left to do', async () => {
    // Arrange: u1 is in a group auto-added to the team and one of its channels.
    const [t, c, g, user] = [id('t', 1), id('c', 1), id('g', 1), id('u', 1)]
    fake().seed({
      ...emptyState,
      users: [{ id: user, username: 'ann', systemRole: 'user' }],
      groups: [{ id: g, name: 'devs', memberIds: [user] }],
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
    const plan = planSync((await target.loadSyncState())._unsafeUnwrap(), target.policyDefaults)
    const report = (await target.applyPlan(plan))._unsafeUnwrap()
    const again = planSync((await target.loadSyncState())._unsafeUnwrap(), target.policyDefaults)

    // Assert
    expect(report.counts).toMatchObject({ addTeamMember: 1, addChannelMember: 1 })
    expect(events).toEqual([1, 2])
    expect(again.commands).toEqual([])
    expect(fake().teamMembers.get(t)?.get(user)?.scheme_admin).toBe(true)
  })

  it('should pass progressEvery on to applyPlan', async () => {
    const [t, u1, u2, u3] = [id('t', 1), id('u', 1), id('u', 2), id('u', 3)]
    const people = [u1, u2, u3].map((uid, i) => ({
      id: uid,
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
    await target.applyPlan(
      { commands, targetFingerprint: 'not-checked' },
      admittingContext(commands),
    )

    expect(events).toEqual([1, 2, 3])
  })
})
