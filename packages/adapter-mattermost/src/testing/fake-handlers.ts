import { match } from 'ts-pattern'
import { groupHandler } from './fake-group-handlers.js'
import {
  channelJson,
  channelMemberJson,
  channelWithTeamJson,
  teamJson,
  teamMemberJson,
  userJson,
} from './fake-json.js'
import {
  FakeAppError,
  defaultChannelNames,
  type FakeChannel,
  type FakeTeam,
  type FakeTeamMember,
} from './fake-model.js'
import {
  appErrorJson,
  byId,
  compare,
  ok,
  page,
  paging,
  permissionError,
  record,
  type HandlerContext,
  type Reply,
} from './fake-reply.js'
import type { FakeOperationId } from './fake-routes.js'

/** Runs one operation against the model; refusals are thrown as `FakeAppError`. */
export function handle(operationId: FakeOperationId, ctx: HandlerContext): Reply {
  const { model, params: p } = ctx
  return match(operationId)
    .with('GetUsers', () => getUsers(ctx))
    .with('GetUsersByIds', () => {
      const ids = idList(ctx.body)
      return ok(ids.flatMap((id) => maybe(model.users.get(id), userJson)))
    })
    .with('GetAllTeams', () =>
      ok(
        page(
          model.cached('teams', () => [...model.teams.values()].sort(byName)),
          ctx,
        ).map(teamJson),
      ),
    )
    .with('GetTeam', () => ok(teamJson(model.team(p['team_id']))))
    .with('GetTeamMembers', () => getTeamMembers(ctx))
    .with('GetTeamMembersByIds', () => {
      const team = model.team(p['team_id'])
      const rows = model.teamMembers.get(team.id)
      // Active rows only: the store's GetMembersByIds filters `DeleteAt = 0` (unlike GetTeamMember).
      return ok(
        idList(ctx.body).flatMap((userId) => {
          const m = rows?.get(userId)
          return m === undefined || m.delete_at > 0 ? [] : [teamMemberJson(team.id, userId, m)]
        }),
      )
    })
    .with('GetTeamMember', () => {
      const team = model.team(p['team_id'])
      const userId = p['user_id'] ?? ''
      const m = model.teamMembers.get(team.id)?.get(userId)
      if (m === undefined) throw new FakeAppError(404, 'app.team.get_member.missing.app_error')
      return ok(teamMemberJson(team.id, userId, m))
    })
    .with('AddTeamMember', () => addTeamMember(ctx))
    .with('AddTeamMembers', () => addTeamMembers(ctx))
    .with('RemoveTeamMember', () => {
      const team = model.team(p['team_id'])
      const user = model.user(p['user_id'])
      if (team.group_constrained === true && !user.is_bot && user.id !== ctx.settings.caller.id) {
        throw new FakeAppError(400, 'api.team.remove_member.group_constrained.app_error')
      }
      model.leaveTeam(team, user.id)
      return ok({ status: 'OK' })
    })
    .with('UpdateTeamMemberSchemeRoles', () => schemeRoles('team', ctx))
    .with('GetPublicChannelsForTeam', () =>
      teamChannels(ctx, (c) => c.type === 'O' && c.delete_at === 0),
    )
    .with('GetPrivateChannelsForTeam', () => {
      if (!ctx.settings.caller.manageSystem) throw permissionError()
      return teamChannels(ctx, (c) => c.type === 'P' && c.delete_at === 0)
    })
    .with('GetDeletedChannelsForTeam', () =>
      // Archived private channels only where the caller is a member.
      teamChannels(
        ctx,
        (c) =>
          c.delete_at > 0 &&
          (c.type !== 'P' || model.channelMembers.get(c.id)?.has(ctx.settings.caller.id) === true),
      ),
    )
    .with('GetAllChannels', () => getAllChannels(ctx))
    .with('GetChannel', () => ok(channelJson(model.channel(p['channel_id']))))
    .with('GetChannelStats', () => {
      const channel = model.channel(p['channel_id'])
      let count = 0
      for (const userId of model.channelMembers.get(channel.id)?.keys() ?? []) {
        if (model.users.get(userId)?.delete_at === 0) count++
      }
      return ok({ channel_id: channel.id, member_count: count })
    })
    .with('GetChannelMembers', () => getChannelMembers(ctx))
    .with('GetChannelMembersByIds', () => {
      const channel = model.channel(p['channel_id'])
      const rows = model.channelMembers.get(channel.id)
      return ok(
        idList(ctx.body).flatMap((userId) =>
          maybe(rows?.get(userId), (m) => channelMemberJson(channel.id, userId, m)),
        ),
      )
    })
    .with('GetChannelMember', () => {
      const channel = model.channel(p['channel_id'])
      const userId = p['user_id'] ?? ''
      const m = model.channelMembers.get(channel.id)?.get(userId)
      if (m === undefined) throw new FakeAppError(404, 'app.channel.get_member.missing.app_error')
      return ok(channelMemberJson(channel.id, userId, m))
    })
    .with('AddChannelMember', () => addChannelMember(ctx))
    .with('RemoveUserFromChannel', () => {
      const channel = model.channel(p['channel_id'])
      const user = model.user(p['user_id'])
      if (channel.type !== 'O' && channel.type !== 'P') {
        throw new FakeAppError(400, 'api.channel.remove_user_from_channel.type.app_error')
      }
      if (
        channel.group_constrained === true &&
        !user.is_bot &&
        user.id !== ctx.settings.caller.id
      ) {
        throw new FakeAppError(400, 'api.channel.remove_member.group_constrained.app_error')
      }
      model.leaveChannel(channel, user.id)
      return ok({ status: 'OK' })
    })
    .with('UpdateChannelMemberSchemeRoles', () => schemeRoles('channel', ctx))
    .with('GetChannelByNameForTeamName', () => getChannelByNames(ctx))
    .with('CreatePost', () => createPost(ctx))
    .with('GetClientConfig', () => {
      if (ctx.query['format'] === undefined || ctx.query['format'] === '') {
        throw new FakeAppError(501, 'api.config.client.old_format.app_error')
      }
      if (ctx.query['format'] !== 'old') {
        throw new FakeAppError(400, 'api.context.invalid_url_param.app_error')
      }
      return ok({
        Version: '10.11.0',
        BuildNumber: '10.11.0',
        SiteURL: ctx.settings.siteUrl.replace(/\/+$/, ''),
        DiagnosticId: ctx.settings.siteId,
        TelemetryId: ctx.settings.siteId,
        DiagnosticsEnabled: 'false',
      })
    })
    .with(
      'GetGroups',
      'GetGroup',
      'GetGroupUsers',
      'GetGroupSyncablesTeams',
      'GetGroupSyncablesChannels',
      'GetGroupSyncableForTeamId',
      'GetGroupSyncableForChannelId',
      'LinkGroupSyncableForTeam',
      'UnlinkGroupSyncableForTeam',
      'LinkGroupSyncableForChannel',
      'UnlinkGroupSyncableForChannel',
      'PatchGroupSyncableForTeam',
      'PatchGroupSyncableForChannel',
      'GetGroupsByTeam',
      'GetGroupsByChannel',
      'GetGroupsByUserId',
      (op) => groupHandler(op, ctx),
    )
    .exhaustive()
}

// ---- users ----------------------------------------------------------------------------------

// Ordered by id (the server orders by username: stable either way); `in_group` and `in_channel`
// filter.
function getUsers(ctx: HandlerContext): Reply {
  const { model } = ctx
  const inGroup = ctx.query['in_group']
  const inChannel = ctx.query['in_channel']
  const list =
    inChannel !== undefined
      ? model.cached(`channel-users:${inChannel}`, () =>
          [...(model.channelMembers.get(inChannel)?.keys() ?? [])]
            .sort()
            .flatMap((id) => maybe(model.users.get(id), (u) => u)),
        )
      : inGroup !== undefined
        ? model.cached(`group-users:${inGroup}`, () =>
            model
              .cached('users', () => [...model.users.values()].sort(byId))
              .filter((u) => model.groupMembers.get(inGroup)?.has(u.id) === true),
          )
        : model.cached('users', () => [...model.users.values()].sort(byId))
  return ok(page(list, ctx).map(userJson))
}

// ---- teams ----------------------------------------------------------------------------------

// Only delete_at = 0 rows, ordered by user id.
function getTeamMembers(ctx: HandlerContext): Reply {
  const { model } = ctx
  const team = model.team(ctx.params['team_id'])
  const ids = model.cached(`team-members:${team.id}`, () =>
    [...(model.teamMembers.get(team.id) ?? [])]
      .filter(([, m]) => m.delete_at === 0)
      .map(([userId]) => userId)
      .sort(),
  )
  const rows = model.teamMembers.get(team.id)
  return ok(
    page(ids, ctx).flatMap((userId) =>
      maybe(rows?.get(userId), (m) => teamMemberJson(team.id, userId, m)),
    ),
  )
}

// API layer (api4/team.go): on a constrained team every listed non-bot user must be in a group.
function checkTeamGroups(ctx: HandlerContext, team: FakeTeam, userIds: readonly string[]): void {
  if (team.group_constrained !== true) return
  const denied = userIds.filter(
    (id) =>
      ctx.model.users.get(id)?.is_bot !== true && !ctx.model.inSyncableGroups('team', team.id, id),
  )
  if (denied.length > 0) {
    throw new FakeAppError(
      400,
      'api.team.add_members.user_denied',
      `not in the team's groups: ${denied.join(', ')}`,
    )
  }
}

function addTeamMember(ctx: HandlerContext): Reply {
  const team = ctx.model.team(ctx.params['team_id'])
  const body = record(ctx.body)
  const userId = typeof body['user_id'] === 'string' ? body['user_id'] : undefined
  if (body['team_id'] !== team.id || userId === undefined) {
    throw new FakeAppError(400, 'api.context.invalid_body_param.app_error')
  }
  checkTeamGroups(ctx, team, [userId])
  return { status: 201, body: teamMemberJson(team.id, userId, ctx.model.joinTeam(team, userId)) }
}

function addTeamMembers(ctx: HandlerContext): Reply {
  const { model } = ctx
  const team = model.team(ctx.params['team_id'])
  const list = Array.isArray(ctx.body) ? (ctx.body as unknown[]).map(record) : []
  if (list.length === 0) throw new FakeAppError(400, 'api.context.invalid_body_param.app_error')
  if (list.length > 256) throw new FakeAppError(400, 'api.team.add_team_members.too_many.app_error')
  if (list.some((m) => m['team_id'] !== team.id || typeof m['user_id'] !== 'string')) {
    throw new FakeAppError(400, 'api.context.invalid_body_param.app_error')
  }
  const userIds = list.map((m) => String(m['user_id']))
  checkTeamGroups(ctx, team, userIds)
  // Any non-empty value turns graceful mode on, even "false".
  const graceful = ctx.query['graceful'] !== undefined && ctx.query['graceful'] !== ''
  if (!graceful) {
    // Not atomic: a failure stops the loop and the earlier adds stay.
    const members: FakeTeamMember[] = []
    for (const id of userIds) members.push(model.joinTeam(team, id))
    return {
      status: 201,
      body: members.map((m, i) => teamMemberJson(team.id, userIds[i] ?? '', m)),
    }
  }
  return {
    status: 201,
    body: userIds.map((id) => {
      try {
        return {
          user_id: id,
          member: teamMemberJson(team.id, id, model.joinTeam(team, id)),
          error: null,
        }
      } catch (e) {
        if (!(e instanceof FakeAppError)) throw e
        return { user_id: id, member: null, error: appErrorJson(e) }
      }
    }),
  }
}

function schemeRoles(kind: 'team' | 'channel', ctx: HandlerContext): Reply {
  const { model } = ctx
  const id =
    kind === 'team'
      ? model.team(ctx.params['team_id']).id
      : model.channel(ctx.params['channel_id']).id
  const userId = ctx.params['user_id'] ?? ''
  const row =
    kind === 'team'
      ? model.teamMembers.get(id)?.get(userId)
      : model.channelMembers.get(id)?.get(userId)
  if (row === undefined || ('delete_at' in row && (row as FakeTeamMember).delete_at > 0)) {
    throw new FakeAppError(404, `app.${kind}.get_member.missing.app_error`)
  }
  const body = record(ctx.body)
  if (row.scheme_guest)
    throw new FakeAppError(400, `api.${kind}.update_${kind}_member_roles.guest.app_error`)
  if (body['scheme_guest'] === true || body['scheme_user'] !== true) {
    throw new FakeAppError(400, `api.${kind}.update_${kind}_member_roles.scheme_user.app_error`)
  }
  row.scheme_admin = body['scheme_admin'] === true
  row.scheme_user = true
  model.touch()
  return ok({ status: 'OK' })
}

// ---- channels -------------------------------------------------------------------------------

function teamChannels(ctx: HandlerContext, keep: (c: FakeChannel) => boolean): Reply {
  const team = ctx.model.team(ctx.params['team_id'])
  const all = ctx.model.cached(`team-channels:${team.id}`, () =>
    [...ctx.model.channels.values()].filter((c) => c.team_id === team.id).sort(byName),
  )
  return ok(page(all.filter(keep), ctx).map(channelJson))
}

// Open and private channels of every team, ordered by channel then team display name.
function getAllChannels(ctx: HandlerContext): Reply {
  const { model } = ctx
  if (!ctx.settings.caller.readAllChannels) throw permissionError()
  const all = model.cached('all-channels', () =>
    [...model.channels.values()]
      .filter((c) => (c.type === 'O' || c.type === 'P') && model.teams.has(c.team_id))
      .sort(
        (a, b) =>
          compare(a.name, b.name) ||
          compare(model.teams.get(a.team_id)?.name ?? '', model.teams.get(b.team_id)?.name ?? '') ||
          compare(a.id, b.id),
      ),
  )
  const defaults = defaultChannelNames([])
  const list = all.filter(
    (c) =>
      (c.delete_at === 0 || ctx.query['include_deleted'] === 'true') &&
      !(ctx.query['exclude_default_channels'] === 'true' && defaults.includes(c.name)),
  )
  const channels = page(list, ctx).map((c) => channelWithTeamJson(c, model.team(c.team_id)))
  return ok(
    ctx.query['include_total_count'] === 'true' ? { channels, total_count: list.length } : channels,
  )
}

// No ORDER BY on the server: in `shuffled` mode every request sees its own order.
function getChannelMembers(ctx: HandlerContext): Reply {
  const { model } = ctx
  const channel = model.channel(ctx.params['channel_id'])
  const rows = model.channelMembers.get(channel.id)
  if (rows === undefined) return ok([])
  const [pageNo, perPage] = paging(ctx)
  const from = pageNo * perPage
  const picked: string[] = []
  if (ctx.settings.memberPages === 'stable') {
    const ids = model.cached(`channel-members:${channel.id}`, () => [...rows.keys()].sort())
    picked.push(...ids.slice(from, from + perPage))
  } else {
    const ids = [...rows.keys()]
    const order = randomOrder(ids.length, ctx.random)
    for (let i = from; i < Math.min(ids.length, from + perPage); i++)
      picked.push(ids[order(i)] ?? '')
  }
  return ok(
    picked.flatMap((userId) =>
      maybe(rows.get(userId), (m) => channelMemberJson(channel.id, userId, m)),
    ),
  )
}

// D/G refused; on a constrained channel the whole list is refused when a non-bot user is in none
// of its groups; users that fail are skipped; an error only when nobody got in.
function addChannelMember(ctx: HandlerContext): Reply {
  const { model } = ctx
  const channel = model.channel(ctx.params['channel_id'])
  const body = record(ctx.body)
  const userIdsRaw = body['user_ids']
  const single = typeof body['user_id'] === 'string' && userIdsRaw === undefined
  const userIds = Array.isArray(userIdsRaw)
    ? userIdsRaw.map(String)
    : typeof body['user_id'] === 'string'
      ? [body['user_id']]
      : []
  if (userIds.length === 0) throw new FakeAppError(400, 'api.context.invalid_body_param.app_error')
  if (userIds.length > 1000)
    throw new FakeAppError(400, 'api.channel.add_members.too_many.app_error')
  if (channel.type !== 'O' && channel.type !== 'P') {
    throw new FakeAppError(400, 'api.channel.add_user_to_channel.type.app_error')
  }
  if (channel.group_constrained === true) {
    const denied = userIds.filter(
      (id) =>
        model.users.get(id)?.is_bot !== true && !model.inSyncableGroups('channel', channel.id, id),
    )
    if (denied.length > 0) throw new FakeAppError(400, 'api.channel.add_members.user_denied')
  }
  const added: unknown[] = []
  let last: FakeAppError | undefined
  for (const userId of userIds) {
    try {
      added.push(channelMemberJson(channel.id, userId, model.joinChannel(channel, userId)))
    } catch (e) {
      if (!(e instanceof FakeAppError)) throw e
      last = e
    }
  }
  if (added.length === 0 && last !== undefined) throw last
  return { status: 201, body: single && added.length === 1 ? added[0] : added }
}

// ---- plumbing -------------------------------------------------------------------------------

// `WHERE id IN (…)`: a repeated id matches its row once. A body that is no list of ids is the
// handler's `SetInvalidParam("user_ids")`.
function idList(body: unknown): string[] {
  if (!Array.isArray(body) || body.length === 0) {
    throw new FakeAppError(400, 'api.context.invalid_body_param.app_error')
  }
  return [...new Set((body as unknown[]).map(String))]
}

function maybe<T, R>(value: T | undefined, f: (v: T) => R): R[] {
  return value === undefined ? [] : [f(value)]
}

// A random permutation of 0..n-1 as i -> (a·i + b) mod n with gcd(a, n) = 1: O(1) per element,
// so a fresh order per request costs nothing however big the channel is.
function randomOrder(n: number, random: () => number): (i: number) => number {
  if (n <= 1) return (i) => i
  let a = 1 + Math.floor(random() * (n - 1))
  while (gcd(a, n) !== 1) a = (a % (n - 1)) + 1
  const b = Math.floor(random() * n)
  return (i) => (a * i + b) % n
}

function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y)
}

function byName(a: { name: string; id: string }, b: { name: string; id: string }): number {
  return compare(a.name, b.name) || compare(a.id, b.id)
}

/** What `api4/channel.go` answers: a channel the caller may not read is a 404, as a missing one. */
function getChannelByNames(ctx: HandlerContext): Reply {
  const { model, params: p, settings } = ctx
  const team = [...model.teams.values()].find((t) => t.name === p['team_name'])
  if (team === undefined) throw new FakeAppError(404, 'app.team.get_by_name.missing.app_error')
  const includeDeleted = ctx.query['include_deleted'] === 'true'
  const channel = [...model.channels.values()].find(
    (c) =>
      c.team_id === team.id &&
      c.name === p['channel_name'] &&
      (includeDeleted || c.delete_at === 0),
  )
  const missing = new FakeAppError(404, 'app.channel.get_by_name.missing.app_error')
  if (channel === undefined) throw missing
  const caller = settings.caller
  const readable =
    caller.manageSystem ||
    model.channelMembers.get(channel.id)?.has(caller.id) === true ||
    (channel.type === 'O' && model.teamMembers.get(team.id)?.get(caller.id)?.delete_at === 0)
  if (!readable) throw missing
  return ok(channelJson(channel))
}

// model.PostMessageMaxRunesV2.
const maxPostRunes = 16_383

/**
 * `POST /posts` as `api4/post.go` does it: `create_post` on the channel (a member, or a system
 * admin; a missing channel fails the same check, 403), no posts to archived channels.
 */
function createPost(ctx: HandlerContext): Reply {
  const { model, settings } = ctx
  const body = record(ctx.body)
  const channelId = typeof body['channel_id'] === 'string' ? body['channel_id'] : ''
  const message = typeof body['message'] === 'string' ? body['message'] : ''
  const channel = model.channels.get(channelId)
  const caller = settings.caller
  const member = model.channelMembers.get(channelId)?.has(caller.id) === true
  if (channel === undefined || !(caller.manageSystem || member)) throw permissionError()
  if (channel.delete_at > 0) {
    throw new FakeAppError(403, 'api.post.create_post.can_not_post_to_deleted.error')
  }
  if (Array.from(message).length > maxPostRunes) {
    throw new FakeAppError(400, 'model.post.is_valid.msg.app_error')
  }
  const at = model.tick()
  const post = {
    id: postId(ctx.random),
    channel_id: channel.id,
    user_id: caller.id,
    message,
    create_at: at,
  }
  model.posts.push(post)
  return {
    status: 201,
    body: { ...post, update_at: at, delete_at: 0, root_id: '', type: '', props: {} },
  }
}

// A 26-character id as the server makes them.
function postId(random: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let id = ''
  for (let i = 0; i < 26; i++) id += alphabet[Math.floor(random() * alphabet.length)] ?? 'a'
  return id
}
