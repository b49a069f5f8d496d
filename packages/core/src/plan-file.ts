import { err, ok, safeTry, type Result } from 'neverthrow'
import { match } from 'ts-pattern'
import type { Role, SyncableRef, SyncState } from './model.js'
import { resolvePolicy, type ResolvedSyncPolicy } from './sync-policy.js'
import {
  commandSyncable,
  describeHold,
  syncCommandKinds,
  type HeldCommand,
  type HoldReason,
  type LimitHoldReason,
  type PlannedCommand,
  type SyncCommand,
  type SyncCommandKind,
  type SyncPlan,
  type SyncStats,
  type SyncWarning,
} from './sync-command.js'
import { hmacSha256, sha256, toHex, utf8 } from './internal/sha256.js'

/**
 * Whether a plan file's commands are the ones `writePlanFile` wrote: `intact` (the digest matches),
 * `edited` (commands, held commands, warnings, policy or fingerprints changed since; the digest does
 * not match) or `noDigest` (written before digests, or the digest was removed: nothing to check).
 */
export type PlanFileIntegrity = 'intact' | 'edited' | 'noDigest'

/** A plan as written to disk: applied later exactly as written, refused by adapters when stale. */
export interface PlanFile {
  readonly format: 'grouproles-plan'
  readonly version: 1
  readonly createdAt?: string
  /**
   * Display names (users, teams, channels) as the file claims them. Never used to apply, and not to
   * be shown either: a review shows names from the live state (see `formatPlan`).
   */
  readonly names?: Readonly<Record<string, string>>
  /** The plan; its `stats` are recomputed from the commands, never taken from the file. */
  readonly plan: SyncPlan
  /** What the digest says about the commands (see `PlanFileIntegrity`). */
  readonly integrity: PlanFileIntegrity
  /** `integrity !== 'intact'`: the file cannot be shown to be the plan that was written. */
  readonly edited: boolean
  /** A signature was present and verified with the `signingKey` the caller passed. */
  readonly signed: boolean
  /**
   * The file is the revert of a journalled run (`grouproles revert`): its commands are admitted
   * against that run's inverse (`admitRevert`), not re-planned. Covered by the digest and signature.
   */
  readonly revertOf?: PlanFileRevertOf
}

/** What marks a plan file as the revert of a journalled run. */
export interface PlanFileRevertOf {
  /** The run's id in the journal. */
  readonly runId: number
}

/** Why a plan file could not be read. */
export type PlanFileError =
  | { readonly kind: 'invalidJson'; readonly message: string }
  | { readonly kind: 'notAPlanFile'; readonly message: string }
  | { readonly kind: 'unsupportedVersion'; readonly message: string; readonly version: unknown }
  /** A field is missing or malformed; `path` names it, e.g. `plan.commands[3].role`. */
  | { readonly kind: 'invalidPlan'; readonly message: string; readonly path: string }
  /** A `signingKey` was given and the file carries no signature. */
  | { readonly kind: 'unsignedPlan'; readonly message: string }
  /** A `signingKey` was given and the signature does not match: altered, or another key. */
  | { readonly kind: 'badSignature'; readonly message: string }

/** A key for signing plan files: a UTF-8 string (e.g. from the environment) or raw bytes. */
export type PlanSigningKey = string | Uint8Array

/** Options of `writePlanFile`. */
export interface WritePlanFileOptions {
  /** Names for the file's readers are taken from this state (never used to apply or review). */
  readonly state?: SyncState
  readonly createdAt?: string
  /** Signs the file (HMAC-SHA-256 over the digested content); `readPlanFile` checks it. */
  readonly signingKey?: PlanSigningKey
  /** Marks the file as the revert of this journalled run (see `PlanFile.revertOf`). */
  readonly revertOf?: PlanFileRevertOf
}

/** Options of `readPlanFile`. */
export interface ReadPlanFileOptions {
  /** When given, an unsigned file or one whose signature does not match is refused. */
  readonly signingKey?: PlanSigningKey
}

const digestPrefix = 'sha256:'
const signaturePrefix = 'hmac-sha256:'

/**
 * Serialises a plan (with names from `state` when given) as pretty JSON, with a SHA-256 digest of
 * its commands, held commands, warnings, policy and fingerprints, and a signature when a key is
 * given. `Infinity` limits survive. Throws only on a plan no planner made (a bug).
 */
export function writePlanFile(plan: SyncPlan, options: WritePlanFileOptions = {}): string {
  // Written through the reader's own decoder, so the digest covers exactly what a reader rebuilds.
  const decoded = decodePlan(JSON.parse(toJson(plan)), 'plan')
  if (decoded.isErr()) throw new TypeError(`writePlanFile: not a plan (${decoded.error.message})`)
  const clean: SyncPlan = { ...decoded.value, stats: plan.stats }
  const revertOf = options.revertOf
  if (revertOf !== undefined && decodeRevertOf(revertOf, 'revertOf').isErr())
    throw new TypeError(`writePlanFile: revertOf.runId ${String(revertOf.runId)} is not a run id`)
  const canonical = canonicalText(decoded.value, revertOf)
  const file = {
    format: 'grouproles-plan',
    version: 1,
    ...(options.createdAt !== undefined ? { createdAt: options.createdAt } : {}),
    ...(revertOf !== undefined ? { revertOf: { runId: revertOf.runId } } : {}),
    ...(options.state !== undefined ? { names: namesOf(options.state, plan) } : {}),
    digest: digestOf(canonical),
    ...(options.signingKey !== undefined
      ? { signature: signatureOf(canonical, options.signingKey) }
      : {}),
    plan: clean,
  }
  return `${toJson(file, 2)}\n`
}

/**
 * Parses and checks a plan file. Every field is validated (errors name the path); `stats` are
 * recomputed from the commands; the digest tells whether the plan was edited by hand (`edited`);
 * with a `signingKey`, unsigned or altered files are refused. Never throws, on any input.
 */
export function readPlanFile(
  text: string,
  options: ReadPlanFileOptions = {},
): Result<PlanFile, PlanFileError> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return err({
      kind: 'invalidJson',
      // The parser quotes a snippet of the text: shown escaped, as everything from a file is.
      message: `not JSON: ${escapeForTerminal(e instanceof Error ? e.message : String(e))}`,
    })
  }
  if (!isRecord(raw) || own(raw, 'format') !== 'grouproles-plan')
    return err({
      kind: 'notAPlanFile',
      message: 'no "format": "grouproles-plan" at the top: not a grouproles plan file',
    })
  const version = own(raw, 'version')
  if (version !== 1)
    return err({
      kind: 'unsupportedVersion',
      message: `plan file version ${describeValue(version)} is not supported (this build reads version 1)`,
      version,
    })
  return safeTry(function* () {
    const createdAt = yield* optional(raw, 'createdAt', '', str)
    const names = yield* optional(raw, 'names', '', decodeNames)
    const digest = yield* optional(raw, 'digest', '', (v, p) => prefixedHex(v, p, digestPrefix))
    const signature = yield* optional(raw, 'signature', '', (v, p) =>
      prefixedHex(v, p, signaturePrefix),
    )
    const revertOf = yield* optional(raw, 'revertOf', '', decodeRevertOf)
    const plan = yield* decodePlan(own(raw, 'plan'), 'plan')
    const canonical = canonicalText(plan, revertOf)
    let signed = false
    if (options.signingKey !== undefined) {
      if (signature === undefined)
        return err<never, PlanFileError>({
          kind: 'unsignedPlan',
          message: 'the plan file is not signed, and a signing key is set: refused',
        })
      if (!sameText(signature, signatureOf(canonical, options.signingKey)))
        return err<never, PlanFileError>({
          kind: 'badSignature',
          message:
            'the plan file signature does not match: it was altered after signing, or signed with another key',
        })
      signed = true
    }
    const integrity: PlanFileIntegrity =
      digest === undefined
        ? 'noDigest'
        : sameText(digest, digestOf(canonical))
          ? 'intact'
          : 'edited'
    const file: PlanFile = {
      format: 'grouproles-plan',
      version: 1,
      ...(createdAt !== undefined ? { createdAt } : {}),
      ...(names !== undefined ? { names } : {}),
      plan,
      integrity,
      edited: integrity !== 'intact',
      signed,
      ...(revertOf !== undefined ? { revertOf } : {}),
    }
    return ok(file)
  })
}

/**
 * A plan as a table per team and channel, with the reason of every change: for review. Names come
 * only from `names`, which the caller must build from the live state (never from a plan file);
 * ids without a name are shown as ids. Counts come from the commands themselves, and every printed
 * string has control characters escaped (`escapeForTerminal`), so no name, reason or warning can
 * rewrite what a terminal shows.
 */
export function formatPlan(plan: SyncPlan, names: Readonly<Record<string, string>> = {}): string {
  const name = (id: string) => escapeForTerminal(Object.hasOwn(names, id) ? String(names[id]) : id)
  const bySyncable = new Map<string, (PlannedCommand | HeldCommand)[]>()
  for (const c of [...plan.commands, ...plan.held]) {
    const s = commandSyncable(c)
    const key = `${s.kind} ${name(s.id)}`
    const list = bySyncable.get(key)
    if (list === undefined) bySyncable.set(key, [c])
    else list.push(c)
  }
  const stats = statsOf(plan)
  const counts = syncCommandKinds.map((k) => `${stats.commands[k]} ${k}`).join(', ')
  const lines = [
    `Plan ${escapeForTerminal(plan.fingerprint)} (Mattermost state ${escapeForTerminal(plan.targetFingerprint)})`,
    `${plan.commands.length} commands (${counts}); ${plan.held.length} held; ${plan.warnings.length} warnings`,
  ]
  for (const [key, list] of [...bySyncable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push('', key)
    const width = Math.max(4, ...list.map((c) => name(c.userId).length))
    for (const c of list) {
      const held = 'hold' in c ? ` [${escapeForTerminal(describeHold(c.hold))}]` : ''
      lines.push(
        `  ${describe(c).padEnd(18)} ${name(c.userId).padEnd(width)}  ${escapeForTerminal(c.reason)}${held}`,
      )
    }
  }
  if (plan.warnings.length > 0)
    lines.push('', 'Warnings', ...plan.warnings.map((w) => `  - ${escapeForTerminal(w.message)}`))
  return `${lines.join('\n')}\n`
}

/**
 * Makes a string safe to print on a terminal: C0/C1 control characters, DEL, line and paragraph
 * separators and bidirectional overrides are shown as `\xNN` / `\uNNNN`, and a backslash as `\\`,
 * so `\x1b[2K\r` prints as those eight characters instead of erasing the line.
 */
export function escapeForTerminal(text: string): string {
  let out = ''
  let from = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (!needsEscape(code)) continue
    out += text.slice(from, i)
    out +=
      code === 0x5c
        ? '\\\\'
        : code < 0x100
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : `\\u${code.toString(16).padStart(4, '0')}`
    from = i + 1
  }
  return from === 0 ? text : out + text.slice(from)
}

/** C0, DEL, C1, the backslash itself, and the invisible characters that reorder or break lines. */
function needsEscape(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x5c ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  )
}

/** The counts of a plan that follow from its commands, held commands and warnings. */
function statsOf(
  plan: Pick<SyncPlan, 'commands' | 'held' | 'warnings'>,
): Pick<SyncStats, 'commands' | 'held' | 'leftToMattermost' | 'warnings'> {
  const commands = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
    SyncCommandKind,
    number
  >
  for (const c of plan.commands) commands[c.kind]++
  return {
    commands,
    held: plan.held.length,
    leftToMattermost: plan.held.filter((c) => c.hold.kind === 'leftToMattermost').length,
    warnings: plan.warnings.length,
  }
}

function describe(c: PlannedCommand): string {
  return match<PlannedCommand, string>(c)
    .with({ kind: 'addTeamMember' }, (x) => `+ add as ${x.role}`)
    .with({ kind: 'addChannelMember' }, (x) => `+ add as ${x.role}`)
    .with({ kind: 'setTeamMemberAdmin' }, (x) =>
      x.schemeAdmin ? '^ promote to admin' : 'v demote to member',
    )
    .with({ kind: 'setChannelMemberAdmin' }, (x) =>
      x.schemeAdmin ? '^ promote to admin' : 'v demote to member',
    )
    .with({ kind: 'removeTeamMember' }, () => '- remove')
    .with({ kind: 'removeChannelMember' }, () => '- remove')
    .exhaustive()
}

function namesOf(state: SyncState, plan: SyncPlan): Record<string, string> {
  const wanted = new Set<string>()
  for (const c of [...plan.commands, ...plan.held]) {
    wanted.add(c.userId)
    wanted.add(commandSyncable(c).id)
  }
  const names: Record<string, string> = {}
  for (const u of state.users) if (wanted.has(u.id)) names[u.id] = u.username
  for (const t of state.teams) if (wanted.has(t.id)) names[t.id] = t.name
  for (const c of state.channels) if (wanted.has(c.id)) names[c.id] = c.name
  return names
}

// ---- digest and signature ----

/**
 * The digested text: the plan without `stats` (recomputed on read), in the decoder's key order,
 * then the revert marker when there is one (so files without one keep their digests).
 */
function canonicalText(
  plan: Omit<SyncPlan, 'stats'> & { readonly stats?: unknown },
  revertOf?: PlanFileRevertOf,
): string {
  const { commands, held, warnings, policy, fingerprint, targetFingerprint } = plan
  const marker = revertOf === undefined ? '' : `\nrevertOf ${toJson({ runId: revertOf.runId })}`
  return `grouproles-plan/1\n${toJson({ commands, held, warnings, policy, fingerprint, targetFingerprint })}${marker}`
}

function digestOf(canonical: string): string {
  return digestPrefix + toHex(sha256(utf8(canonical)))
}

function signatureOf(canonical: string, key: PlanSigningKey): string {
  return (
    signaturePrefix + toHex(hmacSha256(typeof key === 'string' ? utf8(key) : key, utf8(canonical)))
  )
}

/** Compares without stopping at the first difference (signatures are secrets' witnesses). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_, v: unknown) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v),
    indent,
  )
}

// ---- decoding: every function returns the value or an `invalidPlan` naming the path ----

type Decoded<T> = Result<T, PlanFileError>
type Decoder<T> = (value: unknown, path: string) => Decoded<T>

function invalid(path: string, problem: string): Decoded<never> {
  return err({ kind: 'invalidPlan', message: `${path}: ${problem}`, path })
}

function decodePlan(value: unknown, path: string): Decoded<SyncPlan> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const fingerprint = yield* field(o, 'fingerprint', path, hex16)
    const targetFingerprint = yield* field(o, 'targetFingerprint', path, hex16)
    const commands = yield* field(o, 'commands', path, (v, p) => list(v, p, plannedCommand))
    const held = yield* field(o, 'held', path, (v, p) => list(v, p, heldCommand))
    const warnings = yield* field(o, 'warnings', path, (v, p) => list(v, p, warning))
    const policy = yield* field(o, 'policy', path, decodePolicy)
    const stateCounts = yield* optional(o, 'stats', path, decodeStateCounts)
    const plan = { commands, held, warnings, fingerprint, targetFingerprint, policy }
    return ok<SyncPlan>({
      ...plan,
      stats: { ...(stateCounts ?? zeroStateCounts), ...statsOf(plan) },
    })
  })
}

type StateCounts = Omit<SyncStats, 'commands' | 'held' | 'leftToMattermost' | 'warnings'>
const stateCountKeys = [
  'users',
  'groups',
  'syncables',
  'constrainedSyncables',
  'liveLinks',
  'activeMemberships',
] as const satisfies readonly (keyof StateCounts)[]
const zeroStateCounts: StateCounts = Object.freeze({
  users: 0,
  groups: 0,
  syncables: 0,
  constrainedSyncables: 0,
  liveLinks: 0,
  activeMemberships: 0,
})

/**
 * The counts that describe the state the plan was made from (they cannot be derived from the
 * commands): kept when well-formed, 0 when missing. The other counts are always recomputed.
 */
function decodeStateCounts(value: unknown, path: string): Decoded<StateCounts> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const out: Record<string, number> = {}
    for (const key of stateCountKeys) out[key] = (yield* optional(o, key, path, count)) ?? 0
    return ok(out as unknown as StateCounts)
  })
}

const roles: readonly Role[] = ['guest', 'member', 'admin']

const commandDecoders: {
  readonly [K in SyncCommandKind]: (
    o: Record<string, unknown>,
    path: string,
  ) => Decoded<SyncCommand>
} = {
  addTeamMember: (o, path) =>
    safeTry(function* () {
      const teamId = yield* field(o, 'teamId', path, id)
      const userId = yield* field(o, 'userId', path, id)
      const role = yield* field(o, 'role', path, (v, p) => oneOf(v, p, roles))
      return ok({ kind: 'addTeamMember' as const, teamId, userId, role })
    }),
  addChannelMember: (o, path) =>
    safeTry(function* () {
      const channelId = yield* field(o, 'channelId', path, id)
      const userId = yield* field(o, 'userId', path, id)
      const role = yield* field(o, 'role', path, (v, p) => oneOf(v, p, roles))
      return ok({ kind: 'addChannelMember' as const, channelId, userId, role })
    }),
  setTeamMemberAdmin: (o, path) =>
    safeTry(function* () {
      const teamId = yield* field(o, 'teamId', path, id)
      const userId = yield* field(o, 'userId', path, id)
      const schemeAdmin = yield* field(o, 'schemeAdmin', path, bool)
      return ok({ kind: 'setTeamMemberAdmin' as const, teamId, userId, schemeAdmin })
    }),
  setChannelMemberAdmin: (o, path) =>
    safeTry(function* () {
      const channelId = yield* field(o, 'channelId', path, id)
      const userId = yield* field(o, 'userId', path, id)
      const schemeAdmin = yield* field(o, 'schemeAdmin', path, bool)
      return ok({ kind: 'setChannelMemberAdmin' as const, channelId, userId, schemeAdmin })
    }),
  removeTeamMember: (o, path) =>
    safeTry(function* () {
      const teamId = yield* field(o, 'teamId', path, id)
      const userId = yield* field(o, 'userId', path, id)
      return ok({ kind: 'removeTeamMember' as const, teamId, userId })
    }),
  removeChannelMember: (o, path) =>
    safeTry(function* () {
      const channelId = yield* field(o, 'channelId', path, id)
      const userId = yield* field(o, 'userId', path, id)
      return ok({ kind: 'removeChannelMember' as const, channelId, userId })
    }),
}

function plannedCommand(value: unknown, path: string): Decoded<PlannedCommand> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const kind = yield* field(o, 'kind', path, (v, p) => oneOf(v, p, syncCommandKinds))
    const command = yield* commandDecoders[kind](o, path)
    const reason = yield* field(o, 'reason', path, str)
    return ok({ ...command, reason })
  })
}

function heldCommand(value: unknown, path: string): Decoded<HeldCommand> {
  return safeTry(function* () {
    const command = yield* plannedCommand(value, path)
    const o = yield* record(value, path)
    const hold = yield* field(o, 'hold', path, holdReason)
    return ok({ ...command, hold })
  })
}

const limitHoldKinds = ['maxRemovalFraction', 'maxRemovals', 'leftToMattermost'] as const
const holdKinds = [
  ...limitHoldKinds,
  'pendingRemoval',
  'healthGate',
  'lastAdmin',
  'notAdded',
  'replicaBehind',
] as const
const holdDecoders: {
  readonly [K in HoldReason['kind']]: (
    o: Record<string, unknown>,
    path: string,
  ) => Decoded<HoldReason>
} = {
  maxRemovalFraction: (o, path) =>
    safeTry(function* () {
      const syncable = yield* field(o, 'syncable', path, syncableRef)
      const removals = yield* field(o, 'removals', path, count)
      const activeMembers = yield* field(o, 'activeMembers', path, count)
      const limit = yield* field(o, 'limit', path, (v, p) => num(v, p, 0, 1))
      return ok({ kind: 'maxRemovalFraction' as const, syncable, removals, activeMembers, limit })
    }),
  maxRemovals: (o, path) =>
    safeTry(function* () {
      const removals = yield* field(o, 'removals', path, count)
      const limit = yield* field(o, 'limit', path, (v, p) => num(v, p, 0, Number.POSITIVE_INFINITY))
      return ok({ kind: 'maxRemovals' as const, removals, limit })
    }),
  leftToMattermost: (o, path) =>
    safeTry(function* () {
      const syncable = yield* field(o, 'syncable', path, syncableRef)
      return ok({ kind: 'leftToMattermost' as const, syncable })
    }),
  pendingRemoval: (o, path) =>
    safeTry(function* () {
      const runs = yield* field(o, 'runs', path, count)
      const of = yield* field(o, 'of', path, count)
      const since = yield* field(o, 'since', path, count)
      const hours = yield* field(o, 'hours', path, (v, p) => num(v, p, 0, Number.MAX_VALUE))
      return ok({ kind: 'pendingRemoval' as const, runs, of, since, hours })
    }),
  healthGate: (o, path) =>
    safeTry(function* () {
      const then = yield* field(o, 'then', path, count)
      const now = yield* field(o, 'now', path, count)
      const limit = yield* field(o, 'limit', path, (v, p) => num(v, p, 0, 1))
      return ok({ kind: 'healthGate' as const, then, now, limit })
    }),
  lastAdmin: (o, path) =>
    safeTry(function* () {
      const syncable = yield* field(o, 'syncable', path, syncableRef)
      return ok({ kind: 'lastAdmin' as const, syncable })
    }),
  notAdded: () => ok({ kind: 'notAdded' as const }),
  replicaBehind: (o, path) =>
    safeTry(function* () {
      const marker = yield* field(o, 'marker', path, (v, p) =>
        oneOf(v, p, ['contextCSN', 'highestCommittedUSN'] as const),
      )
      const then = yield* field(o, 'then', path, str)
      const now = yield* field(o, 'now', path, str)
      return ok({ kind: 'replicaBehind' as const, marker, then, now })
    }),
}

function holdReason(value: unknown, path: string): Decoded<HoldReason> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const kind = yield* field(o, 'kind', path, (v, p) => oneOf(v, p, holdKinds))
    return holdDecoders[kind](o, path)
  })
}

/** A `removalsHeld` warning reports only `planSync`'s own limits. */
function limitHoldReason(value: unknown, path: string): Decoded<LimitHoldReason> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const kind = yield* field(o, 'kind', path, (v, p) => oneOf(v, p, limitHoldKinds))
    return holdDecoders[kind](o, path) as Decoded<LimitHoldReason>
  })
}

const warningKinds = [
  'unavailableGroup',
  'channelAddSkipped',
  'unknownReference',
  'removalsHeld',
] as const
const warningDecoders: {
  readonly [K in SyncWarning['kind']]: (
    o: Record<string, unknown>,
    path: string,
    message: string,
  ) => Decoded<SyncWarning>
} = {
  unavailableGroup: (o, path, message) =>
    safeTry(function* () {
      const groupId = yield* field(o, 'groupId', path, str)
      const groupName = yield* field(o, 'groupName', path, str)
      const syncables = yield* field(o, 'syncables', path, (v, p) => list(v, p, syncableRef))
      return ok({ kind: 'unavailableGroup' as const, groupId, groupName, syncables, message })
    }),
  channelAddSkipped: (o, path, message) =>
    safeTry(function* () {
      const channelId = yield* field(o, 'channelId', path, id)
      const userId = yield* field(o, 'userId', path, id)
      const cause = yield* field(o, 'cause', path, (v, p) =>
        oneOf(v, p, ['leftTeam', 'notInTeamGroups'] as const),
      )
      return ok({ kind: 'channelAddSkipped' as const, channelId, userId, cause, message })
    }),
  unknownReference: (o, path, message) =>
    safeTry(function* () {
      const entity = yield* field(o, 'entity', path, (v, p) =>
        oneOf(v, p, ['user', 'group', 'team', 'channel'] as const),
      )
      const refId = yield* field(o, 'id', path, str)
      const where = yield* field(o, 'where', path, str)
      return ok({ kind: 'unknownReference' as const, entity, id: refId, where, message })
    }),
  removalsHeld: (o, path, message) =>
    safeTry(function* () {
      const hold = yield* field(o, 'hold', path, limitHoldReason)
      const n = yield* field(o, 'count', path, count)
      return ok({ kind: 'removalsHeld' as const, hold, count: n, message })
    }),
}

function warning(value: unknown, path: string): Decoded<SyncWarning> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const kind = yield* field(o, 'kind', path, (v, p) => oneOf(v, p, warningKinds))
    const message = yield* field(o, 'message', path, str)
    return warningDecoders[kind](o, path, message)
  })
}

function syncableRef(value: unknown, path: string): Decoded<SyncableRef> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const kind = yield* field(o, 'kind', path, (v, p) => oneOf(v, p, ['team', 'channel'] as const))
    const refId = yield* field(o, 'id', path, id)
    return ok({ kind, id: refId })
  })
}

function decodePolicy(value: unknown, path: string): Decoded<ResolvedSyncPolicy> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const sysadmins = yield* field(o, 'sysadmins', path, (v, p) =>
      oneOf(v, p, ['bypass', 'asUsers'] as const),
    )
    const roleSync = yield* field(o, 'roleSync', path, (v, p) =>
      oneOf(v, p, ['groupConstrained', 'allLinked'] as const),
    )
    const reAddRemovedMembers = yield* field(o, 'reAddRemovedMembers', path, bool)
    const groupConstrainedRemovals = yield* optional(o, 'groupConstrainedRemovals', path, (v, p) =>
      oneOf(v, p, ['apply', 'leaveToMattermost'] as const),
    )
    const limitsPath = `${path}.limits`
    const limits = yield* field(o, 'limits', path, record)
    const maxRemovals = yield* field(limits, 'maxRemovals', limitsPath, (v, p) =>
      num(v, p, 0, Number.POSITIVE_INFINITY),
    )
    const maxRemovalFraction = yield* field(limits, 'maxRemovalFraction', limitsPath, (v, p) =>
      num(v, p, 0, 1),
    )
    const fractionMinRemovals = yield* optional(limits, 'fractionMinRemovals', limitsPath, (v, p) =>
      num(v, p, 0, Number.POSITIVE_INFINITY),
    )
    // Every value was checked above, so resolvePolicy (which throws on nonsense) cannot throw here.
    return ok(
      resolvePolicy({
        sysadmins,
        roleSync,
        reAddRemovedMembers,
        ...(groupConstrainedRemovals !== undefined ? { groupConstrainedRemovals } : {}),
        limits: {
          maxRemovals,
          maxRemovalFraction,
          ...(fractionMinRemovals !== undefined ? { fractionMinRemovals } : {}),
        },
      }),
    )
  })
}

function decodeRevertOf(value: unknown, path: string): Decoded<PlanFileRevertOf> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    const runId = yield* field(o, 'runId', path, count)
    if (runId < 1) return invalid(join(path, 'runId'), 'must be a run id (a whole number >= 1)')
    return ok({ runId })
  })
}

function decodeNames(value: unknown, path: string): Decoded<Record<string, string>> {
  return safeTry(function* () {
    const o = yield* record(value, path)
    // Own, prototype-free entries only: a `__proto__` key stays a plain name, never a prototype.
    const names: Record<string, string> = {}
    for (const key of Object.keys(o)) {
      const name = yield* str(o[key], join(path, key))
      Object.defineProperty(names, key, {
        value: name,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return ok(names)
  })
}

// ---- small decoders ----

function record(value: unknown, path: string): Decoded<Record<string, unknown>> {
  return isRecord(value) ? ok(value) : invalid(path, 'must be an object')
}

function list<T>(value: unknown, path: string, item: Decoder<T>): Decoded<T[]> {
  if (!Array.isArray(value)) return invalid(path, 'must be an array')
  const out: T[] = []
  for (let i = 0; i < value.length; i++) {
    const r = item(value[i] as unknown, `${path}[${i}]`)
    if (r.isErr()) return err(r.error)
    out.push(r.value)
  }
  return ok(out)
}

function field<T>(
  o: Record<string, unknown>,
  key: string,
  path: string,
  d: Decoder<T>,
): Decoded<T> {
  const p = join(path, key)
  return Object.hasOwn(o, key) ? d(o[key], p) : invalid(p, 'missing')
}

function optional<T>(
  o: Record<string, unknown>,
  key: string,
  path: string,
  d: Decoder<T>,
): Decoded<T | undefined> {
  return Object.hasOwn(o, key) && o[key] !== undefined ? d(o[key], join(path, key)) : ok(undefined)
}

function str(value: unknown, path: string): Decoded<string> {
  return typeof value === 'string' ? ok(value) : invalid(path, 'must be a string')
}

function id(value: unknown, path: string): Decoded<string> {
  return typeof value === 'string' && value !== ''
    ? ok(value)
    : invalid(path, 'must be a non-empty string')
}

function bool(value: unknown, path: string): Decoded<boolean> {
  return typeof value === 'boolean' ? ok(value) : invalid(path, 'must be true or false')
}

function count(value: unknown, path: string): Decoded<number> {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? ok(value)
    : invalid(path, 'must be a whole number >= 0')
}

function num(value: unknown, path: string, min: number, max: number): Decoded<number> {
  const n = value === 'Infinity' ? Number.POSITIVE_INFINITY : value
  return typeof n === 'number' && !Number.isNaN(n) && n >= min && n <= max
    ? ok(n)
    : invalid(
        path,
        `must be a number in [${min}, ${max === Number.POSITIVE_INFINITY ? 'Infinity' : max}]`,
      )
}

function oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): Decoded<T> {
  return typeof value === 'string' && (options as readonly string[]).includes(value)
    ? ok(value as T)
    : invalid(path, `must be one of ${options.join(', ')} (got ${describeValue(value)})`)
}

function hex16(value: unknown, path: string): Decoded<string> {
  return typeof value === 'string' && /^[0-9a-f]{16}$/.test(value)
    ? ok(value)
    : invalid(path, 'must be 16 hex digits')
}

function prefixedHex(value: unknown, path: string, prefix: string): Decoded<string> {
  return typeof value === 'string' &&
    value.startsWith(prefix) &&
    /^[0-9a-f]{64}$/.test(value.slice(prefix.length))
    ? ok(value)
    : invalid(path, `must be "${prefix}" and 64 hex digits`)
}

/** A field's path: `path.key` for identifiers, `path["odd key"]` otherwise; a top-level field bare. */
function join(path: string, key: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key))
    return `${path}[${escapeForTerminal(JSON.stringify(key))}]`
  return path === '' ? key : `${path}.${key}`
}

/** A short, printable description of an untrusted value for an error message. */
function describeValue(value: unknown): string {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : Array.isArray(value)
        ? 'an array'
        : isRecord(value)
          ? 'an object'
          : String(value)
  return escapeForTerminal(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
