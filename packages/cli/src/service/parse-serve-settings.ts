import { err, ok, type Result } from 'neverthrow'
import { usageError, type CliError } from '../cli-error.js'

/** How `grouproles serve` runs: flags first, then the environment, then the defaults. */
export interface ServeSettings {
  readonly intervalMs: number
  readonly apply: boolean
  readonly port: number
  readonly host: string
  readonly logLevel: string
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * Reads the service's settings: `--interval` / `SYNC_INTERVAL_SECONDS` (default 300, a number > 0),
 * `--apply` / `SYNC_APPLY` (`1`/`true`; default plan only), `--port` / `PORT` (default 9464),
 * `--host` / `HOST` (default 127.0.0.1), `LOG_LEVEL` (pino level, default info). A bad value is a
 * startup error naming the flag or variable, never a silent default.
 */
export function parseServeSettings(
  flags: {
    readonly interval?: string
    readonly apply?: boolean
    readonly port?: string
    readonly host?: string
  },
  env: Readonly<Record<string, string | undefined>>,
): Result<ServeSettings, CliError> {
  const bad = (name: string, message: string) =>
    err<ServeSettings, CliError>(usageError(`${name}: ${message}`, 'invalidSetting'))

  const [intervalName, interval] =
    flags.interval !== undefined
      ? ['--interval', flags.interval]
      : ['SYNC_INTERVAL_SECONDS', env['SYNC_INTERVAL_SECONDS'] ?? '300']
  const seconds = interval.trim() === '' ? Number.NaN : Number(interval)
  // Number('') is 0 and Number('5m') NaN: either would spin the loop or stop it.
  if (!Number.isFinite(seconds) || seconds <= 0)
    return bad(intervalName, `expected a number of seconds > 0, got "${interval}"`)

  const applyText = env['SYNC_APPLY'] ?? '0'
  if (flags.apply !== true && !['0', '1', 'true', 'false'].includes(applyText))
    return bad('SYNC_APPLY', `expected 1/true (apply) or 0/false (plan only), got "${applyText}"`)

  const [portName, portText] =
    flags.port !== undefined ? ['--port', flags.port] : ['PORT', env['PORT'] ?? '9464']
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535)
    return bad(portName, `expected a TCP port (0-65535), got "${portText}"`)

  const logLevel = env['LOG_LEVEL'] ?? 'info'
  if (!logLevels.includes(logLevel))
    return bad('LOG_LEVEL', `expected one of ${logLevels.join(', ')}, got "${logLevel}"`)

  return ok({
    intervalMs: seconds * 1000,
    apply: flags.apply === true || applyText === '1' || applyText === 'true',
    port,
    host: flags.host ?? env['HOST'] ?? '127.0.0.1',
    logLevel,
  })
}
