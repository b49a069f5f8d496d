import type { SyncState } from '@grouproles/core'

/** Every key unique and every reference resolving; returns the problems found. */
export function problems(s: SyncState): string[] {
  const out: string[] = []
  const unique = (what: string, keys: string[]) => {
    if (new Set(keys).size !== keys.length) out.push(`duplicate ${what}`)
  }
  const users = new Set(s.users.map((u) => u.id))
  const teams = new Set(s.teams.map((t) => t.id))
  const channels = new Set(s.channels.map((c) => c.id))
  const groups = new Set(s.groups.map((g) => g.id))
  unique(
    'user',
    s.users.map((u) => u.id),
  )
  unique(
    'group',
    s.groups.map((g) => g.id),
  )
  unique(
    'team',
    s.teams.map((t) => t.id),
  )
  unique(
    'channel',
    s.channels.map((c) => c.id),
  )
  unique(
    'link',
    s.links.map((l) => `${l.groupId}|${l.syncable.kind}|${l.syncable.id}`),
  )
  unique(
    'team member',
    s.teamMembers.map((m) => `${m.teamId}|${m.userId}`),
  )
  unique(
    'channel member',
    s.channelMembers.map((m) => `${m.channelId}|${m.userId}`),
  )
  unique(
    'history',
    s.channelHistory.map((h) => `${h.channelId}|${h.userId}`),
  )
  for (const g of s.groups) {
    unique(`member of ${g.id}`, [...g.memberIds])
    for (const u of g.memberIds) if (!users.has(u)) out.push(`group ${g.id} names user ${u}`)
  }
  for (const c of s.channels)
    if (!teams.has(c.teamId)) out.push(`channel ${c.id} names team ${c.teamId}`)
  for (const l of s.links) {
    if (!groups.has(l.groupId)) out.push(`link names group ${l.groupId}`)
    if (!(l.syncable.kind === 'team' ? teams : channels).has(l.syncable.id))
      out.push(`link names ${l.syncable.id}`)
  }
  for (const m of s.teamMembers)
    if (!teams.has(m.teamId) || !users.has(m.userId))
      out.push(`team member ${m.teamId}|${m.userId}`)
  const history = new Set(s.channelHistory.map((h) => `${h.channelId}|${h.userId}`))
  for (const m of s.channelMembers) {
    if (!channels.has(m.channelId) || !users.has(m.userId))
      out.push(`channel member ${m.channelId}|${m.userId}`)
    if (!history.has(`${m.channelId}|${m.userId}`))
      out.push(`no history for ${m.channelId}|${m.userId}`)
  }
  for (const h of s.channelHistory)
    if (!channels.has(h.channelId) || !users.has(h.userId))
      out.push(`history ${h.channelId}|${h.userId}`)
  return out
}
