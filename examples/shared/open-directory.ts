import { readFileSync } from 'node:fs'
import { err, ok, type Result } from 'neverthrow'
import type { LdapDirectoryConfig } from '@grouproles/adapter-ldap'
import { redactUrls } from '@grouproles/core'
import type { DirectoryInput } from './sync-ports.js'

/**
 * Why the directory could not be set up: a file named in the environment is unreadable, or
 * `LDAP_PASSWORD` is set but empty (that would be an anonymous bind).
 */
export type OpenDirectoryError =
  | { readonly kind: 'unreadableFile'; readonly message: string; readonly path: string }
  | { readonly kind: 'emptyPassword'; readonly message: string }

/**
 * The directory side from the config's `ldap` part and the environment, the same way for the demo
 * and the service: `LDAP_URL` (with `LDAP_BIND_DN`, `LDAP_PASSWORD`) reads a live server, else the
 * LDIF export `ldif`. `LDAP_BASE_DN` overrides `ldap.baseDn` and `LDAP_CA_FILE` (a PEM file) sets
 * `ldap.tls.ca`, for both.
 */
export function openDirectory(
  ldap: LdapDirectoryConfig,
  env: Readonly<Record<string, string | undefined>>,
  ldif: { readonly path: string } | { readonly text: string; readonly name: string },
): Result<{ readonly input: DirectoryInput; readonly description: string }, OpenDirectoryError> {
  const ldapUrl = env['LDAP_URL']
  if (env['LDAP_PASSWORD'] === '')
    return err({
      kind: 'emptyPassword',
      message: 'LDAP_PASSWORD is set but empty: an empty password is an anonymous bind',
    })
  let config: LdapDirectoryConfig = {
    ...ldap,
    ...(ldapUrl !== undefined
      ? {
          url: ldapUrl,
          bindDn: env['LDAP_BIND_DN'] ?? ldap.bindDn,
          password: env['LDAP_PASSWORD'] ?? ldap.password,
        }
      : {}),
    ...(env['LDAP_BASE_DN'] !== undefined ? { baseDn: env['LDAP_BASE_DN'] } : {}),
  }
  const caFile = env['LDAP_CA_FILE']
  if (caFile !== undefined) {
    const ca = readText(caFile, 'LDAP_CA_FILE')
    if (ca.isErr()) return err(ca.error)
    config = { ...config, tls: { ...config.tls, ca: ca.value } }
  }
  if (ldapUrl !== undefined)
    return ok({ input: { kind: 'ldap', config }, description: redactUrls(`LDAP ${ldapUrl}`) })
  if ('text' in ldif)
    return ok({ input: { kind: 'ldif', text: ldif.text, config }, description: ldif.name })
  const text = readText(ldif.path, 'the LDIF export')
  if (text.isErr()) return err(text.error)
  return ok({ input: { kind: 'ldif', text: text.value, config }, description: ldif.path })
}

function readText(path: string, what: string): Result<string, OpenDirectoryError> {
  try {
    return ok(readFileSync(path, 'utf8'))
  } catch (e) {
    return err({
      kind: 'unreadableFile',
      path,
      message: `${what}: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`,
    })
  }
}
