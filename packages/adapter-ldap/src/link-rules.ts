import type { Channel, Group, GroupLink, SyncableRef, Team } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'

/** How directory groups map to Mattermost teams and channels. */
export type LinkRule =
  /** One group to one team, or to one channel of a team (the team is linked too). */
  | {
      readonly kind: 'explicit'
      readonly group: string
      readonly team: string
      readonly channel?: string
      /** Default true. */
      readonly autoAdd?: boolean
      /** Default false. Applies to the named syncable (the channel when one is given). */
      readonly schemeAdmin?: boolean
    }
  /**
   * Group names following a convention, e.g. `mm_{team}_{channel}` (Rocky Linux). `{team}` is
   * required, `{channel}` optional; `{name}` is an alias of `{channel}` (`mm_{team}_{name}`). With
   * `adminSuffix` (e.g. `_admins`), `mm_rl_infra_admins` makes channel admins of `rl/infra` (plain
   * members of `rl`), and `mm_rl_admins` makes team admins of `rl`: an admin group may leave out the
   * channel part together with the text in front of it (`mm_{team}`).
   */
  | {
      readonly kind: 'pattern'
      readonly pattern: string
      readonly adminSuffix?: string
      /** Default true. */
      readonly autoAdd?: boolean
    }

/** Why a link rule list is malformed. */
export interface LinkRuleError {
  readonly kind: 'invalidLinkRule'
  readonly index: number
  readonly field: string
  readonly message: string
}

/** A rule that named something that does not exist, or matched more than one way. */
export type LinkWarning =
  | { readonly kind: 'unknownGroup'; readonly rule: number; readonly group: string }
  | {
      readonly kind: 'unknownTeam'
      readonly rule: number
      readonly group: string
      readonly team: string
    }
  | {
      readonly kind: 'unknownChannel'
      readonly rule: number
      readonly group: string
      readonly team: string
      readonly channel: string
    }
  | {
      readonly kind: 'ambiguousMatch'
      readonly rule: number
      readonly group: string
      readonly candidates: readonly string[]
    }

/** The links the rules produce, sorted, plus warnings. */
export interface LinksFromRules {
  readonly links: readonly GroupLink[]
  readonly warnings: readonly LinkWarning[]
}

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'team' }
  | { readonly kind: 'channel' }

function tokenize(pattern: string): Token[] | string {
  const tokens: Token[] = []
  const re = /\{(team|channel|name)\}/g
  let last = 0
  let seenTeam = false
  let seenChannel = false
  for (const m of pattern.matchAll(re)) {
    if (m.index > last)
      tokens.push({ kind: 'literal', text: pattern.slice(last, m.index).toLowerCase() })
    const prev = tokens[tokens.length - 1]
    if (prev !== undefined && prev.kind !== 'literal')
      return 'two placeholders must be separated by literal text'
    if (m[1] === 'team') {
      if (seenTeam) return '{team} appears twice'
      seenTeam = true
      tokens.push({ kind: 'team' })
    } else {
      if (seenChannel) return '{channel} (or its alias {name}) appears twice'
      seenChannel = true
      tokens.push({ kind: 'channel' })
    }
    last = m.index + m[0].length
  }
  if (last < pattern.length)
    tokens.push({ kind: 'literal', text: pattern.slice(last).toLowerCase() })
  if (!seenTeam) return 'must contain {team}'
  if (/[{}]/.test(pattern.replace(re, '')))
    return 'unknown placeholder (use {team} and {channel}, or its alias {name})'
  return tokens
}

/**
 * The team-only form of a pattern for admin groups: without the channel placeholder and the literal
 * that separates it (`mm_{team}_{channel}` → `mm_{team}`), so `mm_rl_admins` reads as team `rl`.
 * Undefined when the pattern has no channel placeholder (the pattern is team-only already).
 */
function teamOnly(tokens: readonly Token[]): Token[] | undefined {
  const at = tokens.findIndex((t) => t.kind === 'channel')
  if (at < 0) return undefined
  // The separator is the literal before the channel, or after it when the channel comes first.
  const before = tokens[at - 1]?.kind === 'literal'
  const from = before ? at - 1 : at
  const to = !before && tokens[at + 1]?.kind === 'literal' ? at + 2 : at + 1
  return [...tokens.slice(0, from), ...tokens.slice(to)]
}

/** Every way `name` fits the tokens: a list of { team, channel? } (backtracking; names are short). */
function matchAll(tokens: readonly Token[], name: string): { team: string; channel?: string }[] {
  const out: { team: string; channel?: string }[] = []
  const go = (
    ti: number,
    at: number,
    team: string | undefined,
    channel: string | undefined,
  ): void => {
    const t = tokens[ti]
    if (t === undefined) {
      if (at === name.length && team !== undefined)
        out.push({ team, ...(channel !== undefined ? { channel } : {}) })
      return
    }
    if (t.kind === 'literal') {
      if (name.startsWith(t.text, at)) go(ti + 1, at + t.text.length, team, channel)
      return
    }
    for (let end = at + 1; end <= name.length; end++) {
      const part = name.slice(at, end)
      if (t.kind === 'team') go(ti + 1, end, part, channel)
      else go(ti + 1, end, team, part)
    }
  }
  go(0, 0, undefined, undefined)
  return out
}

/** Parses link rules from untrusted configuration. */
export function parseLinkRules(input: unknown): Result<readonly LinkRule[], LinkRuleError> {
  if (!Array.isArray(input))
    return err({ kind: 'invalidLinkRule', index: -1, field: '', message: 'rules must be an array' })
  const rules: LinkRule[] = []
  for (const [index, raw] of (input as unknown[]).entries()) {
    const fail = (field: string, message: string): Result<never, LinkRuleError> =>
      err({ kind: 'invalidLinkRule', index, field, message })
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return fail('', 'must be an object')
    const r = raw as Record<string, unknown>
    const optBool = (field: string): Result<boolean | undefined, LinkRuleError> =>
      r[field] === undefined
        ? ok(undefined)
        : typeof r[field] === 'boolean'
          ? ok(r[field])
          : fail(field, 'must be a boolean')
    const nonEmpty = (
      field: string,
      required: boolean,
    ): Result<string | undefined, LinkRuleError> =>
      r[field] === undefined
        ? required
          ? fail(field, 'is required')
          : ok(undefined)
        : typeof r[field] === 'string' && r[field].trim() !== ''
          ? ok(r[field])
          : fail(field, 'must be a non-empty string')
    const allowed =
      r['kind'] === 'explicit'
        ? ['kind', 'group', 'team', 'channel', 'autoAdd', 'schemeAdmin']
        : ['kind', 'pattern', 'adminSuffix', 'autoAdd']
    for (const key of Object.keys(r)) if (!allowed.includes(key)) return fail(key, 'unknown field')
    const autoAdd = optBool('autoAdd')
    if (autoAdd.isErr()) return err(autoAdd.error)
    if (r['kind'] === 'explicit') {
      const group = nonEmpty('group', true)
      const team = nonEmpty('team', true)
      const channel = nonEmpty('channel', false)
      const schemeAdmin = optBool('schemeAdmin')
      for (const x of [group, team, channel]) if (x.isErr()) return err(x.error)
      if (schemeAdmin.isErr()) return err(schemeAdmin.error)
      rules.push({
        kind: 'explicit',
        group: group.unwrapOr(undefined) ?? '',
        team: team.unwrapOr(undefined) ?? '',
        ...(channel.unwrapOr(undefined) !== undefined
          ? { channel: channel.unwrapOr(undefined) ?? '' }
          : {}),
        ...(autoAdd.value !== undefined ? { autoAdd: autoAdd.value } : {}),
        ...(schemeAdmin.value !== undefined ? { schemeAdmin: schemeAdmin.value } : {}),
      })
    } else if (r['kind'] === 'pattern') {
      const pattern = nonEmpty('pattern', true)
      if (pattern.isErr()) return err(pattern.error)
      const tokens = tokenize(pattern.value ?? '')
      if (typeof tokens === 'string') return fail('pattern', tokens)
      const adminSuffix = nonEmpty('adminSuffix', false)
      if (adminSuffix.isErr()) return err(adminSuffix.error)
      rules.push({
        kind: 'pattern',
        pattern: pattern.value ?? '',
        ...(adminSuffix.value !== undefined ? { adminSuffix: adminSuffix.value } : {}),
        ...(autoAdd.value !== undefined ? { autoAdd: autoAdd.value } : {}),
      })
    } else return fail('kind', 'must be "explicit" or "pattern"')
  }
  return ok(rules)
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const linkKey = (groupId: string, s: SyncableRef): string =>
  `${groupId}\u0000${s.kind}\u0000${s.id}`

/**
 * Turns rules into group links against the live teams and channels (names compared
 * case-insensitively). A channel link always comes with a link to its team. Links produced twice are
 * merged (autoAdd and schemeAdmin OR-ed). Unknown or ambiguous names are warnings. Output is sorted,
 * so it does not depend on input order.
 */
export function linksFromRules(
  rules: readonly LinkRule[],
  groups: readonly Group[],
  teams: readonly Team[],
  channels: readonly Channel[],
): LinksFromRules {
  const liveGroups = [...groups].filter((g) => g.deleted !== true).sort((a, b) => cmp(a.id, b.id))
  const teamsByName = new Map<string, Team[]>()
  for (const t of teams) {
    if (t.deleted === true) continue
    const k = t.name.toLowerCase()
    teamsByName.set(
      k,
      [...(teamsByName.get(k) ?? []), t].sort((a, b) => cmp(a.id, b.id)),
    )
  }
  const channelsByKey = new Map<string, Channel[]>()
  for (const c of channels) {
    if (c.deleted === true || (c.type !== 'O' && c.type !== 'P')) continue
    const k = `${c.teamId}\u0000${c.name.toLowerCase()}`
    channelsByKey.set(
      k,
      [...(channelsByKey.get(k) ?? []), c].sort((a, b) => cmp(a.id, b.id)),
    )
  }
  const links = new Map<string, GroupLink>()
  const warnings: LinkWarning[] = []
  // A name that one pattern links may look like an unknown team to another pattern: not worth a warning.
  const patternWarnings: LinkWarning[] = []
  const add = (
    groupId: string,
    syncable: SyncableRef,
    autoAdd: boolean,
    schemeAdmin: boolean,
  ): void => {
    const k = linkKey(groupId, syncable)
    const prev = links.get(k)
    links.set(k, {
      groupId,
      syncable,
      autoAdd: autoAdd || prev?.autoAdd === true,
      schemeAdmin: schemeAdmin || prev?.schemeAdmin === true,
    })
  }
  const team1 = (name: string): Team | undefined => teamsByName.get(name.toLowerCase())?.[0]
  const channel1 = (team: Team, name: string): Channel | undefined =>
    channelsByKey.get(`${team.id}\u0000${name.toLowerCase()}`)?.[0]

  for (const [ruleIndex, rule] of rules.entries()) {
    if (rule.kind === 'explicit') {
      const matching = liveGroups.filter((g) => g.name.toLowerCase() === rule.group.toLowerCase())
      if (matching.length === 0) {
        warnings.push({ kind: 'unknownGroup', rule: ruleIndex, group: rule.group })
        continue
      }
      const team = team1(rule.team)
      if (team === undefined) {
        warnings.push({ kind: 'unknownTeam', rule: ruleIndex, group: rule.group, team: rule.team })
        continue
      }
      const channel = rule.channel === undefined ? undefined : channel1(team, rule.channel)
      if (rule.channel !== undefined && channel === undefined) {
        warnings.push({
          kind: 'unknownChannel',
          rule: ruleIndex,
          group: rule.group,
          team: rule.team,
          channel: rule.channel,
        })
        continue
      }
      const autoAdd = rule.autoAdd ?? true
      const admin = rule.schemeAdmin ?? false
      for (const g of matching) {
        if (channel === undefined) add(g.id, { kind: 'team', id: team.id }, autoAdd, admin)
        else {
          add(g.id, { kind: 'team', id: team.id }, autoAdd, false)
          add(g.id, { kind: 'channel', id: channel.id }, autoAdd, admin)
        }
      }
      continue
    }
    const tokens = tokenize(rule.pattern)
    if (typeof tokens === 'string') continue // parseLinkRules rejects these; a hand-built rule just matches nothing.
    const adminTokens = teamOnly(tokens)
    const autoAdd = rule.autoAdd ?? true
    const suffix = rule.adminSuffix?.toLowerCase()
    for (const g of liveGroups) {
      const name = g.name.toLowerCase()
      // The admin marker wins over a channel of the same name (e.g. a channel called "admins").
      const isAdmin = suffix !== undefined && name.endsWith(suffix) && name.length > suffix.length
      const base = isAdmin ? name.slice(0, -suffix.length) : name
      // An admin group may name the team alone; both readings count, so a name that fits both
      // (team `rl_infra` next to channel `rl/infra`) is ambiguous rather than guessed.
      const fits = [
        ...matchAll(tokens, base),
        ...(isAdmin && adminTokens !== undefined ? matchAll(adminTokens, base) : []),
      ]
      if (fits.length === 0) continue
      const resolved = fits.flatMap((f): { team: Team; channel: Channel | undefined }[] => {
        const team = team1(f.team)
        if (team === undefined) return []
        if (f.channel === undefined) return [{ team, channel: undefined }]
        const channel = channel1(team, f.channel)
        return channel === undefined ? [] : [{ team, channel }]
      })
      if (resolved.length > 1) {
        patternWarnings.push({
          kind: 'ambiguousMatch',
          rule: ruleIndex,
          group: g.name,
          candidates: resolved
            .map((r) =>
              r.channel === undefined ? r.team.name : `${r.team.name}/${r.channel.name}`,
            )
            .sort(),
        })
        continue
      }
      const hit = resolved[0]
      if (hit === undefined) {
        const withTeam = fits.find((f) => team1(f.team) !== undefined)
        if (withTeam !== undefined && withTeam.channel !== undefined)
          patternWarnings.push({
            kind: 'unknownChannel',
            rule: ruleIndex,
            group: g.name,
            team: withTeam.team,
            channel: withTeam.channel,
          })
        else
          patternWarnings.push({
            kind: 'unknownTeam',
            rule: ruleIndex,
            group: g.name,
            team: fits[0]?.team ?? '',
          })
        continue
      }
      if (hit.channel === undefined) add(g.id, { kind: 'team', id: hit.team.id }, autoAdd, isAdmin)
      else {
        add(g.id, { kind: 'team', id: hit.team.id }, autoAdd, false)
        add(g.id, { kind: 'channel', id: hit.channel.id }, autoAdd, isAdmin)
      }
    }
  }
  const linkedIds = new Set<string>()
  for (const l of links.values()) linkedIds.add(l.groupId)
  const linkedNames = new Set(liveGroups.filter((g) => linkedIds.has(g.id)).map((g) => g.name))
  for (const w of patternWarnings)
    if (w.kind === 'ambiguousMatch' || !linkedNames.has(w.group)) warnings.push(w)
  const sortedLinks = [...links.values()].sort(
    (a, b) =>
      cmp(a.groupId, b.groupId) ||
      cmp(a.syncable.kind, b.syncable.kind) ||
      cmp(a.syncable.id, b.syncable.id),
  )
  const wKey = (w: LinkWarning): string =>
    `${String(w.rule).padStart(6, '0')}\u0000${w.group}\u0000${w.kind}\u0000${JSON.stringify(w)}`
  return { links: sortedLinks, warnings: [...warnings].sort((a, b) => cmp(wKey(a), wKey(b))) }
}
