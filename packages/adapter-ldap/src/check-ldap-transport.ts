import { isLoopbackHost, redactUrls } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'

/**
 * A connection that would expose the bind password or trust any server: refused unless the config
 * says `insecure: true`. `problems` has one line per weakness (which URL, which setting).
 */
export interface LdapTransportError {
  readonly kind: 'insecureTransport'
  readonly message: string
  readonly problems: readonly string[]
}

/** What {@link checkLdapTransport} looks at: the servers, the password and the TLS settings. */
export interface LdapTransportSettings {
  readonly url: string
  readonly urls?: readonly string[]
  readonly password: string
  readonly tls?: { readonly startTls?: boolean; readonly rejectUnauthorized?: boolean }
  readonly insecure?: boolean
}

/**
 * Checks how the password and the directory's answers travel: a bind password over plain
 * `ldap://` without StartTLS to a host other than this machine (loopback never crosses a network),
 * and `tls.rejectUnauthorized: false` (any certificate, so any server), are refused. With
 * `insecure: true` the same findings come back as the one warning to print or log (`undefined`
 * when there is nothing to warn about).
 */
export function checkLdapTransport(
  config: LdapTransportSettings,
): Result<string | undefined, LdapTransportError> {
  const problems: string[] = []
  if (config.password !== '' && config.tls?.startTls !== true)
    for (const u of [config.url, ...(config.urls ?? [])]) {
      let parsed: URL
      try {
        parsed = new URL(u)
      } catch {
        continue // not a URL: the config check names it
      }
      if (parsed.protocol === 'ldap:' && !isLoopbackHost(parsed.hostname))
        problems.push(
          `${redactUrls(u)} sends the bind password in clear text (use ldaps:// or tls.startTls: true)`,
        )
    }
  if (config.tls?.rejectUnauthorized === false)
    problems.push(
      'tls.rejectUnauthorized: false accepts any certificate, so any server could take the password (give tls.ca or tls.caFile instead)',
    )
  if (problems.length === 0) return ok(undefined)
  if (config.insecure === true)
    return ok(`insecure LDAP transport allowed by insecure: true: ${problems.join('; ')}`)
  return err({
    kind: 'insecureTransport',
    message: `refusing an insecure LDAP transport: ${problems.join('; ')}; set insecure: true only for a lab`,
    problems,
  })
}
