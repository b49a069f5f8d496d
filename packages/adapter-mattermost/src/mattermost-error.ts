import type { InadmissibleCommandsError, StaleRow, SyncableRef } from '@grouproles/core'
import { match } from 'ts-pattern'

/**
 * Everything that can go wrong talking to Mattermost, as plain data. The bearer token never appears
 * in any variant: paths carry no query string and causes are never request objects.
 */
export type MattermostError =
  /** A non-2xx answer; `errorId` is the Mattermost `AppError.id` when the body was JSON. */
  | {
      readonly kind: 'http'
      readonly status: number
      readonly errorId: string | undefined
      readonly message: string
      readonly method: string
      readonly path: string
    }
  /** The server refused because the team/channel is managed by groups (a 400 with a known id). */
  | {
      readonly kind: 'groupConstrained'
      readonly status: number
      readonly errorId: string
      readonly message: string
      readonly method: string
      readonly path: string
    }
  /**
   * The server rate-limited the request (429): either the attempts ran out, or the wait it asked
   * for (`retryAfterMs`, from `Retry-After` or `X-RateLimit-Reset`) outlasts the retry budget.
   */
  | {
      readonly kind: 'rateLimited'
      readonly status: 429
      readonly retryAfterMs: number | undefined
      readonly message: string
      readonly method: string
      readonly path: string
    }
  /** Connection refused or reset, DNS failure: the request may or may not have reached the server. */
  | {
      readonly kind: 'network'
      readonly message: string
      readonly method: string
      readonly path: string
      readonly cause: unknown
    }
  | {
      readonly kind: 'timeout'
      readonly message: string
      readonly method: string
      readonly path: string
      readonly timeoutMs: number
    }
  /** A 2xx answer whose body is not what the API promises. */
  | {
      readonly kind: 'invalidResponse'
      readonly message: string
      readonly method: string
      readonly path: string
    }
  /** An id that is not 26 characters of `[a-z0-9]`; caught before any request is sent. */
  | {
      readonly kind: 'invalidId'
      readonly message: string
      readonly field: string
      readonly id: string
    }
  /** A call the client refuses to send (empty or oversized batch, missing link). */
  | { readonly kind: 'invalidArgument'; readonly message: string }
  /** A multi-add answered 201 but left this user out (the server skips failing users silently). */
  | { readonly kind: 'skipped'; readonly message: string; readonly userId: string }
  /** The target changed since the plan was made: its fingerprint no longer matches. */
  | {
      readonly kind: 'stalePlan'
      readonly message: string
      readonly expected: string
      readonly actual: string
    }
  /** Team names the caller scoped a load to that no team has (`loadSyncState` `teamNames`). */
  | { readonly kind: 'unknownTeam'; readonly message: string; readonly names: readonly string[] }
  /**
   * A read hit one of its limits (`loadSyncState`'s `limits`, the client's `maxPagesPerListing` or
   * `maxBodyBytes`): a server that pages forever, drags on or answers with a huge body. Nothing of
   * the read is used.
   */
  | {
      readonly kind: 'readLimit'
      readonly limit: 'deadline' | 'requests' | 'pages' | 'bodyBytes'
      /** The limit's value (ms, requests, pages or bytes). */
      readonly max: number
      readonly message: string
      readonly method: string
      readonly path: string
    }
  /**
   * Commands no sync could have planned from the re-read state (`admitCommands`: a D channel, a
   * team no link reaches, a malformed id, …), each named in `refused`; nothing was sent.
   */
  | InadmissibleCommandsError
  /**
   * The touched check (`applyPlan` `check: 'touched'`): commands whose membership row is no longer
   * as the plan expects (an add of an active member, a removal of none, a role change to the role
   * the row has), each named in `stale`; nothing of the checked batch was sent.
   */
  | {
      readonly kind: 'staleCommands'
      readonly message: string
      readonly stale: readonly StaleRow[]
    }
  /** A group link the caller named does not exist (live) in Mattermost. */
  | {
      readonly kind: 'linkNotFound'
      readonly message: string
      readonly groupId: string
      readonly syncable: SyncableRef
    }

/** Mattermost `AppError` ids that mean "this syncable is managed by groups". */
export const groupConstrainedErrorIds: ReadonlySet<string> = new Set([
  'api.team.add_members.user_denied',
  'api.channel.add_members.user_denied',
  'api.team.remove_member.group_constrained.app_error',
  'api.channel.remove_member.group_constrained.app_error',
  'api.channel.remove_members.denied',
])

/**
 * Whether a failure may go away on its own (rate limit, 5xx, connection error, timeout), so the
 * same call is worth making again later; refusals about the request itself are not.
 */
export function isTransientError(error: MattermostError): boolean {
  return (
    match(error)
      .with({ kind: 'rateLimited' }, { kind: 'network' }, { kind: 'timeout' }, () => true)
      // 501 is "no license": it does not go away.
      .with({ kind: 'http' }, (e) => e.status === 429 || (e.status >= 500 && e.status !== 501))
      .with(
        { kind: 'groupConstrained' },
        { kind: 'invalidResponse' },
        { kind: 'invalidId' },
        { kind: 'invalidArgument' },
        { kind: 'skipped' },
        { kind: 'stalePlan' },
        { kind: 'unknownTeam' },
        { kind: 'linkNotFound' },
        { kind: 'readLimit' },
        { kind: 'inadmissibleCommands' },
        { kind: 'staleCommands' },
        () => false,
      )
      .exhaustive()
  )
}
