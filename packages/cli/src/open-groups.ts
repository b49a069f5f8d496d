import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { GroupSource } from '@grouproles/core'
import type { LdapDirectoryConfig, LdapError, LdifSourceError } from '@grouproles/adapter-ldap'
import { err, ok, type Result } from 'neverthrow'
import { badInput, messageOf, type CliError } from './cli-error.js'
import type { GroupRolesConfig } from './config/read-config.js'

/** What fails a directory read, from either source. */
export type GroupsError = LdapError | LdifSourceError

/** An opened group source and a line saying what it reads. */
export interface OpenedGroups {
  readonly groups: GroupSource<GroupsError>
  readonly description: string
}

/**
 * The directory side: the LDIF export `ldif` (a path from `cwd`) when given, else the config's LDAP
 * server. `LDAP_URL` (with `LDAP_BIND_DN`), `LDAP_PASSWORD`, `LDAP_BASE_DN` and `LDAP_CA_FILE`
 * override the config. `allowEmpty` accepts an export or read that selects no group.
 */
export async function openGroups(
  config: GroupRolesConfig,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly ldif?: string; readonly cwd: string; readonly allowEmpty: boolean },
): Promise<Result<OpenedGroups, CliError>> {
  const ldapUrl = env['LDAP_URL']
  let ldap: LdapDirectoryConfig = {
    ...config.ldap,
    ...(ldapUrl !== undefined && ldapUrl !== ''
      ? { url: ldapUrl, bindDn: env['LDAP_BIND_DN'] ?? config.ldap.bindDn }
      : {}),
    ...(env['LDAP_PASSWORD'] !== undefined ? { password: env['LDAP_PASSWORD'] } : {}),
    ...(env['LDAP_BASE_DN'] !== undefined ? { baseDn: env['LDAP_BASE_DN'] } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
  }
  const caFile = env['LDAP_CA_FILE']
  if (caFile !== undefined) {
    const ca = readText(resolve(options.cwd, caFile), `LDAP_CA_FILE ${caFile}`)
    if (ca.isErr()) return err(ca.error)
    ldap = { ...ldap, tls: { ...ldap.tls, ca: ca.value } }
  }
  const { LdapGroupSource, LdifGroupSource } = await import('@grouproles/adapter-ldap')
  const shared = { ldap, matchBy: config.matchBy, rules: config.rules, manage: config.manage }
  if (options.ldif === undefined)
    return ok({
      groups: new LdapGroupSource(shared),
      description: `LDAP ${[ldap.url, ...(ldap.urls ?? [])].join(', ')}`,
    })
  const text = readText(resolve(options.cwd, options.ldif), `the LDIF export ${options.ldif}`)
  if (text.isErr()) return err(text.error)
  return ok({
    groups: new LdifGroupSource({ ...shared, text: text.value, source: options.ldif }),
    description: options.ldif,
  })
}

function readText(path: string, what: string): Result<string, CliError> {
  try {
    return ok(readFileSync(path, 'utf8'))
  } catch (e) {
    return err(badInput('unreadableFile', `cannot read ${what}: ${messageOf(e)}`))
  }
}
