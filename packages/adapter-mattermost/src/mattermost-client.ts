import { DelegateBackoff, handleWhenResult, retry, type RetryPolicy } from 'cockatiel'
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import { match } from 'ts-pattern'
import {
  arrayOf,
  checkChannel,
  checkChannelMember,
  checkGroup,
  checkGroupSyncable,
  checkTeam,
  checkTeamMember,
  checkTeamMemberWithError,
  checkUser,
  parseAny,
  parseChannel,
  parseChannelMember,
  parseChannelStats,
  parseGroupMemberIds,
  parseGroupMembersPage,
  parseGroupsWithSchemeAdmin,
  parsePost,
  parseSiteIdentity,
  type ApiChannel,
  type ApiChannelMember,
  type ApiGroup,
  type ApiGroupSyncable,
  type ApiTeam,
  type ApiTeamMember,
  type ApiTeamMemberWithError,
  type ApiUser,
} from './api-types.js'
import { checkIds } from './is-mattermost-id.js'
import { checkMattermostTransport } from './check-mattermost-transport.js'
import { Limiter } from './limiter.js'
import { readLimitError, spendRequest, type ReadBudget } from './read-budget.js'
import { fetchTransport } from './fetch-transport.js'
import type { HttpTransport } from './http-transport.js'
import { nodeHttpTransport } from './node-http-transport.js'
import {
  groupConstrainedErrorIds,
  isTransientError,
  type MattermostError,
} from './mattermost-error.js'

/** How to reach Mattermost and how hard to try. Only `url` and `token` are required. */
export interface MattermostClientConfig {
  /** Base URL of the server, e.g. `https://chat.example.com` (the `/api/v4` prefix is added). */
  readonly url: string
  /** A personal access token or session token; sent only in the `Authorization` header. */
  readonly token: string
  /**
   * Sends requests through this `fetch` instead of the default transport (`node:http` with
   * keep-alive connections): for tests and for embedders who route requests themselves.
   */
  readonly fetch?: typeof globalThis.fetch
  /**
   * Sends requests through this transport (wins over `fetch`): e.g. a `nodeHttpTransport` or
   * `fetchTransport` wrapped to count or trace requests.
   */
  readonly transport?: HttpTransport
  /** Per-attempt time limit in ms, body included. Default 30 000. */
  readonly timeoutMs?: number
  /** Attempts per request, first one included. Default 5. */
  readonly maxAttempts?: number
  /**
   * No retry starts after this many ms since the request's first attempt (time spent queued behind
   * the concurrency limit does not count). Default 60 000.
   */
  readonly maxRetryTimeMs?: number
  /** First backoff step in ms (exponential with full jitter). Default 200. */
  readonly baseDelayMs?: number
  /**
   * Largest backoff step in ms. A 429's `Retry-After` / `X-RateLimit-Reset` is not capped: it is
   * honoured in full, or the request fails as `rateLimited` when it outlasts the budget. Default 10 000.
   */
  readonly maxDelayMs?: number
  /** Requests in flight at once. Default 32 (`defaultConcurrency`). */
  readonly concurrency?: number
  /**
   * Of those, writes in flight at once (adds, removals, role and link changes, posts): each costs
   * the server far more than a page read. Default 16 (`defaultWriteConcurrency`), at most
   * `concurrency`.
   */
  readonly writeConcurrency?: number
  /**
   * Allow `http://` to a host other than this machine (the token then travels in clear). Default
   * false: such a URL is refused (see `checkMattermostTransport`). Only for a lab.
   */
  readonly insecure?: boolean
  /** Largest response body read, in bytes; a larger answer is a `readLimit` error. Default 32 MiB. */
  readonly maxBodyBytes?: number
  /**
   * Pages one listing may take before it is a `readLimit` error (a server paging forever). Default
   * 5 000 (a million rows; the largest listing of a 100k-user deployment is 500 pages).
   */
  readonly maxPagesPerListing?: number
}

/**
 * Requests in flight at once unless configured. A full read of a large deployment is tens of
 * thousands of requests (46 k at 100 k users and 20 k channels) and each waits on the network and
 * the server's database: the time per request, not the server, bounds the read. The loader's own
 * work per answer (~0.5 ms) is about a tenth of a 5 ms round trip, so fewer than ~11 in flight leave
 * it waiting, and near that point queueing still does (16 in flight read the benchmark's server in
 * 29–34 s, 32 in 23–25 s). Page reads are light for the server; writes have their own lower limit.
 */
export const defaultConcurrency = 32

/** Writes in flight at once unless configured (`writeConcurrency`). */
export const defaultWriteConcurrency = 16

/** Items per page: the server silently caps `per_page` at 200. */
export const perPage = 200
/** Largest `POST /teams/{id}/members/batch` the server accepts. */
export const maxTeamBatch = 256
/** Largest `user_ids` list `POST /channels/{id}/members` accepts. */
export const maxChannelBatch = 1000
/**
 * Ids per `POST …/ids` read. The server sets no count limit, only its 300 000-byte request body cap
 * (`MaximumPayloadSizeBytes`); 5000 ids are about 145 KB.
 */
export const maxIdsPerRead = 5000

type Parse<T> = (json: unknown) => Result<T, string>
type Header = (name: string) => string | undefined
type Query = Readonly<Record<string, string | number | boolean>>
// A request body is built when the request is sent (inside the concurrency limit), so the bodies of
// queued requests take no memory.
// `retry: 'rateLimited'`: a request that must not run twice (a post) is retried only after a 429,
// which the server answers before doing anything; a 5xx or a timeout may come after the write.
type RequestOptions = {
  readonly query?: Query
  readonly body?: () => unknown
  readonly retry?: 'transient' | 'rateLimited'
}

/** A paged list as the server listed it: the rows (de-duplicated) and how many rows the pages held. */
export interface PagedList<T> {
  readonly items: T[]
  /**
   * Rows the pages claimed: 200 per full page plus the last page's. More than `items.length` means
   * pages overlapped, so rows were skipped too (the server's order moved between requests).
   */
  readonly listed: number
}

/** The installation a token talks to: what a store of remembered memberships is bound to. */
export interface SiteIdentity {
  /** `TelemetryId` (older servers: `DiagnosticId`) of `GET /config/client?format=old`. */
  readonly siteId: string
  /** `SiteURL`, empty when the server has none configured. */
  readonly siteUrl: string
}

/** Which of a team's channel listings to read. */
export type TeamChannelListing = 'public' | 'private' | 'deleted'

type Attempt =
  | { readonly kind: 'ok'; readonly status: number; readonly text: string }
  | {
      readonly kind: 'fail'
      readonly error: MattermostError
      readonly retryable: boolean
      readonly deadline: number
    }

/** A single `{ team_id | channel_id }` link target. */
export type LinkTarget = { readonly kind: 'team' | 'channel'; readonly id: string }

/**
 * A thin typed client for exactly the Mattermost REST v4 calls grouproles makes. Every call has a
 * timeout, retries 429/5xx/connection errors with backoff and jitter, and shares one concurrency
 * limit. A 429 pauses every request of the client until the server's reset. Ids are checked before
 * any request; the token never leaves the `Authorization` header (and is scrubbed from echoed bodies).
 */
export class MattermostClient {
  readonly #base: string
  readonly #token: string
  readonly #transport: HttpTransport
  readonly #timeoutMs: number
  readonly #maxBodyBytes: number
  readonly #maxPages: number
  readonly #maxRetryTimeMs: number
  readonly #baseDelayMs: number
  readonly #maxDelayMs: number
  readonly #retry: RetryPolicy
  readonly #limiter: Limiter
  readonly #writeLimiter: Limiter
  readonly #concurrency: number
  // Set by a 429: no request of this client is sent before `until` (ms since the epoch). An
  // object, so the views `withReadBudget` makes share it.
  readonly #pause: { until: number }
  // The read whose budget this view's requests count against (none for the client itself).
  #budget: ReadBudget | undefined
  // Set while `withReadBudget` builds a view: the client whose connections, queue and pause it shares.
  static #sharing: MattermostClient | undefined
  readonly #config: MattermostClientConfig

  constructor(config: MattermostClientConfig) {
    if (config.token === '') throw new TypeError('MattermostClient: token must not be empty')
    // Callers wanting a Result call checkMattermostTransport first; here it is a misconfiguration.
    const transport = checkMattermostTransport(config.url, { insecure: config.insecure === true })
    if (transport.isErr()) throw new TypeError(`MattermostClient: ${transport.error.message}`)
    const url = new URL(config.url)
    this.#base = `${url.origin}${url.pathname.replace(/\/+$/, '')}/api/v4`
    this.#token = config.token
    this.#timeoutMs = config.timeoutMs ?? 30_000
    this.#maxBodyBytes = config.maxBodyBytes ?? 32 * 1024 * 1024
    this.#maxPages = config.maxPagesPerListing ?? 5_000
    this.#maxRetryTimeMs = config.maxRetryTimeMs ?? 60_000
    this.#baseDelayMs = config.baseDelayMs ?? 200
    this.#maxDelayMs = config.maxDelayMs ?? 10_000
    this.#retry = retry(
      handleWhenResult((r) => {
        const a = r as Attempt
        return a.kind === 'fail' && a.retryable && Date.now() < a.deadline
      }),
      {
        maxAttempts: Math.max(0, (config.maxAttempts ?? 5) - 1),
        backoff: new DelegateBackoff<{ attempt: number; result: unknown }>((context) => {
          const a = (context.result as { value?: Attempt }).value
          if (a?.kind !== 'fail') return 0
          // A 429 already paused the client for its wait, which fits the budget (else no retry).
          if (a.error.kind === 'rateLimited') return Math.max(0, this.#pause.until - Date.now())
          return Math.min(this.#jitter(context.attempt), Math.max(0, a.deadline - Date.now()))
        }),
      },
    )
    this.#concurrency = Math.max(1, config.concurrency ?? defaultConcurrency)
    const writes = Math.min(this.#concurrency, config.writeConcurrency ?? defaultWriteConcurrency)
    this.#config = config
    const shared = MattermostClient.#sharing
    this.#limiter = shared === undefined ? new Limiter(this.#concurrency) : shared.#limiter
    this.#writeLimiter = shared === undefined ? new Limiter(writes) : shared.#writeLimiter
    this.#pause = shared === undefined ? { until: 0 } : shared.#pause
    this.#transport =
      (shared === undefined ? undefined : shared.#transport) ??
      config.transport ??
      (config.fetch !== undefined
        ? fetchTransport(config.fetch)
        : nodeHttpTransport({ maxSockets: this.#concurrency }))
  }

  /**
   * A view of this client (same connections, concurrency limit and 429 pause) whose requests count
   * against `budget`: a bounded read passes it down instead of the client.
   */
  withReadBudget(budget: ReadBudget): MattermostClient {
    MattermostClient.#sharing = this
    try {
      const view = new MattermostClient(this.#config)
      view.#budget = budget
      return view
    } finally {
      MattermostClient.#sharing = undefined
    }
  }

  /** Requests in flight at most (the `concurrency` setting). */
  get concurrency(): number {
    return this.#concurrency
  }

  /** The base URL only: a client serialised into a log or plan file carries no token. */
  toJSON(): { readonly url: string } {
    return { url: this.#base }
  }

  // ---- users -------------------------------------------------------------------------------

  /** All users (active, deactivated and bots), paged through `GET /users`, several pages at once. */
  listUsers(): ResultAsync<ApiUser[], MattermostError> {
    return this.#windowedPages('/users', {}, arrayOf(checkUser, 'User[]'), (u) => u.id)
  }

  /**
   * The ids of a channel's members through `GET /users?in_channel=` (a users listing, in the
   * server's stable order, unlike the channel's own member pages). For the rare rows a re-read by
   * team member ids cannot find.
   */
  listChannelMemberIds(channelId: string): ResultAsync<string[], MattermostError> {
    return checkIds({ channel_id: channelId }).asyncAndThen(() =>
      this.#pages(
        '/users',
        { in_channel: channelId },
        arrayOf(checkUser, 'User[]'),
        (u) => u.id,
        (u) => u.id,
      ).map((l) => l.items),
    )
  }

  /** `POST /users/ids` in chunks. */
  getUsersByIds(userIds: readonly string[]): ResultAsync<ApiUser[], MattermostError> {
    return checkList('user_id', userIds).asyncAndThen(() =>
      this.#chunked(userIds, maxIdsPerRead, (chunk) =>
        this.#request('POST', '/users/ids', arrayOf(checkUser, 'User[]'), { body: chunk }),
      ),
    )
  }

  // ---- teams -------------------------------------------------------------------------------

  /** All teams the token may list (archived ones too), paged through `GET /teams`. */
  listTeams(): ResultAsync<ApiTeam[], MattermostError> {
    return this.#pages('/teams', {}, arrayOf(checkTeam, 'Team[]'), (t) => t.id).map((l) => l.items)
  }

  /**
   * Active members of a team (`delete_at = 0` rows only: the API never lists soft-deleted rows),
   * each mapped by `map` as its page arrives.
   */
  listTeamMembers<R = ApiTeamMember>(
    teamId: string,
    map?: (member: ApiTeamMember) => R,
  ): ResultAsync<R[], MattermostError> {
    return checkIds({ team_id: teamId }).asyncAndThen(() =>
      this.#pages(
        `/teams/${teamId}/members`,
        {},
        arrayOf(checkTeamMember, 'TeamMember[]'),
        (m) => m.user_id,
        map,
      ).map((l) => l.items),
    )
  }

  /** `POST /teams/{id}/members/ids`: the rows of these users, in chunks. */
  getTeamMembersByIds(
    teamId: string,
    userIds: readonly string[],
  ): ResultAsync<ApiTeamMember[], MattermostError> {
    return checkIds({ team_id: teamId })
      .andThen(() => checkList('user_id', userIds))
      .asyncAndThen(() =>
        this.#chunked(userIds, maxIdsPerRead, (chunk) =>
          this.#request(
            'POST',
            `/teams/${teamId}/members/ids`,
            arrayOf(checkTeamMember, 'TeamMember[]'),
            { body: chunk },
          ),
        ),
      )
  }

  /** `POST /teams/{id}/members/batch?graceful=true`: at most 256 users, one outcome per user. */
  addTeamMembers(
    teamId: string,
    userIds: readonly string[],
  ): ResultAsync<ApiTeamMemberWithError[], MattermostError> {
    return checkIds({ team_id: teamId })
      .andThen(() => checkBatch('user_id', userIds, maxTeamBatch))
      .asyncAndThen(() =>
        this.#request(
          'POST',
          `/teams/${teamId}/members/batch`,
          arrayOf(checkTeamMemberWithError, 'TeamMemberWithError[]'),
          {
            query: { graceful: true },
            body: () => userIds.map((userId) => ({ team_id: teamId, user_id: userId })),
          },
        ),
      )
  }

  /** `DELETE /teams/{id}/members/{user}`; the server also drops the user's channels of that team. */
  removeTeamMember(teamId: string, userId: string): ResultAsync<void, MattermostError> {
    return checkIds({ team_id: teamId, user_id: userId }).asyncAndThen(() =>
      this.#request('DELETE', `/teams/${teamId}/members/${userId}`, parseAny),
    )
  }

  /** `PUT …/schemeRoles` with `scheme_user: true` (the server refuses to unset it). */
  updateTeamMemberSchemeAdmin(
    teamId: string,
    userId: string,
    schemeAdmin: boolean,
  ): ResultAsync<void, MattermostError> {
    return checkIds({ team_id: teamId, user_id: userId }).asyncAndThen(() =>
      this.#request('PUT', `/teams/${teamId}/members/${userId}/schemeRoles`, parseAny, {
        body: () => ({ scheme_admin: schemeAdmin, scheme_user: true }),
      }),
    )
  }

  // ---- channels ----------------------------------------------------------------------------

  /**
   * Every open and private channel of every team (`GET /channels`, several pages at once; archived
   * ones with `includeDeleted`). Needs the system console's channel or group read permission: a
   * token without it gets a 403.
   */
  listChannels(options: {
    readonly includeDeleted: boolean
  }): ResultAsync<ApiChannel[], MattermostError> {
    return this.#windowedPages(
      '/channels',
      options.includeDeleted ? { include_deleted: true } : {},
      arrayOf(checkChannel, 'Channel[]'),
      (c) => c.id,
    )
  }

  /**
   * One of a team's channel listings: `public` (live open channels), `private` (live private ones;
   * needs manage_system) or `deleted` (archived open ones, and archived private ones the caller is
   * in).
   */
  listTeamChannels(
    teamId: string,
    which: TeamChannelListing,
  ): ResultAsync<ApiChannel[], MattermostError> {
    const suffix = { public: '', private: '/private', deleted: '/deleted' }[which]
    return checkIds({ team_id: teamId }).asyncAndThen(() =>
      this.#pages(
        `/teams/${teamId}/channels${suffix}`,
        {},
        arrayOf(checkChannel, 'Channel[]'),
        (c) => c.id,
      ).map((l) => l.items),
    )
  }

  /** `GET /channels/{id}` (archived channels too, with `delete_at > 0`). */
  getChannel(channelId: string): ResultAsync<ApiChannel, MattermostError> {
    return checkIds({ channel_id: channelId }).asyncAndThen(() =>
      this.#request('GET', `/channels/${channelId}`, parseChannel),
    )
  }

  /** `GET /channels/{id}/stats`: the member count (active users only). */
  getChannelMemberCount(channelId: string): ResultAsync<number, MattermostError> {
    return checkIds({ channel_id: channelId }).asyncAndThen(() =>
      this.#request('GET', `/channels/${channelId}/stats`, parseChannelStats).map(
        (s) => s.member_count,
      ),
    )
  }

  /**
   * Members of a channel, paged and de-duplicated. The server's query has no ORDER BY, so pages
   * can overlap or skip rows; `loadSyncState` checks the count and falls back to `…/members/ids`.
   */
  listChannelMembers(channelId: string): ResultAsync<ApiChannelMember[], MattermostError> {
    return this.pageChannelMembers(channelId).map((l) => l.items)
  }

  /**
   * Members of a channel as the pages listed them, each mapped by `map` as its page arrives, with
   * the count the pages claimed: when it exceeds the rows, pages overlapped and rows were skipped
   * (see `PagedList.listed`).
   */
  pageChannelMembers<R = ApiChannelMember>(
    channelId: string,
    map?: (member: ApiChannelMember) => R,
  ): ResultAsync<PagedList<R>, MattermostError> {
    return checkIds({ channel_id: channelId }).asyncAndThen(() =>
      this.#pages(
        `/channels/${channelId}/members`,
        {},
        arrayOf(checkChannelMember, 'ChannelMember[]'),
        (m) => m.user_id,
        map,
      ),
    )
  }

  /** `POST /channels/{id}/members/ids`: the rows of these users, in chunks. */
  getChannelMembersByIds(
    channelId: string,
    userIds: readonly string[],
  ): ResultAsync<ApiChannelMember[], MattermostError> {
    return checkIds({ channel_id: channelId })
      .andThen(() => checkList('user_id', userIds))
      .asyncAndThen(() =>
        this.#chunked(userIds, maxIdsPerRead, (chunk) =>
          this.#request(
            'POST',
            `/channels/${channelId}/members/ids`,
            arrayOf(checkChannelMember, 'ChannelMember[]'),
            { body: chunk },
          ),
        ),
      )
  }

  /**
   * `POST /channels/{id}/members` with `user_ids` (at most 1000). The answer lists the members that
   * exist afterwards; users the server skipped are simply missing from it.
   */
  addChannelMembers(
    channelId: string,
    userIds: readonly string[],
  ): ResultAsync<ApiChannelMember[], MattermostError> {
    return checkIds({ channel_id: channelId })
      .andThen(() => checkBatch('user_id', userIds, maxChannelBatch))
      .asyncAndThen(() =>
        this.#request(
          'POST',
          `/channels/${channelId}/members`,
          (json) =>
            Array.isArray(json)
              ? arrayOf(checkChannelMember, 'ChannelMember[]')(json)
              : parseChannelMember(json).map((m) => [m]),
          { body: () => ({ user_ids: userIds }) },
        ),
      )
  }

  /** `DELETE /channels/{id}/members/{user}`. */
  removeChannelMember(channelId: string, userId: string): ResultAsync<void, MattermostError> {
    return checkIds({ channel_id: channelId, user_id: userId }).asyncAndThen(() =>
      this.#request('DELETE', `/channels/${channelId}/members/${userId}`, parseAny),
    )
  }

  /** `PUT …/schemeRoles` with `scheme_user: true`. */
  updateChannelMemberSchemeAdmin(
    channelId: string,
    userId: string,
    schemeAdmin: boolean,
  ): ResultAsync<void, MattermostError> {
    return checkIds({ channel_id: channelId, user_id: userId }).asyncAndThen(() =>
      this.#request('PUT', `/channels/${channelId}/members/${userId}/schemeRoles`, parseAny, {
        body: () => ({ scheme_admin: schemeAdmin, scheme_user: true }),
      }),
    )
  }

  // ---- groups ------------------------------------------------------------------------------

  /** All groups the token may see, paged through `GET /groups` (archived groups excluded). */
  listGroups(): ResultAsync<ApiGroup[], MattermostError> {
    return this.#windowedPages('/groups', {}, arrayOf(checkGroup, 'Group[]'), (g) => g.id)
  }

  /** Members of a group, paged through `GET /groups/{id}/members`, each mapped as its page arrives. */
  listGroupMembers<R = ApiUser>(
    groupId: string,
    map?: (user: ApiUser) => R,
  ): ResultAsync<R[], MattermostError> {
    return checkIds({ group_id: groupId }).asyncAndThen(() =>
      this.#pages(`/groups/${groupId}/members`, {}, parseGroupMembersPage, (u) => u.id, map).map(
        (l) => l.items,
      ),
    )
  }

  /**
   * Ids of a group's active members in one request: `GET /groups/{id}?include_member_ids=true`
   * (the server pages its member query itself, with the same filter as `/members`: live rows of
   * active users). A server that does not know the parameter gives no array, and a response past
   * the body limit is refused: both fall back to paging `/members` (full users, 200 a page).
   */
  listGroupMemberIds(groupId: string): ResultAsync<string[], MattermostError> {
    return checkIds({ group_id: groupId }).asyncAndThen(() =>
      this.#request('GET', `/groups/${groupId}`, parseGroupMemberIds, {
        query: { include_member_ids: true, include_member_count: true },
      })
        .orElse((e) =>
          e.kind === 'readLimit' && e.limit === 'bodyBytes'
            ? okAsync({ ids: undefined, count: undefined })
            : errAsync(e),
        )
        .andThen(({ ids, count }) =>
          ids !== undefined
            ? okAsync(ids)
            : // `null` with a count of 0 is an empty group (Go's nil slice), not an old server.
              count === 0
              ? okAsync([])
              : this.listGroupMembers(groupId, (u) => u.id),
        ),
    )
  }

  /**
   * The groups a user has a live member row in (`GET /users/{id}/groups`): the only route that
   * tells a deactivated user's groups, which the group member routes leave out.
   */
  listUserGroups(userId: string): ResultAsync<ApiGroup[], MattermostError> {
    return checkIds({ user_id: userId }).asyncAndThen(() =>
      this.#request('GET', `/users/${userId}/groups`, arrayOf(checkGroup, 'Group[]')),
    )
  }

  /** Live links of a group to teams or channels, with `auto_add` and the true `scheme_admin`. */
  listGroupSyncables(
    groupId: string,
    kind: 'team' | 'channel',
  ): ResultAsync<ApiGroupSyncable[], MattermostError> {
    return checkIds({ group_id: groupId }).asyncAndThen(() =>
      this.#request(
        'GET',
        `/groups/${groupId}/${kind}s`,
        arrayOf(checkGroupSyncable(kind), 'GroupSyncable[]'),
      ),
    )
  }

  /** `GET /teams/{id}/groups` or `GET /channels/{id}/groups`: linked group ids and `scheme_admin`. */
  listSyncableGroups(
    target: LinkTarget,
  ): ResultAsync<{ id: string; scheme_admin: boolean }[], MattermostError> {
    return checkIds({ [`${target.kind}_id`]: target.id }).asyncAndThen(() =>
      this.#pages(
        `/${target.kind}s/${target.id}/groups`,
        {},
        parseGroupsWithSchemeAdmin,
        (g) => g.id,
      ).map((l) => l.items),
    )
  }

  /** `POST /groups/{g}/{teams|channels}/{id}/link` (an upsert); always sends both fields. */
  linkGroupSyncable(
    groupId: string,
    target: LinkTarget,
    patch: { readonly autoAdd: boolean; readonly schemeAdmin: boolean },
  ): ResultAsync<void, MattermostError> {
    return checkIds({ group_id: groupId, [`${target.kind}_id`]: target.id }).asyncAndThen(() =>
      this.#request('POST', `/groups/${groupId}/${target.kind}s/${target.id}/link`, parseAny, {
        body: () => ({ auto_add: patch.autoAdd, scheme_admin: patch.schemeAdmin }),
      }),
    )
  }

  /** `PUT /groups/{g}/{teams|channels}/{id}/patch`; always sends both fields (§6.2 defect). */
  patchGroupSyncable(
    groupId: string,
    target: LinkTarget,
    patch: { readonly autoAdd: boolean; readonly schemeAdmin: boolean },
  ): ResultAsync<void, MattermostError> {
    return checkIds({ group_id: groupId, [`${target.kind}_id`]: target.id }).asyncAndThen(() =>
      this.#request('PUT', `/groups/${groupId}/${target.kind}s/${target.id}/patch`, parseAny, {
        body: () => ({ auto_add: patch.autoAdd, scheme_admin: patch.schemeAdmin }),
      }),
    )
  }

  /** `DELETE /groups/{g}/{teams|channels}/{id}/link`. */
  unlinkGroupSyncable(groupId: string, target: LinkTarget): ResultAsync<void, MattermostError> {
    return checkIds({ group_id: groupId, [`${target.kind}_id`]: target.id }).asyncAndThen(() =>
      this.#request('DELETE', `/groups/${groupId}/${target.kind}s/${target.id}/link`, parseAny),
    )
  }

  // ---- posts -----------------------------------------------------------------------------------

  /**
   * `GET /teams/name/{team}/channels/name/{channel}`: a live channel by its team's and its own name
   * (URL names, e.g. `town-square`). A channel the token may not read answers 404 like a missing one.
   */
  getChannelByNames(
    teamName: string,
    channelName: string,
  ): ResultAsync<ApiChannel, MattermostError> {
    return checkName('team_name', teamName)
      .andThen(() => checkName('channel_name', channelName))
      .asyncAndThen(() =>
        this.#request('GET', `/teams/name/${teamName}/channels/name/${channelName}`, parseChannel),
      )
  }

  /**
   * `POST /posts`: one message to a channel as the token's user (who needs `create_post` there: a
   * member of the channel, or a system admin). Retried only after a 429, so it never posts twice.
   */
  createPost(channelId: string, message: string): ResultAsync<{ id: string }, MattermostError> {
    return checkIds({ channel_id: channelId }).asyncAndThen(() =>
      this.#request('POST', '/posts', parsePost, {
        body: () => ({ channel_id: channelId, message }),
        retry: 'rateLimited',
      }).map((p) => ({ id: p.id })),
    )
  }

  // ---- site ------------------------------------------------------------------------------------

  /**
   * Which installation this is (`GET /config/client?format=old`): `TelemetryId`, else
   * `DiagnosticId`, and `SiteURL`. A store of remembered memberships records it and refuses
   * another Mattermost.
   */
  getSiteIdentity(): ResultAsync<SiteIdentity, MattermostError> {
    return this.#request('GET', '/config/client', parseSiteIdentity, { query: { format: 'old' } })
  }

  // ---- plumbing ----------------------------------------------------------------------------

  // Pages until a short page; de-duplicates by key because the server's order is not stable. Each
  // page is mapped as it arrives, so a long read keeps only the mapped rows.
  #pages<T, R = T>(
    path: string,
    query: Query,
    parse: Parse<T[]>,
    key: (item: T) => string,
    map: (item: T) => R = identity as (item: T) => R,
  ): ResultAsync<PagedList<R>, MattermostError> {
    const seen = new Set<string>()
    const rows: R[] = []
    const next = (page: number): ResultAsync<PagedList<R>, MattermostError> =>
      this.#request('GET', path, parse, { query: { ...query, page, per_page: perPage } }).andThen(
        (items) => {
          for (const item of items) {
            const k = key(item)
            if (seen.has(k)) continue
            seen.add(k)
            rows.push(map(item))
          }
          if (items.length < perPage)
            return okAsync({ items: rows, listed: page * perPage + items.length })
          return page + 1 >= this.#maxPages
            ? errAsync(readLimitError('pages', this.#maxPages, 'GET', path))
            : next(page + 1)
        },
      )
    return next(0)
  }

  // Reads page 0 alone, then doubles the pages in flight with every full page, up to
  // `concurrency`. After the first short page no new page starts; the ones already sent past the
  // end come back empty (fewer than the window: none for a list that fits in one page, at most
  // concurrency - 1 for a long one).
  #windowedPages<T>(
    path: string,
    query: Query,
    parse: Parse<T[]>,
    key: (item: T) => string,
  ): ResultAsync<T[], MattermostError> {
    const seen = new Map<string, T>()
    const run = new Promise<MattermostError | undefined>((resolve) => {
      let next = 0
      let inFlight = 0
      let done = false
      let failure: MattermostError | undefined
      let window = 1
      const launch = (): void => {
        while (!done && inFlight < window && next < this.#maxPages) {
          const page = next++
          inFlight++
          void this.#request('GET', path, parse, {
            query: { ...query, page, per_page: perPage },
          }).then((r) => {
            inFlight--
            if (r.isErr()) {
              failure ??= r.error
              done = true
            } else {
              for (const item of r.value) if (!seen.has(key(item))) seen.set(key(item), item)
              if (r.value.length < perPage) done = true
              else if (page + 1 >= this.#maxPages) {
                // A full last allowed page: the listing goes on past the limit.
                failure ??= readLimitError('pages', this.#maxPages, 'GET', path)
                done = true
              } else window = Math.min(this.#concurrency, window * 2)
            }
            if (inFlight === 0 && done) resolve(failure)
            else launch()
          })
        }
      }
      launch()
    })
    return ResultAsync.fromSafePromise(run).andThen((failure) =>
      failure === undefined ? okAsync([...seen.values()]) : errAsync(failure),
    )
  }

  // Chunks are cut when each request is sent, not up front.
  #chunked<T>(
    ids: readonly string[],
    size: number,
    call: (chunk: () => readonly string[]) => ResultAsync<T[], MattermostError>,
  ): ResultAsync<T[], MattermostError> {
    const calls: ResultAsync<T[], MattermostError>[] = []
    for (let i = 0; i < ids.length; i += size) calls.push(call(() => ids.slice(i, i + size)))
    return ResultAsync.combine(calls).map((parts) => parts.flat())
  }

  #request<T>(
    method: string,
    path: string,
    parse: Parse<T>,
    options: RequestOptions = {},
  ): ResultAsync<T, MattermostError> {
    return ResultAsync.fromSafePromise(this.#execute(method, path, options)).andThen((attempt) => {
      if (attempt.kind === 'fail') return errAsync(attempt.error)
      let json: unknown = null
      if (attempt.text !== '') {
        try {
          json = JSON.parse(attempt.text)
        } catch {
          return errAsync(invalid(method, path, 'the body is not JSON'))
        }
      }
      const parsed = parse(json)
      return parsed.isOk() ? okAsync(parsed.value) : errAsync(invalid(method, path, parsed.error))
    })
  }

  async #execute(method: string, path: string, options: RequestOptions): Promise<Attempt> {
    const url = new URL(this.#base + path)
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v))
    // The budget starts at the first attempt, not on enqueueing: the late requests of a big apply
    // wait behind the concurrency limit and would otherwise get no retries at all.
    let deadline: number | undefined
    let attempts = 0
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#token}`,
      Accept: 'application/json',
    }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json'
    const budget = this.#budget
    const once = async (): Promise<Attempt> => {
      deadline ??= Date.now() + this.#maxRetryTimeMs
      const refused = budget === undefined ? undefined : spendRequest(budget, method, path)
      if (refused !== undefined) return { kind: 'fail', error: refused, retryable: false, deadline }
      attempts++
      const blocked = await this.#awaitPause(deadline)
      if (blocked !== undefined) {
        const error = rateLimited(method, path, blocked, deadline - Date.now())
        return { kind: 'fail', error, retryable: false, deadline }
      }
      const until = deadline
      const outcome = await this.#transport({
        method,
        url,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body()) } : {}),
        timeoutMs: this.#timeoutMs,
        maxBodyBytes: this.#maxBodyBytes,
        ...(budget !== undefined ? { signal: budget.signal } : {}),
      })
      return match(outcome)
        .returnType<Attempt>()
        .with({ kind: 'answer' }, (a) => {
          if (a.status >= 200 && a.status < 300)
            return { kind: 'ok', status: a.status, text: a.text }
          if (a.status === 429) return this.#onRateLimit(method, path, a.header, attempts, until)
          return httpFailure(method, path, a.status, a.header, this.#scrub(a.text), until)
        })
        .with({ kind: 'tooLarge' }, () => ({
          kind: 'fail',
          error: readLimitError('bodyBytes', this.#maxBodyBytes, method, path),
          retryable: false,
          deadline: until,
        }))
        .with({ kind: 'aborted' }, () => ({
          kind: 'fail',
          error: readLimitError('deadline', budget?.limits.deadlineMs ?? 0, method, path),
          retryable: false,
          deadline: until,
        }))
        .with({ kind: 'timeout' }, () => ({
          kind: 'fail',
          error: {
            kind: 'timeout',
            method,
            path,
            timeoutMs: this.#timeoutMs,
            message: `${method} ${path} timed out after ${this.#timeoutMs} ms`,
          },
          retryable: true,
          deadline: until,
        }))
        .with({ kind: 'network' }, ({ cause: e }) => {
          const cause = describeCause(e)
          return {
            kind: 'fail',
            error: {
              kind: 'network',
              method,
              path,
              cause: { name: cause.name, message: this.#scrub(cause.message) },
              message: `${method} ${path} failed: ${this.#scrub(cause.message)}`,
            },
            retryable: true,
            deadline: until,
          }
        })
        .exhaustive()
    }
    const attempt =
      options.retry === 'rateLimited'
        ? async (): Promise<Attempt> => {
            const a = await once()
            return a.kind === 'fail' && a.error.kind !== 'rateLimited'
              ? { ...a, retryable: false }
              : a
          }
        : once
    // A read is a GET or a POST of ids (`/users/ids`, `…/members/ids`); anything else writes.
    const writes = method !== 'GET' && !path.endsWith('/ids')
    return this.#retry.execute(() =>
      writes
        ? this.#writeLimiter.run(() => this.#limiter.run(attempt))
        : this.#limiter.run(attempt),
    )
  }

  // Pauses the whole client until the server's reset (or, without one, a backoff step): the limit
  // is per token or IP, so every other request would get a 429 too. A wait past the request's
  // budget fails it now rather than sleeping on a retry that cannot happen.
  #onRateLimit(
    method: string,
    path: string,
    header: Header,
    attempt: number,
    deadline: number,
  ): Attempt {
    const hinted = retryAfter(header, Date.now())
    const wait = hinted ?? this.#jitter(attempt)
    this.#pause.until = Math.max(this.#pause.until, Date.now() + wait)
    const left = deadline - Date.now()
    return {
      kind: 'fail',
      error: rateLimited(method, path, hinted, left),
      retryable: wait <= left,
      deadline,
    }
  }

  // Waits out a pause another request's 429 started; returns the wait instead when it would end
  // after `deadline`.
  async #awaitPause(deadline: number): Promise<number | undefined> {
    for (;;) {
      const wait = this.#pause.until - Date.now()
      if (wait <= 0) return undefined
      if (this.#pause.until > deadline) return wait
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }

  // Full jitter: spreads the retries of many clients hit by the same 5xx/429 burst.
  #jitter(attempt: number): number {
    return Math.random() * Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1))
  }

  // A proxy or the server may echo request headers in an error body.
  #scrub(text: string): string {
    return text.split(this.#token).join('[redacted]')
  }
}

function identity<T>(item: T): T {
  return item
}

/**
 * Builds a client; throws on a malformed URL, an empty token or an insecure transport
 * (misconfiguration, not an I/O error; `checkMattermostTransport` gives the last two as a Result).
 */
export function createMattermostClient(config: MattermostClientConfig): MattermostClient {
  return new MattermostClient(config)
}

function httpFailure(
  method: string,
  path: string,
  status: number,
  header: Header,
  text: string,
  deadline: number,
): Attempt {
  let errorId: string | undefined
  let message = text.slice(0, 200)
  if (header('content-type')?.startsWith('application/json') === true) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>
      if (typeof body['id'] === 'string') errorId = body['id']
      if (typeof body['message'] === 'string') message = body['message']
    } catch {
      // A broken error body still has a status; keep the raw text.
    }
  }
  const error: MattermostError =
    errorId !== undefined && groupConstrainedErrorIds.has(errorId)
      ? { kind: 'groupConstrained', status, errorId, message, method, path }
      : { kind: 'http', status, errorId, message, method, path }
  return { kind: 'fail', error, retryable: isTransientError(error), deadline }
}

function rateLimited(
  method: string,
  path: string,
  retryAfterMs: number | undefined,
  leftMs: number,
): MattermostError {
  const asked =
    retryAfterMs === undefined ? '' : `; the server asks to wait ${Math.ceil(retryAfterMs)} ms`
  const over =
    retryAfterMs !== undefined && retryAfterMs > leftMs
      ? `, more than the ${Math.max(0, Math.floor(leftMs))} ms left of the retry budget`
      : ''
  return {
    kind: 'rateLimited',
    status: 429,
    retryAfterMs,
    method,
    path,
    message: `${method} ${path} was rate limited${asked}${over}`,
  }
}

/**
 * The wait a 429 asks for, in ms: `Retry-After` (seconds or an HTTP date), else
 * `X-RateLimit-Reset` (Mattermost's limiter: seconds until the reset; a value that can only be a
 * Unix time is read as one).
 */
function retryAfter(header: Header, now: number): number | undefined {
  const after = header('retry-after')?.trim()
  if (after !== undefined && after !== '') {
    const seconds = Number(after)
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
    const date = Date.parse(after)
    if (Number.isFinite(date)) return Math.max(0, date - now)
  }
  const reset = header('x-ratelimit-reset')?.trim()
  if (reset === undefined || reset === '') return undefined
  const value = Number(reset)
  if (!Number.isFinite(value)) return undefined
  return Math.max(0, value > 1_000_000_000 ? value * 1000 - now : value * 1000)
}

function describeCause(e: unknown): { readonly name: string; readonly message: string } {
  if (e instanceof Error) {
    const inner = e.cause instanceof Error ? `: ${e.cause.message}` : ''
    return { name: e.name, message: `${e.message}${inner}` }
  }
  return { name: 'unknown', message: String(e) }
}

function invalid(method: string, path: string, message: string): MattermostError {
  return { kind: 'invalidResponse', method, path, message: `${method} ${path}: ${message}` }
}

function checkList(field: string, ids: readonly string[]): Result<void, MattermostError> {
  for (const id of ids) {
    const r = checkIds({ [field]: id })
    if (r.isErr()) return r
  }
  return ok(undefined)
}

// Team and channel URL names: what the server's router accepts in a path.
function checkName(field: string, name: string): Result<void, MattermostError> {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name)
    ? ok(undefined)
    : err({
        kind: 'invalidArgument',
        message: `${field} is not a team or channel URL name: ${JSON.stringify(name.slice(0, 80))}`,
      })
}

function checkBatch(
  field: string,
  ids: readonly string[],
  max: number,
): Result<void, MattermostError> {
  if (ids.length === 0 || ids.length > max) {
    return err({
      kind: 'invalidArgument',
      message: `a batch must hold 1 to ${max} ids, got ${ids.length}`,
    })
  }
  return checkList(field, ids)
}
