import type { Channel, SyncableRef, SyncCommand, SyncState, Team } from '@grouproles/core'
import {
  channelArb,
  channelMemberArb,
  groupArb,
  groupLinkArb,
  mattermostIdArb,
  teamArb,
  teamMemberArb,
  userArb,
} from '@grouproles/core/testing'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import {
  createMattermostClient,
  type MattermostClient,
  type MattermostClientConfig,
} from '../src/index.js'
import { FakeMattermost } from './fake-mattermost/fake-mattermost.js'

/** Starts one fake per test file; after each test asserts it saw no spec violation, then resets it. */
export function useFake(): { readonly fake: () => FakeMattermost } {
  let fake: FakeMattermost | undefined
  beforeAll(async () => {
    fake = await FakeMattermost.start()
  })
  afterEach(() => {
    if (fake === undefined) return
    const violations = [...fake.violations]
    fake.violations.length = 0
    fake.requests.length = 0
    fake.counts.clear()
    fake.clearFaults()
    fake.resetSettings()
    fake.onRequest = undefined
    fake.random = Math.random
    expect(violations).toEqual([])
  })
  afterAll(async () => {
    await fake?.close()
  })
  return {
    fake: () => {
      if (fake === undefined) throw new Error('fake not started')
      return fake
    },
  }
}

/** A client for the fake with fast retries, unless overridden. */
export function clientFor(
  fake: FakeMattermost,
  config: Partial<MattermostClientConfig> = {},
): MattermostClient {
  return createMattermostClient({
    url: fake.url,
    token: fake.token,
    baseDelayMs: 1,
    maxDelayMs: 20,
    timeoutMs: 5_000,
    ...config,
  })
}

/**
 * The members of a Mattermost group a REST read sees: its active users (the group member routes
 * list no one else) and its deactivated users who hold an active team row or a channel row in
 * scope (the loader reads their groups by user).
 */
export function visibleGroupMembers(
  state: SyncState,
  memberIds: readonly string[],
  teamIds: ReadonlySet<string>,
  channelIds: ReadonlySet<string>,
): string[] {
  const users = new Map(state.users.map((u) => [u.id, u]))
  const withRows = new Set([
    ...state.teamMembers
      .filter((m) => m.deleted !== true && teamIds.has(m.teamId))
      .map((m) => m.userId),
    ...state.channelMembers.filter((m) => channelIds.has(m.channelId)).map((m) => m.userId),
  ])
  return [...new Set(memberIds)].filter((id) => {
    const u = users.get(id)
    return u !== undefined && (u.deactivated !== true || withRows.has(id))
  })
}

/** Channel names the loader marks `defaultChannel` unless told otherwise. */
export const defaultNames: readonly string[] = ['town-square', 'off-topic']

/**
 * What `loadSyncState` reads back from a fake seeded with `state`: every team (archived ones
 * too) with its active rows, the open and private channels of those teams (archived ones too,
 * `defaultChannel` by name), the live groups with their existing users and live links, and channel
 * history only for current members. `managed` is config, never read from Mattermost.
 */
export function toApiState(
  state: SyncState,
  options: { readonly groups?: boolean; readonly defaultChannelNames?: readonly string[] } = {},
): SyncState {
  const names = new Set(options.defaultChannelNames ?? defaultNames)
  const teams = state.teams.map((t): Team => ({
    id: t.id,
    name: t.name,
    groupConstrained: t.groupConstrained,
    ...(t.deleted === true ? { deleted: true } : {}),
  }))
  const teamIds = new Set(teams.map((t) => t.id))
  const channels = state.channels
    .filter((c) => (c.type === 'O' || c.type === 'P') && teamIds.has(c.teamId))
    .map((c): Channel => ({
      id: c.id,
      teamId: c.teamId,
      name: c.name,
      type: c.type,
      groupConstrained: c.groupConstrained,
      ...(c.deleted === true ? { deleted: true } : {}),
      ...(names.has(c.name) ? { defaultChannel: true } : {}),
    }))
  const channelIds = new Set(channels.map((c) => c.id))
  const groups =
    options.groups === false
      ? []
      : state.groups
          .filter((g) => g.deleted !== true)
          .map((g) => ({
            id: g.id,
            name: g.name,
            memberIds: visibleGroupMembers(state, g.memberIds, teamIds, channelIds),
          }))
  const groupIds = new Set(groups.map((g) => g.id))
  return {
    users: state.users,
    groups,
    teams,
    channels,
    links: state.links.filter(
      (l) =>
        l.deleted !== true &&
        groupIds.has(l.groupId) &&
        (l.syncable.kind === 'team' ? teamIds : channelIds).has(l.syncable.id),
    ),
    teamMembers: state.teamMembers.filter((m) => m.deleted !== true && teamIds.has(m.teamId)),
    channelMembers: state.channelMembers.filter((m) => channelIds.has(m.channelId)),
    // The loader can only infer history for current members (every join writes a row).
    channelHistory: state.channelMembers
      .filter((m) => channelIds.has(m.channelId))
      .map((m) => ({ channelId: m.channelId, userId: m.userId })),
  }
}

/**
 * Whether Mattermost's API refuses a command on this state for group-sync reasons (semantics §3):
 * removing a non-bot from a group-constrained team/channel, or adding a non-bot that is in none of
 * its live linked live groups.
 */
export function refusedByGroupConstraint(command: SyncCommand, state: SyncState): boolean {
  const kind = 'teamId' in command ? 'team' : 'channel'
  const id = 'teamId' in command ? command.teamId : command.channelId
  const constrained =
    kind === 'team'
      ? state.teams.find((t) => t.id === id)?.groupConstrained
      : state.channels.find((c) => c.id === id)?.groupConstrained
  const user = state.users.find((u) => u.id === command.userId)
  if (constrained !== true || user?.isBot === true) return false
  if (command.kind === 'removeTeamMember' || command.kind === 'removeChannelMember') return true
  if (command.kind !== 'addTeamMember' && command.kind !== 'addChannelMember') return false
  const inGroup = state.links.some(
    (l) =>
      l.deleted !== true &&
      l.syncable.kind === kind &&
      l.syncable.id === id &&
      state.groups.some(
        (g) => g.id === l.groupId && g.deleted !== true && g.memberIds.includes(command.userId),
      ),
  )
  return !inGroup
}

/** mulberry32: seeded randomness for fault injection, so a failing property replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function sequence<T>(arbs: readonly fc.Arbitrary<T>[]): fc.Arbitrary<T[]> {
  return arbs.length === 0 ? fc.constant<T[]>([]) : fc.tuple(...arbs)
}

/**
 * A denser state than `syncStateArb` (which mostly yields states with nothing to sync), built from
 * the same core arbitraries and reduced to what the API can represent: several users, at least one
 * team, channel, group and link, and random memberships.
 */
export function apiStateArb(): fc.Arbitrary<SyncState> {
  return fc
    .record({
      userIds: fc.uniqueArray(mattermostIdArb(), { minLength: 3, maxLength: 12 }),
      groupIds: fc.uniqueArray(mattermostIdArb(), { minLength: 1, maxLength: 3 }),
      teamIds: fc.uniqueArray(mattermostIdArb(), { minLength: 1, maxLength: 2 }),
      channelIds: fc.uniqueArray(mattermostIdArb(), { minLength: 1, maxLength: 4 }),
    })
    .filter((x) => {
      const all = [...x.userIds, ...x.groupIds, ...x.teamIds, ...x.channelIds]
      return new Set(all).size === all.length
    })
    .chain(({ userIds, groupIds, teamIds, channelIds }) => {
      const syncables: SyncableRef[] = [
        ...teamIds.map((id): SyncableRef => ({ kind: 'team', id })),
        ...channelIds.map((id): SyncableRef => ({ kind: 'channel', id })),
      ]
      const pairs = <A, B>(as: readonly A[], bs: readonly B[]): [A, B][] =>
        as.flatMap((a) => bs.map((b): [A, B] => [a, b]))
      return fc.record({
        users: fc.tuple(...userIds.map((id) => userArb(id))),
        groups: fc.tuple(...groupIds.map((id) => groupArb(userIds, id))),
        teams: fc.tuple(...teamIds.map((id) => teamArb(id))),
        channels: fc.tuple(...channelIds.map((id) => channelArb(teamIds, id))),
        links: fc
          .subarray(pairs(groupIds, syncables), { minLength: 1 })
          .chain((ls) => fc.tuple(...ls.map(([g, s]) => groupLinkArb(g, s)))),
        teamMembers: fc
          .subarray(pairs(teamIds, userIds))
          .chain((ms) => sequence(ms.map(([t, u]) => teamMemberArb(t, u)))),
        channelMembers: fc
          .subarray(pairs(channelIds, userIds))
          .chain((ms) => sequence(ms.map(([c, u]) => channelMemberArb(c, u)))),
      })
    })
    .map((s): SyncState => toApiState({ ...s, channelHistory: [] }))
}
