import { readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { redactUrls, type GroupSource } from '@grouproles/core'
import type { LdapDirectoryConfig, LdapError, LdifSourceError } from '@grouproles/adapter-ldap'
import { err, ok, type Result } from 'neverthrow'
import { badInput, messageOf, type CliError } from './cli-error.js'
import type { GroupRolesConfig } from './config/read-config.js'

/** What fails a directory read, from either source. */
export type GroupsError = LdapError | LdifSourceError

/** An opened group source, a line saying what it reads, and warnings to print or log once. */
export interface OpenedGroups {
  readonly groups: GroupSource<GroupsError>
  /** User info in URLs redacted. */
  readonly description: string
  /** The insecure transport `insecure: true` / `LDAP_INSECURE=1` allowed, if any. */
  readonly warnings: readonly string[]
}

/**
 * The directory side: the LDIF export `ldif` (a path from `cwd`) when given, else the config's LDAP
 * server. `LDAP_URL` (with `LDAP_BIND_DN`), `LDAP_PASSWORD`, `LDAP_BASE_DN`, `LDAP_CA_FILE` and
 * `LDAP_INSECURE` override the config. `allowEmpty` accepts an export or read that selects no group.
 * A live server behind an insecure transport is refused here, before any connection.
 */
export async function openGroups(
  config: GroupRolesConfig,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly ldif?: string; readonly cwd: string; readonly allowEmpty: boolean },
): Promise<Result<OpenedGroups, CliError>> {
  const ldapUrl = env['LDAP_URL']
  // Set but empty is a mistake (an unset secret in a deployment), not a wish for an anonymous bind.
  if (env['LDAP_PASSWORD'] === '')
    return err(
      badInput(
        'emptyPassword',
        'LDAP_PASSWORD is set but empty: an empty password is an anonymous bind; set the password or unset the variable',
      ),
    )
  const insecure = flagVariable(env, 'LDAP_INSECURE')
  if (insecure.isErr()) return err(insecure.error)
  let ldap: LdapDirectoryConfig = {
    ...config.ldap,
    ...(ldapUrl !== undefined && ldapUrl !== ''
      ? { url: ldapUrl, bindDn: env['LDAP_BIND_DN'] ?? config.ldap.bindDn }
      : {}),
    ...(env['LDAP_PASSWORD'] !== undefined ? { password: env['LDAP_PASSWORD'] } : {}),
    ...(env['LDAP_BASE_DN'] !== undefined ? { baseDn: env['LDAP_BASE_DN'] } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    ...(insecure.value !== undefined ? { insecure: insecure.value } : {}),
  }
  const caFile = env['LDAP_CA_FILE']
  if (caFile !== undefined) {
    const ca = readText(resolve(options.cwd, caFile), `LDAP_CA_FILE ${caFile}`)
    if (ca.isErr()) return err(ca.error)
    ldap = { ...ldap, tls: { ...ldap.tls, ca: ca.value } }
  }
  const { LdapGroupSource, LdifGroupSource, checkLdapTransport, defaultLdapReadLimits } =
    await import('@grouproles/adapter-ldap')
  const shared = { ldap, matchBy: config.matchBy, rules: config.rules, manage: config.manage }
  if (options.ldif === undefined) {
    const transport = checkLdapTransport(ldap)
    if (transport.isErr())
      return err(
        badInput(
          'insecureTransport',
          `${transport.error.message} (ldap.insecure in the config, or LDAP_INSECURE=1)`,
        ),
      )
    return ok({
      groups: new LdapGroupSource(shared),
      description: redactUrls(`LDAP ${[ldap.url, ...(ldap.urls ?? [])].join(', ')}`),
      warnings: transport.value === undefined ? [] : [transport.value],
    })
  }
  const text = readText(
    resolve(options.cwd, options.ldif),
    `the LDIF export ${options.ldif}`,
    ldap.limits?.maxBytes ?? defaultLdapReadLimits.maxBytes,
  )
  if (text.isErr()) return err(text.error)
  return ok({
    groups: new LdifGroupSource({ ...shared, text: text.value, source: options.ldif }),
    description: options.ldif,
    warnings: [],
  })
}

/**
 * A yes/no variable such as `LDAP_INSECURE`: `1`/`true` or `0`/`false`, `undefined` when unset.
 * Anything else is refused rather than read as either.
 */
export function flagVariable(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): Result<boolean | undefined, CliError> {
  const v = env[name]
  if (v === undefined) return ok(undefined)
  if (v === '1' || v === 'true') return ok(true)
  if (v === '0' || v === 'false') return ok(false)
  return err(badInput('invalidSetting', `${name}: expected 1/true or 0/false`))
}

function readText(
  path: string,
  what: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Result<string, CliError> {
  try {
    // Before reading: a huge file would fill the memory before the reader's limit could refuse it.
    const size = statSync(path).size
    if (size > maxBytes)
      return err(
        badInput(
          'readLimit',
          `${what} has ${size} bytes, more than ldap.limits.maxBytes (${maxBytes})`,
        ),
      )
    return ok(readFileSync(path, 'utf8'))
  } catch (e) {
    return err(badInput('unreadableFile', `cannot read ${what}: ${messageOf(e)}`))
  }
}
