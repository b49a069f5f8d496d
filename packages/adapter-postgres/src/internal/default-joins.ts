/**
 * The channel rows one apply's team adds created by joining default channels, so that a later
 * `addChannelMember` of the same plan sets its role on them, and a later removal forgets them.
 */
export class DefaultJoins {
  // `channel\0user` of each joined row, and per `team\0user` the channel ids joined in that team.
  readonly #rows = new Set<string>()
  readonly #byTeamUser = new Map<string, string[]>()

  add(channelId: string, userId: string, teamId: string): void {
    this.#rows.add(`${channelId}\u0000${userId}`)
    const key = `${teamId}\u0000${userId}`
    const channels = this.#byTeamUser.get(key)
    if (channels === undefined) this.#byTeamUser.set(key, [channelId])
    else channels.push(channelId)
  }

  has(channelId: string, userId: string): boolean {
    return this.#rows.has(`${channelId}\u0000${userId}`)
  }

  /** The row was deleted (channel removal). */
  forgetChannel(channelId: string, userId: string): void {
    this.#rows.delete(`${channelId}\u0000${userId}`)
  }

  /** The user left the team, and with it every channel row of the team. */
  forgetTeam(teamId: string, userId: string): void {
    const key = `${teamId}\u0000${userId}`
    for (const channelId of this.#byTeamUser.get(key) ?? [])
      this.#rows.delete(`${channelId}\u0000${userId}`)
    this.#byTeamUser.delete(key)
  }
}
