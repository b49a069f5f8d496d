import { match, P } from 'ts-pattern'
import type { InadmissibleCommandsError, SyncCommand } from '@grouproles/core'
import type { StaleCommand } from './internal/stale-commands.js'

/** Which Mattermost a store belongs to: its telemetry (or diagnostic) id and its site URL. */
export interface SiteIdentity {
  readonly siteId: string
  readonly siteUrl: string
}

/** Everything the Postgres adapter can fail with; `cause` is the caught error, secrets scrubbed. */
export type PostgresError =
  | { readonly kind: 'connectionRefused'; readonly message: string; readonly cause: unknown }
  | { readonly kind: 'authFailed'; readonly message: string; readonly cause: unknown }
  /** 40001 / 40P01: another transaction got in the way; retrying the whole call is safe. */
  | { readonly kind: 'serializationFailure'; readonly message: string; readonly cause: unknown }
  /** A Mattermost table or column is missing (42P01 / 42703): wrong database or schema. */
  | { readonly kind: 'notMattermostDatabase'; readonly message: string; readonly cause: unknown }
  /** The target state changed since the plan was made; nothing was written. */
  | {
      readonly kind: 'stalePlan'
      readonly message: string
      readonly expected: string
      readonly actual: string
    }
  /**
   * Commands no sync could have planned from the re-read state (`admitCommands`: a D channel, a
   * team no link reaches, a malformed id, …), each named in `refused`; nothing was written.
   */
  | InadmissibleCommandsError
  /**
   * (`check: 'touched'`) Commands whose rows changed since the plan (an add of an active member, a
   * removal of none, a role change to the flag the row has), each named in `stale`; nothing was
   * written.
   */
  | {
      readonly kind: 'staleCommands'
      readonly message: string
      readonly stale: readonly StaleCommand[]
    }
  /** A command met a row in another state than the plan expects; the transaction was rolled back. */
  | { readonly kind: 'unexpectedRow'; readonly message: string; readonly command: SyncCommand }
  /**
   * The pool cannot give a call a connection, ever: `withRunLock` holds all `max` of them. A pool
   * used under the lock needs `max` ≥ 2 (or take the lock on a client of its own).
   */
  | { readonly kind: 'poolTooSmall'; readonly message: string; readonly max: number }
  /** Another runner holds the run lock. */
  | { readonly kind: 'alreadyRunning'; readonly message: string; readonly key: string }
  /**
   * grouproles' schema was migrated by a newer version of this package (`storeVersion` >
   * `supportedVersion`); nothing was written. Upgrade this package, or use another database.
   */
  | {
      readonly kind: 'schemaTooNew'
      readonly message: string
      readonly storeVersion: number
      readonly supportedVersion: number
    }
  /**
   * The store belongs to another Mattermost: its recorded site id or URL differs from the one
   * given (`stored` vs `given`); nothing was written.
   */
  | {
      readonly kind: 'differentMattermost'
      readonly message: string
      readonly stored: SiteIdentity
      readonly given: SiteIdentity
    }
  | {
      readonly kind: 'queryFailed'
      readonly message: string
      readonly code?: string
      readonly cause: unknown
    }

// URLs with credentials and key=value passwords, as they appear in connection strings.
const secretPatterns: readonly [RegExp, string][] = [
  [/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@'],
  [/(password\s*=\s*)('[^']*'|"[^"]*"|\S+)/gi, '$1***'],
]

/** Removes passwords (URL credentials, `password=`) from a text before it goes into an error or log. */
export function scrubSecrets(text: string): string {
  let out = text
  for (const [pattern, replacement] of secretPatterns) out = out.replace(pattern, replacement)
  return out
}

function scrubCause(e: unknown): unknown {
  if (!(e instanceof Error)) return typeof e === 'string' ? scrubSecrets(e) : e
  const message = scrubSecrets(e.message)
  if (message === e.message) return e
  const copy = new Error(message)
  copy.name = e.name
  if ('code' in e) Object.assign(copy, { code: e.code })
  return copy
}

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  '57P01',
  '57P03',
  '08006',
  '08001',
  '08004',
])

/** Classifies anything a driver threw into a `PostgresError`; `doing` says what was attempted. */
export function toPostgresError(e: unknown, doing: string): PostgresError {
  const code = errorCode(e)
  const detail = scrubSecrets(e instanceof Error ? e.message : String(e))
  const message = `${doing}: ${detail}`
  const cause = scrubCause(e)
  return match<string | undefined, PostgresError>(code)
    .with(
      P.when((c) => c !== undefined && connectionCodes.has(c)),
      () => ({ kind: 'connectionRefused', message, cause }),
    )
    .with(P.union('28P01', '28000'), () => ({ kind: 'authFailed', message, cause }))
    .with(P.union('40001', '40P01'), () => ({ kind: 'serializationFailure', message, cause }))
    .with(P.union('42P01', '42703', '3F000'), () => ({
      kind: 'notMattermostDatabase',
      message,
      cause,
    }))
    .otherwise(() =>
      /Connection terminated|connect ECONNREFUSED/i.test(detail)
        ? { kind: 'connectionRefused', message, cause }
        : { kind: 'queryFailed', message, ...(code !== undefined ? { code } : {}), cause },
    )
}

function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  if ('code' in e && typeof e.code === 'string') return e.code
  // Node wraps several failed connect attempts (IPv4 and IPv6) in an AggregateError.
  if (e instanceof AggregateError)
    for (const inner of e.errors) if (errorCode(inner) !== undefined) return errorCode(inner)
  return undefined
}
