import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { RunSyncPorts, SyncPlan, SyncState } from '@grouproles/core'
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
import { applyPlan, loadSyncState, type PostgresClient } from '@grouproles/adapter-postgres'

/** Where the directory comes from: a live LDAP server or an LDIF export. */
export type DirectoryInput =
  | { readonly kind: 'ldap'; readonly config: LdapDirectoryConfig }
  | { readonly kind: 'ldif'; readonly text: string; readonly config: LdapDirectoryConfig }

export interface SyncPortsConfig {
  readonly directory: DirectoryInput
  readonly database: PostgresClient
  readonly matchBy: MatchBy
  readonly rules: readonly LinkRule[]
}

/** The ports `runSync` sequences, over the LDAP and Postgres adapters, plus the last combined state. */
export function syncPorts(
  config: SyncPortsConfig,
): RunSyncPorts<DirectorySnapshot, unknown> & { readonly lastState: () => SyncState | undefined } {
  let last: SyncState | undefined
  return {
    readDirectory: (): ResultAsync<DirectorySnapshot, unknown> => {
      const d = config.directory
      if (d.kind === 'ldap') return readDirectory(d.config)
      const snapshot = readLdif(d.text, d.config)
      return snapshot.isOk() ? okAsync(snapshot.value) : errAsync(snapshot.error)
    },
    loadTarget: () => loadSyncState(config.database),
    combine: (directory, target) => {
      const resolved = resolveGroups(directory, target.users, { matchBy: config.matchBy })
      const mapped = linksFromRules(config.rules, resolved.groups, target.teams, target.channels)
      last = { ...target, groups: resolved.groups, links: mapped.links }
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
    apply: (plan: SyncPlan) => applyPlan(config.database, plan),
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
