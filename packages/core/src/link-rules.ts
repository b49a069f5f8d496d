import { err, ok, type Result } from 'neverthrow'
import { match } from 'ts-pattern'
import type { WarningFields } from './directory-snapshot.js'
import type { Channel, Group, GroupLink, SyncableRef, Team } from './model.js'

/**
 * What the managers of a linked group get (FreeIPA `memberManager`, AD `managedBy`, OpenLDAP
 * `owner`): nothing (`ignore`, the default); admin of the syncables the rule names, and added like
 * members when the link auto-adds (`admin`); admin only when also a member (`adminIfMember`).
 */
export type ManagersMode = 'ignore' | 'admin' | 'adminIfMember'

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
      /** Default false. Every team and channel the rule links becomes managed (see `Team.managed`). */
      readonly manage?: boolean
      /** Default `ignore`. See {@link ManagersMode}. */
      readonly managers?: ManagersMode
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
      /** Default false. Every team and channel the rule links becomes managed (see `Team.managed`). */
      readonly manage?: boolean
      /** Default `ignore`. See {@link ManagersMode}. */
      readonly managers?: ManagersMode
    }

/**
 * Why a link rule list is malformed. `path` names the rule and the field as in the config file
 * (`rules[1].pattern`, indexes from 0); `message` starts with it.
 */
export interface LinkRuleError {
  readonly kind: 'invalidLinkRule'
  /** The rule's index from 0; -1 when the list itself is wrong. */
  readonly index: number
  /** The field within the rule; `''` for the rule (or list) as a whole. */
  readonly field: string
  readonly path: string
  readonly message: string
}

/**
 * A rule that named something that does not exist, matched more than one way or matched nothing,
 * or a `manage` name that names no team or channel. `rule` is the rule's index from 0; messages
 * count rules from 1, as people do.
 */
export type LinkWarning =
  | {
      readonly kind: 'unknownGroup'
      readonly rule: number
      readonly group: string
      readonly message: string
    }
  | {
      readonly kind: 'unknownTeam'
      readonly rule: number
      readonly group: string
      readonly team: string
      readonly message: string
    }
  | {
      readonly kind: 'unknownChannel'
      readonly rule: number
      readonly group: string
      readonly team: string
      readonly channel: string
      readonly message: string
    }
  | {
      readonly kind: 'ambiguousMatch'
      readonly rule: number
      readonly group: string
      readonly candidates: readonly string[]
      readonly message: string
    }
  /** A pattern rule that fits no live group name at all: usually a typo in the pattern. */
  | {
      readonly kind: 'ruleMatchesNoGroup'
      readonly rule: number
      readonly pattern: string
      readonly message: string
    }
  /** A `manage` entry (`team` or `team/channel`) that names no live team or channel. */
  | { readonly kind: 'unknownManaged'; readonly name: string; readonly message: string }

/** A team or channel this project constrains itself, and what made it so (`rule 2`, `the manage list`). */
export interface ManagedSyncable {
  readonly syncable: SyncableRef
  readonly by: string
}

/**
 * An admin group derived from a linked group's managers, named by links the rules made (rules with
 * `managers`). `admin`: every manager; `adminIfMember`: the managers who are also members.
 */
export interface ManagerGroupRef {
  /** The derived group's id (see {@link managerGroupId}). */
  readonly id: string
  /** The group whose managers it holds. */
  readonly groupId: string
  readonly mode: Exclude<ManagersMode, 'ignore'>
}

/** The links the rules produce, the syncables they make managed, sorted, plus warnings. */
export interface LinksFromRules {
  readonly links: readonly GroupLink[]
  readonly managed: readonly ManagedSyncable[]
  readonly warnings: readonly LinkWarning[]
  /** The derived manager groups the links name, sorted by id; absent when there are none. */
  readonly managerGroups?: readonly ManagerGroupRef[]
}

/** Options of `linksFromRules`. */
export interface LinksFromRulesOptions {
  /** Teams (`rl`) and channels (`rl/infrastructure`) to manage whatever rule links them. */
  readonly manage?: readonly string[]
  /**
   * Ids of the groups that have managers (read, or unreadable): only these get derived manager
   * links from rules with `managers`. Without it no rule links managers.
   */
  readonly groupsWithManagers?: ReadonlySet<string>
}

/**
 * The id of the admin group derived from a group's managers: `<group>#managers` (`admin`) or
 * `<group>#managers-in-group` (`adminIfMember`): the two modes never share a group, and directory
 * ids (ipaUniqueID, entryUUID, objectGUID, a DN) never end in these.
 */
export function managerGroupId(groupId: string, mode: Exclude<ManagersMode, 'ignore'>): string {
  return mode === 'admin' ? `${groupId}#managers` : `${groupId}#managers-in-group`
}

/** Builds a link warning with its sentence. */
export function linkWarning(fields: WarningFields<LinkWarning>): LinkWarning {
  const rule = (index: number): string => `rule ${index + 1}`
  return match(fields)
    .returnType<LinkWarning>()
    .with({ kind: 'unknownGroup' }, (w) => ({
      ...w,
      message: `${rule(w.rule)}: group ${w.group} does not exist (or is deleted): nothing linked`,
    }))
    .with({ kind: 'unknownTeam' }, (w) => ({
      ...w,
      message: `${rule(w.rule)}: group ${w.group} names team ${w.team}, which does not exist: not linked`,
    }))
    .with({ kind: 'unknownChannel' }, (w) => ({
      ...w,
      message: `${rule(w.rule)}: group ${w.group} names channel ${w.team}/${w.channel}, which does not exist: not linked`,
    }))
    .with({ kind: 'ambiguousMatch' }, (w) => ({
      ...w,
      message: `${rule(w.rule)}: group ${w.group} fits ${w.candidates.join(' and ')}: not linked (rename the group or use an explicit rule)`,
    }))
    .with({ kind: 'ruleMatchesNoGroup' }, (w) => ({
      ...w,
      message: `${rule(w.rule)}: the pattern ${w.pattern} matches no group`,
    }))
    .with({ kind: 'unknownManaged' }, (w) => ({
      ...w,
      message: `manage: ${w.name} names no ${w.name.includes('/') ? 'channel' : 'team'}: nothing managed for it`,
    }))
    .exhaustive()
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

const isManagersMode = (v: unknown): v is ManagersMode =>
  v === 'ignore' || v === 'admin' || v === 'adminIfMember'

/** Parses link rules from untrusted configuration; errors name the rule and field (`rules[1].pattern`). */
export function parseLinkRules(input: unknown): Result<readonly LinkRule[], LinkRuleError> {
  if (!Array.isArray(input))
    return err({
      kind: 'invalidLinkRule',
      index: -1,
      field: '',
      path: 'rules',
      message: 'rules: must be an array',
    })
  const rules: LinkRule[] = []
  for (const [index, raw] of (input as unknown[]).entries()) {
    const fail = (field: string, message: string): Result<never, LinkRuleError> => {
      const path = `rules[${index}]${field === '' ? '' : `.${field}`}`
      return err({ kind: 'invalidLinkRule', index, field, path, message: `${path}: ${message}` })
    }
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
    if (r['kind'] !== 'explicit' && r['kind'] !== 'pattern')
      return fail('kind', 'must be "explicit" or "pattern"')
    const allowed =
      r['kind'] === 'explicit'
        ? ['kind', 'group', 'team', 'channel', 'autoAdd', 'schemeAdmin', 'manage', 'managers']
        : ['kind', 'pattern', 'adminSuffix', 'autoAdd', 'manage', 'managers']
    for (const key of Object.keys(r))
      if (!allowed.includes(key))
        return fail(key, `unknown field (a ${r['kind']} rule takes ${allowed.join(', ')})`)
    const autoAdd = optBool('autoAdd')
    if (autoAdd.isErr()) return err(autoAdd.error)
    const manage = optBool('manage')
    if (manage.isErr()) return err(manage.error)
    const managers = r['managers']
    if (managers !== undefined && !isManagersMode(managers))
      return fail('managers', 'must be "ignore", "admin" or "adminIfMember"')
    const flags = {
      ...(autoAdd.value !== undefined ? { autoAdd: autoAdd.value } : {}),
      ...(manage.value !== undefined ? { manage: manage.value } : {}),
      ...(isManagersMode(managers) ? { managers } : {}),
    }
    if (r['kind'] === 'explicit') {
      const group = nonEmpty('group', true)
      if (group.isErr()) return err(group.error)
      const team = nonEmpty('team', true)
      if (team.isErr()) return err(team.error)
      const channel = nonEmpty('channel', false)
      if (channel.isErr()) return err(channel.error)
      const schemeAdmin = optBool('schemeAdmin')
      if (schemeAdmin.isErr()) return err(schemeAdmin.error)
      rules.push({
        kind: 'explicit',
        group: group.value ?? '',
        team: team.value ?? '',
        ...(channel.value !== undefined ? { channel: channel.value } : {}),
        ...(schemeAdmin.value !== undefined ? { schemeAdmin: schemeAdmin.value } : {}),
        ...flags,
      })
    } else {
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
        ...flags,
      })
    }
  }
  return ok(rules)
}

/** Why a link pattern is malformed, or undefined when it is fine (what `parseLinkRules` checks). */
export function linkPatternProblem(pattern: string): string | undefined {
  const tokens = tokenize(pattern)
  return typeof tokens === 'string' ? tokens : undefined
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const linkKey = (groupId: string, s: SyncableRef): string =>
  `${groupId}\u0000${s.kind}\u0000${s.id}`

/**
 * Turns rules into group links against the live teams and channels (names compared
 * case-insensitively). A channel link always comes with a link to its team. Links produced twice are
 * merged (autoAdd and schemeAdmin OR-ed). Unknown or ambiguous names are warnings. Teams and
 * channels linked by a rule with `manage: true` (`rule N`, counted from 1) or named in
 * `options.manage` (`the manage list`) come back in `managed`. Output is sorted, so it does not
 * depend on input order.
 */
export function linksFromRules(
  rules: readonly LinkRule[],
  groups: readonly Group[],
  teams: readonly Team[],
  channels: readonly Channel[],
  options: LinksFromRulesOptions = {},
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
  // Per syncable, what made it managed, in rule order and then the manage list.
  const managedBy = new Map<string, { syncable: SyncableRef; by: string[] }>()
  const manage = (syncable: SyncableRef, by: string): void => {
    const k = `${syncable.kind}\u0000${syncable.id}`
    const entry = managedBy.get(k)
    if (entry === undefined) managedBy.set(k, { syncable, by: [by] })
    else if (!entry.by.includes(by)) entry.by.push(by)
  }
  let ruleLabel: string | undefined
  // The current rule's `managers`, when it links managers at all.
  let managersMode: Exclude<ManagersMode, 'ignore'> | undefined
  const managerRefs = new Map<string, ManagerGroupRef>()
  const link = (
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
    if (ruleLabel !== undefined) manage(syncable, ruleLabel)
  }
  /**
   * Links a group, and its managers' group as plain data: admin of the syncable the rule names
   * (`named`). With `admin` the managers are also linked to the channel's team as plain members and
   * auto-added as the rule says; with `adminIfMember` the derived group holds only managers who are
   * members, so its one link grants the role and never adds anyone.
   */
  const add = (
    groupId: string,
    syncable: SyncableRef,
    autoAdd: boolean,
    schemeAdmin: boolean,
    named = true,
  ): void => {
    link(groupId, syncable, autoAdd, schemeAdmin)
    if (managersMode === undefined || options.groupsWithManagers?.has(groupId) !== true) return
    if (managersMode === 'adminIfMember' && !named) return
    const id = managerGroupId(groupId, managersMode)
    managerRefs.set(id, { id, groupId, mode: managersMode })
    link(id, syncable, managersMode === 'admin' && autoAdd, named)
  }
  const team1 = (name: string): Team | undefined => teamsByName.get(name.toLowerCase())?.[0]
  const channel1 = (team: Team, name: string): Channel | undefined =>
    channelsByKey.get(`${team.id}\u0000${name.toLowerCase()}`)?.[0]

  for (const [ruleIndex, rule] of rules.entries()) {
    ruleLabel = rule.manage === true ? `rule ${ruleIndex + 1}` : undefined
    managersMode =
      rule.managers === undefined || rule.managers === 'ignore' ? undefined : rule.managers
    if (rule.kind === 'explicit') {
      const matching = liveGroups.filter((g) => g.name.toLowerCase() === rule.group.toLowerCase())
      if (matching.length === 0) {
        warnings.push(linkWarning({ kind: 'unknownGroup', rule: ruleIndex, group: rule.group }))
        continue
      }
      const team = team1(rule.team)
      if (team === undefined) {
        warnings.push(
          linkWarning({ kind: 'unknownTeam', rule: ruleIndex, group: rule.group, team: rule.team }),
        )
        continue
      }
      const channel = rule.channel === undefined ? undefined : channel1(team, rule.channel)
      if (rule.channel !== undefined && channel === undefined) {
        warnings.push(
          linkWarning({
            kind: 'unknownChannel',
            rule: ruleIndex,
            group: rule.group,
            team: rule.team,
            channel: rule.channel,
          }),
        )
        continue
      }
      const autoAdd = rule.autoAdd ?? true
      const admin = rule.schemeAdmin ?? false
      for (const g of matching) {
        if (channel === undefined) add(g.id, { kind: 'team', id: team.id }, autoAdd, admin)
        else {
          add(g.id, { kind: 'team', id: team.id }, autoAdd, false, false)
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
    let fitsAny = false
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
      fitsAny = true
      const resolved = fits.flatMap((f): { team: Team; channel: Channel | undefined }[] => {
        const team = team1(f.team)
        if (team === undefined) return []
        if (f.channel === undefined) return [{ team, channel: undefined }]
        const channel = channel1(team, f.channel)
        return channel === undefined ? [] : [{ team, channel }]
      })
      if (resolved.length > 1) {
        patternWarnings.push(
          linkWarning({
            kind: 'ambiguousMatch',
            rule: ruleIndex,
            group: g.name,
            candidates: resolved
              .map((r) =>
                r.channel === undefined ? r.team.name : `${r.team.name}/${r.channel.name}`,
              )
              .sort(),
          }),
        )
        continue
      }
      const hit = resolved[0]
      if (hit === undefined) {
        const withTeam = fits.find((f) => team1(f.team) !== undefined)
        if (withTeam !== undefined && withTeam.channel !== undefined)
          patternWarnings.push(
            linkWarning({
              kind: 'unknownChannel',
              rule: ruleIndex,
              group: g.name,
              team: withTeam.team,
              channel: withTeam.channel,
            }),
          )
        else
          patternWarnings.push(
            linkWarning({
              kind: 'unknownTeam',
              rule: ruleIndex,
              group: g.name,
              team: fits[0]?.team ?? '',
            }),
          )
        continue
      }
      if (hit.channel === undefined) add(g.id, { kind: 'team', id: hit.team.id }, autoAdd, isAdmin)
      else {
        add(g.id, { kind: 'team', id: hit.team.id }, autoAdd, false, false)
        add(g.id, { kind: 'channel', id: hit.channel.id }, autoAdd, isAdmin)
      }
    }
    if (!fitsAny)
      warnings.push(
        linkWarning({ kind: 'ruleMatchesNoGroup', rule: ruleIndex, pattern: rule.pattern }),
      )
  }
  ruleLabel = undefined
  managersMode = undefined
  const manageWarnings: LinkWarning[] = []
  for (const name of options.manage ?? []) {
    const slash = name.indexOf('/')
    const team = team1(slash < 0 ? name : name.slice(0, slash))
    const channel =
      team === undefined || slash < 0 ? undefined : channel1(team, name.slice(slash + 1))
    if (team === undefined || (slash >= 0 && channel === undefined))
      manageWarnings.push(linkWarning({ kind: 'unknownManaged', name }))
    else
      manage(
        channel === undefined ? { kind: 'team', id: team.id } : { kind: 'channel', id: channel.id },
        'the manage list',
      )
  }
  const linkedIds = new Set<string>()
  for (const l of links.values()) linkedIds.add(l.groupId)
  const managerGroups = [...managerRefs.values()].sort((a, b) => cmp(a.id, b.id))
  const linkedNames = new Set(liveGroups.filter((g) => linkedIds.has(g.id)).map((g) => g.name))
  for (const w of patternWarnings)
    if (w.kind === 'ambiguousMatch' || !('group' in w) || !linkedNames.has(w.group))
      warnings.push(w)
  const sortedLinks = [...links.values()].sort(
    (a, b) =>
      cmp(a.groupId, b.groupId) ||
      cmp(a.syncable.kind, b.syncable.kind) ||
      cmp(a.syncable.id, b.syncable.id),
  )
  const managed = [...managedBy.values()]
    .map(({ syncable, by }): ManagedSyncable => ({ syncable, by: by.join(', ') }))
    .sort((a, b) => cmp(a.syncable.kind, b.syncable.kind) || cmp(a.syncable.id, b.syncable.id))
  const wKey = (w: LinkWarning): string =>
    `${String('rule' in w ? w.rule : 999999).padStart(6, '0')}\u0000${'group' in w ? w.group : ''}\u0000${w.kind}\u0000${JSON.stringify(w)}`
  return {
    links: sortedLinks,
    managed,
    warnings: [...[...warnings].sort((a, b) => cmp(wKey(a), wKey(b))), ...manageWarnings],
    ...(managerGroups.length > 0 ? { managerGroups } : {}),
  }
}
