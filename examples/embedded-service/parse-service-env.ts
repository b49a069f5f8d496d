import { err, ok, type Result } from 'neverthrow'

/** The service's settings, read from the environment (see `parseServiceEnv`). */
export interface ServiceEnv {
  /** Mattermost's database: holds the run lock, and is the target unless the REST API is set. */
  readonly databaseUrl: string
  readonly intervalMs: number
  readonly apply: boolean
  readonly port: number
  readonly host: string
  readonly logLevel: string
  /** `GROUPROLES_CONFIG`; undefined: the Rocky Linux example's config. */
  readonly configPath?: string
  /** `GROUPROLES_LDIF` (read when LDAP_URL is not set); undefined: the example's LDIF. */
  readonly ldifPath?: string
}

/** A variable with a value the service cannot start with. */
export interface ServiceEnvError {
  readonly kind: 'invalidEnv'
  readonly variable: string
  readonly message: string
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * Reads the service's environment: `DATABASE_URL` (required), `SYNC_INTERVAL_SECONDS` (default 300,
 * a number > 0), `SYNC_APPLY` (`1`/`true` to apply; default plan only), `PORT` (default 9464),
 * `HOST` (default 127.0.0.1), `LOG_LEVEL` (pino level, default info), `GROUPROLES_CONFIG`,
 * `GROUPROLES_LDIF`. A bad value is a startup error naming the variable, never a silent default.
 */
export function parseServiceEnv(
  env: Readonly<Record<string, string | undefined>>,
): Result<ServiceEnv, ServiceEnvError> {
  const bad = (variable: string, message: string) =>
    err<ServiceEnv, ServiceEnvError>({
      kind: 'invalidEnv',
      variable,
      message: `${variable}: ${message}`,
    })
  const databaseUrl = env['DATABASE_URL']
  if (databaseUrl === undefined || databaseUrl === '')
    return bad('DATABASE_URL', 'is required (the Mattermost database; it also holds the run lock)')

  const interval = env['SYNC_INTERVAL_SECONDS'] ?? '300'
  const seconds = interval.trim() === '' ? Number.NaN : Number(interval)
  // Number('') is 0 and Number('5m') NaN: either would spin the loop or stop it.
  if (!Number.isFinite(seconds) || seconds <= 0)
    return bad('SYNC_INTERVAL_SECONDS', `expected a number of seconds > 0, got "${interval}"`)

  const applyText = env['SYNC_APPLY'] ?? '0'
  if (!['0', '1', 'true', 'false'].includes(applyText))
    return bad('SYNC_APPLY', `expected 1/true (apply) or 0/false (plan only), got "${applyText}"`)

  const portText = env['PORT'] ?? '9464'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535)
    return bad('PORT', `expected a TCP port (0-65535), got "${portText}"`)

  const logLevel = env['LOG_LEVEL'] ?? 'info'
  if (!logLevels.includes(logLevel))
    return bad('LOG_LEVEL', `expected one of ${logLevels.join(', ')}, got "${logLevel}"`)

  const configPath = env['GROUPROLES_CONFIG']
  const ldifPath = env['GROUPROLES_LDIF']
  return ok({
    databaseUrl,
    intervalMs: seconds * 1000,
    apply: applyText === '1' || applyText === 'true',
    port,
    host: env['HOST'] ?? '127.0.0.1',
    logLevel,
    ...(configPath !== undefined ? { configPath } : {}),
    ...(ldifPath !== undefined ? { ldifPath } : {}),
  })
}
