/** A user entry as read from the directory. */
export interface DirectoryUser {
  /** Normalised DN (see `normalizeDn`). */
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
  /** For members only in through nested groups: group names from this group down to the direct one. */
  readonly nesting?: Readonly<Record<string, readonly string[]>>
  /** Why the group is unavailable. */
  readonly unavailableReason?: string
}

/** Something the reader skipped or could not resolve; the snapshot is still complete otherwise. */
export type DirectoryWarning =
  | { readonly kind: 'entrySkipped'; readonly dn: string; readonly reason: string }
  | { readonly kind: 'idFromDn'; readonly dn: string; readonly attribute: string }
  | {
      readonly kind: 'duplicateUsername'
      readonly username: string
      readonly dns: readonly string[]
    }
  | {
      readonly kind: 'unresolvedMembers'
      readonly group: string
      readonly count: number
      readonly examples: readonly string[]
    }
  | {
      readonly kind: 'unknownMemberUids'
      readonly group: string
      readonly count: number
      readonly examples: readonly string[]
    }
  | { readonly kind: 'groupUnavailable'; readonly group: string; readonly reason: string }
  | { readonly kind: 'referralIgnored'; readonly url: string }
  | {
      readonly kind: 'changeRecordIgnored'
      readonly dn: string
      readonly line: number
      readonly changetype: string
    }

/** Users and groups of one directory read: complete, or not returned at all. */
export interface DirectorySnapshot {
  readonly users: readonly DirectoryUser[]
  readonly groups: readonly DirectoryGroup[]
  readonly warnings: readonly unknown[]
}
