import {
  type ChannelHistory,
  type MembershipStore,
  type RememberedMemberships,
  type SyncState,
  type TeamMember,
} from '@grouproles/core'
import { describeTargetContract, type TargetFactory } from '@grouproles/core/testing'
import { okAsync, type ResultAsync } from 'neverthrow'
import { describe, it } from 'vitest'
import { MattermostSyncTarget, type MattermostError } from '../src/index.js'
import type { FakeEdition } from '../src/testing/index.js'
import type { FakeMattermost } from './fake-mattermost/fake-mattermost.js'
import { clientFor, defaultNames, useFake } from './harness.js'

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
 * its open and private channels (`defaultChannel` by name), the live groups with their existing
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
          memberIds: g.memberIds.filter((u) => users.has(u)),
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
      })
      return { target }
    },
    holds: (state) => heldByRest(state, edition),
    groups: edition === 'enterprise' ? 'target' : 'directory',
  }
}

const options = { numRuns: 20, timeoutMs: 120_000 }

describe('MattermostSyncTarget on the fake', () => {
  const { fake } = useFake()
  describeTargetContract(
    'Enterprise (Mattermost groups, group-constrained syncables)',
    restTarget(fake, 'enterprise'),
    { describe, it },
    options,
  )
  describeTargetContract(
    'Team Edition (groups from a directory, managed syncables)',
    restTarget(fake, 'team'),
    { describe, it },
    options,
  )
})
