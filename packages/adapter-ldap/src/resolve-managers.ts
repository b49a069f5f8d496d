import {
  directoryWarning,
  type DirectoryGroup,
  type DirectoryUser,
  type DirectoryWarning,
} from '@grouproles/core'
import { textValues, type DirectoryEntry } from './directory-entry.js'
import { dnKey } from './normalize-dn.js'

/** The manager DNs of one group entry, and the attribute(s) they came from as configured. */
export interface ManagerValues {
  readonly attribute: string
  readonly dns: readonly string[]
}

/**
 * The values of the manager attributes (`memberManager`, `managedBy`, `owner`) of a group entry, or
 * undefined when it has none.
 */
export function managerValues(
  entry: DirectoryEntry,
  attributes: readonly string[],
): ManagerValues | undefined {
  const used: string[] = []
  const dns: string[] = []
  for (const attribute of attributes) {
    const values = textValues(entry, attribute)
    if (values.length === 0) continue
    used.push(attribute)
    dns.push(...values)
  }
  return dns.length === 0 ? undefined : { attribute: used.join(', '), dns }
}

/**
 * Adds `managerUsernames` to the groups that name managers: a user DN is that user (left out when
 * disabled), a group DN is that group's transitive members (disabled ones left out). A DN that is
 * neither a user nor a group of this read (outside the read base, filtered out, unparsable), or a
 * manager group that could not be read completely, makes the managers unknown
 * (`managersUnavailableReason`, a `managersUnavailable` warning); the group's members never are.
 * `values[i]` and `keys[i]` (the lowercased normalised DN) belong to `groups[i]`.
 */
export function withManagers(
  groups: readonly DirectoryGroup[],
  keys: readonly string[],
  values: readonly (ManagerValues | undefined)[],
  userByKey: ReadonlyMap<string, DirectoryUser>,
  warnings: DirectoryWarning[],
): DirectoryGroup[] {
  if (values.every((v) => v === undefined)) return [...groups]
  const groupByKey = new Map<string, DirectoryGroup>()
  groups.forEach((g, i) => groupByKey.set(keys[i] as string, g))
  // Several entries may share a username: a manager is enabled when one of them is.
  const enabled = new Set<string>()
  for (const u of userByKey.values()) if (!u.disabled) enabled.add(u.username)
  return groups.map((g, i) => {
    const v = values[i]
    if (v === undefined) return g
    const names = new Set<string>()
    const unread: string[] = []
    const incomplete: string[] = []
    for (const raw of v.dns) {
      const key = dnKey(raw).unwrapOr(undefined)
      const user = key === undefined ? undefined : userByKey.get(key)
      const group = key === undefined || user !== undefined ? undefined : groupByKey.get(key)
      if (user !== undefined) {
        if (!user.disabled) names.add(user.username)
      } else if (group !== undefined) {
        if (group.status === 'unavailable') incomplete.push(group.name)
        for (const n of group.memberUsernames) if (enabled.has(n)) names.add(n)
      } else unread.push(raw)
    }
    const reason = [
      ...(unread.length > 0
        ? [
            `${unread.length} manager DN(s) name no user or group of this read: ${unread.slice(0, 3).join('; ')}`,
          ]
        : []),
      ...(incomplete.length > 0
        ? [`manager group(s) ${incomplete.slice(0, 3).join(', ')} could not be read completely`]
        : []),
    ].join('; ')
    if (reason !== '')
      warnings.push(directoryWarning({ kind: 'managersUnavailable', group: g.name, reason }))
    return {
      ...g,
      managerUsernames: [...names].sort(),
      managerAttribute: v.attribute,
      ...(reason !== '' ? { managersUnavailableReason: reason } : {}),
    }
  })
}
