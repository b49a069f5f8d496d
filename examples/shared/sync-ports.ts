import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { ApplyReport, RunSyncPorts, SyncPlan, SyncState } from '@grouproles/core'
import {
  linksFromRules,
  readDirectory,
  readLdif,
  resolveGroups,
  type DirectorySnapshot,
  type LdapDirectoryConfig,
  type LinkRule,
  type MatchBy,
} from '@grouproles/adapter-ldap'
import * as postgres from '@grouproles/adapter-postgres'
import * as mattermost from '@grouproles/adapter-mattermost'

/** Where the directory comes from: a live LDAP server or an LDIF export. */
export type DirectoryInput =
  | { readonly kind: 'ldap'; readonly config: LdapDirectoryConfig }
  | { readonly kind: 'ldif'; readonly text: string; readonly config: LdapDirectoryConfig }

/** Where Mattermost is read and written: its database, or its REST API (a live server). */
export type TargetInput =
  | { readonly kind: 'postgres'; readonly client: postgres.PostgresClient }
  | {
      readonly kind: 'mattermost'
      readonly client: mattermost.MattermostClient
      /** Channels to load: the pinned API subset cannot list a team's channels, only reach them by id. */
      readonly options?: mattermost.LoadSyncStateOptions
    }

export interface SyncPortsConfig {
  readonly directory: DirectoryInput
  readonly target: TargetInput
  readonly matchBy: MatchBy
  readonly rules: readonly LinkRule[]
}

/** The ports `runSync` sequences, over the LDAP and Postgres adapters, plus the last combined state. */
export function syncPorts(
  config: SyncPortsConfig,
): RunSyncPorts<DirectorySnapshot, unknown> & { readonly lastState: () => SyncState | undefined } {
  let last: SyncState | undefined
  const target = config.target
  return {
    readDirectory: (): ResultAsync<DirectorySnapshot, unknown> => {
      const d = config.directory
      if (d.kind === 'ldap') return readDirectory(d.config)
      const snapshot = readLdif(d.text, d.config)
      return snapshot.isOk() ? okAsync(snapshot.value) : errAsync(snapshot.error)
    },
    loadTarget: (): ResultAsync<SyncState, unknown> =>
      target.kind === 'postgres' ? postgres.loadSyncState(target.client) : mattermostTarget(target),
    combine: (directory, loaded) => {
      const resolved = resolveGroups(directory, loaded.users, { matchBy: config.matchBy })
      const mapped = linksFromRules(config.rules, resolved.groups, loaded.teams, loaded.channels)
      last = { ...loaded, groups: resolved.groups, links: mapped.links }
      return {
        state: last,
        warnings: [
          ...directory.warnings,
          ...resolved.unmatched,
          ...resolved.ambiguous,
          ...mapped.warnings,
        ],
      }
    },
    apply: (plan: SyncPlan): ResultAsync<ApplyReport, unknown> =>
      target.kind === 'postgres'
        ? postgres.applyPlan(target.client, plan)
        : mattermost.applyPlan(target.client, plan, { loadTarget: () => mattermostTarget(target) }),
    lastState: () => last,
  }
}

/** A warning as one readable line, whatever adapter produced it. */
export function describeWarning(w: unknown): string {
  if (typeof w !== 'object' || w === null) return String(w)
  if ('message' in w && typeof w.message === 'string') return w.message
  return Object.entries(w)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
}

// The stale check must re-read exactly what the plan was made from (same channels).
function mattermostTarget(
  target: Extract<TargetInput, { kind: 'mattermost' }>,
): ResultAsync<SyncState, mattermost.MattermostError> {
  return mattermost.loadSyncState(target.client, target.options)
}
