import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  SyncState,
  Team,
  TeamMember,
  User,
} from '../model.js'

/** Sizes of a generated state. Memberships are approximate (they follow group sizes). */
export interface GeneratedSizes {
  readonly users: number
  readonly groups: number
  readonly groupMemberships: number
  readonly teams: number
  readonly channelsPerTeam: number
  /** Share of syncables that are group-constrained. */
  readonly constrainedShare: number
  /** Share of memberships that disagree with the groups (strays to remove, missing adds, wrong roles). */
  readonly drift: number
}

/** Benchmark sizes: S is a small deployment, XL the 100k users / 2 M memberships. */
export const stateSizes: Readonly<Record<'S' | 'M' | 'L' | 'XL', GeneratedSizes>> = {
  S: {
    users: 1_000,
    groups: 50,
    groupMemberships: 10_000,
    teams: 20,
    channelsPerTeam: 10,
    constrainedShare: 0.5,
    drift: 0.05,
  },
  M: {
    users: 10_000,
    groups: 500,
    groupMemberships: 100_000,
    teams: 200,
    channelsPerTeam: 10,
    constrainedShare: 0.5,
    drift: 0.05,
  },
  L: {
    users: 50_000,
    groups: 2_500,
    groupMemberships: 500_000,
    teams: 1_000,
    channelsPerTeam: 10,
    constrainedShare: 0.5,
    drift: 0.05,
  },
  XL: {
    users: 100_000,
    groups: 5_000,
    groupMemberships: 1_000_000,
    teams: 2_000,
    channelsPerTeam: 10,
    constrainedShare: 0.5,
    drift: 0.05,
  },
}

/** mulberry32: tiny, fast and good enough to make the same data from the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 26-character Mattermost-shaped id, unique per (prefix, n). */
export function generatedId(prefix: string, n: number): string {
  const body = n.toString(36)
  const codes: number[] = []
  for (const ch of prefix.slice(0, 26 - body.length).padEnd(26 - body.length, '0') + body)
    codes.push(ch.charCodeAt(0))
  // Built from char codes so the string is flat, as strings read from a database or LDAP are;
  // concatenated (cons) strings make every map look-up several times slower and skew benchmarks.
  return String.fromCharCode(...codes)
}

/**
 * A realistic, seeded state: Zipf-like group sizes, teams with 1-3 linked groups, channels with 1-2
 * (a share of them admin groups), memberships that mostly follow the groups plus `drift` strays,
 * missing members and wrong admin flags. The same seed gives the same state on every machine.
 */
export function generateState(sizes: GeneratedSizes, seed = 1): SyncState {
  const rnd = prng(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T

  const users: User[] = []
  for (let i = 0; i < sizes.users; i++) {
    const r = rnd()
    const id = generatedId('u', i)
    users.push({
      id,
      username: `user${i}`,
      email: `user${i}@example.test`,
      authData: `auth-${i}`,
      systemRole: r < 0.01 ? 'guest' : r < 0.015 ? 'admin' : 'user',
      ...(r > 0.995 ? { isBot: true } : {}),
      ...(rnd() < 0.02 ? { deactivated: true } : {}),
    })
  }

  // Group sizes follow 1/rank, scaled so they add up to about `groupMemberships`.
  const weights = Array.from({ length: sizes.groups }, (_, i) => 1 / (1 + i) ** 0.6)
  const total = weights.reduce((a, b) => a + b, 0)
  const groups: Group[] = []
  for (let g = 0; g < sizes.groups; g++) {
    const size = Math.max(
      2,
      Math.min(sizes.users, Math.round(((weights[g] ?? 0) / total) * sizes.groupMemberships)),
    )
    const start = Math.floor(rnd() * sizes.users)
    const memberIds: string[] = []
    // A contiguous window of users (wrapping) gives distinct members without a Set.
    for (let k = 0; k < size; k++) memberIds.push(generatedId('u', (start + k) % sizes.users))
    groups.push({
      id: generatedId('g', g),
      name: `mm_t${g % Math.max(1, sizes.teams)}_group${g}`,
      memberIds,
    })
  }

  const teams: Team[] = []
  const channels: Channel[] = []
  const links: GroupLink[] = []
  const teamMembers: TeamMember[] = []
  const channelMembers: ChannelMember[] = []
  const channelHistory: ChannelHistory[] = []
  let channelN = 0

  const fill = (
    linked: readonly { group: Group; schemeAdmin: boolean }[],
    add: (userId: string, admin: boolean) => void,
  ): void => {
    const admins = new Set<string>()
    for (const l of linked) if (l.schemeAdmin) for (const u of l.group.memberIds) admins.add(u)
    const seen = new Set<string>()
    for (const l of linked) {
      for (const u of l.group.memberIds) {
        if (seen.has(u)) continue
        seen.add(u)
        if (rnd() < sizes.drift) continue // a missing member: the plan adds it
        const admin = admins.has(u)
        add(u, rnd() < sizes.drift ? !admin : admin) // a wrong flag: the plan fixes it
      }
    }
    const strays = Math.round(seen.size * sizes.drift)
    for (let k = 0; k < strays; k++) {
      const u = pick(users).id
      if (!seen.has(u)) {
        seen.add(u)
        add(u, false) // a stray: removed on constrained syncables
      }
    }
  }

  for (let t = 0; t < sizes.teams; t++) {
    const team: Team = {
      id: generatedId('t', t),
      name: `team${t}`,
      groupConstrained: rnd() < sizes.constrainedShare,
    }
    teams.push(team)
    const teamLinked = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, k) => ({
      group: pick(groups),
      schemeAdmin: k > 0 && rnd() < 0.5,
    }))
    const uniqueTeamLinked = [...new Map(teamLinked.map((l) => [l.group.id, l])).values()]
    for (const l of uniqueTeamLinked)
      links.push({
        groupId: l.group.id,
        syncable: { kind: 'team', id: team.id },
        autoAdd: true,
        schemeAdmin: l.schemeAdmin,
      })
    fill(uniqueTeamLinked, (userId, admin) =>
      teamMembers.push({ teamId: team.id, userId, schemeAdmin: admin, schemeGuest: false }),
    )

    for (let c = 0; c < sizes.channelsPerTeam; c++) {
      const channel: Channel = {
        id: generatedId('c', channelN++),
        teamId: team.id,
        name: `channel${c}`,
        type: rnd() < 0.5 ? 'O' : 'P',
        groupConstrained: team.groupConstrained && rnd() < 0.8,
      }
      channels.push(channel)
      // Channel groups come from the team's groups, so team membership already covers them.
      const chosen = [
        ...new Map(
          Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => pick(uniqueTeamLinked)).map(
            (l) => [l.group.id, l],
          ),
        ).values(),
      ]
      // One in five channels auto-adds its groups (it then holds them whole); the rest were joined by hand (a slice).
      const autoAdd = rnd() < 0.2
      const channelLinked = chosen.map((l) => ({ group: l.group, schemeAdmin: rnd() < 0.3 }))
      for (const l of channelLinked)
        links.push({
          groupId: l.group.id,
          syncable: { kind: 'channel', id: channel.id },
          autoAdd,
          schemeAdmin: l.schemeAdmin,
        })
      const share = autoAdd ? 1 : 0.05 + rnd() * 0.2
      fill(
        channelLinked.map((l) => ({
          ...l,
          group: {
            ...l.group,
            memberIds: l.group.memberIds.slice(0, Math.ceil(l.group.memberIds.length * share)),
          },
        })),
        (userId, admin) => {
          channelMembers.push({
            channelId: channel.id,
            userId,
            schemeAdmin: admin,
            schemeGuest: false,
          })
          channelHistory.push({ channelId: channel.id, userId })
        },
      )
    }
  }
  return { users, groups, teams, channels, links, teamMembers, channelMembers, channelHistory }
}
