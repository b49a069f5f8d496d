import fc from 'fast-check'
import type { AdmissionRefusalReason } from '../admit-commands.js'
import type { SyncState } from '../model.js'
import type { SyncCommand } from '../sync-command.js'
import { mattermostIdArb } from './arbitraries.js'

/** A command no sync of `state` could plan, and the reason `admitCommands` must give. */
export interface ForeignCommand {
  /** The drawn state with the entities the command needs (a plain team, a D channel, …). */
  readonly state: SyncState
  readonly command: SyncCommand
  readonly reason: AdmissionRefusalReason
}

interface Foreign {
  readonly extend: (s: SyncState) => SyncState
  readonly command: SyncCommand
  readonly reason: AdmissionRefusalReason
}

type Target = { kind: 'team'; id: string } | { kind: 'channel'; id: string }

/** Any command kind on `target` for `userId` (adds as plain members). */
function commandArb(target: Target, userId: string, role: 'member' | 'guest' | 'admin' = 'member') {
  const kinds =
    target.kind === 'team'
      ? ([
          { kind: 'addTeamMember', teamId: target.id, userId, role },
          { kind: 'setTeamMemberAdmin', teamId: target.id, userId, schemeAdmin: true },
          { kind: 'setTeamMemberAdmin', teamId: target.id, userId, schemeAdmin: false },
          { kind: 'removeTeamMember', teamId: target.id, userId },
        ] as const)
      : ([
          { kind: 'addChannelMember', channelId: target.id, userId, role },
          { kind: 'setChannelMemberAdmin', channelId: target.id, userId, schemeAdmin: true },
          { kind: 'setChannelMemberAdmin', channelId: target.id, userId, schemeAdmin: false },
          { kind: 'removeChannelMember', channelId: target.id, userId },
        ] as const)
  return fc.constantFrom<SyncCommand>(...kinds)
}

/**
 * A command no sync of `s` (with a few entities added for the purpose: a team and a channel nobody
 * links, a deleted team and its channel, a D or G channel, an archived channel, a user in no group
 * and a deactivated one) could plan, and the refusal reason: ids, kinds and targets the planner
 * never produces, so the reason is known whatever the random state holds. Ids are Mattermost's
 * form except for the malformed ones (`x');DROP TABLE users;--` among them).
 */
export function foreignCommandArb(s: SyncState): fc.Arbitrary<ForeignCommand> {
  return foreignArb(s).map(({ extend, command, reason }) => ({ state: extend(s), command, reason }))
}

function foreignArb(s: SyncState): fc.Arbitrary<Foreign> {
  const taken = new Set([...s.users, ...s.groups, ...s.teams, ...s.channels].map((x) => x.id))
  const fresh = fc
    .uniqueArray(mattermostIdArb(), { minLength: 8, maxLength: 8 })
    .filter((ids) => ids.every((id) => !taken.has(id)))
  const liveUsers = s.users.filter((u) => u.deactivated !== true && u.systemRole !== 'guest')
  return fresh.chain((drawn) => {
    const names = ['team', 'channel', 'deadTeam', 'user', 'deadUser', 'other', 'direct', 'attic']
    const ids = Object.fromEntries(names.map((n, i) => [n, String(drawn[i])])) as Record<
      'team' | 'channel' | 'deadTeam' | 'user' | 'deadUser' | 'other' | 'direct' | 'attic',
      string
    >
    // A plain team and channel nobody links, a deleted team with a channel, a user in no group.
    const extend = (x: SyncState): SyncState => ({
      ...x,
      users: [
        ...x.users,
        { id: ids.user, username: 'stranger', systemRole: 'user' },
        { id: ids.deadUser, username: 'ghost', systemRole: 'user', deactivated: true },
      ],
      teams: [
        ...x.teams,
        { id: ids.team, name: 'unlinked', groupConstrained: false },
        { id: ids.deadTeam, name: 'closed', groupConstrained: true, deleted: true },
      ],
      channels: [
        ...x.channels,
        { id: ids.channel, teamId: ids.team, name: 'plain', type: 'O', groupConstrained: false },
        { id: ids.other, teamId: ids.deadTeam, name: 'orphan', type: 'P', groupConstrained: true },
      ],
    })
    const user =
      liveUsers.length > 0
        ? fc.constantFrom(ids.user, ...liveUsers.map((u) => u.id))
        : fc.constant(ids.user)
    const on = (t: Target, reason: AdmissionRefusalReason, who: fc.Arbitrary<string> = user) =>
      who.chain((u) => commandArb(t, u)).map((command): Foreign => ({ extend, command, reason }))
    const withState = (
      reason: AdmissionRefusalReason,
      more: (x: SyncState) => SyncState,
      t: Target,
      who: fc.Arbitrary<string> = user,
    ) =>
      who
        .chain((u) => commandArb(t, u))
        .map((command): Foreign => ({ extend: (x) => more(extend(x)), command, reason }))
    const stranger = fc.constant(ids.user)
    const options: fc.Arbitrary<Foreign>[] = [
      on({ kind: 'team', id: ids.deadTeam }, 'archivedTeam'),
      on({ kind: 'channel', id: ids.other }, 'archivedTeam'),
      on({ kind: 'team', id: ids.other }, 'unknownTeam'),
      on({ kind: 'channel', id: ids.team }, 'unknownChannel'),
      on({ kind: 'team', id: ids.team }, 'unknownUser', fc.constant(ids.other)),
      // The plain team and channel: no link justifies an add, no constraint a removal or role change.
      on({ kind: 'team', id: ids.team }, 'unjustified', stranger),
      on({ kind: 'channel', id: ids.channel }, 'unjustified', stranger),
      fc.constantFrom<'D' | 'G'>('D', 'G').chain((type) =>
        withState(
          'directChannel',
          (x) => ({
            ...x,
            channels: [
              ...x.channels,
              { id: ids.direct, teamId: '', name: 'dm', type, groupConstrained: false },
            ],
          }),
          { kind: 'channel', id: ids.direct },
        ),
      ),
      withState(
        'archivedChannel',
        (x) => ({
          ...x,
          channels: [
            ...x.channels,
            {
              id: ids.attic,
              teamId: ids.team,
              name: 'attic',
              type: 'O',
              groupConstrained: true,
              deleted: true,
            },
          ],
        }),
        { kind: 'channel', id: ids.attic },
      ),
      fc
        .constantFrom<SyncCommand>(
          { kind: 'addTeamMember', teamId: ids.team, userId: ids.deadUser, role: 'member' },
          {
            kind: 'addChannelMember',
            channelId: ids.channel,
            userId: ids.deadUser,
            role: 'member',
          },
        )
        .map((command): Foreign => ({ extend, command, reason: 'deletedUser' })),
      fc
        .constantFrom(
          "x');DROP TABLE users;--",
          ids.team.toUpperCase(),
          `${ids.team}0`,
          '',
          ids.team.slice(1),
        )
        .chain((bad) =>
          fc.constantFrom<SyncCommand>(
            { kind: 'addTeamMember', teamId: bad, userId: ids.user, role: 'admin' },
            { kind: 'removeChannelMember', channelId: bad, userId: ids.user },
            { kind: 'setTeamMemberAdmin', teamId: ids.team, userId: bad, schemeAdmin: true },
          ),
        )
        .map((command): Foreign => ({ extend, command, reason: 'malformedId' })),
    ]
    return fc.oneof(...options)
  })
}
