/** Embedding grouproles in a service of your own: one applied run, from an LDIF export to Mattermost's database. */
import { runSync, type SyncPolicyInput } from '@grouproles/core'
import { LdifGroupSource, type LdapDirectoryConfig, type LinkRule } from '@grouproles/adapter-ldap'
import { PostgresSyncTarget, type PostgresClient } from '@grouproles/adapter-postgres'

export async function syncOnce(options: {
  readonly ldif: string
  readonly ldap: LdapDirectoryConfig
  readonly rules: readonly LinkRule[]
  readonly mattermost: PostgresClient
  readonly policy?: SyncPolicyInput
}): Promise<string> {
  // The ports: where the groups come from, and the Mattermost to sync.
  const groups = new LdifGroupSource({
    text: options.ldif,
    source: 'export.ldif',
    ldap: options.ldap,
    matchBy: 'username',
    rules: options.rules,
  })
  const target = new PostgresSyncTarget(options.mattermost)
  // Loads both sides at once, plans, applies, re-plans to verify.
  const run = await runSync({ groups, target }, options.policy, { apply: true })
  return run.match(
    (r) =>
      `${r.plan.commands.length} changes, ${r.plan.held.length} held, ${r.warnings.length} warnings; converged: ${String(r.verification?.converged ?? true)}`,
    (e) => `${e.kind} (${e.cause.side}): ${e.cause.error.message}`,
  )
}
