import type { Group, User } from './model.js'
import type { DirectorySnapshot, DirectoryUser } from './directory-snapshot.js'

/** Which Mattermost field identifies a directory user: `authData` is the directory id attribute. */
export type MatchBy = 'username' | 'email' | 'authData'

/** A directory group member with no Mattermost account. */
export interface UnmatchedUser {
  readonly kind: 'noMattermostUser'
  readonly username: string
  readonly dn: string
  readonly groups: readonly string[]
  readonly message: string
}

/** A match that was not made because it is not unique. */
export type AmbiguousMatch =
  /** Several Mattermost users match one directory user. */
  | {
      readonly kind: 'severalMattermostUsers'
      readonly username: string
      readonly dn: string
      readonly userIds: readonly string[]
      readonly groups: readonly string[]
      readonly message: string
    }
  /** One Mattermost user matches several directory users. */
  | {
      readonly kind: 'severalDirectoryUsers'
      readonly userId: string
      readonly dns: readonly string[]
      readonly groups: readonly string[]
      readonly message: string
    }

/** What `resolveGroups` reports: a member with no account, or a match that is not unique. */
export type ResolveWarning = UnmatchedUser | AmbiguousMatch

/** Directory groups as core groups, plus who could not be matched. */
export interface ResolvedGroups {
  readonly groups: readonly Group[]
  readonly unmatched: readonly UnmatchedUser[]
  readonly ambiguous: readonly AmbiguousMatch[]
  /** Disabled directory users that were left out of every group (username, sorted). */
  readonly disabled: readonly string[]
}

function directoryKeys(u: DirectoryUser, matchBy: MatchBy): readonly string[] {
  switch (matchBy) {
    case 'username':
      return [u.username.toLowerCase()]
    case 'email':
      return [
        ...new Set(
          (u.emails ?? (u.email !== undefined ? [u.email] : [])).map((m) => m.toLowerCase()),
        ),
      ]
    case 'authData':
      return [u.id.toLowerCase()]
  }
}

function mattermostKey(u: User, matchBy: MatchBy): string | undefined {
  const v = matchBy === 'username' ? u.username : matchBy === 'email' ? u.email : u.authData
  return v === undefined || v === '' ? undefined : v.toLowerCase()
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort()
const inGroups = (groups: readonly string[]): string =>
  groups.length === 0 ? 'any group' : `the teams and channels of ${groups.join(', ')}`

/**
 * Turns directory groups into core groups of Mattermost user ids, matching case-insensitively by
 * username, email (any of the user's mails) or authData (= directory id). Never guesses: a directory
 * user matching several Mattermost users, or sharing one with another directory user, is left out
 * and reported. Disabled directory users are not members for Mattermost. Bots are never matched.
 */
export function resolveGroups(
  snapshot: DirectorySnapshot,
  users: readonly User[],
  options: { readonly matchBy: MatchBy },
): ResolvedGroups {
  const { matchBy } = options
  const mmByKey = new Map<string, string[]>()
  for (const u of users) {
    if (u.isBot === true) continue
    const k = mattermostKey(u, matchBy)
    if (k === undefined) continue
    const list = mmByKey.get(k)
    if (list === undefined) mmByKey.set(k, [u.id])
    else if (!list.includes(u.id)) list.push(u.id)
  }
  const dirByName = new Map<string, DirectoryUser[]>()
  for (const u of snapshot.users) {
    const k = u.username.toLowerCase()
    const list = dirByName.get(k)
    if (list === undefined) dirByName.set(k, [u])
    else list.push(u)
  }
  // Candidate Mattermost ids per directory user, then the reverse, to spot both kinds of ambiguity.
  const candidates = new Map<DirectoryUser, readonly string[]>()
  const claimedBy = new Map<string, DirectoryUser[]>()
  for (const u of snapshot.users) {
    const ids = new Set<string>()
    for (const k of directoryKeys(u, matchBy)) for (const id of mmByKey.get(k) ?? []) ids.add(id)
    candidates.set(u, sorted(ids))
    for (const id of ids) {
      const list = claimedBy.get(id)
      if (list === undefined) claimedBy.set(id, [u])
      else list.push(u)
    }
  }

  const groupsOf = new Map<DirectoryUser, Set<string>>()
  const unmatched = new Map<DirectoryUser, true>()
  const ambiguousDir = new Set<DirectoryUser>()
  const ambiguousMm = new Set<string>()
  const disabled = new Set<string>()

  const groups: Group[] = snapshot.groups.map((g) => {
    const memberIds = new Set<string>()
    const nesting: Record<string, readonly string[]> = {}
    const direct = g.subgroupIds === undefined ? undefined : new Set(g.directMemberUsernames ?? [])
    const directIds = new Set<string>()
    for (const name of g.memberUsernames) {
      for (const du of dirByName.get(name.toLowerCase()) ?? []) {
        if (du.username !== name && (dirByName.get(name.toLowerCase())?.length ?? 0) > 1) continue
        let gs = groupsOf.get(du)
        if (gs === undefined) groupsOf.set(du, (gs = new Set()))
        gs.add(g.name)
        if (du.disabled) {
          disabled.add(du.username)
          continue
        }
        const ids = candidates.get(du) ?? []
        if (ids.length === 0) {
          unmatched.set(du, true)
          continue
        }
        if (ids.length > 1) {
          ambiguousDir.add(du)
          continue
        }
        const id = ids[0] as string
        if ((claimedBy.get(id)?.length ?? 0) > 1) {
          ambiguousMm.add(id)
          continue
        }
        memberIds.add(id)
        if (direct?.has(name) === true) directIds.add(id)
        const path = g.nesting?.[name]
        if (path !== undefined) nesting[id] = path
      }
    }
    return {
      id: g.id,
      name: g.name,
      memberIds: sorted(memberIds),
      status: g.status,
      ...(Object.keys(nesting).length > 0 ? { nesting } : {}),
      ...(g.subgroupIds !== undefined
        ? { subgroupIds: g.subgroupIds, directMemberIds: sorted(directIds) }
        : {}),
    }
  })

  const groupList = (du: DirectoryUser): string[] => sorted(groupsOf.get(du) ?? [])
  const ambiguous: AmbiguousMatch[] = [
    ...[...ambiguousDir]
      .sort((a, b) => (a.dn < b.dn ? -1 : a.dn > b.dn ? 1 : 0))
      .map((du): AmbiguousMatch => {
        const userIds = candidates.get(du) ?? []
        const groups = groupList(du)
        return {
          kind: 'severalMattermostUsers',
          username: du.username,
          dn: du.dn,
          userIds,
          groups,
          message: `${du.username} (${du.dn}) matches ${userIds.length} Mattermost users by ${matchBy} (${userIds.join(', ')}): left out of ${inGroups(groups)}`,
        }
      }),
    ...sorted(ambiguousMm).map((id): AmbiguousMatch => {
      const dus = claimedBy.get(id) ?? []
      const dns = sorted(dus.map((d) => d.dn))
      const groups = sorted(new Set(dus.flatMap(groupList)))
      return {
        kind: 'severalDirectoryUsers',
        userId: id,
        dns,
        groups,
        message: `Mattermost user ${id} matches ${dns.length} directory users by ${matchBy} (${dns.join('; ')}): left out of ${inGroups(groups)}`,
      }
    }),
  ]
  return {
    groups,
    unmatched: [...unmatched.keys()]
      .map((du): UnmatchedUser => {
        const groups = groupList(du)
        return {
          kind: 'noMattermostUser',
          username: du.username,
          dn: du.dn,
          groups,
          message: `${du.username} (${du.dn}) has no Mattermost account matching by ${matchBy}: not added to ${inGroups(groups)}`,
        }
      })
      .sort((a, b) => (a.dn < b.dn ? -1 : a.dn > b.dn ? 1 : 0)),
    ambiguous,
    disabled: sorted(disabled),
  }
}
