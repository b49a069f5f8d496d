import fc from 'fast-check'
import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  Role,
  SyncableRef,
  SyncState,
  SystemRole,
  Team,
  TeamMember,
  User,
} from '../model.js'
import type { SyncCommand } from '../sync-command.js'
import type { ResolvedSyncPolicy, SyncPolicy, SyncPolicyInput } from '../sync-policy.js'

const idChars = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('')

/** A Mattermost id: 26 characters of `[a-z0-9]` (what the server, its routers and its DB accept). */
export function mattermostIdArb(): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...idChars), minLength: 26, maxLength: 26 })
}

/** Sizes of generated states; small by default so properties run many cases quickly. */
export interface StateSizes {
  readonly maxUsers?: number
  readonly maxGroups?: number
  readonly maxTeams?: number
  readonly maxChannels?: number
}

export const systemRoleArb: fc.Arbitrary<SystemRole> = fc.constantFrom<SystemRole>(
  'user',
  'user',
  'user',
  'guest',
  'admin',
)

/** A membership role: what `decideRole` decides and add commands carry. */
export const roleArb: fc.Arbitrary<Role> = fc.constantFrom<Role>('guest', 'member', 'admin')

/**
 * A team or channel reference. Without ids: either kind with a fresh Mattermost id. With id lists:
 * an id from them, of the kind the list is for; a kind whose list is empty is never drawn.
 */
export function syncableRefArb(
  teamIds?: readonly string[],
  channelIds?: readonly string[],
): fc.Arbitrary<SyncableRef> {
  const ref = (kind: SyncableRef['kind'], ids: readonly string[] | undefined) =>
    (ids === undefined ? mattermostIdArb() : fc.constantFrom(...ids)).map((id): SyncableRef => ({
      kind,
      id,
    }))
  const options: fc.Arbitrary<SyncableRef>[] = []
  if (teamIds === undefined || teamIds.length > 0) options.push(ref('team', teamIds))
  if (channelIds === undefined || channelIds.length > 0) options.push(ref('channel', channelIds))
  if (options.length === 0)
    throw new RangeError('syncableRefArb: no team and no channel ids to draw from')
  return fc.oneof(...options)
}

/** Optional `true` flag: absent or `false` most of the time, as in real data. */
function flagArb(): fc.Arbitrary<boolean | undefined> {
  return fc.constantFrom<boolean | undefined>(undefined, undefined, false, true)
}

function withFlags<T extends object>(base: T, flags: Record<string, boolean | undefined>): T {
  const out = { ...base } as Record<string, unknown>
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) out[k] = v
  return out as T
}

/** A user with a given id; username and email derive from the id so they stay unique. */
export function userArb(id?: string): fc.Arbitrary<User> {
  return fc
    .record({
      id: id === undefined ? mattermostIdArb() : fc.constant(id),
      systemRole: systemRoleArb,
      hasEmail: fc.boolean(),
      authData: fc.option(fc.uuid(), { nil: undefined }),
      isBot: flagArb(),
      deactivated: flagArb(),
    })
    .map(({ id: uid, systemRole, hasEmail, authData, isBot, deactivated }) =>
      withFlags<User>(
        {
          id: uid,
          username: `user.${uid.slice(0, 12)}`,
          ...(hasEmail ? { email: `${uid.slice(0, 12)}@example.test` } : {}),
          ...(authData !== undefined ? { authData } : {}),
          systemRole,
        },
        { isBot, deactivated },
      ),
    )
}

/** What made a syncable managed, as a config names it; sometimes absent (reasons say `config`). */
function managedByArb(): fc.Arbitrary<string | undefined> {
  return fc.option(fc.constantFrom('rule 1', 'rule 2', 'the manage list'), { nil: undefined })
}

/**
 * A team: group-constrained or not, sometimes deleted, sometimes `managed` (with or without a
 * `managedBy` label, which may also come without `managed`).
 */
export function teamArb(id?: string): fc.Arbitrary<Team> {
  return fc
    .record({
      id: id === undefined ? mattermostIdArb() : fc.constant(id),
      groupConstrained: fc.boolean(),
      deleted: flagArb(),
      managed: flagArb(),
      managedBy: managedByArb(),
    })
    .map(({ id: tid, groupConstrained, deleted, managed, managedBy }) =>
      withFlags<Team>(
        {
          id: tid,
          name: `team-${tid.slice(0, 10)}`,
          groupConstrained,
          ...(managedBy !== undefined ? { managedBy } : {}),
        },
        { deleted, managed },
      ),
    )
}

/**
 * A channel of one of `teamIds`: any type, sometimes named `town-square` or `off-topic` (names
 * repeat across and within teams), sometimes `managed` and sometimes a `defaultChannel`.
 */
export function channelArb(teamIds: readonly string[], id?: string): fc.Arbitrary<Channel> {
  return fc
    .record({
      id: id === undefined ? mattermostIdArb() : fc.constant(id),
      teamId: teamIds.length > 0 ? fc.constantFrom(...teamIds) : mattermostIdArb(),
      name: fc.constantFrom<string | undefined>(undefined, undefined, 'town-square', 'off-topic'),
      type: fc.constantFrom<Channel['type']>('O', 'O', 'P', 'P', 'D', 'G'),
      groupConstrained: fc.boolean(),
      deleted: flagArb(),
      managed: flagArb(),
      managedBy: managedByArb(),
      defaultChannel: flagArb(),
    })
    .map(
      ({
        id: cid,
        teamId,
        name,
        type,
        groupConstrained,
        deleted,
        managed,
        managedBy,
        defaultChannel,
      }) =>
        withFlags<Channel>(
          {
            id: cid,
            teamId,
            name: name ?? `chan-${cid.slice(0, 10)}`,
            type,
            groupConstrained,
            ...(managedBy !== undefined ? { managedBy } : {}),
          },
          { deleted, managed, defaultChannel },
        ),
    )
}

export function groupArb(userIds: readonly string[], id?: string): fc.Arbitrary<Group> {
  return fc
    .record({
      id: id === undefined ? mattermostIdArb() : fc.constant(id),
      memberIds: userIds.length > 0 ? fc.subarray([...userIds]) : fc.constant<string[]>([]),
      deleted: flagArb(),
      unavailable: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
    })
    .map(({ id: gid, memberIds, deleted, unavailable }) =>
      withFlags<Group>(
        {
          id: gid,
          name: `mm_grp_${gid.slice(0, 10)}`,
          memberIds,
          ...(unavailable ? { status: 'unavailable' as const } : {}),
        },
        { deleted },
      ),
    )
}

export function groupLinkArb(groupId: string, syncable: SyncableRef): fc.Arbitrary<GroupLink> {
  return fc
    .record({ autoAdd: fc.boolean(), schemeAdmin: fc.boolean(), deleted: flagArb() })
    .map(({ autoAdd, schemeAdmin, deleted }) =>
      withFlags<GroupLink>({ groupId, syncable, autoAdd, schemeAdmin }, { deleted }),
    )
}

/** Mostly member rows, some admin rows, few guest rows: the mix real teams have. */
const schemeAdminArb = fc.constantFrom(false, false, true)
const schemeGuestArb = fc.constantFrom(false, false, false, false, false, true)

export function teamMemberArb(teamId: string, userId: string): fc.Arbitrary<TeamMember> {
  return fc
    .record({ schemeAdmin: schemeAdminArb, schemeGuest: schemeGuestArb, deleted: flagArb() })
    .map(({ schemeAdmin, schemeGuest, deleted }) =>
      withFlags<TeamMember>({ teamId, userId, schemeAdmin, schemeGuest }, { deleted }),
    )
}

export function channelMemberArb(channelId: string, userId: string): fc.Arbitrary<ChannelMember> {
  return fc
    .record({ schemeAdmin: schemeAdminArb, schemeGuest: schemeGuestArb })
    .map(({ schemeAdmin, schemeGuest }) => ({ channelId, userId, schemeAdmin, schemeGuest }))
}

export function channelHistoryArb(channelId: string, userId: string): fc.Arbitrary<ChannelHistory> {
  return fc.constant({ channelId, userId })
}

export function syncPolicyArb(): fc.Arbitrary<ResolvedSyncPolicy> {
  return fc.record({
    sysadmins: fc.constantFrom<SyncPolicy['sysadmins']>('bypass', 'asUsers'),
    roleSync: fc.constantFrom<SyncPolicy['roleSync']>('groupConstrained', 'allLinked'),
    reAddRemovedMembers: fc.boolean(),
    groupConstrainedRemovals: fc.constantFrom<ResolvedSyncPolicy['groupConstrainedRemovals']>(
      'apply',
      'leaveToMattermost',
    ),
    limits: fc.record({
      maxRemovals: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 20 })),
      maxRemovalFraction: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      fractionMinRemovals: fc.integer({ min: 0, max: 5 }),
    }),
  })
}

/**
 * A policy as callers pass it: any subset of the fields and of `limits` (absent keys resolve to the
 * defaults), values in range.
 */
export function syncPolicyInputArb(): fc.Arbitrary<SyncPolicyInput> {
  return syncPolicyArb().chain((p) =>
    fc.record(
      {
        sysadmins: fc.constant(p.sysadmins),
        roleSync: fc.constant(p.roleSync),
        reAddRemovedMembers: fc.constant(p.reAddRemovedMembers),
        groupConstrainedRemovals: fc.constant(p.groupConstrainedRemovals),
        limits: fc.record(
          {
            maxRemovals: fc.constant(p.limits.maxRemovals),
            maxRemovalFraction: fc.constant(p.limits.maxRemovalFraction),
            fractionMinRemovals: fc.constant(p.limits.fractionMinRemovals),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  )
}

/** Pairs drawn from two id lists, at most once each. */
function pairsArb(
  left: readonly string[],
  right: readonly string[],
  maxLength: number,
): fc.Arbitrary<[string, string][]> {
  if (left.length === 0 || right.length === 0) return fc.constant([])
  return fc.uniqueArray(fc.tuple(fc.constantFrom(...left), fc.constantFrom(...right)), {
    selector: ([a, b]) => `${a}\u0000${b}`,
    maxLength,
  })
}

function sequence<T>(arbs: readonly fc.Arbitrary<T>[]): fc.Arbitrary<T[]> {
  return arbs.length === 0 ? fc.constant([]) : fc.tuple(...arbs)
}

/**
 * A whole consistent state: unique keys, and every reference (members, links, memberships, history)
 * names an entity of the state. Everything else is free: deleted and unavailable groups, D/G
 * channels, guests, bots, system admins, deactivated users, channel members outside the team,
 * inconsistent guest flags, left-team rows, history without membership.
 */
export function syncStateArb(sizes: StateSizes = {}): fc.Arbitrary<SyncState> {
  const { maxUsers = 10, maxGroups = 4, maxTeams = 3, maxChannels = 5 } = sizes
  return (
    fc
      .record({
        userIds: fc.uniqueArray(mattermostIdArb(), { maxLength: maxUsers }),
        groupIds: fc.uniqueArray(mattermostIdArb(), { maxLength: maxGroups }),
        teamIds: fc.uniqueArray(mattermostIdArb(), { maxLength: maxTeams }),
        channelIds: fc.uniqueArray(mattermostIdArb(), { maxLength: maxChannels }),
      })
      // A channel belongs to a team of the state: no teams, no channels.
      .map((ids) => (ids.teamIds.length === 0 ? { ...ids, channelIds: [] } : ids))
      .filter(
        ({ userIds, groupIds, teamIds, channelIds }) =>
          new Set([...userIds, ...groupIds, ...teamIds, ...channelIds]).size ===
          userIds.length + groupIds.length + teamIds.length + channelIds.length,
      )
      .chain(({ userIds, groupIds, teamIds, channelIds }) =>
        fc
          .record({
            users: sequence(userIds.map((id) => userArb(id))),
            groups: sequence(groupIds.map((id) => groupArb(userIds, id))),
            teams: sequence(teamIds.map((id) => teamArb(id))),
            channels: sequence(channelIds.map((id) => channelArb(teamIds, id))),
            linkPairs: pairsArb(
              groupIds,
              [...teamIds.map((id) => `team:${id}`), ...channelIds.map((id) => `channel:${id}`)],
              maxGroups * 4,
            ),
          })
          .chain(({ users, groups, teams, channels, linkPairs }) => {
            // Most memberships come from the groups linked to the syncable, so "member and in a linked
            // group" (promotions, demotions, keeps) is common; strays (removals) are drawn as well.
            const membersOf = new Map(groups.map((g) => [g.id, g.memberIds]))
            const candidates = (kind: 'team' | 'channel') => {
              const pairs = new Map<string, [string, string]>()
              for (const [g, s] of linkPairs) {
                const ref = toRef(s)
                if (ref.kind !== kind) continue
                for (const u of membersOf.get(g) ?? [])
                  pairs.set(`${ref.id}\u0000${u}`, [ref.id, u])
              }
              return [...pairs.values()]
            }
            const fromGroups = (kind: 'team' | 'channel'): fc.Arbitrary<[string, string][]> => {
              const list = candidates(kind)
              return list.length === 0 ? fc.constant([]) : fc.subarray(list)
            }
            const merge = (a: [string, string][], b: [string, string][]) => [
              ...new Map([...a, ...b].map((p) => [`${p[0]}\u0000${p[1]}`, p])).values(),
            ]
            return fc
              .record({
                teamPairs: fc
                  .tuple(fromGroups('team'), pairsArb(teamIds, userIds, maxTeams * maxUsers))
                  .map(([a, b]) => merge(a, b)),
                channelPairs: fc
                  .tuple(
                    fromGroups('channel'),
                    pairsArb(channelIds, userIds, maxChannels * maxUsers),
                  )
                  .map(([a, b]) => merge(a, b)),
                historyPairs: pairsArb(channelIds, userIds, maxChannels * 2),
              })
              .chain(({ teamPairs, channelPairs, historyPairs }) =>
                fc
                  .record({
                    links: sequence(linkPairs.map(([g, s]) => groupLinkArb(g, toRef(s)))),
                    teamMembers: sequence(teamPairs.map(([t, u]) => teamMemberArb(t, u))),
                    channelMembers: sequence(channelPairs.map(([c, u]) => channelMemberArb(c, u))),
                  })
                  .map(({ links, teamMembers, channelMembers }): SyncState => {
                    // Mattermost writes a history row on every channel join: current members have one.
                    const history = new Map<string, ChannelHistory>()
                    for (const m of channelMembers)
                      history.set(`${m.channelId}\u0000${m.userId}`, {
                        channelId: m.channelId,
                        userId: m.userId,
                      })
                    for (const [c, u] of historyPairs)
                      history.set(`${c}\u0000${u}`, { channelId: c, userId: u })
                    return {
                      users,
                      groups,
                      teams,
                      channels,
                      links,
                      teamMembers,
                      channelMembers,
                      channelHistory: [...history.values()],
                    }
                  }),
              )
          }),
      )
  )
}

function toRef(key: string): SyncableRef {
  const i = key.indexOf(':')
  return { kind: key.slice(0, i) === 'team' ? 'team' : 'channel', id: key.slice(i + 1) }
}

/** Any command naming entities of `state` (possibly pointless or conflicting: for applier tests). */
export function syncCommandArb(state: SyncState): fc.Arbitrary<SyncCommand> {
  const userIds = state.users.map((u) => u.id)
  const teamIds = state.teams.map((t) => t.id)
  const channelIds = state.channels.filter((c) => c.type === 'O' || c.type === 'P').map((c) => c.id)
  const role = roleArb
  const options: fc.Arbitrary<SyncCommand>[] = []
  if (userIds.length > 0 && teamIds.length > 0) {
    const u = fc.constantFrom(...userIds)
    const t = fc.constantFrom(...teamIds)
    options.push(
      fc.record({ kind: fc.constant('addTeamMember' as const), teamId: t, userId: u, role }),
      fc.record({
        kind: fc.constant('setTeamMemberAdmin' as const),
        teamId: t,
        userId: u,
        schemeAdmin: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('removeTeamMember' as const), teamId: t, userId: u }),
    )
  }
  if (userIds.length > 0 && channelIds.length > 0) {
    const u = fc.constantFrom(...userIds)
    const c = fc.constantFrom(...channelIds)
    options.push(
      fc.record({ kind: fc.constant('addChannelMember' as const), channelId: c, userId: u, role }),
      fc.record({
        kind: fc.constant('setChannelMemberAdmin' as const),
        channelId: c,
        userId: u,
        schemeAdmin: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('removeChannelMember' as const), channelId: c, userId: u }),
    )
  }
  return options.length === 0
    ? fc.constant<SyncCommand>({ kind: 'removeTeamMember', teamId: 'none', userId: 'none' })
    : fc.oneof(...options)
}

/** A state with the same content and every array shuffled (for determinism properties). */
export function shuffledStateArb(state: SyncState): fc.Arbitrary<SyncState> {
  const shuffle = <T>(items: readonly T[]): fc.Arbitrary<T[]> =>
    items.length < 2
      ? fc.constant([...items])
      : fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length })
  return fc.record({
    users: shuffle(state.users),
    groups: sequence(
      state.groups.map((g) => shuffle(g.memberIds).map((memberIds) => ({ ...g, memberIds }))),
    ).chain(shuffle),
    teams: shuffle(state.teams),
    channels: shuffle(state.channels),
    links: shuffle(state.links),
    teamMembers: shuffle(state.teamMembers),
    channelMembers: shuffle(state.channelMembers),
    channelHistory: shuffle(state.channelHistory),
  })
}
