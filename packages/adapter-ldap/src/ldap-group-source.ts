import {
  groupsFromDirectory,
  type GroupLoad,
  type GroupSource,
  type GroupSourceWarning,
  type GroupsFromDirectoryOptions,
  type TargetView,
} from '@grouproles/core'
import { ResultAsync } from 'neverthrow'
import type { LdapDirectoryConfig } from './ldap-directory-config.js'
import { readDirectory } from './read-directory.js'
import type { LdapError } from './to-ldap-error.js'

/** Configuration of `LdapGroupSource`: the directory, identity matching, link rules, `manage`. */
export interface LdapGroupSourceConfig extends GroupsFromDirectoryOptions {
  readonly ldap: LdapDirectoryConfig
}

/**
 * Core's `GroupSource` over a live LDAP directory. `loadGroups` starts the read at once and
 * resolves members and rules (`groupsFromDirectory`) when the target arrives, so `runSync` reads
 * the directory while Mattermost loads. Every call reads the directory again.
 */
export class LdapGroupSource implements GroupSource<LdapError> {
  readonly #config: LdapGroupSourceConfig

  constructor(config: LdapGroupSourceConfig) {
    this.#config = config
  }

  loadGroups(
    target: TargetView | PromiseLike<TargetView>,
  ): ResultAsync<GroupLoad<GroupSourceWarning>, LdapError> {
    // readDirectory has closed its connections by the time the target is awaited.
    return readDirectory(this.#config.ldap).andThen((snapshot) =>
      ResultAsync.fromSafePromise(Promise.resolve(target)).map((t) =>
        groupsFromDirectory(snapshot, t, this.#config),
      ),
    )
  }
}
