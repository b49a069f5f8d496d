import { err, ok, Result } from 'neverthrow'

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

function record(json: unknown, what: string): Result<Record<string, unknown>, string> {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? ok(json as Record<string, unknown>)
    : err(`${what}: expected an object`)
}

function field<T>(
  o: Record<string, unknown>,
  name: string,
  what: string,
  check: (v: unknown) => v is T,
): Result<T, string> {
  const v = o[name]
  return check(v) ? ok(v) : err(`${what}: field ${name} is missing or has the wrong type`)
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isNumber = (v: unknown): v is number => typeof v === 'number'
const isBool = (v: unknown): v is boolean => typeof v === 'boolean'
const isOptBool = (v: unknown): v is boolean | null | undefined =>
  v === undefined || v === null || typeof v === 'boolean'
const numberOr = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)
const optString = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined

/** Parses an array with an element parser; the first bad element fails the whole array. */
export function arrayOf<T>(parse: Parse<T>, what: string): Parse<T[]> {
  return (json) => {
    if (!Array.isArray(json)) return err(`${what}: expected an array`)
    const out: T[] = []
    for (const item of json) {
      const r = parse(item)
      if (r.isErr()) return err(r.error)
      out.push(r.value)
    }
    return ok(out)
  }
}

/** Parses a `User`. */
export const parseUser: Parse<ApiUser> = (json) =>
  record(json, 'User').andThen((o) =>
    Result.combine([
      field(o, 'id', 'User', isString),
      field(o, 'username', 'User', isString),
      field(o, 'delete_at', 'User', isNumber),
    ]).map(([id, username, deleteAt]) => ({
      id,
      username,
      email: optString(o['email']),
      auth_data: optString(o['auth_data']),
      roles: typeof o['roles'] === 'string' ? o['roles'] : '',
      delete_at: deleteAt,
      is_bot: o['is_bot'] === true,
    })),
  )

/** Parses a `Team`. */
export const parseTeam: Parse<ApiTeam> = (json) =>
  record(json, 'Team').andThen((o) =>
    Result.combine([
      field(o, 'id', 'Team', isString),
      field(o, 'name', 'Team', isString),
      field(o, 'delete_at', 'Team', isNumber),
      field(o, 'group_constrained', 'Team', isOptBool),
    ]).map(([id, name, deleteAt, gc]) => ({
      id,
      name,
      delete_at: deleteAt,
      group_constrained: gc ?? null,
    })),
  )

/** Parses a `Channel`. */
export const parseChannel: Parse<ApiChannel> = (json) =>
  record(json, 'Channel').andThen((o) =>
    Result.combine([
      field(o, 'id', 'Channel', isString),
      field(o, 'team_id', 'Channel', isString),
      field(o, 'name', 'Channel', isString),
      field(o, 'type', 'Channel', isString),
      field(o, 'delete_at', 'Channel', isNumber),
      field(o, 'group_constrained', 'Channel', isOptBool),
    ]).map(([id, teamId, name, type, deleteAt, gc]) => ({
      id,
      team_id: teamId,
      name,
      type,
      delete_at: deleteAt,
      group_constrained: gc ?? null,
    })),
  )

/** Parses a `TeamMember`; NULL scheme flags read as false, as the server's store does. */
export const parseTeamMember: Parse<ApiTeamMember> = (json) =>
  record(json, 'TeamMember').andThen((o) =>
    Result.combine([
      field(o, 'team_id', 'TeamMember', isString),
      field(o, 'user_id', 'TeamMember', isString),
      field(o, 'scheme_admin', 'TeamMember', isOptBool),
      field(o, 'scheme_guest', 'TeamMember', isOptBool),
      field(o, 'scheme_user', 'TeamMember', isOptBool),
    ]).map(([teamId, userId, admin, guest, user]) => ({
      team_id: teamId,
      user_id: userId,
      delete_at: typeof o['delete_at'] === 'number' ? o['delete_at'] : 0,
      scheme_admin: admin === true,
      scheme_guest: guest === true,
      scheme_user: user === true,
    })),
  )

/** Parses one entry of a graceful batch-add answer. */
export const parseTeamMemberWithError: Parse<ApiTeamMemberWithError> = (json) =>
  record(json, 'TeamMemberWithError').andThen((o) =>
    field(o, 'user_id', 'TeamMemberWithError', isString).andThen((userId) => {
      const member =
        o['member'] === undefined || o['member'] === null
          ? ok(undefined)
          : parseTeamMember(o['member'])
      return member.map((m) => {
        const e = o['error']
        const error =
          typeof e === 'object' && e !== null
            ? {
                id: optString((e as Record<string, unknown>)['id']),
                message: optString((e as Record<string, unknown>)['message']) ?? 'rejected',
                status_code: numberOr((e as Record<string, unknown>)['status_code']),
              }
            : undefined
        return { user_id: userId, member: m, error }
      })
    }),
  )

/** Parses a `ChannelMember`. */
export const parseChannelMember: Parse<ApiChannelMember> = (json) =>
  record(json, 'ChannelMember').andThen((o) =>
    Result.combine([
      field(o, 'channel_id', 'ChannelMember', isString),
      field(o, 'user_id', 'ChannelMember', isString),
      field(o, 'scheme_admin', 'ChannelMember', isOptBool),
      field(o, 'scheme_guest', 'ChannelMember', isOptBool),
      field(o, 'scheme_user', 'ChannelMember', isOptBool),
    ]).map(([channelId, userId, admin, guest, user]) => ({
      channel_id: channelId,
      user_id: userId,
      scheme_admin: admin === true,
      scheme_guest: guest === true,
      scheme_user: user === true,
    })),
  )

/** Parses a `Group`. */
export const parseGroup: Parse<ApiGroup> = (json) =>
  record(json, 'Group').andThen((o) =>
    Result.combine([
      field(o, 'id', 'Group', isString),
      field(o, 'source', 'Group', isString),
      field(o, 'delete_at', 'Group', isNumber),
    ]).map(([id, source, deleteAt]) => ({
      id,
      name: optString(o['name']) ?? '',
      display_name: optString(o['display_name']) ?? '',
      source,
      delete_at: deleteAt,
    })),
  )

/** Parses a `GroupSyncable` of the given kind (team or channel). */
export function parseGroupSyncable(kind: 'team' | 'channel'): Parse<ApiGroupSyncable> {
  const idField = kind === 'team' ? 'team_id' : 'channel_id'
  return (json) =>
    record(json, 'GroupSyncable').andThen((o) =>
      Result.combine([
        field(o, 'group_id', 'GroupSyncable', isString),
        field(o, idField, 'GroupSyncable', isString),
        field(o, 'auto_add', 'GroupSyncable', isBool),
        field(o, 'scheme_admin', 'GroupSyncable', isOptBool),
      ]).map(([groupId, syncableId, autoAdd, schemeAdmin]) => ({
        group_id: groupId,
        kind,
        syncable_id: syncableId,
        team_id: optString(o['team_id']),
        auto_add: autoAdd,
        scheme_admin: schemeAdmin === true,
        delete_at: typeof o['delete_at'] === 'number' ? o['delete_at'] : 0,
      })),
    )
}

/** Parses `{ members: User[] }` from `GET /groups/{id}/members`. */
export const parseGroupMembersPage: Parse<ApiUser[]> = (json) =>
  record(json, 'GroupMembers').andThen((o) => arrayOf(parseUser, 'GroupMembers')(o['members']))

/** Parses `{ groups: [...] }` from `GET /teams/{id}/groups`: group id and `scheme_admin`. */
export const parseGroupsWithSchemeAdmin: Parse<{ id: string; scheme_admin: boolean }[]> = (json) =>
  record(json, 'GroupsWithCount').andThen((o) =>
    arrayOf(
      (g) =>
        record(g, 'GroupWithSchemeAdmin').andThen((r) =>
          field(r, 'id', 'GroupWithSchemeAdmin', isString).map((id) => ({
            id,
            scheme_admin: r['scheme_admin'] === true,
          })),
        ),
      'GroupsWithCount',
    )(o['groups']),
  )

/** Parses `{ member_count }` from `GET /channels/{id}/stats`. */
export const parseChannelStats: Parse<{ member_count: number }> = (json) =>
  record(json, 'ChannelStats').andThen((o) =>
    field(o, 'member_count', 'ChannelStats', isNumber).map((n) => ({ member_count: n })),
  )

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
