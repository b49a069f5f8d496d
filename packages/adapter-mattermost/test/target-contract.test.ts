import {
  runSync,
  type ChannelHistory,
  type SyncPolicyInput,
  type MembershipStore,
  type RememberedMemberships,
  type SyncState,
  type TeamMember,
} from '@grouproles/core'
import { syncPolicyInputArb, targetContract, type TargetFactory } from '@grouproles/core/testing'
import type fc from 'fast-check'
import { okAsync, type ResultAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { MattermostSyncTarget, type MattermostError } from '../src/index.js'
import type { FakeEdition } from '../src/testing/index.js'
import type { FakeMattermost } from './fake-mattermost/fake-mattermost.js'
import { clientFor, defaultNames, useFake, visibleGroupMembers } from './harness.js'

/** A store in memory: what `remember` was given, unioned (as `PostgresMembershipStore` keeps it). */
class MemoryStore implements MembershipStore<never> {
  readonly #teams = new Map<string, Set<string>>()
  readonly #channels = new Map<string, Set<string>>()

  recall(): ResultAsync<RememberedMemberships, never> {
    const list = (m: Map<string, Set<string>>) => [...m].map(([k, v]) => [k, [...v]] as const)
    return okAsync({
      teams: list(this.#teams).map(([teamId, userIds]) => ({ teamId, userIds })),
      channels: list(this.#channels).map(([channelId, userIds]) => ({ channelId, userIds })),
    })
  }

  remember(m: RememberedMemberships): ResultAsync<void, never> {
    const add = (map: Map<string, Set<string>>, key: string, ids: readonly string[]) => {
      let set = map.get(key)
      if (set === undefined) map.set(key, (set = new Set()))
      for (const u of ids) set.add(u)
    }
    for (const t of m.teams) add(this.#teams, t.teamId, t.userIds)
    for (const c of m.channels) add(this.#channels, c.channelId, c.userIds)
    return okAsync(undefined)
  }
}

/**
 * What earlier runs would have remembered of a state: every team row (left ones too) and every
 * channel a user was ever in. Seeded into the store, it stands for the history the API cannot show.
 */
function memoryOf(state: SyncState): RememberedMemberships {
  const byKey = (pairs: readonly (readonly [string, string])[]) => {
    const map = new Map<string, Set<string>>()
    for (const [k, u] of pairs) {
      let set = map.get(k)
      if (set === undefined) map.set(k, (set = new Set()))
      set.add(u)
    }
    return [...map].map(([k, v]) => [k, [...v]] as const)
  }
  return {
    teams: byKey(state.teamMembers.map((m) => [m.teamId, m.userId] as const)).map(
      ([teamId, userIds]) => ({ teamId, userIds }),
    ),
    channels: byKey(
      [...state.channelHistory, ...state.channelMembers].map(
        (h) => [h.channelId, h.userId] as const,
      ),
    ).map(([channelId, userIds]) => ({ channelId, userIds })),
  }
}

/**
 * What `MattermostSyncTarget` with a store loads from a fake seeded with `state`: every team and
 * its open and private channels (`defaultChannel` by name), the live groups with their active
 * users and live links (none on Team Edition, where nothing is group-constrained either), active
 * team rows and channel rows; from the store, a left (soft-deleted, flags fresh) team row and the
 * channel history of every remembered membership. `managed` is configuration, never loaded.
 */
function heldByRest(state: SyncState, edition: 'enterprise' | 'team'): SyncState {
  const users = new Map(state.users.map((u) => [u.id, u]))
  const names = new Set(defaultNames)
  const groupSync = edition === 'enterprise'
  const teams = state.teams.map((t) => ({
    id: t.id,
    name: t.name,
    groupConstrained: groupSync && t.groupConstrained,
    ...(t.deleted === true ? { deleted: true } : {}),
  }))
  const teamIds = new Set(teams.map((t) => t.id))
  const channels = state.channels
    .filter((c) => (c.type === 'O' || c.type === 'P') && teamIds.has(c.teamId))
    .map((c) => ({
      id: c.id,
      teamId: c.teamId,
      name: c.name,
      type: c.type,
      groupConstrained: groupSync && c.groupConstrained,
      ...(c.deleted === true ? { deleted: true } : {}),
      ...(names.has(c.name) ? { defaultChannel: true } : {}),
    }))
  const channelIds = new Set(channels.map((c) => c.id))
  const groups = groupSync
    ? state.groups
        .filter((g) => g.deleted !== true)
        .map((g) => ({
          id: g.id,
          name: g.name,
          memberIds: visibleGroupMembers(state, g.memberIds, teamIds, channelIds),
        }))
    : []
  const groupIds = new Set(groups.map((g) => g.id))
  const active = state.teamMembers.filter((m) => m.deleted !== true && teamIds.has(m.teamId))
  const activeKeys = new Set(active.map((m) => `${m.teamId}:${m.userId}`))
  const left: TeamMember[] = state.teamMembers
    .filter((m) => teamIds.has(m.teamId) && users.has(m.userId))
    .filter((m) => !activeKeys.has(`${m.teamId}:${m.userId}`))
    .map((m) => ({
      teamId: m.teamId,
      userId: m.userId,
      schemeAdmin: false,
      schemeGuest: users.get(m.userId)?.systemRole === 'guest',
      deleted: true,
    }))
  const channelMembers = state.channelMembers.filter((m) => channelIds.has(m.channelId))
  const history: ChannelHistory[] = [...state.channelHistory, ...channelMembers]
    .filter((h) => channelIds.has(h.channelId) && users.has(h.userId))
    .map((h) => ({ channelId: h.channelId, userId: h.userId }))
  return {
    users: state.users,
    groups,
    teams,
    channels,
    links: groupSync
      ? state.links.filter(
          (l) =>
            l.deleted !== true &&
            groupIds.has(l.groupId) &&
            (l.syncable.kind === 'team' ? teamIds : channelIds).has(l.syncable.id),
        )
      : [],
    teamMembers: [...active, ...left],
    channelMembers,
    channelHistory: history,
  }
}

/** `state` without its D and G channels and what hangs on them. */
function withoutMessages(state: SyncState): SyncState {
  const gone = new Set(
    state.channels.filter((c) => c.type === 'D' || c.type === 'G').map((c) => c.id),
  )
  return {
    ...state,
    channels: state.channels.filter((c) => !gone.has(c.id)),
    links: state.links.filter((l) => l.syncable.kind === 'team' || !gone.has(l.syncable.id)),
    channelMembers: state.channelMembers.filter((m) => !gone.has(m.channelId)),
    channelHistory: state.channelHistory.filter((h) => !gone.has(h.channelId)),
  }
}

/**
 * `MattermostSyncTarget` over the REST API of the fake, with a membership store: Enterprise reads
 * Mattermost's own groups; Team Edition has none (`groups: 'none'`), the groups come from a
 * directory and nothing is group-constrained.
 */
function restTarget(
  fake: () => FakeMattermost,
  edition: Extract<FakeEdition, 'enterprise' | 'team'>,
  check?: 'touched',
): TargetFactory<MattermostError> {
  return {
    seed: async (state) => {
      const f = fake()
      f.configure({ edition })
      // Direct and group messages belong to no team in Mattermost (and no load shows them): left
      // out, so that a guest's DM does not keep them in a team behind the model's back.
      f.seed(
        edition === 'enterprise'
          ? withoutMessages(state)
          : heldByRest({ ...state, groups: [], links: [] }, edition),
      )
      const store = new MemoryStore()
      await store.remember(memoryOf(state))
      const target = new MattermostSyncTarget(clientFor(f), {
        store,
        ...(edition === 'team' ? { groups: 'none' as const } : {}),
        ...(check !== undefined ? { check } : {}),
      })
      return { target }
    },
    holds: (state) => heldByRest(state, edition),
    groups: edition === 'enterprise' ? 'target' : 'directory',
  }
}

const numRuns = 15
const timeoutMs = 120_000

/**
 * Policies without `groupConstrainedRemovals` (the target's own default decides it) and with
 * `reAddRemovedMembers: false`, as the REST target runs with its store.
 */
function keepingLeaversOut(): fc.Arbitrary<SyncPolicyInput> {
  return syncPolicyInputArb().map((p) => {
    const copy: { -readonly [K in keyof SyncPolicyInput]: SyncPolicyInput[K] } = { ...p }
    delete copy.groupConstrainedRemovals
    return { ...copy, reAddRemovedMembers: false }
  })
}

/**
 * The contract, every check with the suite's policies but `converges`: over REST a guest removed
 * from their last channel of a team leaves it (Mattermost's rule, core README semantics 13), and
 * the planner does not anticipate it, so with `reAddRemovedMembers: true` (or no store) the next
 * run adds them back and a run takes two to converge. That check runs without re-adds.
 */
function restContract(name: string, factory: TargetFactory<MattermostError>): void {
  describe(name, () => {
    const converges = targetContract(factory, { numRuns, policies: keepingLeaversOut() }).find(
      (c) => c.id === 'converges',
    )
    for (const check of targetContract(factory, { numRuns })) {
      if (check.id !== 'converges') it(check.name, () => check.run(), timeoutMs)
    }
    it(
      'a run converges (reAddRemovedMembers: false: guests leave a team with their last channel)',
      () => converges?.run() ?? Promise.reject(new Error('no converges check')),
      timeoutMs,
    )
  })
}

/**
 * With `check: 'touched'` (each batch re-checks only its rows, with this apply's own side effects
 * allowed for): a fresh plan applies as core's model says and a run converges. The stale checks
 * of the contract are the fingerprint's (a replay of applied commands must pass), not this one's.
 */
function touchedContract(name: string, factory: TargetFactory<MattermostError>): void {
  describe(name, () => {
    const apply = targetContract(factory, { numRuns }).find((c) => c.id === 'apply')
    const converges = targetContract(factory, { numRuns, policies: keepingLeaversOut() }).find(
      (c) => c.id === 'converges',
    )
    for (const check of [apply, converges])
      it(
        check?.name ?? 'missing check',
        () => check?.run() ?? Promise.reject(new Error('no such check')),
        timeoutMs,
      )
  })
}

describe('MattermostSyncTarget on the fake', () => {
  const { fake } = useFake()
  restContract(
    'Enterprise (Mattermost groups, group-constrained syncables)',
    restTarget(fake, 'enterprise'),
  )
  restContract(
    'Team Edition (groups from a directory, managed syncables)',
    restTarget(fake, 'team'),
  )
  touchedContract("Enterprise, check: 'touched'", restTarget(fake, 'enterprise', 'touched'))
  touchedContract("Team Edition, check: 'touched'", restTarget(fake, 'team', 'touched'))

  it('should take a guest out of a managed team with their last channel of it, and not add them back', async () => {
    const id = (p: string, n: number) => `${p}${String(n).padStart(25, '0')}`
    const [team, channel, guest, group] = [id('t', 1), id('c', 1), id('u', 1), id('g', 1)]
    const state: SyncState = {
      users: [{ id: guest, username: 'guest', systemRole: 'guest' }],
      groups: [{ id: group, name: 'everyone', memberIds: [guest] }],
      teams: [{ id: team, name: 'team', groupConstrained: false, managed: true }],
      channels: [
        {
          id: channel,
          teamId: team,
          name: 'chan',
          type: 'P',
          groupConstrained: false,
          managed: true,
        },
      ],
      links: [
        { groupId: group, syncable: { kind: 'team', id: team }, autoAdd: true, schemeAdmin: false },
      ],
      teamMembers: [{ teamId: team, userId: guest, schemeAdmin: false, schemeGuest: true }],
      channelMembers: [
        { channelId: channel, userId: guest, schemeAdmin: false, schemeGuest: true },
      ],
      channelHistory: [{ channelId: channel, userId: guest }],
    }
    const { target } = await restTarget(fake, 'team').seed(state)
    const groups = {
      loadGroups: () =>
        okAsync({
          groups: state.groups,
          links: state.links,
          managed: [
            { syncable: { kind: 'team' as const, id: team }, by: 'rule 1' },
            { syncable: { kind: 'channel' as const, id: channel }, by: 'rule 1' },
          ],
          warnings: [],
        }),
    }
    const policy = { limits: { maxRemovals: Infinity, maxRemovalFraction: 1 } }
    const run = (await runSync({ groups, target }, policy, { apply: true }))._unsafeUnwrap()

    expect(run.plan.commands.map((c) => c.kind)).toEqual(['removeChannelMember'])
    expect(fake().teamMembers.get(team)?.get(guest)?.delete_at).toBeGreaterThan(0)
    // The store remembers the team row: with reAddRemovedMembers false the guest stays out.
    expect(run.verification?.converged).toBe(true)
  })
})
