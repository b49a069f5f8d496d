import type { Role, SyncableRef, User } from '../model.js'
import type { SyncPolicy } from '../sync-policy.js'
import type { LiveLink } from './state-index.js'

/** `decideRole` over live links with member sets: no allocation on the common member path. */
export function indexedRole(user: User, links: readonly LiveLink[], policy: SyncPolicy): Role {
  if (user.systemRole === 'guest') return 'guest'
  if (user.systemRole === 'admin' && policy.sysadmins === 'bypass') return 'member'
  for (const l of links) if (l.link.schemeAdmin && l.members.has(user.id)) return 'admin'
  return 'member'
}

/** Bypassed system admins are never group-checked: not removed, promoted or demoted. */
export function isBypassed(user: User, policy: SyncPolicy): boolean {
  return user.systemRole === 'admin' && policy.sysadmins === 'bypass'
}

/** Bots and bypassed system admins are never removed by a sync. */
export function isExemptFromRemoval(user: User, policy: SyncPolicy): boolean {
  return user.isBot === true || isBypassed(user, policy)
}

/** Is the user in any live group linked to the syncable (AutoAdd irrelevant)? */
export function inAnyLinkedGroup(userId: string, links: readonly LiveLink[]): boolean {
  for (const l of links) if (l.members.has(userId)) return true
  return false
}

/** Names of the live groups linked to the syncable that the user is in, filtered by `when`. */
export function groupNames(userId: string, links: readonly LiveLink[], when: (l: LiveLink) => boolean = () => true): string[] {
  const names: string[] = []
  for (const l of links) if (when(l) && l.members.has(userId)) names.push(l.group.name)
  return names.sort()
}

/** Human-readable name of a syncable, for reasons and warnings. */
export function describeSyncable(ref: SyncableRef, name: string | undefined): string {
  return `${ref.kind} ${name ?? ref.id}`
}

/** The reason text of a role, naming the groups behind it. */
export function roleReason(role: Role, user: User, links: readonly LiveLink[], policy: SyncPolicy): string {
  if (role === 'guest') return 'guest account, added as guest'
  if (user.systemRole === 'admin' && policy.sysadmins === 'bypass') return 'system admin (bypass), added as member'
  if (role === 'admin') return `admin via ${groupNames(user.id, links, (l) => l.link.schemeAdmin).join(', ')}`
  return 'member (no scheme-admin group)'
}
