import {
  directoryWarning,
  groupsFromDirectory,
  type DirectorySnapshot,
  type GroupLoad,
  type GroupSource,
  type GroupSourceWarning,
  type GroupsFromDirectoryOptions,
  type TargetView,
} from '@grouproles/core'
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import { resolveLdapConfig, type LdapDirectoryConfig } from './ldap-directory-config.js'
import { readLdif, type LdifError } from './read-ldif.js'

/** Configuration of `LdifGroupSource`: the export's text and name, and what `LdapGroupSource` takes. */
export interface LdifGroupSourceConfig extends GroupsFromDirectoryOptions {
  /** The LDIF export (`ldapsearch -LLL … > export.ldif`). */
  readonly text: string
  /** Where the text came from (a file path), named in every error: `export.ldif:12: …`. */
  readonly source: string
  /** Containers, filters and attributes select and read the entries as a server search would. */
  readonly ldap: LdapDirectoryConfig
}

/**
 * Why an LDIF export gave no groups. `message` starts with the source and, for syntax errors, the
 * line (`export.ldif:12: expected "attribute: value"`). `emptyDirectory`: no users, no groups, or
 * no group with a member were selected (unless `ldap.allowEmpty`), as `readDirectory` refuses them.
 */
export type LdifSourceError =
  | (LdifError & { readonly source: string })
  | { readonly kind: 'emptyDirectory'; readonly source: string; readonly message: string }

/**
 * Core's `GroupSource` over an LDIF export, for offline planning. The text is parsed once, on the
 * first load; each load then resolves it against the target it is given.
 */
export class LdifGroupSource implements GroupSource<LdifSourceError> {
  readonly #config: LdifGroupSourceConfig
  #snapshot: Result<DirectorySnapshot, LdifSourceError> | undefined

  constructor(config: LdifGroupSourceConfig) {
    this.#config = config
  }

  loadGroups(
    target: TargetView | PromiseLike<TargetView>,
  ): ResultAsync<GroupLoad<GroupSourceWarning>, LdifSourceError> {
    this.#snapshot ??= this.#read()
    const snapshot = this.#snapshot
    if (snapshot.isErr()) return errAsync(snapshot.error)
    // An export has no freshness marker: said once per load, i.e. once per run.
    const load = ResultAsync.fromSafePromise(Promise.resolve(target)).map((t) =>
      groupsFromDirectory(snapshot.value, t, this.#config),
    )
    return load.map((l) => ({
      ...l,
      warnings: [...l.warnings, directoryWarning({ kind: 'noFreshnessMarker', source: 'ldif' })],
    }))
  }

  #read(): Result<DirectorySnapshot, LdifSourceError> {
    const { text, source, ldap } = this.#config
    const read = readLdif(text, ldap)
    if (read.isErr()) {
      const e = read.error
      const where = 'line' in e ? `${source}:${e.line}` : source
      return err({ ...e, source, message: `${where}: ${e.message}` })
    }
    const snapshot = read.value
    const resolved = resolveLdapConfig(ldap)
    if (ldap.allowEmpty === true || resolved.isErr()) return ok(snapshot)
    const c = resolved.value
    const empty = (message: string): Result<never, LdifSourceError> =>
      err({
        kind: 'emptyDirectory',
        source,
        message: `${source}: ${message}; set ldap.allowEmpty if this is really so`,
      })
    if (snapshot.users.length === 0)
      return empty(`no users under ${c.usersDn} match ${c.userFilter}`)
    if (snapshot.groups.length === 0)
      return empty(`no groups under ${c.groupsDn} match ${c.groupFilter}`)
    if (snapshot.groups.every((g) => g.status === 'complete' && g.memberUsernames.length === 0))
      return empty(`none of the ${snapshot.groups.length} groups has a member`)
    return ok(snapshot)
  }
}
