import type { DirectorySnapshot, DirectoryWarning } from './directory-snapshot.js'
import { linksFromRules, type LinkRule, type LinkWarning } from './link-rules.js'
import { managerGroups } from './manager-groups.js'
import type { GroupLoad, TargetView } from './ports.js'
import { resolveGroups, type MatchBy, type ResolveWarning } from './resolve-groups.js'

/** Every warning a directory-based group source reports: reading, matching, linking. */
export type GroupSourceWarning = DirectoryWarning | ResolveWarning | LinkWarning

/** How a directory becomes groups and links: identity matching, link rules, managed syncables. */
export interface GroupsFromDirectoryOptions {
  readonly matchBy: MatchBy
  readonly rules: readonly LinkRule[]
  /** Teams (`rl`) and channels (`rl/infrastructure`) to manage (config `manage`). */
  readonly manage?: readonly string[]
}

/**
 * A directory snapshot as a group source's answer: members resolved to the target's users
 * (`resolveGroups`), links from the rules and the managed syncables (`linksFromRules`), and every
 * warning of the three steps, snapshot warnings first. Rules with `managers` add the derived
 * manager groups (`managerGroups`) their links name. Pure; every directory-based source uses it.
 */
export function groupsFromDirectory(
  snapshot: DirectorySnapshot,
  target: TargetView,
  options: GroupsFromDirectoryOptions,
): GroupLoad<GroupSourceWarning> {
  const resolved = resolveGroups(snapshot, target.users, { matchBy: options.matchBy })
  const groupsWithManagers = new Set(
    snapshot.groups
      .filter((g) => g.managerUsernames !== undefined || g.managersUnavailableReason !== undefined)
      .map((g) => g.id),
  )
  const mapped = linksFromRules(options.rules, resolved.groups, target.teams, target.channels, {
    ...(options.manage !== undefined ? { manage: options.manage } : {}),
    groupsWithManagers,
  })
  // Rules with `managers` link derived admin groups: plain groups to the planner.
  const managers = managerGroups(
    snapshot,
    resolved.groups,
    mapped.managerGroups ?? [],
    target.users,
    { matchBy: options.matchBy },
    [...resolved.unmatched, ...resolved.ambiguous],
  )
  return {
    groups: [...resolved.groups, ...managers.groups],
    links: mapped.links,
    managed: mapped.managed,
    warnings: [
      ...snapshot.warnings,
      ...resolved.unmatched,
      ...resolved.ambiguous,
      ...managers.warnings,
      ...mapped.warnings,
    ],
    ...(snapshot.freshness === undefined ? {} : { freshness: snapshot.freshness }),
  }
}
