/**
 * Bounds on one directory read, so that a hostile or broken directory ends the read with a typed
 * error instead of exhausting memory or time. Every field is optional in a config; see
 * {@link defaultLdapReadLimits} and the README for why each default is where it is.
 */
export interface LdapReadLimits {
  /** The whole read (both searches, every range slice, the flattening) ends within this. */
  readonly deadlineMs: number
  /** User and group entries returned by the searches (or records in an LDIF export). */
  readonly maxEntries: number
  /** Approximate bytes of DNs, attribute names and values received (or the size of an LDIF export). */
  readonly maxBytes: number
  /** Levels of nesting below any group; a cycle counts each of its groups as a level. */
  readonly maxNestingDepth: number
  /** Group memberships after flattening nesting, summed over the groups. */
  readonly maxMemberships: number
}

/**
 * The defaults: each several times what the largest directory this is built for needs (500k users,
 * a group of all of them, thousands of groups a few levels deep), and small enough that a read
 * stays within about a gigabyte of memory.
 */
export const defaultLdapReadLimits: LdapReadLimits = Object.freeze({
  deadlineMs: 600_000,
  maxEntries: 1_000_000,
  maxBytes: 256 * 1024 * 1024,
  maxNestingDepth: 100,
  maxMemberships: 10_000_000,
})

/** Which limit a read hit. */
export type ReadLimitName = 'deadline' | 'entries' | 'bytes' | 'nestingDepth' | 'memberships'

/** A read stopped at one of its limits: no snapshot, so nothing is planned or applied from it. */
export interface ReadLimitError {
  readonly kind: 'readLimit'
  readonly limit: ReadLimitName
  /** The limit's value (ms, entries, bytes, levels or memberships). */
  readonly max: number
  readonly message: string
  /** The server the read was on (LDAP only). */
  readonly url?: string
  /** The group where nesting went too deep (`nestingDepth` only). */
  readonly group?: string
}

const what: Readonly<Record<ReadLimitName, (max: number) => string>> = {
  deadline: (max) => `the read did not finish within ${max} ms (limits.deadlineMs)`,
  entries: (max) => `the directory returned more than ${max} entries (limits.maxEntries)`,
  bytes: (max) => `the directory returned more than ${max} bytes (limits.maxBytes)`,
  nestingDepth: (max) => `groups are nested more than ${max} levels deep (limits.maxNestingDepth)`,
  memberships: (max) =>
    `flattening nested groups gives more than ${max} memberships (limits.maxMemberships)`,
}

/** Builds the error with its sentence. */
export function readLimitError(
  limit: ReadLimitName,
  max: number,
  extra: { readonly group?: string; readonly url?: string } = {},
): ReadLimitError {
  const where = extra.group !== undefined ? ` (at group ${extra.group})` : ''
  return {
    kind: 'readLimit',
    limit,
    max,
    message: `${what[limit](max)}${where}: nothing was read; raise the limit if this directory is really so`,
    ...extra,
  }
}

/** Thrown inside the LDAP reader when a limit is hit; mapped back to its {@link ReadLimitError}. */
export class ReadLimitExceeded extends Error {
  override readonly name = 'ReadLimitExceeded'
  constructor(readonly error: ReadLimitError) {
    super(error.message)
  }
}
