import type { DirectoryGroup, DirectorySnapshot } from './directory-snapshot.js'
import type { ManagerGroupRef } from './link-rules.js'
import type { Group, User } from './model.js'
import { resolveGroups, type MatchBy, type ResolveWarning } from './resolve-groups.js'

/** The derived manager groups as core groups, and who among the managers could not be matched. */
export interface ManagerGroups {
  readonly groups: readonly Group[]
  /** Managers with no (or no unique) account, not already reported as members. */
  readonly warnings: readonly ResolveWarning[]
}

const warningKey = (w: ResolveWarning): string =>
  w.kind === 'severalDirectoryUsers' ? `${w.kind}\u0000${w.userId}` : `${w.kind}\u0000${w.dn}`

/**
 * Builds the admin groups that link rules with `managers` named (`linksFromRules`' `managerGroups`):
 * a group's managers resolved to Mattermost users exactly as members are (`resolveGroups`, so
 * disabled, unmatched and ambiguous users are left out alike). `admin`: every manager;
 * `adminIfMember`: the managers who are also members of the resolved group. Managers that could not
 * all be read make the derived group `unavailable`, which freezes its syncables as any unavailable
 * group does (nobody demoted or removed on an unknown); the managed group itself stays as read. Pure.
 */
export function managerGroups(
  snapshot: DirectorySnapshot,
  resolvedGroups: readonly Group[],
  refs: readonly ManagerGroupRef[],
  users: readonly User[],
  options: { readonly matchBy: MatchBy },
  reported: readonly ResolveWarning[] = [],
): ManagerGroups {
  if (refs.length === 0) return { groups: [], warnings: [] }
  const directoryById = new Map<string, DirectoryGroup>()
  for (const g of snapshot.groups) if (!directoryById.has(g.id)) directoryById.set(g.id, g)
  const resolvedById = new Map<string, Group>()
  for (const g of resolvedGroups) if (!resolvedById.has(g.id)) resolvedById.set(g.id, g)
  const bases = [...new Set(refs.map((r) => r.groupId))].flatMap((id) => {
    const g = directoryById.get(id)
    return g === undefined ? [] : [g]
  })
  // The managers of each group as a group of their own, so they resolve as members do.
  const managers = resolveGroups(
    {
      users: snapshot.users,
      groups: bases.map((g): DirectoryGroup => ({
        dn: g.dn,
        id: g.id,
        name: `managers of ${g.name}`,
        memberUsernames: g.managerUsernames ?? [],
        status: g.managersUnavailableReason !== undefined ? 'unavailable' : 'complete',
      })),
      warnings: [],
    },
    users,
    options,
  )
  const managersById = new Map(managers.groups.map((g) => [g.id, g]))
  const groups = refs.flatMap((ref): Group[] => {
    const base = directoryById.get(ref.groupId)
    const resolved = resolvedById.get(ref.groupId)
    const found = managersById.get(ref.groupId)
    if (base === undefined || resolved === undefined || found === undefined) return []
    const managersOf = {
      groupId: base.id,
      groupName: base.name,
      ...(base.managerAttribute !== undefined ? { attribute: base.managerAttribute } : {}),
    }
    if (ref.mode === 'admin')
      return [
        {
          id: ref.id,
          name: `managers of ${base.name}`,
          memberIds: found.memberIds,
          status: found.status ?? 'complete',
          ...(resolved.deleted === true ? { deleted: true } : {}),
          managersOf,
        },
      ]
    const members = new Set(resolved.memberIds)
    // Unknown members make the intersection unknown too.
    const unavailable = found.status === 'unavailable' || resolved.status === 'unavailable'
    return [
      {
        id: ref.id,
        name: `managers of ${base.name} (members only)`,
        memberIds: found.memberIds.filter((id) => members.has(id)),
        status: unavailable ? 'unavailable' : 'complete',
        ...(resolved.deleted === true ? { deleted: true } : {}),
        managersOf,
      },
    ]
  })
  const seen = new Set(reported.map(warningKey))
  const warnings = [...managers.unmatched, ...managers.ambiguous].filter(
    (w) => !seen.has(warningKey(w)),
  )
  return { groups, warnings }
}
