import { match } from 'ts-pattern'
import { byId, ok, page, record, type HandlerContext, type Reply } from './fake-reply.js'
import { groupJson, linkJson, userJson } from './fake-json.js'
import {
  FakeAppError,
  linkKey,
  type FakeGroup,
  type FakeLink,
  type FakeUser,
} from './fake-model.js'
import type { FakeOperationId } from './fake-routes.js'

type GroupOperationId = Extract<
  FakeOperationId,
  | 'GetGroups'
  | 'GetGroup'
  | 'GetGroupUsers'
  | 'GetGroupSyncablesTeams'
  | 'GetGroupSyncablesChannels'
  | 'GetGroupSyncableForTeamId'
  | 'GetGroupSyncableForChannelId'
  | 'LinkGroupSyncableForTeam'
  | 'UnlinkGroupSyncableForTeam'
  | 'LinkGroupSyncableForChannel'
  | 'UnlinkGroupSyncableForChannel'
  | 'PatchGroupSyncableForTeam'
  | 'PatchGroupSyncableForChannel'
  | 'GetGroupsByTeam'
  | 'GetGroupsByChannel'
  | 'GetGroupsByUserId'
>

/**
 * The group and group-syncable routes, with the link defects of mattermost-semantics.md §6: the
 * single-link read loses scheme_admin, an upsert without scheme_admin writes false, a channel link
 * on an unconstrained team upserts the team link, a team unlink drops the group's channel links.
 */
export function groupHandler(operationId: GroupOperationId, ctx: HandlerContext): Reply {
  const { model } = ctx
  return (
    match(operationId)
      .with('GetGroups', () =>
        ok(
          page(
            model.cached('groups', () =>
              [...model.groups.values()].filter((g) => g.delete_at === 0).sort(byId),
            ),
            ctx,
          ).map(groupJson),
        ),
      )
      .with('GetGroup', () => {
        const group = model.group(ctx.params['group_id'])
        const json = groupJson(group)
        // app.GetGroup: the ids come from the same query as `/members` (a nil slice, JSON null, when
        // there are none); the count from GetMemberCount (active users, as `/members` lists).
        if (ctx.query['include_member_count'] === 'true')
          json['member_count'] = activeMembers(ctx, group.id).length
        if (ctx.query['include_member_ids'] === 'true') {
          const members = activeMembers(ctx, group.id)
          json['member_ids'] = members.length === 0 ? null : members.map((u) => u.id)
        }
        return ok(json)
      })
      .with('GetGroupUsers', () => {
        const group = model.group(ctx.params['group_id'])
        const members = activeMembers(ctx, group.id)
        return ok({ members: page(members, ctx).map(userJson), total_member_count: members.length })
      })
      .with('GetGroupSyncablesTeams', () => listLinks('team', ctx))
      .with('GetGroupSyncablesChannels', () => listLinks('channel', ctx))
      .with('GetGroupSyncableForTeamId', () => getLink('team', ctx))
      .with('GetGroupSyncableForChannelId', () => getLink('channel', ctx))
      .with('LinkGroupSyncableForTeam', () => link('team', ctx))
      .with('LinkGroupSyncableForChannel', () => link('channel', ctx))
      .with('PatchGroupSyncableForTeam', () => patch('team', ctx))
      .with('PatchGroupSyncableForChannel', () => patch('channel', ctx))
      .with('UnlinkGroupSyncableForTeam', () => unlink('team', ctx))
      .with('UnlinkGroupSyncableForChannel', () => unlink('channel', ctx))
      .with('GetGroupsByTeam', () => groupsOf('team', ctx))
      .with('GetGroupsByChannel', () => groupsOf('channel', ctx))
      // GetByUser: the groups with a live member row of the user, whether or not the user is active.
      .with('GetGroupsByUserId', () => {
        const user = model.user(ctx.params['user_id'])
        return ok((groupsByMember(ctx).get(user.id) ?? []).map(groupJson))
      })
      .exhaustive()
  )
}

// GetMemberUsersPage: live member rows of users that are not deactivated (`Users.DeleteAt = 0`).
function activeMembers(ctx: HandlerContext, groupId: string): FakeUser[] {
  const { model } = ctx
  return model.cached(`group-members:${groupId}`, () =>
    [...(model.groupMembers.get(groupId) ?? [])]
      .flatMap((id) => {
        const u = model.users.get(id)
        return u === undefined || u.delete_at !== 0 ? [] : [u]
      })
      .sort(byId),
  )
}

// Every group of each member, sorted by id, once per table version.
function groupsByMember(ctx: HandlerContext): ReadonlyMap<string, readonly FakeGroup[]> {
  const { model } = ctx
  return model.cached('groups-by-member', () => {
    const byMember = new Map<string, FakeGroup[]>()
    for (const g of [...model.groups.values()].sort(byId))
      for (const userId of model.groupMembers.get(g.id) ?? []) {
        const list = byMember.get(userId)
        if (list === undefined) byMember.set(userId, [g])
        else list.push(g)
      }
    return byMember
  })
}

function syncableId(kind: 'team' | 'channel', ctx: HandlerContext): string {
  return kind === 'team'
    ? ctx.model.team(ctx.params['team_id']).id
    : ctx.model.channel(ctx.params['channel_id']).id
}

function listLinks(kind: 'team' | 'channel', ctx: HandlerContext): Reply {
  const group = ctx.model.group(ctx.params['group_id'])
  return ok(
    (liveLinksByGroup(ctx).get(`${kind}:${group.id}`) ?? []).map((l) =>
      linkJson(ctx.model, l, { listed: true }),
    ),
  )
}

// One pass over the links per table version: a scan per request made a full read of 5,000 groups'
// links quadratic (seconds of the fake's CPU at the benchmark's size).
function liveLinksByGroup(ctx: HandlerContext): ReadonlyMap<string, readonly FakeLink[]> {
  return ctx.model.cached('live-links-by-group', () => {
    const byGroup = new Map<string, FakeLink[]>()
    for (const l of ctx.model.links.values()) {
      if (l.delete_at !== 0) continue
      const key = `${l.kind}:${l.group_id}`
      const list = byGroup.get(key)
      if (list === undefined) byGroup.set(key, [l])
      else list.push(l)
    }
    return byGroup
  })
}

// Defect: the single-link read never loads SchemeAdmin.
function getLink(kind: 'team' | 'channel', ctx: HandlerContext): Reply {
  const group = ctx.model.group(ctx.params['group_id'])
  const l = ctx.model.links.get(linkKey(kind, syncableId(kind, ctx), group.id))
  if (l === undefined) throw new FakeAppError(404, 'app.group.no_rows')
  return ok(linkJson(ctx.model, l, { listed: false, schemeAdmin: false }))
}

function upsertLink(
  ctx: HandlerContext,
  kind: 'team' | 'channel',
  id: string,
  groupId: string,
  patch: Readonly<Record<string, unknown>>,
): FakeLink {
  const { model } = ctx
  const key = linkKey(kind, id, groupId)
  const now = model.tick()
  const existing = model.links.get(key)
  // Defect: the existing row is read without SchemeAdmin, so an omitted field writes false.
  const row: FakeLink =
    existing === undefined
      ? {
          group_id: groupId,
          kind,
          syncable_id: id,
          auto_add: false,
          scheme_admin: false,
          create_at: now,
          update_at: now,
          delete_at: 0,
        }
      : { ...existing, scheme_admin: false, delete_at: 0, update_at: now }
  if (typeof patch['auto_add'] === 'boolean') row.auto_add = patch['auto_add']
  if (typeof patch['scheme_admin'] === 'boolean') row.scheme_admin = patch['scheme_admin']
  model.links.set(key, row)
  model.touch()
  return row
}

function link(kind: 'team' | 'channel', ctx: HandlerContext): Reply {
  const { model } = ctx
  const group = model.group(ctx.params['group_id'])
  if (group.source !== 'ldap' && !group.source.startsWith('plugin_')) {
    throw new FakeAppError(400, 'app.group.crud_permission')
  }
  const id = syncableId(kind, ctx)
  const body = record(ctx.body)
  if (kind === 'channel') {
    const team = model.team(model.channel(id).team_id)
    if (team.group_constrained === true) {
      const teamLink = model.links.get(linkKey('team', team.id, group.id))
      if (teamLink === undefined || teamLink.delete_at > 0) {
        throw new FakeAppError(400, 'group_not_associated_to_synced_team')
      }
    } else {
      // Defect: the team link is upserted with the channel's auto_add and SchemeAdmin=false.
      upsertLink(ctx, 'team', team.id, group.id, {
        auto_add: body['auto_add'] === true,
        scheme_admin: false,
      })
    }
  }
  return { status: 201, body: linkJson(model, upsertLink(ctx, kind, id, group.id, body)) }
}

function patch(kind: 'team' | 'channel', ctx: HandlerContext): Reply {
  const group = ctx.model.group(ctx.params['group_id'])
  const id = syncableId(kind, ctx)
  const l = ctx.model.links.get(linkKey(kind, id, group.id))
  if (l === undefined || l.delete_at > 0) throw new FakeAppError(404, 'app.group.no_rows')
  return ok(linkJson(ctx.model, upsertLink(ctx, kind, id, group.id, record(ctx.body))))
}

function unlink(kind: 'team' | 'channel', ctx: HandlerContext): Reply {
  const { model } = ctx
  const group = model.group(ctx.params['group_id'])
  const l = model.links.get(linkKey(kind, syncableId(kind, ctx), group.id))
  if (l === undefined) throw new FakeAppError(404, 'app.group.no_rows')
  if (l.delete_at > 0) throw new FakeAppError(400, 'app.group.group_syncable_already_deleted')
  const now = model.tick()
  const drop = (row: FakeLink) => {
    row.delete_at = now
    row.update_at = now
    row.scheme_admin = false
  }
  drop(l)
  // Defect: a team unlink soft-deletes the group's channel links in every team.
  if (kind === 'team') {
    for (const c of model.links.values()) {
      if (c.group_id === group.id && c.kind === 'channel' && c.delete_at === 0) drop(c)
    }
  }
  model.touch()
  return ok({ status: 'OK' })
}

function groupsOf(kind: 'team' | 'channel', ctx: HandlerContext): Reply {
  const { model } = ctx
  const id = syncableId(kind, ctx)
  const rows = [...model.links.values()]
    .filter((l) => l.kind === kind && l.syncable_id === id && l.delete_at === 0)
    .sort((a, b) => (a.group_id < b.group_id ? -1 : 1))
    .flatMap((l) => {
      const g = model.groups.get(l.group_id)
      return g === undefined || g.delete_at > 0
        ? []
        : [{ ...groupJson(g), scheme_admin: l.scheme_admin }]
    })
  return ok({ groups: page(rows, ctx), total_group_count: rows.length })
}
