import fc from 'fast-check'
import type { GroupLink, SyncableRef, SyncState } from '../model.js'
import {
  channelArb,
  channelMemberArb,
  groupArb,
  groupLinkArb,
  mattermostIdArb,
  teamArb,
  teamMemberArb,
  userArb,
} from './arbitraries.js'

/** Up to `max` extra rows, each a copy of a row of `items` or a variant with the same key. */
function duplicates<T>(
  items: readonly T[],
  variant: (item: T) => fc.Arbitrary<T>,
  max: number,
): fc.Arbitrary<T[]> {
  if (items.length === 0) return fc.constant([])
  const row = fc.constantFrom(...items).chain((item) => fc.oneof(fc.constant(item), variant(item)))
  return fc.array(row, { maxLength: max })
}

/** Up to `max` rows built from `arb`. */
function extra<T>(arb: fc.Arbitrary<T>, max: number): fc.Arbitrary<T[]> {
  return fc.array(arb, { maxLength: max })
}

/** `constantFrom` that is `undefined` for an empty list. */
function oneOf<T>(items: readonly T[]): fc.Arbitrary<T> | undefined {
  return items.length === 0 ? undefined : fc.constantFrom(...items)
}

/**
 * `state` as real exports can look: some rows twice (exact copies, or a second row for the same key
 * with other flags), group members listed twice, and rows naming users, groups, teams and channels
 * the state does not have. `planSync` must treat these the same whatever the order of the arrays
 * (combine with `shuffledStateArb`). Extra ids are fresh Mattermost ids, so they name nothing.
 */
export function untidyStateArb(state: SyncState): fc.Arbitrary<SyncState> {
  const userIds = state.users.map((u) => u.id)
  const teamIds = state.teams.map((t) => t.id)
  const channelIds = state.channels.map((c) => c.id)
  const groupIds = state.groups.map((g) => g.id)
  const stranger = mattermostIdArb()
  const knownUser = oneOf(userIds)
  const knownTeam = oneOf(teamIds)
  const knownChannel = oneOf(channelIds)
  const knownGroup = oneOf(groupIds)
  const knownRef = oneOf<SyncableRef>([
    ...teamIds.map((id): SyncableRef => ({ kind: 'team', id })),
    ...channelIds.map((id): SyncableRef => ({ kind: 'channel', id })),
  ])
  // A pair where at least one side names nothing: unknown user on a known row, or the reverse.
  const strangerPair = (known: fc.Arbitrary<string> | undefined) =>
    fc.oneof(fc.tuple(known ?? stranger, stranger), fc.tuple(stranger, knownUser ?? stranger))
  const unknownRef = stranger.chain((id) =>
    fc.constantFrom<SyncableRef>({ kind: 'team', id }, { kind: 'channel', id }),
  )

  return fc
    .record({
      users: duplicates(state.users, (u) => userArb(u.id), 3),
      groups: duplicates(
        state.groups,
        (g) =>
          fc.oneof(
            groupArb(userIds, g.id),
            // Members listed twice and members who are not users of the state.
            fc
              .tuple(fc.subarray([...g.memberIds]), fc.array(stranger, { maxLength: 2 }))
              .map(([again, unknown]) => ({
                ...g,
                memberIds: [...g.memberIds, ...again, ...unknown],
              })),
          ),
        3,
      ),
      teams: duplicates(state.teams, (t) => teamArb(t.id), 2),
      channels: fc.tuple(
        duplicates(state.channels, (c) => channelArb(teamIds, c.id), 2),
        // Channels of a team the state does not have.
        extra(
          stranger.chain((teamId) => channelArb([teamId])),
          2,
        ),
      ),
      links: fc.tuple(
        duplicates(state.links, (l) => groupLinkArb(l.groupId, l.syncable), 3),
        extra(
          fc.oneof(
            fc.tuple(stranger, knownRef ?? unknownRef),
            fc.tuple(knownGroup ?? stranger, unknownRef),
          ),
          3,
        ).chain((pairs): fc.Arbitrary<GroupLink[]> =>
          pairs.length === 0
            ? fc.constant([])
            : fc.tuple(...pairs.map(([groupId, ref]) => groupLinkArb(groupId, ref))),
        ),
      ),
      teamMembers: fc.tuple(
        duplicates(state.teamMembers, (m) => teamMemberArb(m.teamId, m.userId), 3),
        extra(
          strangerPair(knownTeam).chain(([t, u]) => teamMemberArb(t, u)),
          3,
        ),
      ),
      channelMembers: fc.tuple(
        duplicates(state.channelMembers, (m) => channelMemberArb(m.channelId, m.userId), 3),
        extra(
          strangerPair(knownChannel).chain(([c, u]) => channelMemberArb(c, u)),
          3,
        ),
      ),
      channelHistory: fc.tuple(
        duplicates(state.channelHistory, (h) => fc.constant(h), 3),
        extra(
          strangerPair(knownChannel).map(([channelId, userId]) => ({ channelId, userId })),
          2,
        ),
      ),
    })
    .map((x): SyncState => ({
      users: [...state.users, ...x.users],
      groups: [...state.groups, ...x.groups],
      teams: [...state.teams, ...x.teams],
      channels: [...state.channels, ...x.channels.flat()],
      links: [...state.links, ...x.links.flat()],
      teamMembers: [...state.teamMembers, ...x.teamMembers.flat()],
      channelMembers: [...state.channelMembers, ...x.channelMembers.flat()],
      channelHistory: [...state.channelHistory, ...x.channelHistory.flat()],
    }))
}
