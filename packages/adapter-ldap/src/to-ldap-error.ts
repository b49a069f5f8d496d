import {
  AdminLimitExceededError,
  ConfidentialityRequiredError,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  ResultCodeError,
  SizeLimitExceededError,
  StrongAuthRequiredError,
  TimeLimitExceededError,
  UnwillingToPerformError,
} from 'ldapts'
import { match, P } from 'ts-pattern'
import type { LdapConfigError } from './ldap-directory-config.js'
import { ReadLimitExceeded, type ReadLimitError } from './read-limits.js'
import type { LdapTransportError } from './check-ldap-transport.js'

/** Kinds of failure of a directory read; each one means "no snapshot", never a partial one. */
export type LdapErrorKind =
  | 'invalidCredentials'
  | 'unreachable'
  | 'timeout'
  | 'sizeLimit'
  | 'connectionLost'
  | 'tls'
  | 'insufficientAccess'
  | 'noSuchObject'
  | 'protocol'
  /** No users, or no group with any member: almost always a wrong filter, base or read right. */
  | 'emptyDirectory'

/** Why `readDirectory` returned no snapshot. Never carries the bind password. */
export type LdapError =
  | LdapConfigError
  /** A limit of `limits` (deadline, entries, bytes, nesting depth, memberships) ended the read. */
  | ReadLimitError
  | LdapTransportError
  | {
      readonly kind: LdapErrorKind
      readonly message: string
      /** The server the failure happened on. */
      readonly url?: string
      readonly cause?: unknown
    }

/** Where in a read a failure happened; decides between "unreachable" and "connection lost". */
export type ReadPhase = 'connect' | 'startTls' | 'bind' | 'read'

/** Thrown inside the reader when the connection went away between operations. */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError'
}

/** Thrown inside the reader when a read looks empty; see `allowEmpty`. */
export class EmptyDirectoryError extends Error {
  override readonly name = 'EmptyDirectoryError'
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
])
const lostCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

function codeOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const code = (e as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

function isTlsFailure(e: unknown): boolean {
  const code = codeOf(e)
  if (code === undefined) return false
  return (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'HOSTNAME_MISMATCH'
  )
}

function messageOf(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e)
}

/** Maps anything the LDAP client threw to a typed {@link LdapError}. */
export function toLdapError(e: unknown, phase: ReadPhase, url: string): LdapError {
  const make = (kind: LdapErrorKind, message: string): LdapError => ({
    kind,
    message: `${message} (${url})`,
    url,
    cause: e,
  })
  return match<unknown, LdapError>(e)
    .with(P.instanceOf(InvalidCredentialsError), () =>
      make('invalidCredentials', 'the bind DN or password was rejected'),
    )
    .with(
      P.union(
        P.instanceOf(InsufficientAccessError),
        P.instanceOf(InappropriateAuthError),
        P.instanceOf(UnwillingToPerformError),
      ),
      (x) => make('insufficientAccess', `the bind account may not do this: ${messageOf(x)}`),
    )
    .with(
      P.union(P.instanceOf(StrongAuthRequiredError), P.instanceOf(ConfidentialityRequiredError)),
      (x) => make('tls', `the server requires a protected connection: ${messageOf(x)}`),
    )
    .with(
      P.union(P.instanceOf(SizeLimitExceededError), P.instanceOf(AdminLimitExceededError)),
      (x) => make('sizeLimit', `the server stopped the search at a size limit: ${messageOf(x)}`),
    )
    .with(P.instanceOf(TimeLimitExceededError), (x) =>
      make('timeout', `the server's time limit ended the search: ${messageOf(x)}`),
    )
    .with(P.instanceOf(NoSuchObjectError), (x) =>
      make('noSuchObject', `a search base does not exist: ${messageOf(x)}`),
    )
    .with(P.instanceOf(ConnectionLostError), (x) => make('connectionLost', x.message))
    .with(P.instanceOf(ReadLimitExceeded), (x) => x.error)
    .with(P.instanceOf(EmptyDirectoryError), (x) =>
      make('emptyDirectory', `${x.message}; set allowEmpty if this is really so`),
    )
    .with(
      P.when((x): x is ResultCodeError => x instanceof ResultCodeError),
      (x) =>
        phase === 'startTls'
          ? make('tls', `StartTLS was refused: ${messageOf(x)}`)
          : make('protocol', messageOf(x)),
    )
    .otherwise((x) => {
      const msg = messageOf(x)
      const code = codeOf(x)
      if (isTlsFailure(x)) return make('tls', `TLS verification failed: ${msg}`)
      if (msg.includes('Operation timed out'))
        return make('timeout', `no answer within the operation timeout: ${msg}`)
      if (msg === 'Connection timeout') return make('timeout', 'connecting timed out')
      if (code !== undefined && unreachableCodes.has(code))
        return make('unreachable', `cannot connect: ${msg}`)
      const lost =
        (code !== undefined && lostCodes.has(code)) ||
        /Connection closed|Socket error|Socket connection not established|socket disconnected|socket hang up/i.test(
          msg,
        )
      if (lost)
        return phase === 'read'
          ? make('connectionLost', `the connection dropped during the read: ${msg}`)
          : make(
              'unreachable',
              `the connection dropped while ${phase === 'bind' ? 'binding' : 'connecting'}: ${msg}`,
            )
      return make('protocol', msg)
    })
}
