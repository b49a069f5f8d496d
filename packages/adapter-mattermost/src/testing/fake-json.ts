import type {
  FakeChannel,
  FakeGroup,
  FakeLink,
  FakeModel,
  FakeTeam,
  FakeTeamMember,
  FakeUser,
  Flags,
} from './fake-model.js'

// The JSON the server writes for each row, field names as its Go JSON tags (omitempty fields left
// out when empty). Timestamps the adapter never reads are constant.

export function userJson(u: FakeUser): Record<string, unknown> {
  return {
    id: u.id,
    create_at: 1,
    update_at: 1,
    delete_at: u.delete_at,
    username: u.username,
    ...(u.auth_data !== '' ? { auth_data: u.auth_data } : {}),
    auth_service: u.auth_data !== '' ? 'ldap' : '',
    email: u.email,
    nickname: '',
    first_name: '',
    last_name: '',
    position: '',
    roles: u.roles,
    locale: 'en',
    timezone: { useAutomaticTimezone: 'true', manualTimezone: '', automaticTimezone: '' },
    ...(u.is_bot ? { is_bot: true } : {}),
    disable_welcome_email: false,
  }
}

export function teamJson(t: FakeTeam): Record<string, unknown> {
  return {
    id: t.id,
    create_at: 1,
    update_at: 1,
    delete_at: t.delete_at,
    display_name: t.name,
    name: t.name,
    description: '',
    email: '',
    type: 'O',
    company_name: '',
    allowed_domains: '',
    invite_id: '',
    allow_open_invite: false,
    scheme_id: null,
    group_constrained: t.group_constrained,
  }
}

export function channelJson(c: FakeChannel): Record<string, unknown> {
  return {
    id: c.id,
    create_at: 1,
    update_at: 1,
    delete_at: c.delete_at,
    team_id: c.team_id,
    type: c.type,
    display_name: c.name,
    name: c.name,
    header: '',
    purpose: '',
    last_post_at: 0,
    total_msg_count: 0,
    extra_update_at: 0,
    creator_id: '',
    scheme_id: null,
    props: null,
    group_constrained: c.group_constrained,
    shared: null,
    total_msg_count_root: 0,
  }
}

export function channelWithTeamJson(c: FakeChannel, team: FakeTeam): Record<string, unknown> {
  return {
    ...channelJson(c),
    team_display_name: team.name,
    team_name: team.name,
    team_update_at: 1,
  }
}

export function teamMemberJson(
  teamId: string,
  userId: string,
  m: FakeTeamMember,
): Record<string, unknown> {
  return {
    team_id: teamId,
    user_id: userId,
    roles: m.delete_at > 0 ? '' : roles('team', m),
    delete_at: m.delete_at,
    scheme_guest: m.scheme_guest,
    scheme_user: m.scheme_user,
    scheme_admin: m.scheme_admin,
    explicit_roles: '',
  }
}

// For members other than the caller the server writes -1 for the two read markers.
export function channelMemberJson(
  channelId: string,
  userId: string,
  m: Flags,
): Record<string, unknown> {
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
    notify_props: {
      desktop: 'default',
      email: 'default',
      mark_unread: 'all',
      push: 'default',
      ignore_channel_mentions: 'default',
    },
    last_update_at: -1,
    scheme_guest: m.scheme_guest,
    scheme_user: m.scheme_user,
    scheme_admin: m.scheme_admin,
    explicit_roles: '',
  }
}

export function groupJson(g: FakeGroup): Record<string, unknown> {
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
    has_syncables: false,
    allow_reference: false,
  }
}

// The display fields come from joins the list queries make; a single row has none.
export function linkJson(
  model: FakeModel,
  l: FakeLink,
  options: { readonly listed: boolean; readonly schemeAdmin?: boolean } = { listed: false },
): Record<string, unknown> {
  const common = {
    group_id: l.group_id,
    auto_add: l.auto_add,
    scheme_admin: options.schemeAdmin ?? l.scheme_admin,
    create_at: l.create_at,
    update_at: l.update_at,
    delete_at: l.delete_at,
  }
  if (l.kind === 'team') {
    return {
      team_id: l.syncable_id,
      ...(options.listed
        ? { team_display_name: model.teams.get(l.syncable_id)?.name ?? '', team_type: 'O' }
        : {}),
      type: 'Team',
      ...common,
    }
  }
  const c = model.channels.get(l.syncable_id)
  return {
    channel_id: l.syncable_id,
    ...(options.listed
      ? {
          channel_display_name: c?.name ?? '',
          channel_type: c?.type ?? 'P',
          team_id: c?.team_id ?? '',
          team_display_name: model.teams.get(c?.team_id ?? '')?.name ?? '',
          team_type: 'O',
        }
      : {}),
    type: 'Channel',
    ...common,
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
