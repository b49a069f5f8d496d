import type { Channel } from '../model.js'
import { joinsByDefault } from '../rules.js'
import { pick } from './merge-duplicates.js'

/**
 * The channels of each team id that a new non-guest member joins (`joinsByDefault`). Of two rows
 * for one channel id the same one counts as in the planner's index, whatever their order.
 */
export function defaultChannelsByTeam(channels: readonly Channel[]): Map<string, string[]> {
  const byId = new Map<string, Channel>()
  for (const c of channels) {
    const other = byId.get(c.id)
    byId.set(c.id, other === undefined ? c : pick(other, c))
  }
  const byTeam = new Map<string, string[]>()
  for (const c of byId.values()) {
    if (!joinsByDefault(c)) continue
    let list = byTeam.get(c.teamId)
    if (list === undefined) byTeam.set(c.teamId, (list = []))
    list.push(c.id)
  }
  return byTeam
}
