import type { DirectorySnapshot, DirectoryWarning } from './directory-snapshot.js'
import { linksFromRules, type LinkRule, type LinkWarning } from './link-rules.js'
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
 * warning of the three steps, snapshot warnings first. Pure; every directory-based source uses it.
 */
export function groupsFromDirectory(
  snapshot: DirectorySnapshot,
  target: TargetView,
  options: GroupsFromDirectoryOptions,
): GroupLoad<GroupSourceWarning> {
  const resolved = resolveGroups(snapshot, target.users, { matchBy: options.matchBy })
  const mapped = linksFromRules(
    options.rules,
    resolved.groups,
    target.teams,
    target.channels,
    options.manage !== undefined ? { manage: options.manage } : {},
  )
  return {
    groups: resolved.groups,
    links: mapped.links,
    managed: mapped.managed,
    warnings: [
      ...snapshot.warnings,
      ...resolved.unmatched,
      ...resolved.ambiguous,
      ...mapped.warnings,
    ],
  }
}
