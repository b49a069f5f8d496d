import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { SyncState } from '@grouproles/core'
import { handle } from './fake-handlers.js'
import {
  FakeAppError,
  FakeModel,
  defaultChannelNames,
  type FakeChannel,
  type FakeGroup,
  type FakeLink,
  type FakePost,
  type FakeTeam,
  type FakeTeamMember,
  type FakeUser,
  type Flags,
} from './fake-model.js'
import { appErrorJson, type Reply } from './fake-reply.js'
import { matchRoute, needsGroupsLicence, type FakeOperationId } from './fake-routes.js'
import { defaultFakeSettings, type FakeSettings } from './fake-settings.js'

/** A fault the fake injects instead of (or after) handling a request. */
export type Fault =
  /**
   * A 429 asking to wait `retryAfterSeconds` (default 0), announced as Mattermost's limiter does
   * (`X-RateLimit-*` with `Retry-After` in seconds, the default), with `X-RateLimit-Reset` only, or
   * with only an HTTP-date `Retry-After` (as proxies send it).
   */
  | {
      readonly kind: 'rateLimit'
      readonly retryAfterSeconds?: number
      readonly headers?: 'both' | 'resetOnly' | 'httpDate'
    }
  | { readonly kind: 'serverError'; readonly status?: number }
  | { readonly kind: 'reset' }
  /** Handle the request (state changes) and then drop the connection before answering. */
  | { readonly kind: 'resetAfterApply' }
  | { readonly kind: 'slow'; readonly delayMs: number }

/** A request as the fake saw it, for call counts and cross-checks. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly body: unknown
  readonly authorization: string | undefined
  readonly operationId: FakeOperationId | undefined
  /** When the fake received it (ms since the epoch). */
  readonly at: number
}

/** A request as checks and hooks see it (before it is handled). */
export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: IncomingHttpHeaders
  readonly body: unknown
  /** The fake's own routing of the request; undefined when no route matched. */
  readonly operationId: FakeOperationId | undefined
}

/**
 * Checks run on every exchange, e.g. validation against an API description. Each problem is
 * recorded in `violations`; a request with problems is answered 400 without being handled.
 */
export interface FakeChecks {
  request(request: FakeRequest): readonly string[]
  response(request: FakeRequest, status: number, body: unknown): readonly string[]
}

/** How to start a fake. */
export interface FakeMattermostOptions {
  /** Settings that differ from `defaultFakeSettings`. */
  readonly settings?: Partial<FakeSettings>
  readonly checks?: FakeChecks
  /** The bearer token the fake accepts. */
  readonly token?: string
}

/**
 * A stateful fake Mattermost server on 127.0.0.1 for tests: users, teams, channels, members,
 * groups and links in memory, seeded from a core `SyncState`, answering the REST routes the adapter
 * calls the way the server does (paging caps, unordered channel-member pages, batch limits and
 * graceful mode, group-constrained refusals, default-channel joins, town-square and guest rules,
 * licence editions, the link defects), with injectable faults and latency.
 */
export class FakeMattermost {
  readonly token: string
  /** Every request, in arrival order (while `settings.record` is on). */
  readonly requests: RecordedRequest[] = []
  /** Requests per operation id (always kept). */
  readonly counts: Map<string, number> = new Map()
  /** Problems found: checks that failed, answers that list a row twice, crashes. */
  readonly violations: string[] = []
  url = ''
  /** Most requests the fake was handling at once. */
  maxInFlight = 0
  /** Probability of a random fault per request (0 = off), drawn with `random`. */
  faultRate = 0
  faultKinds: readonly Fault[] = [
    { kind: 'rateLimit' },
    { kind: 'serverError' },
    { kind: 'reset' },
    { kind: 'resetAfterApply' },
  ]
  /** Randomness for faults and shuffled pages; tests may seed it. */
  random: () => number = Math.random
  /**
   * Called for every authorised request just before it is handled: a test can change the model
   * here (e.g. `addChannelMember`) to model a member joining during a read.
   */
  onRequest: ((request: FakeRequest) => void) | undefined = undefined
  #settings: FakeSettings = defaultFakeSettings
  readonly #model = new FakeModel()
  readonly #checks: FakeChecks | undefined
  readonly #queued: { fault: Fault; match: (method: string, path: string) => boolean }[] = []
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #inFlight = 0

  private constructor(options: FakeMattermostOptions) {
    this.token = options.token ?? 'fake-token-do-not-leak-5f1c'
    this.#checks = options.checks
    this.configure(options.settings ?? {})
    this.#server = createServer((req, res) => {
      this.#inFlight++
      this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight)
      res.on('close', () => this.#inFlight--)
      this.#handle(req, res).catch((e: unknown) => {
        this.violations.push(`fake crashed: ${String(e)}`)
        if (!res.headersSent)
          send(res, 500, {
            id: 'fake.crash',
            message: String(e),
            detailed_error: '',
            status_code: 500,
          })
      })
    })
    this.#server.on('connection', (s) => {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
    })
  }

  /** Starts a fake on a random loopback port. */
  static async start(options: FakeMattermostOptions = {}): Promise<FakeMattermost> {
    const fake = new FakeMattermost(options)
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve))
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`
    return fake
  }

  /** Stops the server and drops open connections. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve()
      })
    })
  }

  /** The current settings. */
  get settings(): FakeSettings {
    return this.#settings
  }

  /** Changes some settings; the others keep their value. */
  configure(settings: Partial<FakeSettings>): void {
    this.#settings = { ...this.#settings, ...settings }
    this.#model.defaultChannels = defaultChannelNames(this.#settings.defaultChannels)
  }

  /** Back to `defaultFakeSettings`. */
  resetSettings(): void {
    this.#settings = defaultFakeSettings
    this.configure({})
  }

  /** Injects `fault` into the next `count` requests that match. */
  failNext(
    fault: Fault,
    count = 1,
    match: (method: string, path: string) => boolean = () => true,
  ): void {
    for (let i = 0; i < count; i++) this.#queued.push({ fault, match })
  }

  /** Drops queued faults and turns random faults off. */
  clearFaults(): void {
    this.#queued.length = 0
    this.faultRate = 0
  }

  /** Replaces the whole model with a core state (groups get source `ldap`). */
  seed(state: SyncState): void {
    this.#model.seed(state)
  }

  /** The model as a core state (soft-deleted team rows and history included). */
  snapshot(): SyncState {
    return this.#model.snapshot()
  }

  /** Requests whose operation id is `operationId`. */
  count(operationId: FakeOperationId): number {
    return this.counts.get(operationId) ?? 0
  }

  get users(): ReadonlyMap<string, FakeUser> {
    return this.#model.users
  }
  get teams(): ReadonlyMap<string, FakeTeam> {
    return this.#model.teams
  }
  get channels(): ReadonlyMap<string, FakeChannel> {
    return this.#model.channels
  }
  get teamMembers(): ReadonlyMap<string, ReadonlyMap<string, Readonly<FakeTeamMember>>> {
    return this.#model.teamMembers
  }
  get channelMembers(): ReadonlyMap<string, ReadonlyMap<string, Readonly<Flags>>> {
    return this.#model.channelMembers
  }
  get channelHistory(): ReadonlySet<string> {
    return this.#model.channelHistory
  }
  get groups(): ReadonlyMap<string, FakeGroup> {
    return this.#model.groups
  }
  get groupMembers(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#model.groupMembers
  }
  get links(): ReadonlyMap<string, Readonly<FakeLink>> {
    return this.#model.links
  }
  /** Posts made through `POST /posts`, oldest first. */
  get posts(): readonly Readonly<FakePost>[] {
    return this.#model.posts
  }

  /**
   * Joins a user to a team as Mattermost's own code does (no group check): a new or revived row
   * for a non-guest also joins the default channels. For setups and `onRequest` hooks.
   */
  addTeamMember(teamId: string, userId: string): void {
    this.#model.joinTeam(this.#model.team(teamId), userId)
  }

  /** Joins a user to a channel as Mattermost's own code does (needs an active team row). */
  addChannelMember(channelId: string, userId: string): void {
    this.#model.joinChannel(this.#model.channel(channelId), userId)
  }

  /** A user leaves a channel (as they can themselves; town-square keeps its non-guests). */
  removeChannelMember(channelId: string, userId: string): void {
    this.#model.leaveChannel(this.#model.channel(channelId), userId)
  }

  /** A user leaves a team and its channels. */
  removeTeamMember(teamId: string, userId: string): void {
    this.#model.leaveTeam(this.#model.team(teamId), userId)
  }

  // ---- HTTP --------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const method = (req.method ?? 'GET').toUpperCase()
    const raw = await readBody(req)
    let body: unknown = undefined
    if (raw !== '') {
      try {
        body = JSON.parse(raw)
      } catch {
        this.violations.push(`${method} ${url.pathname}: body is not JSON`)
      }
      if (req.headers['content-type'] !== 'application/json') {
        this.violations.push(
          `${method} ${url.pathname}: content-type ${req.headers['content-type']}`,
        )
      }
    }
    const query = Object.fromEntries(url.searchParams)
    const route = matchRoute(method, url.pathname)
    const request: FakeRequest = {
      method,
      path: url.pathname,
      query,
      headers: req.headers,
      body,
      operationId: route?.operationId,
    }
    const op = route?.operationId ?? '?'
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1)
    if (this.#settings.record) {
      this.requests.push({
        method,
        path: url.pathname,
        query,
        body,
        authorization: req.headers.authorization,
        operationId: route?.operationId,
        at: Date.now(),
      })
    }
    const problems = this.#checks?.request(request) ?? []
    if (problems.length > 0) {
      this.violations.push(...problems)
      send(res, 400, appErrorJson(new FakeAppError(400, 'api.context.invalid_param')))
      return
    }
    if (route === undefined) {
      this.violations.push(`${method} ${url.pathname}: no such route in the fake`)
      send(res, 404, appErrorJson(new FakeAppError(404, 'api.context.404.app_error')))
      return
    }
    if (req.headers.authorization?.toLowerCase() !== `bearer ${this.token}`) {
      const e = new FakeAppError(
        401,
        'api.context.session_expired.app_error',
        'Invalid or expired session',
      )
      send(res, 401, appErrorJson(e))
      return
    }
    if (this.#settings.latencyMs > 0) await sleep(this.#settings.latencyMs)

    const fault = this.#nextFault(method, url.pathname)
    if (fault !== undefined && fault.kind !== 'resetAfterApply' && fault.kind !== 'slow') {
      if (fault.kind === 'reset') {
        req.socket.destroy()
        return
      }
      if (fault.kind === 'rateLimit') {
        sendRateLimited(res, fault)
        return
      }
      const status = fault.status ?? 503
      send(res, status, appErrorJson(new FakeAppError(status, 'fake.unavailable', 'try later')))
      return
    }

    this.onRequest?.(request)
    let reply: Reply
    try {
      reply = this.#dispatch(route.operationId, route.params, query, body, raw)
    } catch (e) {
      if (!(e instanceof FakeAppError)) throw e
      reply = { status: e.status, body: appErrorJson(e) }
    }
    this.violations.push(...(this.#checks?.response(request, reply.status, reply.body) ?? []))
    // Rows are unique per (syncable, user): a list naming someone twice means the fake's model,
    // or a request the adapter sent, holds a duplicate.
    const twice = listedTwice(reply.body)
    if (twice !== undefined)
      this.violations.push(`${route.operationId}: the answer lists ${twice} twice`)
    if (fault?.kind === 'resetAfterApply') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'slow') await sleep(fault.delayMs)
    if (!res.destroyed) send(res, reply.status, reply.body)
  }

  #dispatch(
    operationId: FakeOperationId,
    params: Readonly<Record<string, string>>,
    query: Readonly<Record<string, string>>,
    body: unknown,
    raw: string,
  ): Reply {
    if (needsGroupsLicence(operationId)) {
      if (this.#settings.edition === 'team') throw new FakeAppError(501, 'api.license_error')
      if (this.#settings.edition === 'noLdapGroups') {
        throw new FakeAppError(403, 'api.ldap_groups.license_error')
      }
    }
    // ServiceSettings.MaximumPayloadSizeBytes: the handler reads a truncated body and refuses it.
    if (Buffer.byteLength(raw) > this.#settings.maxPayloadBytes) {
      throw new FakeAppError(400, 'api.context.invalid_body_param.app_error')
    }
    return handle(operationId, {
      params,
      query,
      body,
      model: this.#model,
      settings: this.#settings,
      random: this.random,
    })
  }

  #nextFault(method: string, path: string): Fault | undefined {
    const i = this.#queued.findIndex((q) => q.match(method, path))
    if (i >= 0) return this.#queued.splice(i, 1)[0]?.fault
    if (this.faultRate > 0 && this.random() < this.faultRate) {
      return this.faultKinds[Math.floor(this.random() * this.faultKinds.length)]
    }
    return undefined
  }
}

function sendRateLimited(res: ServerResponse, fault: Extract<Fault, { kind: 'rateLimit' }>): void {
  const seconds = fault.retryAfterSeconds ?? 0
  const limit = {
    'X-RateLimit-Limit': '10',
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': String(seconds),
  }
  res.writeHead(429, {
    'Content-Type': 'text/plain',
    ...(fault.headers === 'httpDate'
      ? { 'Retry-After': new Date(Date.now() + seconds * 1000).toUTCString() }
      : fault.headers === 'resetOnly'
        ? limit
        : { ...limit, 'Retry-After': String(seconds) }),
  })
  res.end('limit exceeded')
}

// The first key (`user_id` of member rows, else `id`) that a list answer repeats.
function listedTwice(body: unknown): string | undefined {
  const rows: unknown =
    typeof body === 'object' && body !== null && 'members' in body ? body.members : body
  if (!Array.isArray(rows)) return undefined
  const seen = new Set<string>()
  for (const row of rows as unknown[]) {
    if (typeof row !== 'object' || row === null) continue
    const r = row as Record<string, unknown>
    const key = typeof r['user_id'] === 'string' ? r['user_id'] : r['id']
    if (typeof key !== 'string') continue
    if (seen.has(key)) return key
    seen.add(key)
  }
  return undefined
}

// Exactly `application/json`, as the server sends it (Client4 parses nothing else).
function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of req) parts.push(chunk as Buffer)
  return Buffer.concat(parts).toString('utf8')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
