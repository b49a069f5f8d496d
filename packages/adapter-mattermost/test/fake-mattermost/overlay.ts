// Our fixes to the vendored spec, as JSON-Patch-style operations (RFC 6902 `add`/`replace` on JSON
// pointers). Each fix names its reason in mattermost-api.md §2/§4 or mattermost-semantics.md §7.

/** One overlay operation. `add` on an existing object key replaces it, as in RFC 6902. */
export interface OverlayOp {
  readonly op: 'add' | 'replace'
  readonly path: string
  readonly value: unknown
  readonly why: string
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const p = (apiPath: string) => `/paths/${apiPath.replaceAll('~', '~0').replaceAll('/', '~1')}`
const bool = { type: 'boolean' }
const str = { type: 'string' }
const int = { type: 'integer' }
const queryParam = (name: string, schema: unknown) => ({ name, in: 'query', schema })
const linkBody = {
  required: true,
  content: {
    'application/json': {
      schema: { type: 'object', properties: { auto_add: bool, scheme_admin: bool } },
    },
  },
}
const groupsWithCount = {
  description: 'Groups linked to the syncable, with scheme_admin',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['groups', 'total_group_count'],
        properties: {
          groups: { type: 'array', items: ref('GroupWithSchemeAdminFlat') },
          total_group_count: int,
        },
      },
    },
  },
}

/** The overlay, applied in order. */
export const overlay: readonly OverlayOp[] = [
  // Fields the Go structs send that the schemas lack, and `required` lists for what we read.
  {
    op: 'add',
    path: '/components/schemas/User/properties/is_bot',
    value: bool,
    why: '§4: User JSON has is_bot',
  },
  {
    op: 'add',
    path: '/components/schemas/User/properties/auth_data',
    value: str,
    why: '§4: User JSON has auth_data',
  },
  {
    op: 'add',
    path: '/components/schemas/User/required',
    value: ['id', 'username', 'roles', 'delete_at'],
    why: '§2: required lists for the fields the adapter reads',
  },
  {
    op: 'add',
    path: '/components/schemas/Team/properties/group_constrained',
    value: { type: 'boolean', nullable: true },
    why: 'semantics §1: Teams.GroupConstrained is nullable',
  },
  {
    op: 'add',
    path: '/components/schemas/Team/required',
    value: ['id', 'name', 'delete_at'],
    why: '§2: required lists',
  },
  {
    op: 'add',
    path: '/components/schemas/Channel/properties/group_constrained',
    value: { type: 'boolean', nullable: true },
    why: 'semantics §1: Channels.GroupConstrained is nullable',
  },
  {
    op: 'add',
    path: '/components/schemas/Channel/required',
    value: ['id', 'team_id', 'name', 'type', 'delete_at'],
    why: '§2: required lists',
  },
  {
    op: 'add',
    path: '/components/schemas/TeamMember/properties/scheme_guest',
    value: bool,
    why: '§2: TeamMember lacks scheme_guest',
  },
  {
    op: 'add',
    path: '/components/schemas/TeamMember/required',
    value: ['team_id', 'user_id', 'delete_at', 'scheme_admin', 'scheme_user', 'scheme_guest'],
    why: '§2: required lists',
  },
  ...['scheme_user', 'scheme_admin', 'scheme_guest'].map((name): OverlayOp => ({
    op: 'add',
    path: `/components/schemas/ChannelMember/properties/${name}`,
    value: bool,
    why: '§2: ChannelMember lacks the scheme fields',
  })),
  ...['msg_count_root', 'mention_count_root', 'urgent_mention_count'].map((name): OverlayOp => ({
    op: 'add',
    path: `/components/schemas/ChannelMember/properties/${name}`,
    value: int,
    why: '§2: ChannelMember lacks the root/urgent counters',
  })),
  {
    op: 'add',
    path: '/components/schemas/ChannelMember/properties/explicit_roles',
    value: str,
    why: '§2: ChannelMember lacks explicit_roles',
  },
  {
    op: 'add',
    path: '/components/schemas/ChannelMember/required',
    value: ['channel_id', 'user_id', 'scheme_admin', 'scheme_user', 'scheme_guest'],
    why: '§2: required lists',
  },
  {
    op: 'add',
    path: '/components/schemas/Group/properties/remote_id',
    value: { type: 'string', nullable: true },
    why: '§2: remote_id is null for custom groups',
  },
  {
    op: 'add',
    path: '/components/schemas/Group/properties/member_ids',
    value: { type: 'array', items: str, nullable: true },
    why: '§2: Group lacks member_ids, which may be null',
  },
  {
    op: 'add',
    path: '/components/schemas/Group/properties/allow_reference',
    value: bool,
    why: '§2: Group lacks allow_reference',
  },
  {
    op: 'add',
    path: '/components/schemas/Group/properties/member_count',
    value: int,
    why: '§2: Group lacks member_count',
  },
  {
    op: 'add',
    path: '/components/schemas/Group/required',
    value: ['id', 'source', 'delete_at'],
    why: '§2: required lists',
  },
  ...[
    'GroupSyncableTeam',
    'GroupSyncableTeams',
    'GroupSyncableChannel',
    'GroupSyncableChannels',
  ].flatMap((name): OverlayOp[] => [
    {
      op: 'add',
      path: `/components/schemas/${name}/properties/scheme_admin`,
      value: bool,
      why: '§2: GroupSyncable lacks scheme_admin',
    },
    {
      op: 'add',
      path: `/components/schemas/${name}/properties/type`,
      value: { type: 'string', enum: ['Team', 'Channel'] },
      why: '§2: GroupSyncable lacks type',
    },
    {
      op: 'add',
      path: `/components/schemas/${name}/required`,
      value: [
        'group_id',
        name.includes('Team') ? 'team_id' : 'channel_id',
        'auto_add',
        'scheme_admin',
        'delete_at',
      ],
      why: '§2: required lists',
    },
  ]),
  {
    op: 'add',
    path: '/components/schemas/GroupWithSchemeAdminFlat',
    value: {
      allOf: [
        ref('Group'),
        { type: 'object', required: ['scheme_admin'], properties: { scheme_admin: bool } },
      ],
    },
    why: 'semantics §7.1: GroupWithSchemeAdmin is a Group with scheme_admin, flattened',
  },
  {
    op: 'add',
    path: '/components/schemas/TeamMemberWithError',
    value: {
      type: 'object',
      required: ['user_id'],
      properties: {
        user_id: str,
        // Inline: in OpenAPI 3.0 `nullable` has no effect next to a $ref.
        member: {
          type: 'object',
          nullable: true,
          required: ['team_id', 'user_id', 'scheme_admin', 'scheme_user', 'scheme_guest'],
          properties: {
            team_id: str,
            user_id: str,
            scheme_admin: bool,
            scheme_user: bool,
            scheme_guest: bool,
            delete_at: int,
          },
        },
        error: {
          type: 'object',
          nullable: true,
          required: ['id', 'message'],
          properties: { id: str, message: str, status_code: int, detailed_error: str },
        },
      },
    },
    why: '§3: graceful batch add answers [{user_id, member, error}]',
  },
  {
    op: 'add',
    path: '/components/schemas/AppError/properties/detailed_error',
    value: str,
    why: '§4: AppError has detailed_error',
  },
  {
    op: 'add',
    path: '/components/schemas/AppError/required',
    value: ['id', 'message', 'status_code'],
    why: '§2: required lists',
  },
  // Wrong shapes.
  {
    op: 'replace',
    path: `${p('/api/v4/teams/{team_id}/groups')}/get/responses/200`,
    value: groupsWithCount,
    why: '§2: returns {groups, total_group_count}',
  },
  {
    op: 'replace',
    path: `${p('/api/v4/channels/{channel_id}/groups')}/get/responses/200`,
    value: groupsWithCount,
    why: '§2: returns {groups, total_group_count}',
  },
  {
    op: 'replace',
    path: `${p('/api/v4/channels/{channel_id}/members')}/post/responses/201/content/application~1json/schema`,
    value: { oneOf: [ref('ChannelMember'), { type: 'array', items: ref('ChannelMember') }] },
    why: '§2: AddChannelMember with user_ids returns an array',
  },
  {
    op: 'replace',
    path: `${p('/api/v4/teams/{team_id}/members/batch')}/post/responses/201/content/application~1json/schema`,
    value: { type: 'array', items: { anyOf: [ref('TeamMember'), ref('TeamMemberWithError')] } },
    why: '§3: graceful mode answers TeamMemberWithError[]',
  },
  // Missing request bodies and fields.
  {
    op: 'replace',
    path: `${p('/api/v4/teams/{team_id}/members/batch')}/post/requestBody/content/application~1json/schema/items`,
    value: {
      type: 'object',
      required: ['team_id', 'user_id'],
      properties: { team_id: str, user_id: str },
    },
    why: 'semantics §7.2: the batch body is [{team_id, user_id}], not full TeamMembers',
  },
  {
    op: 'add',
    path: `${p('/api/v4/groups/{group_id}/teams/{team_id}/link')}/post/requestBody`,
    value: linkBody,
    why: '§2: link needs a GroupSyncablePatch body',
  },
  {
    op: 'add',
    path: `${p('/api/v4/groups/{group_id}/channels/{channel_id}/link')}/post/requestBody`,
    value: linkBody,
    why: '§2: link needs a GroupSyncablePatch body',
  },
  {
    op: 'replace',
    path: `${p('/api/v4/groups/{group_id}/teams/{team_id}/patch')}/put/requestBody`,
    value: linkBody,
    why: '§2: patch also accepts scheme_admin',
  },
  {
    op: 'replace',
    path: `${p('/api/v4/groups/{group_id}/channels/{channel_id}/patch')}/put/requestBody`,
    value: linkBody,
    why: '§2: patch also accepts scheme_admin',
  },
  // Query parameters Client4 sends that the spec omits (strict query validation rejects them).
  {
    op: 'add',
    path: `${p('/api/v4/teams/{team_id}/groups')}/get/parameters/-`,
    value: queryParam('paginate', bool),
    why: '§2: Client4 sends paginate',
  },
  {
    op: 'add',
    path: `${p('/api/v4/channels/{channel_id}/groups')}/get/parameters/-`,
    value: queryParam('paginate', bool),
    why: '§2: Client4 sends paginate',
  },
  {
    op: 'add',
    path: `${p('/api/v4/groups/{group_id}')}/get/parameters/-`,
    value: queryParam('include_member_count', bool),
    why: '§2: Client4 sends include_member_count',
  },
  ...['group_source', 'only_syncable_sources', 'include_archived', 'include_total_count'].map(
    (name): OverlayOp => ({
      op: 'add',
      path: `${p('/api/v4/groups')}/get/parameters/-`,
      value: queryParam(name, name === 'group_source' ? str : bool),
      why: '§2/§3: GET /groups takes these (Client4 sends some)',
    }),
  ),
]

/** Applies overlay operations to a deep copy of `doc`; throws if a path's parent is missing. */
export function applyOverlay(
  doc: Record<string, unknown>,
  ops: readonly OverlayOp[],
): Record<string, unknown> {
  const out = structuredClone(doc)
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    const last = parts.pop()
    if (last === undefined) throw new Error(`overlay: empty path`)
    let node: unknown = out
    for (const part of parts) {
      if (typeof node !== 'object' || node === null || !(part in node)) {
        throw new Error(`overlay: ${op.path}: missing ${part}`)
      }
      node = (node as Record<string, unknown>)[part]
    }
    if (Array.isArray(node)) {
      if (last !== '-') throw new Error(`overlay: ${op.path}: only '-' appends to arrays`)
      node.push(structuredClone(op.value))
    } else if (typeof node === 'object' && node !== null) {
      const target = node as Record<string, unknown>
      if (op.op === 'replace' && !(last in target)) {
        throw new Error(`overlay: ${op.path}: nothing to replace`)
      }
      target[last] = structuredClone(op.value)
    } else throw new Error(`overlay: ${op.path}: parent is not a container`)
  }
  return out
}
