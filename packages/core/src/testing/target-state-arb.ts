import fc from 'fast-check'
import type { SyncState } from '../model.js'
import { syncStateArb } from './arbitraries.js'
import { denseStateArb } from './dense-state-arb.js'

/**
 * States to seed a real target with: mostly `denseStateArb` (every rule in play: promotions,
 * demotions, constrained and managed syncables, default channels, left members), sometimes a
 * small `syncStateArb`. Every id is a Mattermost id (26 of `[a-z0-9]`), because a REST target
 * refuses anything else before it reaches a URL.
 */
export function targetStateArb(): fc.Arbitrary<SyncState> {
  return fc.oneof(
    { arbitrary: denseStateArb().map(withMattermostIds), weight: 3 },
    {
      arbitrary: syncStateArb({ maxUsers: 6, maxGroups: 3, maxTeams: 2, maxChannels: 4 }),
      weight: 1,
    },
  )
}

/**
 * `state` with every short id (`u0`, `t1`) padded to a Mattermost id: the id, a `z`, then zeros.
 * Distinct ids without a `z` stay distinct; names are left as they are.
 */
export function withMattermostIds(state: SyncState): SyncState {
  const long = (id: string): string =>
    id.length >= 26 ? id : `${id}z${'0'.repeat(25 - id.length)}`
  return {
    users: state.users.map((u) => ({ ...u, id: long(u.id) })),
    groups: state.groups.map((g) => ({
      ...g,
      id: long(g.id),
      memberIds: g.memberIds.map(long),
    })),
    teams: state.teams.map((t) => ({ ...t, id: long(t.id) })),
    channels: state.channels.map((c) => ({ ...c, id: long(c.id), teamId: long(c.teamId) })),
    links: state.links.map((l) => ({
      ...l,
      groupId: long(l.groupId),
      syncable: { kind: l.syncable.kind, id: long(l.syncable.id) },
    })),
    teamMembers: state.teamMembers.map((m) => ({
      ...m,
      teamId: long(m.teamId),
      userId: long(m.userId),
    })),
    channelMembers: state.channelMembers.map((m) => ({
      ...m,
      channelId: long(m.channelId),
      userId: long(m.userId),
    })),
    channelHistory: state.channelHistory.map((h) => ({
      channelId: long(h.channelId),
      userId: long(h.userId),
    })),
  }
}
