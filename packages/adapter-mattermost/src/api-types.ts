import { err, ok, type Result } from 'neverthrow'

// Wire shapes: only the fields the adapter reads, named as the Go JSON tags (mattermost-api.md §4).

/** A user as `GET /users` returns it (the fields the adapter reads). */
export interface ApiUser {
  readonly id: string
  readonly username: string
  readonly email: string | undefined
  readonly auth_data: string | undefined
  readonly roles: string
  readonly delete_at: number
  readonly is_bot: boolean
}

/** A team as `GET /teams` returns it. */
export interface ApiTeam {
  readonly id: string
  readonly name: string
  readonly delete_at: number
  readonly group_constrained: boolean | null
}

/** A channel as `GET /channels/{id}` returns it. */
export interface ApiChannel {
  readonly id: string
  readonly team_id: string
  readonly name: string
  readonly type: string
  readonly delete_at: number
  readonly group_constrained: boolean | null
}

/** A `TeamMembers` row as the API shows it (only `delete_at = 0` rows are ever listed). */
export interface ApiTeamMember {
  readonly team_id: string
  readonly user_id: string
  readonly delete_at: number
  readonly scheme_admin: boolean
  readonly scheme_guest: boolean
  readonly scheme_user: boolean
}

/** One entry of a graceful batch add: a member or an error for that user. */
export interface ApiTeamMemberWithError {
  readonly user_id: string
  readonly member: ApiTeamMember | undefined
  readonly error:
    | {
        readonly id: string | undefined
        readonly message: string
        readonly status_code: number | undefined
      }
    | undefined
}

/** A `ChannelMembers` row. */
export interface ApiChannelMember {
  readonly channel_id: string
  readonly user_id: string
  readonly scheme_admin: boolean
  readonly scheme_guest: boolean
  readonly scheme_user: boolean
}

/** A `UserGroups` row; `source` is `ldap`, `custom` or `plugin_*`. */
export interface ApiGroup {
  readonly id: string
  readonly name: string
  readonly display_name: string
  readonly source: string
  readonly delete_at: number
}

/** A live `GroupTeams` / `GroupChannels` row from a list endpoint (which keeps `scheme_admin`). */
export interface ApiGroupSyncable {
  readonly group_id: string
  readonly kind: 'team' | 'channel'
  /** The team id, or the channel id. */
  readonly syncable_id: string
  /** The team of a channel link; the team itself for a team link. */
  readonly team_id: string | undefined
  readonly auto_add: boolean
  readonly scheme_admin: boolean
  readonly delete_at: number
}

type Parse<T> = (json: unknown) => Result<T, string>

/** Why a JSON value is not what the API promises. */
class Invalid {
  constructor(readonly message: string) {}
}

/**
 * A parser of one row that returns the row itself or an `Invalid`: list answers hold millions of
 * rows at scale, so rows are checked without a Result each.
 */
export type Check<T> = (json: unknown) => T | Invalid

type Row = Record<string, unknown>

function isRow(json: unknown): json is Row {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
}

function record(json: unknown, what: string): Result<Row, string> {
  return isRow(json) ? ok(json) : err(`${what}: expected an object`)
}

const wrong = (what: string, name: string): Invalid =>
  new Invalid(`${what}: field ${name} is missing or has the wrong type`)
const isOptBool = (v: unknown): v is boolean | null | undefined =>
  v === undefined || v === null || typeof v === 'boolean'
const numberOr = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)
const optString = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined

/** Parses an array with a row check; the first bad row fails the whole array. */
export function arrayOf<T>(check: Check<T>, what: string): Parse<T[]> {
  return (json) => {
    if (!Array.isArray(json)) return err(`${what}: expected an array`)
    const out: T[] = new Array<T>(json.length)
    for (let i = 0; i < json.length; i++) {
      const r = check(json[i])
      if (r instanceof Invalid) return err(r.message)
      out[i] = r
    }
    return ok(out)
  }
}

/** Parses one object with a row check. */
export function one<T>(check: Check<T>): Parse<T> {
  return (json) => {
    const r = check(json)
    return r instanceof Invalid ? err(r.message) : ok(r)
  }
}

/** Checks a `User`. */
export const checkUser: Check<ApiUser> = (json) => {
  if (!isRow(json)) return new Invalid('User: expected an object')
  const { id, username, delete_at: deleteAt, roles } = json
  if (typeof id !== 'string') return wrong('User', 'id')
  if (typeof username !== 'string') return wrong('User', 'username')
  if (typeof deleteAt !== 'number') return wrong('User', 'delete_at')
  return {
    id,
    username,
    email: optString(json['email']),
    auth_data: optString(json['auth_data']),
    roles: typeof roles === 'string' ? roles : '',
    delete_at: deleteAt,
    is_bot: json['is_bot'] === true,
  }
}

/** Checks a `Team`. */
export const checkTeam: Check<ApiTeam> = (json) => {
  if (!isRow(json)) return new Invalid('Team: expected an object')
  const { id, name, delete_at: deleteAt, group_constrained: gc } = json
  if (typeof id !== 'string') return wrong('Team', 'id')
  if (typeof name !== 'string') return wrong('Team', 'name')
  if (typeof deleteAt !== 'number') return wrong('Team', 'delete_at')
  if (!isOptBool(gc)) return wrong('Team', 'group_constrained')
  return { id, name, delete_at: deleteAt, group_constrained: gc ?? null }
}

/** Checks a `Channel`. */
export const checkChannel: Check<ApiChannel> = (json) => {
  if (!isRow(json)) return new Invalid('Channel: expected an object')
  const { id, team_id: teamId, name, type, delete_at: deleteAt, group_constrained: gc } = json
  if (typeof id !== 'string') return wrong('Channel', 'id')
  if (typeof teamId !== 'string') return wrong('Channel', 'team_id')
  if (typeof name !== 'string') return wrong('Channel', 'name')
  if (typeof type !== 'string') return wrong('Channel', 'type')
  if (typeof deleteAt !== 'number') return wrong('Channel', 'delete_at')
  if (!isOptBool(gc)) return wrong('Channel', 'group_constrained')
  return { id, team_id: teamId, name, type, delete_at: deleteAt, group_constrained: gc ?? null }
}

/** Checks a `TeamMember`; NULL scheme flags read as false, as the server's store does. */
export const checkTeamMember: Check<ApiTeamMember> = (json) => {
  if (!isRow(json)) return new Invalid('TeamMember: expected an object')
  const { team_id: teamId, user_id: userId, scheme_admin: admin, scheme_guest: guest } = json
  const user = json['scheme_user']
  if (typeof teamId !== 'string') return wrong('TeamMember', 'team_id')
  if (typeof userId !== 'string') return wrong('TeamMember', 'user_id')
  if (!isOptBool(admin)) return wrong('TeamMember', 'scheme_admin')
  if (!isOptBool(guest)) return wrong('TeamMember', 'scheme_guest')
  if (!isOptBool(user)) return wrong('TeamMember', 'scheme_user')
  const deleteAt = json['delete_at']
  return {
    team_id: teamId,
    user_id: userId,
    delete_at: typeof deleteAt === 'number' ? deleteAt : 0,
    scheme_admin: admin === true,
    scheme_guest: guest === true,
    scheme_user: user === true,
  }
}

/** Checks one entry of a graceful batch-add answer. */
export const checkTeamMemberWithError: Check<ApiTeamMemberWithError> = (json) => {
  if (!isRow(json)) return new Invalid('TeamMemberWithError: expected an object')
  const userId = json['user_id']
  if (typeof userId !== 'string') return wrong('TeamMemberWithError', 'user_id')
  const raw = json['member']
  const member = raw === undefined || raw === null ? undefined : checkTeamMember(raw)
  if (member instanceof Invalid) return member
  const e = json['error']
  const error = isRow(e)
    ? {
        id: optString(e['id']),
        message: optString(e['message']) ?? 'rejected',
        status_code: numberOr(e['status_code']),
      }
    : undefined
  return { user_id: userId, member, error }
}

/** Checks a `ChannelMember`. */
export const checkChannelMember: Check<ApiChannelMember> = (json) => {
  if (!isRow(json)) return new Invalid('ChannelMember: expected an object')
  const { channel_id: channelId, user_id: userId, scheme_admin: admin, scheme_guest: guest } = json
  const user = json['scheme_user']
  if (typeof channelId !== 'string') return wrong('ChannelMember', 'channel_id')
  if (typeof userId !== 'string') return wrong('ChannelMember', 'user_id')
  if (!isOptBool(admin)) return wrong('ChannelMember', 'scheme_admin')
  if (!isOptBool(guest)) return wrong('ChannelMember', 'scheme_guest')
  if (!isOptBool(user)) return wrong('ChannelMember', 'scheme_user')
  return {
    channel_id: channelId,
    user_id: userId,
    scheme_admin: admin === true,
    scheme_guest: guest === true,
    scheme_user: user === true,
  }
}

/** Checks a `Group`. */
export const checkGroup: Check<ApiGroup> = (json) => {
  if (!isRow(json)) return new Invalid('Group: expected an object')
  const { id, source, delete_at: deleteAt } = json
  if (typeof id !== 'string') return wrong('Group', 'id')
  if (typeof source !== 'string') return wrong('Group', 'source')
  if (typeof deleteAt !== 'number') return wrong('Group', 'delete_at')
  return {
    id,
    name: optString(json['name']) ?? '',
    display_name: optString(json['display_name']) ?? '',
    source,
    delete_at: deleteAt,
  }
}

/** Checks a `GroupSyncable` of the given kind (team or channel). */
export function checkGroupSyncable(kind: 'team' | 'channel'): Check<ApiGroupSyncable> {
  const idField = kind === 'team' ? 'team_id' : 'channel_id'
  return (json) => {
    if (!isRow(json)) return new Invalid('GroupSyncable: expected an object')
    const groupId = json['group_id']
    const syncableId = json[idField]
    const autoAdd = json['auto_add']
    const schemeAdmin = json['scheme_admin']
    if (typeof groupId !== 'string') return wrong('GroupSyncable', 'group_id')
    if (typeof syncableId !== 'string') return wrong('GroupSyncable', idField)
    if (typeof autoAdd !== 'boolean') return wrong('GroupSyncable', 'auto_add')
    if (!isOptBool(schemeAdmin)) return wrong('GroupSyncable', 'scheme_admin')
    const deleteAt = json['delete_at']
    return {
      group_id: groupId,
      kind,
      syncable_id: syncableId,
      team_id: optString(json['team_id']),
      auto_add: autoAdd,
      scheme_admin: schemeAdmin === true,
      delete_at: typeof deleteAt === 'number' ? deleteAt : 0,
    }
  }
}

/** Parses a `Channel`. */
export const parseChannel: Parse<ApiChannel> = one(checkChannel)
/** Parses a `Post` as far as a poster needs it: its id and channel. */
export const parsePost: Parse<{ id: string; channel_id: string }> = (json) =>
  record(json, 'Post').andThen((o) => {
    const id = o['id']
    const channelId = o['channel_id']
    return typeof id === 'string' && typeof channelId === 'string'
      ? ok({ id, channel_id: channelId })
      : err('Post: field id or channel_id is missing or has the wrong type')
  })
/** Parses a `ChannelMember`. */
export const parseChannelMember: Parse<ApiChannelMember> = one(checkChannelMember)

/** Parses `{ members: User[] }` from `GET /groups/{id}/members`. */
export const parseGroupMembersPage: Parse<ApiUser[]> = (json) =>
  record(json, 'GroupMembers').andThen((o) => arrayOf(checkUser, 'GroupMembers')(o['members']))

/**
 * Parses `member_ids` (and `member_count`) of `GET /groups/{id}?include_member_ids=true`:
 * `ids` is undefined when the server sent no array (`null` for an empty group, absent on a server
 * without the parameter); the caller tells them apart by the count.
 */
export const parseGroupMemberIds: Parse<{
  readonly ids: string[] | undefined
  readonly count: number | undefined
}> = (json) =>
  record(json, 'Group').andThen((o) => {
    const ids = o['member_ids']
    const count = o['member_count']
    if (count !== undefined && count !== null && typeof count !== 'number')
      return err('Group.member_count: expected a number')
    const counted = typeof count === 'number' ? count : undefined
    if (ids === undefined || ids === null) return ok({ ids: undefined, count: counted })
    if (!Array.isArray(ids)) return err('Group.member_ids: expected an array')
    const strings: string[] = []
    for (const id of ids) {
      if (typeof id !== 'string') return err('Group.member_ids: expected strings')
      strings.push(id)
    }
    return ok({ ids: strings, count: counted })
  })

/** Parses `{ groups: [...] }` from `GET /teams/{id}/groups`: group id and `scheme_admin`. */
export const parseGroupsWithSchemeAdmin: Parse<{ id: string; scheme_admin: boolean }[]> = (json) =>
  record(json, 'GroupsWithCount').andThen((o) =>
    arrayOf((g): { id: string; scheme_admin: boolean } | Invalid => {
      if (!isRow(g)) return new Invalid('GroupWithSchemeAdmin: expected an object')
      const id = g['id']
      if (typeof id !== 'string') return wrong('GroupWithSchemeAdmin', 'id')
      return { id, scheme_admin: g['scheme_admin'] === true }
    }, 'GroupsWithCount')(o['groups']),
  )

/** Parses `{ member_count }` from `GET /channels/{id}/stats`. */
export const parseChannelStats: Parse<{ member_count: number }> = (json) =>
  record(json, 'ChannelStats').andThen((o) => {
    const n = o['member_count']
    return typeof n === 'number'
      ? ok({ member_count: n })
      : err('ChannelStats: field member_count is missing or has the wrong type')
  })

/** Accepts any JSON body (status answers such as `{"status":"OK"}`). */
export const parseAny: Parse<void> = () => ok(undefined)

/** Parses `GET /config/client?format=old`: the installation's id (`TelemetryId`, else `DiagnosticId`) and `SiteURL`. */
export const parseSiteIdentity: Parse<{ siteId: string; siteUrl: string }> = (json) =>
  record(json, 'ClientConfig').andThen((o) => {
    const siteId = optString(o['TelemetryId']) ?? optString(o['DiagnosticId'])
    if (siteId === undefined)
      return err('ClientConfig: neither TelemetryId nor DiagnosticId is set')
    const url = o['SiteURL']
    if (url !== undefined && typeof url !== 'string')
      return err('ClientConfig: SiteURL is not a string')
    return ok({ siteId, siteUrl: (url ?? '').replace(/\/+$/, '') })
  })
