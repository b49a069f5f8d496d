import { explain, type SyncableRef } from '@grouproles/core'
import { err, ok } from 'neverthrow'
import { badInput, usageError } from '../cli-error.js'
import { stringFlag, type CommandContext, type CommandResult } from '../command-context.js'
import { printJson } from '../json-output.js'
import { planFromFlags } from '../plan-run.js'

/** `grouproles explain`: why a user has (or gets) a role in a team or channel. */
export async function run(ctx: CommandContext): Promise<CommandResult> {
  const userName = stringFlag(ctx.flags, 'user')
  const teamName = stringFlag(ctx.flags, 'team')
  const channelName = stringFlag(ctx.flags, 'channel')
  if (userName === undefined || teamName === undefined)
    return err(
      usageError('explain needs --user NAME and --team NAME (and --channel NAME for a channel)'),
    )
  const planned = await planFromFlags(ctx, 'explain')
  if (planned.isErr()) return err(planned.error)
  const { state } = planned.value.result
  const lower = (s: string) => s.toLowerCase()
  const user = state.users.find((u) => lower(u.username) === lower(userName))
  if (user === undefined) return err(badInput('unknownUser', `no Mattermost user ${userName}`))
  const team = state.teams.find((t) => lower(t.name) === lower(teamName) && t.deleted !== true)
  if (team === undefined) return err(badInput('unknownTeam', `no team ${teamName}`))
  const channel =
    channelName === undefined
      ? undefined
      : state.channels.find((c) => c.teamId === team.id && lower(c.name) === lower(channelName))
  if (channelName !== undefined && channel === undefined)
    return err(badInput('unknownChannel', `no channel ${channelName} in team ${team.name}`))
  const syncable: SyncableRef =
    channel !== undefined ? { kind: 'channel', id: channel.id } : { kind: 'team', id: team.id }
  const explanation = explain(state, { userId: user.id, syncable }, planned.value.config.policy)
  if (ctx.json)
    ctx.io.out(
      printJson({
        kind: 'explain',
        user: { id: user.id, username: user.username },
        syncable: { ...syncable, name: channel?.name ?? team.name },
        role: explanation.decision.role,
        reason: explanation.decision.reason,
        commands: explanation.commands,
        lines: explanation.lines,
      }),
    )
  else for (const line of explanation.lines) ctx.io.out(line)
  return ok(0)
}
