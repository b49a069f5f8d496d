import { err, ok, type Result } from 'neverthrow'
import { match } from 'ts-pattern'
import type { Role, SyncState } from './model.js'
import { resolvePolicy, type ResolvedSyncPolicy } from './sync-policy.js'
import {
  commandSyncable,
  syncCommandKinds,
  type HeldCommand,
  type PlannedCommand,
  type SyncCommandKind,
  type SyncPlan,
} from './sync-command.js'

/** A plan as written to disk: applied later exactly as written, refused by adapters when stale. */
export interface PlanFile {
  readonly format: 'grouproles-plan'
  readonly version: 1
  readonly createdAt?: string
  /** Display names (users, teams, channels) for people reading the file; never used to apply. */
  readonly names?: Readonly<Record<string, string>>
  readonly plan: SyncPlan
}

/** Why a plan file could not be read. */
export type PlanFileError =
  | { readonly kind: 'invalidJson'; readonly message: string }
  | { readonly kind: 'notAPlanFile'; readonly message: string }
  | { readonly kind: 'unsupportedVersion'; readonly message: string; readonly version: unknown }
  | { readonly kind: 'invalidPlan'; readonly message: string; readonly path: string }

/** Serialises a plan (with names from `state` when given) as pretty JSON. `Infinity` limits survive. */
export function writePlanFile(
  plan: SyncPlan,
  options: { readonly state?: SyncState; readonly createdAt?: string } = {},
): string {
  const file: PlanFile = {
    format: 'grouproles-plan',
    version: 1,
    ...(options.createdAt !== undefined ? { createdAt: options.createdAt } : {}),
    ...(options.state !== undefined ? { names: namesOf(options.state, plan) } : {}),
    plan,
  }
  return `${JSON.stringify(file, (_, v: unknown) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v), 2)}\n`
}

/** Parses and checks a plan file; every command is validated before anything can apply it. */
export function readPlanFile(text: string): Result<PlanFile, PlanFileError> {
  let raw: unknown
  try {
    raw = JSON.parse(text, (_, v: unknown) => (v === 'Infinity' ? Number.POSITIVE_INFINITY : v))
  } catch (e) {
    return err({
      kind: 'invalidJson',
      message: `not JSON: ${e instanceof Error ? e.message : String(e)}`,
    })
  }
  if (!isRecord(raw) || raw['format'] !== 'grouproles-plan')
    return err({
      kind: 'notAPlanFile',
      message: 'no "format": "grouproles-plan" at the top: not a grouproles plan file',
    })
  if (raw['version'] !== 1)
    return err({
      kind: 'unsupportedVersion',
      message: `plan file version ${String(raw['version'])} is not supported (this build reads version 1)`,
      version: raw['version'],
    })
  const plan = raw['plan']
  if (!isRecord(plan)) return invalid('plan', 'missing')
  for (const key of ['fingerprint', 'targetFingerprint'] as const)
    if (typeof plan[key] !== 'string' || !/^[0-9a-f]{16}$/.test(plan[key]))
      return invalid(`plan.${key}`, 'must be 16 hex digits')
  if (!Array.isArray(plan['commands'])) return invalid('plan.commands', 'must be an array')
  if (!Array.isArray(plan['held'])) return invalid('plan.held', 'must be an array')
  for (const [list, name] of [
    [plan['commands'], 'commands'],
    [plan['held'], 'held'],
  ] as const) {
    for (let i = 0; i < list.length; i++) {
      const problem = commandProblem(list[i])
      if (problem !== undefined) return invalid(`plan.${name}[${i}]`, problem)
    }
  }
  let policy: ResolvedSyncPolicy
  try {
    policy = resolvePolicy(isRecord(plan['policy']) ? plan['policy'] : {})
  } catch (e) {
    return invalid('plan.policy', e instanceof Error ? e.message : String(e))
  }
  const names = raw['names']
  const createdAt = raw['createdAt']
  return ok({
    format: 'grouproles-plan',
    version: 1,
    ...(typeof createdAt === 'string' ? { createdAt } : {}),
    ...(isRecord(names)
      ? {
          names: Object.fromEntries(
            Object.entries(names).filter((e): e is [string, string] => typeof e[1] === 'string'),
          ),
        }
      : {}),
    plan: { ...(plan as unknown as SyncPlan), policy },
  })
}

/** A plan as a table per team and channel, with the reason of every change: for review. */
export function formatPlan(plan: SyncPlan, names: Readonly<Record<string, string>> = {}): string {
  const name = (id: string) => names[id] ?? id
  const bySyncable = new Map<string, (PlannedCommand | HeldCommand)[]>()
  for (const c of [...plan.commands, ...plan.held]) {
    const s = commandSyncable(c)
    const key = `${s.kind} ${name(s.id)}`
    bySyncable.set(key, [...(bySyncable.get(key) ?? []), c])
  }
  const counts = syncCommandKinds.map((k) => `${plan.stats.commands[k]} ${k}`).join(', ')
  const lines = [
    `Plan ${plan.fingerprint} (Mattermost state ${plan.targetFingerprint})`,
    `${plan.commands.length} commands (${counts}); ${plan.held.length} held; ${plan.warnings.length} warnings`,
  ]
  for (const [key, list] of [...bySyncable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push('', key)
    const width = Math.max(4, ...list.map((c) => name(c.userId).length))
    for (const c of list) {
      const held = 'hold' in c ? ` [HELD: ${c.hold.kind}]` : ''
      lines.push(`  ${describe(c).padEnd(18)} ${name(c.userId).padEnd(width)}  ${c.reason}${held}`)
    }
  }
  if (plan.warnings.length > 0)
    lines.push('', 'Warnings', ...plan.warnings.map((w) => `  - ${w.message}`))
  return `${lines.join('\n')}\n`
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

const roles: readonly Role[] = ['guest', 'member', 'admin']
const kinds: readonly string[] = syncCommandKinds

function commandProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object'
  const kind = value['kind']
  if (typeof kind !== 'string' || !kinds.includes(kind))
    return `unknown command kind ${JSON.stringify(kind)}`
  const k = kind as SyncCommandKind
  const target =
    k === 'addTeamMember' || k === 'setTeamMemberAdmin' || k === 'removeTeamMember'
      ? 'teamId'
      : 'channelId'
  if (typeof value[target] !== 'string' || value[target] === '')
    return `${target} must be a non-empty string`
  if (typeof value['userId'] !== 'string' || value['userId'] === '')
    return 'userId must be a non-empty string'
  if ((k === 'addTeamMember' || k === 'addChannelMember') && !roles.includes(value['role'] as Role))
    return `role must be one of ${roles.join(', ')}`
  if (
    (k === 'setTeamMemberAdmin' || k === 'setChannelMemberAdmin') &&
    typeof value['schemeAdmin'] !== 'boolean'
  )
    return 'schemeAdmin must be a boolean'
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalid(path: string, problem: string): Result<never, PlanFileError> {
  return err({ kind: 'invalidPlan', message: `${path}: ${problem}`, path })
}
