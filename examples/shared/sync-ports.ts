import type { GroupSourceWarning, RunSyncPorts } from '@grouproles/core'
import {
  LdapGroupSource,
  LdifGroupSource,
  type LdapDirectoryConfig,
  type LdapError,
  type LdifSourceError,
  type LinkRule,
  type MatchBy,
} from '@grouproles/adapter-ldap'
import * as postgres from '@grouproles/adapter-postgres'
import * as mattermost from '@grouproles/adapter-mattermost'

/** Where the directory comes from: a live LDAP server or an LDIF export. */
export type DirectoryInput =
  | { readonly kind: 'ldap'; readonly config: LdapDirectoryConfig }
  | {
      readonly kind: 'ldif'
      readonly text: string
      /** Named in errors (`export.ldif:12: …`). */
      readonly source?: string
      readonly config: LdapDirectoryConfig
    }

/** Where Mattermost is read and written: its database, or its REST API (a live server). */
export type TargetInput =
  | { readonly kind: 'postgres'; readonly client: postgres.PostgresClient }
  | {
      readonly kind: 'mattermost'
      readonly client: mattermost.MattermostClient
      /** Loader options and the membership store (who left a team or channel). */
      readonly options?: mattermost.MattermostSyncTargetConfig<postgres.PostgresError>
    }

export interface SyncPortsConfig {
  readonly directory: DirectoryInput
  readonly target: TargetInput
  readonly matchBy: MatchBy
  readonly rules: readonly LinkRule[]
  readonly manage?: readonly string[]
}

/** What fails a directory read, from either source. */
export type DirectoryError = LdapError | LdifSourceError
/** What fails a Mattermost load or apply, from either target. */
export type TargetError = postgres.PostgresError | mattermost.MattermostError

/** The ports `runSync` sequences: the LDAP or LDIF group source, the Postgres or REST target. */
export type SyncPorts = RunSyncPorts<DirectoryError, GroupSourceWarning, TargetError>

/** Builds the ports from the adapters' port implementations. */
export function syncPorts(config: SyncPortsConfig): SyncPorts {
  const d = config.directory
  const options = {
    matchBy: config.matchBy,
    rules: config.rules,
    ...(config.manage !== undefined ? { manage: config.manage } : {}),
  }
  const t = config.target
  return {
    groups:
      d.kind === 'ldap'
        ? new LdapGroupSource({ ldap: d.config, ...options })
        : new LdifGroupSource({
            text: d.text,
            source: d.source ?? 'the LDIF export',
            ldap: d.config,
            ...options,
          }),
    // The stale check re-reads with the options the state was loaded with.
    target:
      t.kind === 'postgres'
        ? new postgres.PostgresSyncTarget(t.client)
        : new mattermost.MattermostSyncTarget(t.client, t.options),
  }
}
