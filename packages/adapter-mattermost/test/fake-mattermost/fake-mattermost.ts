import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { SyncState } from '@grouproles/core'
import { OpenAPIBackend } from 'openapi-backend'
import { loadSpec } from './spec.js'

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

/** A request as the fake saw it, for call counts and the Client4 cross-check. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly body: unknown
  readonly authorization: string | undefined
  readonly operationId: string | undefined
  /** When the fake received it (ms since the epoch). */
  readonly at: number
}

interface FakeUser {
  id: string
  username: string
  email: string
  auth_data: string
  roles: string
  delete_at: number
  is_bot: boolean
}
interface FakeTeam {
  id: string
  name: string
  delete_at: number
  group_constrained: boolean | null
}
interface FakeChannel {
  id: string
  team_id: string
  name: string
  type: string
  delete_at: number
  group_constrained: boolean | null
}
interface Flags {
  scheme_admin: boolean
  scheme_guest: boolean
  scheme_user: boolean
}
interface FakeTeamMember extends Flags {
  delete_at: number
}
interface FakeGroup {
  id: string
  name: string
  source: string
  delete_at: number
}
interface FakeLink {
  group_id: string
  kind: 'team' | 'channel'
  syncable_id: string
  auto_add: boolean
  scheme_admin: boolean
  create_at: number
  update_at: number
  delete_at: number
}

type Reply = { status: number; body: unknown }
type Ctx = {
  params: Record<string, string>
  query: Record<string, string>
  body: unknown
}

// Thrown inside handlers and turned into an AppError JSON answer.
class AppError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string = id,
  ) {
    super(message)
  }
}

const maxPerPage = 200

/**
 * A stateful fake Mattermost on 127.0.0.1 that validates every request (and its own answers)
 * against the vendored spec plus our overlay, keeps users/teams/channels/members/groups/links in
 * memory, enforces the server rules the adapter depends on, reproduces the group-link defects of
 * mattermost-semantics.md §6, and injects faults on demand.
 */
export class FakeMattermost {
  readonly token = 'fake-token-do-not-leak-5f1c'
  readonly requests: RecordedRequest[] = []
  /** Spec violations of requests and responses; every test asserts this stays empty. */
  readonly violations: string[] = []
  url = ''
  /** Most requests the fake was handling at once (for the concurrency limit test). */
  maxInFlight = 0
  #inFlight = 0
  /** Probability of a random fault per request (0 = off), drawn with `random`. */
  faultRate = 0
  faultKinds: readonly Fault[] = [
    { kind: 'rateLimit' },
    { kind: 'serverError' },
    { kind: 'reset' },
    { kind: 'resetAfterApply' },
  ]
  random: () => number = Math.random
  readonly #queued: { fault: Fault; match: (method: string, path: string) => boolean }[] = []
  readonly #api: OpenAPIBackend
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #clock = 1_700_000_000_000

  readonly users: Map<string, FakeUser> = new Map()
  readonly teams: Map<string, FakeTeam> = new Map()
  readonly channels: Map<string, FakeChannel> = new Map()
  readonly teamMembers: Map<string, Map<string, FakeTeamMember>> = new Map()
  readonly channelMembers: Map<string, Map<string, Flags>> = new Map()
  readonly channelHistory: Set<string> = new Set()
  readonly groups: Map<string, FakeGroup> = new Map()
  readonly groupMembers: Map<string, Set<string>> = new Map()
  readonly links: Map<string, FakeLink> = new Map()

  private constructor(api: OpenAPIBackend) {
    this.#api = api
    this.#server = createServer((req, res) => {
      this.#inFlight++
      this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight)
      res.on('close', () => this.#inFlight--)
      this.#handle(req, res).catch((e: unknown) => {
        this.violations.push(`fake crashed: ${String(e)}`)
        if (!res.headersSent)
          send(res, 500, { id: 'fake.crash', message: String(e), status_code: 500 })
      })
    })
    this.#server.on('connection', (s) => {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
    })
  }

  /** Starts a fake on a random port. */
  static async start(): Promise<FakeMattermost> {
    const api = new OpenAPIBackend({ definition: loadSpec() as never, strict: true, quick: true })
    await api.init()
    const fake = new FakeMattermost(api)
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
    for (const m of [
      this.users,
      this.teams,
      this.channels,
      this.teamMembers,
      this.channelMembers,
      this.groups,
      this.groupMembers,
      this.links,
    ]) {
      m.clear()
    }
    this.channelHistory.clear()
    for (const u of state.users) {
      this.users.set(u.id, {
        id: u.id,
        username: u.username,
        email: u.email ?? '',
        auth_data: u.authData ?? '',
        roles: { user: 'system_user', guest: 'system_guest', admin: 'system_user system_admin' }[
          u.systemRole
        ],
        delete_at: u.deactivated === true ? this.#clock : 0,
        is_bot: u.isBot === true,
      })
    }
    for (const t of state.teams) {
      this.teams.set(t.id, {
        id: t.id,
        name: t.name,
        delete_at: t.deleted === true ? this.#clock : 0,
        group_constrained: t.groupConstrained ? true : null,
      })
    }
    for (const c of state.channels) {
      this.channels.set(c.id, {
        id: c.id,
        team_id: c.teamId,
        name: c.name,
        type: c.type,
        delete_at: c.deleted === true ? this.#clock : 0,
        group_constrained: c.groupConstrained ? true : null,
      })
    }
    for (const g of state.groups) {
      this.groups.set(g.id, {
        id: g.id,
        name: g.name,
        source: 'ldap',
        delete_at: g.deleted === true ? this.#clock : 0,
      })
      this.groupMembers.set(g.id, new Set(g.memberIds))
    }
    for (const l of state.links) {
      this.links.set(linkKey(l.syncable.kind, l.syncable.id, l.groupId), {
        group_id: l.groupId,
        kind: l.syncable.kind,
        syncable_id: l.syncable.id,
        auto_add: l.autoAdd,
        scheme_admin: l.schemeAdmin,
        create_at: this.#clock,
        update_at: this.#clock,
        delete_at: l.deleted === true ? this.#clock : 0,
      })
    }
    for (const m of state.teamMembers) {
      mapOf(this.teamMembers, m.teamId).set(m.userId, {
        scheme_admin: m.schemeAdmin,
        scheme_guest: m.schemeGuest,
        scheme_user: !m.schemeGuest,
        delete_at: m.deleted === true ? this.#clock : 0,
      })
    }
    for (const m of state.channelMembers) {
      mapOf(this.channelMembers, m.channelId).set(m.userId, {
        scheme_admin: m.schemeAdmin,
        scheme_guest: m.schemeGuest,
        scheme_user: !m.schemeGuest,
      })
    }
    for (const h of state.channelHistory) this.channelHistory.add(`${h.channelId}:${h.userId}`)
  }

  /** The model as a core state (soft-deleted team rows and history included). */
  snapshot(): SyncState {
    return {
      users: [...this.users.values()].map((u) => ({
        id: u.id,
        username: u.username,
        ...(u.email !== '' ? { email: u.email } : {}),
        ...(u.auth_data !== '' ? { authData: u.auth_data } : {}),
        systemRole: u.roles.includes('system_admin')
          ? 'admin'
          : u.roles.includes('system_guest')
            ? 'guest'
            : 'user',
        ...(u.is_bot ? { isBot: true } : {}),
        ...(u.delete_at > 0 ? { deactivated: true } : {}),
      })),
      groups: [...this.groups.values()].map((g) => ({
        id: g.id,
        name: g.name,
        memberIds: [...(this.groupMembers.get(g.id) ?? [])],
        ...(g.delete_at > 0 ? { deleted: true } : {}),
      })),
      teams: [...this.teams.values()].map((t) => ({
        id: t.id,
        name: t.name,
        groupConstrained: t.group_constrained === true,
        ...(t.delete_at > 0 ? { deleted: true } : {}),
      })),
      channels: [...this.channels.values()].map((c) => ({
        id: c.id,
        teamId: c.team_id,
        name: c.name,
        type: c.type as 'O' | 'P' | 'D' | 'G',
        groupConstrained: c.group_constrained === true,
        ...(c.delete_at > 0 ? { deleted: true } : {}),
      })),
      links: [...this.links.values()].map((l) => ({
        groupId: l.group_id,
        syncable: { kind: l.kind, id: l.syncable_id },
        autoAdd: l.auto_add,
        schemeAdmin: l.scheme_admin,
        ...(l.delete_at > 0 ? { deleted: true } : {}),
      })),
      teamMembers: [...this.teamMembers].flatMap(([teamId, rows]) =>
        [...rows].map(([userId, m]) => ({
          teamId,
          userId,
          schemeAdmin: m.scheme_admin,
          schemeGuest: m.scheme_guest,
          ...(m.delete_at > 0 ? { deleted: true } : {}),
        })),
      ),
      channelMembers: [...this.channelMembers].flatMap(([channelId, rows]) =>
        [...rows].map(([userId, m]) => ({
          channelId,
          userId,
          schemeAdmin: m.scheme_admin,
          schemeGuest: m.scheme_guest,
        })),
      ),
      channelHistory: [...this.channelHistory].map((k) => {
        const [channelId = '', userId = ''] = k.split(':')
        return { channelId, userId }
      }),
    }
  }

  /** Requests whose operation id is `operationId`. */
  count(operationId: string): number {
    return this.requests.filter((r) => r.operationId === operationId).length
  }

  // ---- HTTP --------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const method = (req.method ?? 'GET').toLowerCase()
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
    const request = { method, path: url.pathname, query, headers: req.headers as never, body }
    const operation = this.#api.matchOperation(request)
    this.requests.push({
      method: method.toUpperCase(),
      path: url.pathname,
      query,
      body,
      authorization: req.headers.authorization,
      operationId: operation?.operationId,
      at: Date.now(),
    })
    if (operation?.operationId === undefined) {
      this.violations.push(`${method} ${url.pathname}: no such operation in the spec`)
      send(res, 404, { id: 'api.context.404.app_error', message: 'not found', status_code: 404 })
      return
    }
    const validation = this.#api.validateRequest(request, operation)
    if (!validation.valid) {
      this.violations.push(
        `${operation.operationId}: invalid request: ${JSON.stringify(validation.errors)}`,
      )
      send(res, 400, { id: 'api.context.invalid_param', message: 'invalid', status_code: 400 })
      return
    }
    if (req.headers.authorization?.toLowerCase() !== `bearer ${this.token}`) {
      send(res, 401, {
        id: 'api.context.session_expired.app_error',
        message: 'Invalid or expired session',
        status_code: 401,
      })
      return
    }

    const fault = this.#nextFault(method.toUpperCase(), url.pathname)
    if (fault !== undefined && fault.kind !== 'resetAfterApply' && fault.kind !== 'slow') {
      if (fault.kind === 'reset') {
        req.socket.destroy()
        return
      }
      if (fault.kind === 'rateLimit') {
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
        return
      }
      const status = fault.status ?? 503
      send(res, status, { id: 'fake.unavailable', message: 'try later', status_code: status })
      return
    }

    const ctx: Ctx = {
      params: Object.fromEntries(
        Object.entries(
          this.#api.router.parseRequest(request, operation).params as Record<string, unknown>,
        ).map(([k, v]) => [k, String(v)]),
      ),
      query,
      body,
    }
    let reply: Reply
    try {
      reply = this.#dispatch(operation.operationId, ctx)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      reply = {
        status: e.status,
        body: { id: e.id, message: e.message, detailed_error: '', status_code: e.status },
      }
    }
    const check = this.#api.validateResponse(reply.body, operation, reply.status)
    if (check.errors !== null && check.errors !== undefined && check.errors.length > 0) {
      this.violations.push(
        `${operation.operationId}: invalid ${reply.status} response: ${JSON.stringify(check.errors)}`,
      )
    }
    // Rows are unique per (syncable, user) in Mattermost: a list naming someone twice means the
    // fake's model, or a request the adapter sent, holds a duplicate.
    const twice = listedTwice(reply.body)
    if (twice !== undefined) {
      this.violations.push(`${operation.operationId}: the answer lists ${twice} twice`)
    }
    if (fault?.kind === 'resetAfterApply') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs))
    if (!res.destroyed) send(res, reply.status, reply.body)
  }

  #nextFault(method: string, path: string): Fault | undefined {
    const i = this.#queued.findIndex((q) => q.match(method, path))
    if (i >= 0) return this.#queued.splice(i, 1)[0]?.fault
    if (this.faultRate > 0 && this.random() < this.faultRate) {
      return this.faultKinds[Math.floor(this.random() * this.faultKinds.length)]
    }
    return undefined
  }

  #dispatch(operationId: string, ctx: Ctx): Reply {
    const p = ctx.params
    const handlers: Record<string, () => Reply> = {
      GetUsers: () => this.#getUsers(ctx),
      GetUsersByIds: () => this.#getUsersByIds(ctx),
      GetAllTeams: () =>
        ok(
          page(
            [...this.teams.values()]
              .filter((t) => t.delete_at === 0)
              .sort(byId)
              .map(teamJson),
            ctx,
          ),
        ),
      GetTeam: () => ok(teamJson(this.#team(p['team_id']))),
      GetTeamMembers: () => this.#getTeamMembers(ctx),
      GetTeamMembersByIds: () => this.#getTeamMembersByIds(ctx),
      GetTeamMember: () => this.#getTeamMember(ctx),
      AddTeamMember: () => this.#addTeamMember(ctx),
      AddTeamMembers: () => this.#addTeamMembers(ctx),
      RemoveTeamMember: () => this.#removeTeamMember(ctx),
      UpdateTeamMemberSchemeRoles: () => this.#schemeRoles('team', ctx),
      GetChannel: () => ok(channelJson(this.#channel(p['channel_id']))),
      GetChannelStats: () => this.#channelStats(ctx),
      GetChannelMembers: () => this.#getChannelMembers(ctx),
      GetChannelMembersByIds: () => this.#getChannelMembersByIds(ctx),
      GetChannelMember: () => this.#getChannelMember(ctx),
      AddChannelMember: () => this.#addChannelMember(ctx),
      RemoveUserFromChannel: () => this.#removeChannelMember(ctx),
      UpdateChannelMemberSchemeRoles: () => this.#schemeRoles('channel', ctx),
      GetGroups: () =>
        ok(
          page(
            [...this.groups.values()]
              .filter((g) => g.delete_at === 0)
              .sort(byId)
              .map(groupJson),
            ctx,
          ),
        ),
      GetGroup: () => ok(groupJson(this.#group(p['group_id']))),
      GetGroupUsers: () => this.#getGroupUsers(ctx),
      GetGroupSyncablesTeams: () => this.#listGroupLinks('team', ctx),
      GetGroupSyncablesChannels: () => this.#listGroupLinks('channel', ctx),
      GetGroupSyncableForTeamId: () => this.#getLink('team', ctx),
      GetGroupSyncableForChannelId: () => this.#getLink('channel', ctx),
      LinkGroupSyncableForTeam: () => this.#link('team', ctx),
      LinkGroupSyncableForChannel: () => this.#link('channel', ctx),
      PatchGroupSyncableForTeam: () => this.#patch('team', ctx),
      PatchGroupSyncableForChannel: () => this.#patch('channel', ctx),
      UnlinkGroupSyncableForTeam: () => this.#unlink('team', ctx),
      UnlinkGroupSyncableForChannel: () => this.#unlink('channel', ctx),
      GetGroupsByTeam: () => this.#groupsOf('team', ctx),
      GetGroupsByChannel: () => this.#groupsOf('channel', ctx),
    }
    const handler = handlers[operationId]
    if (handler === undefined) throw new AppError(501, 'fake.not_implemented', operationId)
    return handler()
  }

  // ---- lookups -----------------------------------------------------------------------------

  #user(id: string | undefined): FakeUser {
    const u = this.users.get(id ?? '')
    if (u === undefined) throw new AppError(404, 'app.user.missing_account.const')
    return u
  }
  #team(id: string | undefined): FakeTeam {
    const t = this.teams.get(id ?? '')
    if (t === undefined) throw new AppError(404, 'app.team.get.find.app_error')
    return t
  }
  #channel(id: string | undefined): FakeChannel {
    const c = this.channels.get(id ?? '')
    if (c === undefined) throw new AppError(404, 'app.channel.get.existing.app_error')
    return c
  }
  #group(id: string | undefined): FakeGroup {
    const g = this.groups.get(id ?? '')
    if (g === undefined) throw new AppError(404, 'app.group.no_rows')
    return g
  }

  // Semantics §3: in a live group linked (live) to the syncable; AutoAdd and SchemeAdmin irrelevant.
  #inSyncableGroups(kind: 'team' | 'channel', id: string, userId: string): boolean {
    for (const l of this.links.values()) {
      if (l.kind !== kind || l.syncable_id !== id || l.delete_at > 0) continue
      if (this.groups.get(l.group_id)?.delete_at !== 0) continue
      if (this.groupMembers.get(l.group_id)?.has(userId) === true) return true
    }
    return false
  }

  // Semantics §2.1 step 3: any live scheme-admin link whose group has the user (group deletion ignored).
  #inAdminRoleGroup(kind: 'team' | 'channel', id: string, userId: string): boolean {
    for (const l of this.links.values()) {
      if (l.kind !== kind || l.syncable_id !== id || l.delete_at > 0 || !l.scheme_admin) continue
      if (this.groupMembers.get(l.group_id)?.has(userId) === true) return true
    }
    return false
  }

  #freshFlags(kind: 'team' | 'channel', id: string, user: FakeUser): Flags {
    const guest = user.roles.split(' ').includes('system_guest')
    return {
      scheme_guest: guest,
      scheme_user: !guest,
      scheme_admin: !guest && this.#inAdminRoleGroup(kind, id, user.id),
    }
  }

  // ---- users -------------------------------------------------------------------------------

  #getUsers(ctx: Ctx): Reply {
    let list = [...this.users.values()]
    const inGroup = ctx.query['in_group']
    if (inGroup !== undefined) {
      const members = this.groupMembers.get(inGroup) ?? new Set()
      list = list.filter((u) => members.has(u.id))
    }
    return ok(page(list.sort(byId).map(userJson), ctx))
  }

  #getUsersByIds(ctx: Ctx): Reply {
    const ids = unique(ctx.body as string[])
    if (ids.length === 0) throw new AppError(400, 'api.context.invalid_body_param.app_error')
    return ok(
      ids.flatMap((id) => {
        const u = this.users.get(id)
        return u === undefined ? [] : [userJson(u)]
      }),
    )
  }

  // ---- teams -------------------------------------------------------------------------------

  #getTeamMembers(ctx: Ctx): Reply {
    const team = this.#team(ctx.params['team_id'])
    const rows = [...(this.teamMembers.get(team.id) ?? [])]
      .filter(([, m]) => m.delete_at === 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([userId, m]) => teamMemberJson(team.id, userId, m))
    return ok(page(rows, ctx))
  }

  #getTeamMembersByIds(ctx: Ctx): Reply {
    const team = this.#team(ctx.params['team_id'])
    const rows = this.teamMembers.get(team.id)
    return ok(
      unique(ctx.body as string[]).flatMap((userId) => {
        const m = rows?.get(userId)
        return m === undefined ? [] : [teamMemberJson(team.id, userId, m)]
      }),
    )
  }

  #getTeamMember(ctx: Ctx): Reply {
    const team = this.#team(ctx.params['team_id'])
    const userId = ctx.params['user_id'] ?? ''
    const m = this.teamMembers.get(team.id)?.get(userId)
    if (m === undefined) throw new AppError(404, 'app.team.get_member.missing.app_error')
    return ok(teamMemberJson(team.id, userId, m))
  }

  // Semantics §2.1: an active row is returned unchanged; a soft-deleted one is revived with fresh flags.
  #joinTeam(team: FakeTeam, userId: string): FakeTeamMember {
    const user = this.#user(userId)
    const rows = mapOf(this.teamMembers, team.id)
    const existing = rows.get(userId)
    if (existing !== undefined && existing.delete_at === 0) return existing
    const row = { ...this.#freshFlags('team', team.id, user), delete_at: 0 }
    rows.set(userId, row)
    return row
  }

  #checkTeamGroups(team: FakeTeam, userIds: readonly string[]): void {
    if (team.group_constrained !== true) return
    const denied = userIds.filter(
      (id) => this.users.get(id)?.is_bot !== true && !this.#inSyncableGroups('team', team.id, id),
    )
    if (denied.length > 0) {
      throw new AppError(
        400,
        'api.team.add_members.user_denied',
        `not in the team's groups: ${denied.join(', ')}`,
      )
    }
  }

  #addTeamMember(ctx: Ctx): Reply {
    const team = this.#team(ctx.params['team_id'])
    const body = ctx.body as { team_id?: string; user_id?: string }
    if (body.team_id !== team.id || body.user_id === undefined) {
      throw new AppError(400, 'api.context.invalid_body_param.app_error')
    }
    this.#checkTeamGroups(team, [body.user_id])
    return {
      status: 201,
      body: teamMemberJson(team.id, body.user_id, this.#joinTeam(team, body.user_id)),
    }
  }

  #addTeamMembers(ctx: Ctx): Reply {
    const team = this.#team(ctx.params['team_id'])
    const list = ctx.body as { team_id?: string; user_id?: string }[]
    if (list.length === 0) throw new AppError(400, 'api.context.invalid_body_param.app_error')
    if (list.length > 256) throw new AppError(400, 'api.team.add_team_members.too_many.app_error')
    if (list.some((m) => m.team_id !== team.id || m.user_id === undefined)) {
      throw new AppError(400, 'api.context.invalid_body_param.app_error')
    }
    const userIds = list.map((m) => m.user_id ?? '')
    this.#checkTeamGroups(team, userIds)
    // Any non-empty value turns graceful mode on, even "false" (mattermost-api.md §3).
    const graceful = ctx.query['graceful'] !== undefined && ctx.query['graceful'] !== ''
    if (!graceful) {
      // Not atomic: stops at the first failure and keeps the earlier adds.
      return {
        status: 201,
        body: userIds.map((id) => teamMemberJson(team.id, id, this.#joinTeam(team, id))),
      }
    }
    return {
      status: 201,
      body: userIds.map((id) => {
        try {
          return {
            user_id: id,
            member: teamMemberJson(team.id, id, this.#joinTeam(team, id)),
            error: null,
          }
        } catch (e) {
          if (!(e instanceof AppError)) throw e
          return {
            user_id: id,
            member: null,
            error: { id: e.id, message: e.message, detailed_error: '', status_code: e.status },
          }
        }
      }),
    }
  }

  #removeTeamMember(ctx: Ctx): Reply {
    const team = this.#team(ctx.params['team_id'])
    const user = this.#user(ctx.params['user_id'])
    if (team.group_constrained === true && !user.is_bot) {
      throw new AppError(400, 'api.team.remove_member.group_constrained.app_error')
    }
    const row = this.teamMembers.get(team.id)?.get(user.id)
    if (row === undefined || row.delete_at > 0) {
      throw new AppError(404, 'app.team.get_member.missing.app_error')
    }
    // LeaveTeam: the user's O/P channel rows of this team go (hard delete), then the soft delete.
    for (const c of this.channels.values()) {
      if (c.team_id === team.id && (c.type === 'O' || c.type === 'P')) {
        this.channelMembers.get(c.id)?.delete(user.id)
      }
    }
    row.delete_at = ++this.#clock
    return ok({ status: 'OK' })
  }

  #schemeRoles(kind: 'team' | 'channel', ctx: Ctx): Reply {
    const id =
      kind === 'team'
        ? this.#team(ctx.params['team_id']).id
        : this.#channel(ctx.params['channel_id']).id
    const userId = ctx.params['user_id'] ?? ''
    const row =
      kind === 'team'
        ? this.teamMembers.get(id)?.get(userId)
        : this.channelMembers.get(id)?.get(userId)
    if (row === undefined || ('delete_at' in row && (row as FakeTeamMember).delete_at > 0)) {
      throw new AppError(404, `app.${kind}.get_member.missing.app_error`)
    }
    const body = ctx.body as { scheme_admin: boolean; scheme_user: boolean; scheme_guest?: boolean }
    if (row.scheme_guest)
      throw new AppError(400, `api.${kind}.update_${kind}_member_roles.guest.app_error`)
    if (body.scheme_guest === true || !body.scheme_user) {
      throw new AppError(400, `api.${kind}.update_${kind}_member_roles.scheme_user.app_error`)
    }
    row.scheme_admin = body.scheme_admin
    row.scheme_user = true
    return ok({ status: 'OK' })
  }

  // ---- channels ----------------------------------------------------------------------------

  #channelStats(ctx: Ctx): Reply {
    const channel = this.#channel(ctx.params['channel_id'])
    let count = 0
    for (const userId of this.channelMembers.get(channel.id)?.keys() ?? []) {
      if (this.users.get(userId)?.delete_at === 0) count++
    }
    return ok({ channel_id: channel.id, member_count: count })
  }

  #getChannelMembers(ctx: Ctx): Reply {
    const channel = this.#channel(ctx.params['channel_id'])
    // No ORDER BY on the server: a fresh shuffle per request exposes any reliance on order.
    const rows = shuffle(
      [...(this.channelMembers.get(channel.id) ?? [])].map(([userId, m]) =>
        channelMemberJson(channel.id, userId, m),
      ),
      this.random,
    )
    return ok(page(rows, ctx))
  }

  #getChannelMembersByIds(ctx: Ctx): Reply {
    const channel = this.#channel(ctx.params['channel_id'])
    const rows = this.channelMembers.get(channel.id)
    return ok(
      unique(ctx.body as string[]).flatMap((userId) => {
        const m = rows?.get(userId)
        return m === undefined ? [] : [channelMemberJson(channel.id, userId, m)]
      }),
    )
  }

  #getChannelMember(ctx: Ctx): Reply {
    const channel = this.#channel(ctx.params['channel_id'])
    const userId = ctx.params['user_id'] ?? ''
    const m = this.channelMembers.get(channel.id)?.get(userId)
    if (m === undefined) throw new AppError(404, 'app.channel.get_member.missing.app_error')
    return ok(channelMemberJson(channel.id, userId, m))
  }

  // Semantics §2.2 / §7.3: D/G refused, group check for the whole list first, per-user failures
  // skipped, an error only when nobody got in.
  #addChannelMember(ctx: Ctx): Reply {
    const channel = this.#channel(ctx.params['channel_id'])
    const body = ctx.body as { user_id?: string; user_ids?: string[] }
    const single = body.user_id !== undefined && body.user_ids === undefined
    const userIds = body.user_ids ?? (body.user_id !== undefined ? [body.user_id] : [])
    if (userIds.length === 0) throw new AppError(400, 'api.context.invalid_body_param.app_error')
    if (userIds.length > 1000) throw new AppError(400, 'api.channel.add_members.too_many.app_error')
    if (channel.type !== 'O' && channel.type !== 'P') {
      throw new AppError(400, 'api.channel.add_user_to_channel.type.app_error')
    }
    if (channel.group_constrained === true) {
      const denied = userIds.filter(
        (id) =>
          this.users.get(id)?.is_bot !== true && !this.#inSyncableGroups('channel', channel.id, id),
      )
      if (denied.length > 0) throw new AppError(400, 'api.channel.add_members.user_denied')
    }
    const rows = mapOf(this.channelMembers, channel.id)
    const added: unknown[] = []
    let last: AppError | undefined
    for (const userId of userIds) {
      try {
        const user = this.#user(userId)
        const existing = rows.get(userId)
        if (existing !== undefined) {
          added.push(channelMemberJson(channel.id, userId, existing))
          continue
        }
        if (user.delete_at > 0)
          throw new AppError(403, 'app.channel.add_member.deleted_user.app_error')
        const teamRow = this.teamMembers.get(channel.team_id)?.get(userId)
        if (teamRow === undefined) throw new AppError(404, 'app.team.get_member.missing.app_error')
        if (teamRow.delete_at > 0) {
          throw new AppError(400, 'api.channel.add_user.to.channel.failed.deleted.app_error')
        }
        const row = this.#freshFlags('channel', channel.id, user)
        rows.set(userId, row)
        this.channelHistory.add(`${channel.id}:${userId}`)
        added.push(channelMemberJson(channel.id, userId, row))
      } catch (e) {
        if (!(e instanceof AppError)) throw e
        last = e
      }
    }
    if (added.length === 0 && last !== undefined) throw last
    return { status: 201, body: single && added.length === 1 ? added[0] : added }
  }

  #removeChannelMember(ctx: Ctx): Reply {
    const channel = this.#channel(ctx.params['channel_id'])
    const user = this.#user(ctx.params['user_id'])
    if (channel.type !== 'O' && channel.type !== 'P') {
      throw new AppError(400, 'api.channel.remove_user_from_channel.type.app_error')
    }
    if (channel.group_constrained === true && !user.is_bot) {
      throw new AppError(400, 'api.channel.remove_member.group_constrained.app_error')
    }
    if (this.channelMembers.get(channel.id)?.delete(user.id) !== true) {
      throw new AppError(404, 'app.channel.get_member.missing.app_error')
    }
    return ok({ status: 'OK' })
  }

  // ---- groups ------------------------------------------------------------------------------

  #getGroupUsers(ctx: Ctx): Reply {
    const group = this.#group(ctx.params['group_id'])
    const members = [...(this.groupMembers.get(group.id) ?? [])]
      .flatMap((id) => {
        const u = this.users.get(id)
        return u === undefined ? [] : [u]
      })
      .sort(byId)
      .map(userJson)
    return ok({ members: page(members, ctx), total_member_count: members.length })
  }

  #linkJson(l: FakeLink, schemeAdmin = l.scheme_admin): Record<string, unknown> {
    const common = {
      group_id: l.group_id,
      auto_add: l.auto_add,
      scheme_admin: schemeAdmin,
      create_at: l.create_at,
      update_at: l.update_at,
      delete_at: l.delete_at,
    }
    if (l.kind === 'team') {
      return {
        team_id: l.syncable_id,
        team_display_name: this.teams.get(l.syncable_id)?.name ?? '',
        team_type: 'O',
        type: 'Team',
        ...common,
      }
    }
    const c = this.channels.get(l.syncable_id)
    return {
      channel_id: l.syncable_id,
      channel_display_name: c?.name ?? '',
      channel_type: c?.type ?? 'P',
      team_id: c?.team_id ?? '',
      team_display_name: this.teams.get(c?.team_id ?? '')?.name ?? '',
      team_type: 'O',
      type: 'Channel',
      ...common,
    }
  }

  #listGroupLinks(kind: 'team' | 'channel', ctx: Ctx): Reply {
    const group = this.#group(ctx.params['group_id'])
    return ok(
      [...this.links.values()]
        .filter((l) => l.group_id === group.id && l.kind === kind && l.delete_at === 0)
        .map((l) => this.#linkJson(l)),
    )
  }

  #syncableId(kind: 'team' | 'channel', ctx: Ctx): string {
    return kind === 'team'
      ? this.#team(ctx.params['team_id']).id
      : this.#channel(ctx.params['channel_id']).id
  }

  // Defect §6.2: the single-link read never loads SchemeAdmin.
  #getLink(kind: 'team' | 'channel', ctx: Ctx): Reply {
    const group = this.#group(ctx.params['group_id'])
    const l = this.links.get(linkKey(kind, this.#syncableId(kind, ctx), group.id))
    if (l === undefined) throw new AppError(404, 'app.group.no_rows')
    return ok(this.#linkJson(l, false))
  }

  #upsertLink(
    kind: 'team' | 'channel',
    syncableId: string,
    groupId: string,
    patch: { auto_add?: boolean; scheme_admin?: boolean },
  ): FakeLink {
    const key = linkKey(kind, syncableId, groupId)
    const now = ++this.#clock
    const existing = this.links.get(key)
    // Defect §6.2: the existing row is read without SchemeAdmin, so an omitted field writes false.
    const row: FakeLink =
      existing === undefined
        ? {
            group_id: groupId,
            kind,
            syncable_id: syncableId,
            auto_add: false,
            scheme_admin: false,
            create_at: now,
            update_at: now,
            delete_at: 0,
          }
        : { ...existing, scheme_admin: false, delete_at: 0, update_at: now }
    if (patch.auto_add !== undefined) row.auto_add = patch.auto_add
    if (patch.scheme_admin !== undefined) row.scheme_admin = patch.scheme_admin
    this.links.set(key, row)
    return row
  }

  #link(kind: 'team' | 'channel', ctx: Ctx): Reply {
    const group = this.#group(ctx.params['group_id'])
    if (group.source !== 'ldap' && !group.source.startsWith('plugin_')) {
      throw new AppError(400, 'app.group.crud_permission')
    }
    const syncableId = this.#syncableId(kind, ctx)
    const body = ctx.body as { auto_add?: boolean; scheme_admin?: boolean }
    if (kind === 'channel') {
      const channel = this.#channel(syncableId)
      const team = this.#team(channel.team_id)
      if (team.group_constrained === true) {
        const teamLink = this.links.get(linkKey('team', team.id, group.id))
        if (teamLink === undefined || teamLink.delete_at > 0) {
          throw new AppError(400, 'group_not_associated_to_synced_team')
        }
      } else {
        // Defect §6.1: the team link is upserted with the channel's auto_add and SchemeAdmin=false.
        this.#upsertLink('team', team.id, group.id, {
          auto_add: body.auto_add ?? false,
          scheme_admin: false,
        })
      }
    }
    return { status: 201, body: this.#linkJson(this.#upsertLink(kind, syncableId, group.id, body)) }
  }

  #patch(kind: 'team' | 'channel', ctx: Ctx): Reply {
    const group = this.#group(ctx.params['group_id'])
    const syncableId = this.#syncableId(kind, ctx)
    const l = this.links.get(linkKey(kind, syncableId, group.id))
    if (l === undefined || l.delete_at > 0) throw new AppError(404, 'app.group.no_rows')
    return ok(this.#linkJson(this.#upsertLink(kind, syncableId, group.id, ctx.body as never)))
  }

  #unlink(kind: 'team' | 'channel', ctx: Ctx): Reply {
    const group = this.#group(ctx.params['group_id'])
    const syncableId = this.#syncableId(kind, ctx)
    const l = this.links.get(linkKey(kind, syncableId, group.id))
    if (l === undefined) throw new AppError(404, 'app.group.no_rows')
    if (l.delete_at > 0) throw new AppError(400, 'app.group.group_syncable_already_deleted')
    const now = ++this.#clock
    const drop = (row: FakeLink) => {
      row.delete_at = now
      row.update_at = now
      row.scheme_admin = false
    }
    drop(l)
    // Defect §6.3: a team unlink soft-deletes the group's channel links in every team.
    if (kind === 'team') {
      for (const c of this.links.values()) {
        if (c.group_id === group.id && c.kind === 'channel' && c.delete_at === 0) drop(c)
      }
    }
    return ok({ status: 'OK' })
  }

  #groupsOf(kind: 'team' | 'channel', ctx: Ctx): Reply {
    const syncableId = this.#syncableId(kind, ctx)
    const rows = [...this.links.values()]
      .filter((l) => l.kind === kind && l.syncable_id === syncableId && l.delete_at === 0)
      .sort((a, b) => (a.group_id < b.group_id ? -1 : 1))
      .flatMap((l) => {
        const g = this.groups.get(l.group_id)
        return g === undefined || g.delete_at > 0
          ? []
          : [{ ...groupJson(g), scheme_admin: l.scheme_admin }]
      })
    return ok({ groups: page(rows, ctx), total_group_count: rows.length })
  }
}

// `WHERE id IN (…)`: a repeated id matches its row once.
function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)]
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

function ok(body: unknown): Reply {
  return { status: 200, body }
}

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

// web/params.go: page defaults to 0, per_page to 60, capped at 200; junk falls back to defaults.
function page<T>(items: readonly T[], ctx: Ctx): T[] {
  const pageNo = toInt(ctx.query['page'], 0)
  const perPage = Math.min(maxPerPage, toInt(ctx.query['per_page'], 60))
  return items.slice(pageNo * perPage, pageNo * perPage + perPage)
}

function toInt(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value === undefined || !Number.isInteger(n) || n < 0 ? fallback : n
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key)
  if (inner === undefined) outer.set(key, (inner = new Map<string, V>()))
  return inner
}

function linkKey(kind: string, syncableId: string, groupId: string): string {
  return `${kind}:${syncableId}:${groupId}`
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const a = items[i] as T
    items[i] = items[j] as T
    items[j] = a
  }
  return items
}

function userJson(u: FakeUser): Record<string, unknown> {
  return {
    id: u.id,
    create_at: 1,
    update_at: 1,
    delete_at: u.delete_at,
    username: u.username,
    email: u.email,
    auth_data: u.auth_data,
    auth_service: u.auth_data !== '' ? 'ldap' : '',
    roles: u.roles,
    is_bot: u.is_bot,
    locale: 'en',
  }
}

function teamJson(t: FakeTeam): Record<string, unknown> {
  return {
    id: t.id,
    create_at: 1,
    update_at: 1,
    delete_at: t.delete_at,
    display_name: t.name,
    name: t.name,
    type: 'O',
    group_constrained: t.group_constrained,
  }
}

function channelJson(c: FakeChannel): Record<string, unknown> {
  return {
    id: c.id,
    create_at: 1,
    update_at: 1,
    delete_at: c.delete_at,
    team_id: c.team_id,
    type: c.type,
    display_name: c.name,
    name: c.name,
    group_constrained: c.group_constrained,
  }
}

function groupJson(g: FakeGroup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    display_name: g.name,
    description: '',
    source: g.source,
    remote_id: g.source === 'custom' ? null : `remote-${g.id}`,
    create_at: 1,
    update_at: 1,
    delete_at: g.delete_at,
    has_syncables: true,
    allow_reference: false,
    member_ids: null,
  }
}

function teamMemberJson(
  teamId: string,
  userId: string,
  m: FakeTeamMember,
): Record<string, unknown> {
  return {
    team_id: teamId,
    user_id: userId,
    roles: roles('team', m),
    delete_at: m.delete_at,
    scheme_guest: m.scheme_guest,
    scheme_user: m.scheme_user,
    scheme_admin: m.scheme_admin,
    explicit_roles: '',
  }
}

function channelMemberJson(channelId: string, userId: string, m: Flags): Record<string, unknown> {
  return {
    channel_id: channelId,
    user_id: userId,
    roles: roles('channel', m),
    last_viewed_at: -1,
    msg_count: 0,
    mention_count: 0,
    mention_count_root: 0,
    urgent_mention_count: 0,
    msg_count_root: 0,
    notify_props: {},
    last_update_at: -1,
    scheme_guest: m.scheme_guest,
    scheme_user: m.scheme_user,
    scheme_admin: m.scheme_admin,
    explicit_roles: '',
  }
}

function roles(kind: 'team' | 'channel', m: Flags): string {
  return [
    m.scheme_guest ? `${kind}_guest` : '',
    m.scheme_user ? `${kind}_user` : '',
    m.scheme_admin ? `${kind}_admin` : '',
  ]
    .filter((r) => r !== '')
    .join(' ')
}
