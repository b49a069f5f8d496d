import { match } from 'ts-pattern'
import type { FreshnessMarker } from './replica-freshness.js'

/** A user entry as read from a directory (LDAP, an LDIF export, or any other source). */
export interface DirectoryUser {
  /** The entry's name in its source; an LDAP source uses the normalised DN. */
  readonly dn: string
  /** The stable id attribute (ipaUniqueID, entryUUID, objectGUID as a GUID string). */
  readonly id: string
  readonly username: string
  /** The first mail value. */
  readonly email?: string
  /** Every mail value, first one first. */
  readonly emails?: readonly string[]
  readonly disabled: boolean
}

/** A group entry with its transitive members. */
export interface DirectoryGroup {
  readonly dn: string
  readonly id: string
  readonly name: string
  /** Transitive (nested groups flattened), sorted, directory spelling. Disabled users included. */
  readonly memberUsernames: readonly string[]
  /** `unavailable`: this group or a group nested in it could not be read completely. */
  readonly status: 'complete' | 'unavailable'
  /**
   * For members only in through nested groups: group names from this group down to the direct one.
   * Only for sources that have such paths at hand: they grow with the cube of the nesting depth. The
   * LDAP and LDIF readers give `subgroupIds` instead, and `nestingPath` builds a path when asked.
   */
  readonly nesting?: Readonly<Record<string, readonly string[]>>
  /**
   * The groups this group names directly as members (their `id`s), when it names any that were read;
   * sorted by name. Links, not paths: they grow with the number of groups, not with depth.
   */
  readonly subgroupIds?: readonly string[]
  /** With `subgroupIds`: the users this group names itself, sorted. Without, every member is direct. */
  readonly directMemberUsernames?: readonly string[]
  /** Why the group is unavailable. */
  readonly unavailableReason?: string
  /**
   * The group's managers (FreeIPA `memberManager`, AD `managedBy`, OpenLDAP `owner`): users named
   * directly and the transitive members of groups named, sorted, directory spelling, disabled users
   * left out. Absent when the group names no manager (or the source has no manager attribute).
   */
  readonly managerUsernames?: readonly string[]
  /** The attribute the managers were read from, e.g. `memberManager`: named by `explain`. */
  readonly managerAttribute?: string
  /**
   * Set when a manager could not be read (a DN outside the read base, an unreadable manager group):
   * `managerUsernames` is then not the whole truth. The members are not affected by it.
   */
  readonly managersUnavailableReason?: string
}

/**
 * Something a directory reader skipped or could not resolve; the snapshot is still complete
 * otherwise. Every variant carries a `message` a person can read (see `directoryWarning`).
 */
export type DirectoryWarning =
  | {
      readonly kind: 'entrySkipped'
      readonly dn: string
      readonly reason: string
      readonly message: string
    }
  | {
      readonly kind: 'idFromDn'
      readonly dn: string
      readonly attribute: string
      readonly message: string
    }
  | {
      readonly kind: 'duplicateUsername'
      readonly username: string
      readonly dns: readonly string[]
      readonly message: string
    }
  | {
      readonly kind: 'unresolvedMembers'
      readonly group: string
      readonly count: number
      readonly examples: readonly string[]
      readonly message: string
    }
  | {
      readonly kind: 'unknownMemberUids'
      readonly group: string
      readonly count: number
      readonly examples: readonly string[]
      readonly message: string
    }
  | {
      readonly kind: 'groupUnavailable'
      readonly group: string
      readonly reason: string
      readonly message: string
    }
  | {
      readonly kind: 'managersUnavailable'
      readonly group: string
      readonly reason: string
      readonly message: string
    }
  | { readonly kind: 'referralIgnored'; readonly url: string; readonly message: string }
  | {
      /** The source gives no freshness marker: a replica gone back cannot be told (said once a run). */
      readonly kind: 'noFreshnessMarker'
      readonly source: 'ldif' | 'ldap'
      readonly message: string
    }
  | {
      readonly kind: 'changeRecordIgnored'
      readonly dn: string
      readonly line: number
      readonly changetype: string
      readonly message: string
    }

/** A warning's fields without its `message`, per variant. */
export type WarningFields<W extends { readonly message: string }> = W extends unknown
  ? Omit<W, 'message'>
  : never

/** Users and groups of one directory read: complete, or not returned at all. */
export interface DirectorySnapshot {
  readonly users: readonly DirectoryUser[]
  readonly groups: readonly DirectoryGroup[]
  readonly warnings: readonly DirectoryWarning[]
  /** The directory's freshness marker, read with the entries; absent when it has none. */
  readonly freshness?: FreshnessMarker
}

const examplesOf = (count: number, examples: readonly string[]): string =>
  examples.length === 0
    ? ''
    : ` (e.g. ${examples.join('; ')}${count > examples.length ? '; …' : ''})`

/** Builds a directory warning with its sentence, so every source words the same thing alike. */
export function directoryWarning(fields: WarningFields<DirectoryWarning>): DirectoryWarning {
  return match(fields)
    .returnType<DirectoryWarning>()
    .with({ kind: 'entrySkipped' }, (w) => ({
      ...w,
      message: `entry ${w.dn} was skipped: ${w.reason}`,
    }))
    .with({ kind: 'idFromDn' }, (w) => ({
      ...w,
      message: `entry ${w.dn} has no ${w.attribute}: its DN stands in as its id (it changes if the entry is renamed)`,
    }))
    .with({ kind: 'duplicateUsername' }, (w) => ({
      ...w,
      message: `username ${w.username} is used by ${w.dns.length} entries (${w.dns.join('; ')})`,
    }))
    .with({ kind: 'unresolvedMembers' }, (w) => ({
      ...w,
      message: `group ${w.group}: ${w.count} member(s) are not users that were read${examplesOf(w.count, w.examples)}`,
    }))
    .with({ kind: 'unknownMemberUids' }, (w) => ({
      ...w,
      message: `group ${w.group}: ${w.count} memberUid value(s) name no user that was read${examplesOf(w.count, w.examples)}`,
    }))
    .with({ kind: 'groupUnavailable' }, (w) => ({
      ...w,
      message: `group ${w.group} could not be read completely (${w.reason}): its teams and channels are frozen (no removals, no demotions)`,
    }))
    .with({ kind: 'managersUnavailable' }, (w) => ({
      ...w,
      message: `group ${w.group}: its managers could not all be read (${w.reason}): where managers are admins, its teams and channels are frozen (no removals, no demotions)`,
    }))
    .with({ kind: 'referralIgnored' }, (w) => ({
      ...w,
      message: `a referral to ${w.url} was not followed`,
    }))
    .with({ kind: 'noFreshnessMarker' }, (w) => ({
      ...w,
      message:
        w.source === 'ldif'
          ? 'an LDIF export has no freshness marker (contextCSN, highestCommittedUSN): a stale export cannot be told from a current one'
          : 'the directory gave no freshness marker (contextCSN on the suffix, highestCommittedUSN on the root DSE): a lagging or restored replica cannot be told',
    }))
    .with({ kind: 'changeRecordIgnored' }, (w) => ({
      ...w,
      message: `line ${w.line}: a change record (changetype: ${w.changetype}) for ${w.dn} was ignored: an export holds entries, not changes`,
    }))
    .exhaustive()
}
