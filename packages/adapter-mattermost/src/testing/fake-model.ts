import type { Channel, SyncState, SystemRole } from '@grouproles/core'

/** A `Users` row, as much of it as the fake needs. */
export interface FakeUser {
  readonly id: string
  readonly username: string
  readonly email: string
  readonly auth_data: string
  readonly roles: string
  readonly delete_at: number
  readonly is_bot: boolean
}

/** A `Teams` row. */
export interface FakeTeam {
  readonly id: string
  readonly name: string
  readonly delete_at: number
  readonly group_constrained: boolean | null
}

/** A `Channels` row. */
export interface FakeChannel {
  readonly id: string
  readonly team_id: string
  readonly name: string
  readonly type: string
  readonly delete_at: number
  readonly group_constrained: boolean | null
}

/** The scheme flags of a `TeamMembers` / `ChannelMembers` row. */
export interface Flags {
  scheme_admin: boolean
  scheme_guest: boolean
  scheme_user: boolean
}

/** A `TeamMembers` row; `delete_at > 0` when the user left or was removed (the row is kept). */
export interface FakeTeamMember extends Flags {
  delete_at: number
}

/** A `UserGroups` row. */
export interface FakeGroup {
  readonly id: string
  readonly name: string
  readonly source: string
  readonly delete_at: number
}

/** A `GroupTeams` / `GroupChannels` row. */
export interface FakeLink {
  readonly group_id: string
  readonly kind: 'team' | 'channel'
  readonly syncable_id: string
  auto_add: boolean
  scheme_admin: boolean
  readonly create_at: number
  update_at: number
  delete_at: number
}

/** A `Posts` row (only what the fake's callers post: run summaries). */
export interface FakePost {
  readonly id: string
  readonly channel_id: string
  readonly user_id: string
  readonly message: string
  readonly create_at: number
}

/** A refusal as the server words it: an HTTP status and a stable `AppError.id`. */
export class FakeAppError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string = id,
  ) {
    super(message)
  }
}

/** `TeamSettings.ExperimentalDefaultChannels` to the names a new team member joins (town-square first). */
export function defaultChannelNames(configured: readonly string[]): readonly string[] {
  return configured.length === 0
    ? ['town-square', 'off-topic']
    : ['town-square', ...new Set(configured.filter((n) => n !== 'town-square'))]
}

const systemRoles: Readonly<Record<SystemRole, string>> = {
  user: 'system_user',
  guest: 'system_guest',
  admin: 'system_user system_admin',
}

/** The in-memory tables behind the fake and the server rules that change them. */
export class FakeModel {
  readonly users: Map<string, FakeUser> = new Map()
  readonly teams: Map<string, FakeTeam> = new Map()
  readonly channels: Map<string, FakeChannel> = new Map()
  readonly teamMembers: Map<string, Map<string, FakeTeamMember>> = new Map()
  readonly channelMembers: Map<string, Map<string, Flags>> = new Map()
  /** `ChannelMemberHistory` as `channelId:userId` keys (a row exists for every join ever made). */
  readonly channelHistory: Set<string> = new Set()
  readonly groups: Map<string, FakeGroup> = new Map()
  readonly groupMembers: Map<string, Set<string>> = new Map()
  readonly links: Map<string, FakeLink> = new Map()
  /** Posts made through `POST /posts`, oldest first. */
  readonly posts: FakePost[] = []
  /** Names joined on a new team membership (`defaultChannelNames` of the configured list). */
  defaultChannels: readonly string[] = defaultChannelNames([])
  #clock = 1_700_000_000_000
  // Bumped on every change; read caches (sorted lists) are keyed by it.
  #version = 0
  readonly #cache = new Map<string, { version: number; value: unknown }>()

  /** A new timestamp, later than every earlier one. */
  tick(): number {
    return ++this.#clock
  }

  /** Marks the tables changed (drops every cached sorted list). */
  touch(): void {
    this.#version++
  }

  /** A value computed once per table version. */
  cached<T>(key: string, compute: () => T): T {
    const hit = this.#cache.get(key)
    if (hit !== undefined && hit.version === this.#version) return hit.value as T
    const value = compute()
    this.#cache.set(key, { version: this.#version, value })
    return value
  }

  /** Replaces every table with a core state; groups get source `ldap`. */
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
    this.posts.length = 0
    this.touch()
    const at = (deleted: boolean | undefined) => (deleted === true ? this.#clock : 0)
    for (const u of state.users) {
      this.users.set(u.id, {
        id: u.id,
        username: u.username,
        email: u.email ?? '',
        auth_data: u.authData ?? '',
        roles: systemRoles[u.systemRole],
        delete_at: at(u.deactivated),
        is_bot: u.isBot === true,
      })
    }
    for (const t of state.teams) {
      this.teams.set(t.id, {
        id: t.id,
        name: t.name,
        delete_at: at(t.deleted),
        group_constrained: t.groupConstrained ? true : null,
      })
    }
    for (const c of state.channels) {
      this.channels.set(c.id, {
        id: c.id,
        team_id: c.teamId,
        name: c.name,
        type: c.type,
        delete_at: at(c.deleted),
        group_constrained: c.groupConstrained ? true : null,
      })
    }
    for (const g of state.groups) {
      this.groups.set(g.id, { id: g.id, name: g.name, source: 'ldap', delete_at: at(g.deleted) })
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
        delete_at: at(l.deleted),
      })
    }
    for (const m of state.teamMembers) {
      rowsOf(this.teamMembers, m.teamId).set(m.userId, {
        scheme_admin: m.schemeAdmin,
        scheme_guest: m.schemeGuest,
        scheme_user: !m.schemeGuest,
        delete_at: at(m.deleted),
      })
    }
    for (const m of state.channelMembers) {
      rowsOf(this.channelMembers, m.channelId).set(m.userId, {
        scheme_admin: m.schemeAdmin,
        scheme_guest: m.schemeGuest,
        scheme_user: !m.schemeGuest,
      })
    }
    for (const h of state.channelHistory) this.channelHistory.add(historyKey(h.channelId, h.userId))
  }

  /** The tables as a core state (soft-deleted team rows and history included). */
  snapshot(): SyncState {
    return {
      users: [...this.users.values()].map((u) => ({
        id: u.id,
        username: u.username,
        ...(u.email !== '' ? { email: u.email } : {}),
        ...(u.auth_data !== '' ? { authData: u.auth_data } : {}),
        systemRole: systemRoleOf(u.roles),
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
        type: c.type as Channel['type'],
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

  // ---- look-ups that fail as the server does ------------------------------------------------

  user(id: string | undefined): FakeUser {
    const u = this.users.get(id ?? '')
    if (u === undefined) throw new FakeAppError(404, 'app.user.missing_account.const')
    return u
  }

  team(id: string | undefined): FakeTeam {
    const t = this.teams.get(id ?? '')
    if (t === undefined) throw new FakeAppError(404, 'app.team.get.find.app_error')
    return t
  }

  channel(id: string | undefined): FakeChannel {
    const c = this.channels.get(id ?? '')
    if (c === undefined) throw new FakeAppError(404, 'app.channel.get.existing.app_error')
    return c
  }

  group(id: string | undefined): FakeGroup {
    const g = this.groups.get(id ?? '')
    if (g === undefined) throw new FakeAppError(404, 'app.group.no_rows')
    return g
  }

  // ---- group rules (mattermost-semantics.md §2-§3) -------------------------------------------

  /** In a live group linked (live) to the syncable; auto_add and scheme_admin do not matter. */
  inSyncableGroups(kind: 'team' | 'channel', id: string, userId: string): boolean {
    for (const l of this.links.values()) {
      if (l.kind !== kind || l.syncable_id !== id || l.delete_at > 0) continue
      if (this.groups.get(l.group_id)?.delete_at !== 0) continue
      if (this.groupMembers.get(l.group_id)?.has(userId) === true) return true
    }
    return false
  }

  /** Any live scheme-admin link whose group has the user (the group's own deletion is ignored). */
  inAdminRoleGroup(kind: 'team' | 'channel', id: string, userId: string): boolean {
    for (const l of this.links.values()) {
      if (l.kind !== kind || l.syncable_id !== id || l.delete_at > 0 || !l.scheme_admin) continue
      if (this.groupMembers.get(l.group_id)?.has(userId) === true) return true
    }
    return false
  }

  /** The flags a new membership gets: guests stay guests, admin only from an admin group. */
  freshFlags(kind: 'team' | 'channel', id: string, user: FakeUser): Flags {
    const guest = isGuest(user)
    return {
      scheme_guest: guest,
      scheme_user: !guest,
      scheme_admin: !guest && this.inAdminRoleGroup(kind, id, user.id),
    }
  }

  // ---- membership rules ---------------------------------------------------------------------

  /**
   * JoinUserToTeam: an active row is returned unchanged; a missing or soft-deleted one is written
   * with fresh flags, and a non-guest then joins the team's default channels.
   */
  joinTeam(team: FakeTeam, userId: string): FakeTeamMember {
    const user = this.user(userId)
    const rows = rowsOf(this.teamMembers, team.id)
    const existing = rows.get(userId)
    if (existing !== undefined && existing.delete_at === 0) return existing
    const row = { ...this.freshFlags('team', team.id, user), delete_at: 0 }
    rows.set(userId, row)
    this.touch()
    if (!isGuest(user)) this.#joinDefaultChannels(team, user)
    return row
  }

  // JoinDefaultChannels: live open channels with a default name; existing rows stay as they are;
  // SchemeAdmin only from the team-email rule, which the fake does not model.
  #joinDefaultChannels(team: FakeTeam, user: FakeUser): void {
    for (const c of this.channels.values()) {
      if (c.team_id !== team.id || c.type !== 'O' || c.delete_at > 0) continue
      if (!this.defaultChannels.includes(c.name)) continue
      const rows = rowsOf(this.channelMembers, c.id)
      if (rows.has(user.id)) continue
      rows.set(user.id, { scheme_admin: false, scheme_guest: false, scheme_user: true })
      this.channelHistory.add(historyKey(c.id, user.id))
    }
  }

  /**
   * LeaveTeam: needs a row (active or not, else 400 missing); drops the user's open and private
   * channel rows of the team, then soft-deletes the team row.
   */
  leaveTeam(team: FakeTeam, userId: string): void {
    const row = this.teamMembers.get(team.id)?.get(userId)
    if (row === undefined) {
      throw new FakeAppError(400, 'api.team.remove_user_from_team.missing.app_error')
    }
    for (const c of this.channels.values()) {
      if (c.team_id === team.id && (c.type === 'O' || c.type === 'P')) {
        this.channelMembers.get(c.id)?.delete(userId)
      }
    }
    row.delete_at = this.tick()
    this.touch()
  }

  /** AddUserToChannel for one user (the group check is the caller's); throws the server's refusal. */
  joinChannel(channel: FakeChannel, userId: string): Flags {
    const user = this.user(userId)
    const rows = rowsOf(this.channelMembers, channel.id)
    const existing = rows.get(userId)
    if (existing !== undefined) return existing
    if (user.delete_at > 0)
      throw new FakeAppError(403, 'app.channel.add_member.deleted_user.app_error')
    const teamRow = this.teamMembers.get(channel.team_id)?.get(userId)
    if (teamRow === undefined) throw new FakeAppError(404, 'app.team.get_member.missing.app_error')
    if (teamRow.delete_at > 0) {
      throw new FakeAppError(400, 'api.channel.add_user.to.channel.failed.deleted.app_error')
    }
    const row = this.freshFlags('channel', channel.id, user)
    rows.set(userId, row)
    this.channelHistory.add(historyKey(channel.id, userId))
    this.touch()
    return row
  }

  /**
   * removeUserFromChannel (app layer): town-square keeps its non-guests; a guest removed from
   * their last channel of the team also leaves the team. "Last" as `GetMembersForUser(teamId)`
   * counts: rows in any channel of the team (archived ones too) or of no team (DMs and GMs).
   */
  leaveChannel(channel: FakeChannel, userId: string): void {
    const user = this.user(userId)
    if (channel.name === 'town-square' && !isGuest(user)) {
      throw new FakeAppError(400, 'api.channel.remove.default.app_error')
    }
    if (this.channelMembers.get(channel.id)?.delete(userId) !== true) {
      throw new FakeAppError(404, 'app.channel.get_member.missing.app_error')
    }
    this.touch()
    if (!isGuest(user)) return
    const stillIn = [...this.channels.values()].some(
      (c) =>
        (c.team_id === channel.team_id || c.team_id === '') &&
        this.channelMembers.get(c.id)?.has(userId) === true,
    )
    const teamRow = this.teamMembers.get(channel.team_id)?.get(userId)
    if (!stillIn && teamRow !== undefined && teamRow.delete_at === 0)
      teamRow.delete_at = this.tick()
  }
}

/** The row map of one team or channel, created on first use. */
export function rowsOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key)
  if (inner === undefined) outer.set(key, (inner = new Map<string, V>()))
  return inner
}

/** The key of a link row. */
export function linkKey(kind: string, syncableId: string, groupId: string): string {
  return `${kind}:${syncableId}:${groupId}`
}

function historyKey(channelId: string, userId: string): string {
  return `${channelId}:${userId}`
}

/** Whether `Users.Roles` makes the user a guest. */
export function isGuest(user: FakeUser): boolean {
  return user.roles.split(' ').includes('system_guest')
}

function systemRoleOf(roles: string): SystemRole {
  const list = roles.split(' ')
  if (list.includes('system_admin')) return 'admin'
  if (list.includes('system_guest')) return 'guest'
  return 'user'
}
