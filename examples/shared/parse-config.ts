import { readFileSync } from 'node:fs'
import { err, ok, type Result } from 'neverthrow'
import { resolvePolicy, type RunSyncOptions, type SyncPolicyInput } from '@grouproles/core'
import {
  parseLdapConfig,
  parseLinkRules,
  type LdapDirectoryConfig,
  type LinkRule,
  type MatchBy,
} from '@grouproles/adapter-ldap'

/** A grouproles config file: directory, matching, link rules, policy and the apply gates. */
export interface GroupRolesConfig {
  readonly ldap: LdapDirectoryConfig
  readonly matchBy: MatchBy
  readonly rules: readonly LinkRule[]
  readonly policy: SyncPolicyInput
  /** `runSync` gates, checked before applying (`minGroups`, `maxCommands`). */
  readonly gates: NonNullable<RunSyncOptions['gates']>
  /** Teams (`rl`) and channels (`rl/infrastructure`) this project manages (removals, role sync). */
  readonly manage: readonly string[]
}

/** Why a config file was refused; `field` is the dotted path of the first wrong field. */
export type ConfigError =
  | { readonly kind: 'unreadable'; readonly message: string; readonly path: string }
  | { readonly kind: 'invalidJson'; readonly message: string }
  | { readonly kind: 'invalidConfig'; readonly message: string; readonly field: string }

const topKeys = ['ldap', 'matchBy', 'rules', 'manage', 'policy', 'gates'] as const
const policyKeys = ['sysadmins', 'roleSync', 'reAddRemovedMembers', 'limits'] as const
const limitKeys = ['maxRemovals', 'maxRemovalFraction', 'fractionMinRemovals'] as const
const gateKeys = ['minGroups', 'maxCommands'] as const

/** Reads and checks a config file (`GROUPROLES_CONFIG`, `--config`). */
export function readConfigFile(path: string): Result<GroupRolesConfig, ConfigError> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    return err({
      kind: 'unreadable',
      path,
      message: `cannot read the config file ${path}: ${e instanceof Error ? e.message : String(e)}`,
    })
  }
  return parseConfigText(text)
}

/** Parses config JSON text and checks it (see `parseConfig`). */
export function parseConfigText(text: string): Result<GroupRolesConfig, ConfigError> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    // V8's message quotes the text around the error, which may be the password: give the place.
    const at = jsonErrorOffset(text)
    const { line, column } = lineColumn(text, at ?? text.length)
    return err({
      kind: 'invalidJson',
      message:
        at === undefined
          ? 'config: not valid JSON'
          : `config: not valid JSON at line ${line}, column ${column}`,
    })
  }
  return parseConfig(raw)
}

/** Where `JSON.parse` gives up on `text` (an offset), found without quoting any of it. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0
  const fail = (): never => {
    throw new SyntaxError(String(i))
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++
  }
  const string = () => {
    i++ // the opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return
      }
      if (c < 0x20) fail()
      if (c === 0x5c) {
        i++
        const e = text.charAt(i)
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail()
          i += 4
        } else if (!'"\\/bfnrt'.includes(e) || e === '') fail()
      }
      i++
    }
    fail()
  }
  const scalar = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y
  const value = (): void => {
    ws()
    const c = text.charAt(i)
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      i++
      ws()
      if (text.charAt(i) === close) {
        i++
        return
      }
      for (;;) {
        if (c === '{') {
          ws()
          if (text.charAt(i) !== '"') fail()
          string()
          ws()
          if (text.charAt(i) !== ':') fail()
          i++
        }
        value()
        ws()
        if (text.charAt(i) === ',') i++
        else if (text.charAt(i) === close) {
          i++
          return
        } else fail()
      }
    }
    if (c === '"') {
      string()
      return
    }
    scalar.lastIndex = i
    if (!scalar.test(text)) fail()
    i = scalar.lastIndex
  }
  try {
    value()
    ws()
    if (i < text.length) fail()
    return undefined
  } catch (e) {
    // A nesting too deep for this scanner: no position rather than a crash.
    return e instanceof SyntaxError ? Number(e.message) : undefined
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}

/**
 * Checks a parsed config file. Unknown keys (at the top, in `policy`, `policy.limits` and `gates`)
 * are refused, so a typo cannot silently fall back to a default. JSON has no `Infinity`: the string
 * `"Infinity"` is accepted for `policy.limits.maxRemovals` and `gates.maxCommands` (no limit).
 */
export function parseConfig(raw: unknown): Result<GroupRolesConfig, ConfigError> {
  const bad = (field: string, message: string) =>
    err<GroupRolesConfig, ConfigError>({
      kind: 'invalidConfig',
      field,
      message: `config${field === '' ? '' : `.${field}`}: ${message}`,
    })
  if (!isRecord(raw)) return bad('', 'expected a JSON object')
  const unknownTop = unknownKey(raw, topKeys)
  if (unknownTop !== undefined)
    return bad(unknownTop, `unknown key (expected one of ${topKeys.join(', ')})`)

  const matchBy = raw['matchBy']
  if (matchBy !== 'username' && matchBy !== 'email' && matchBy !== 'authData')
    return bad(
      'matchBy',
      `expected "username", "email" or "authData", got ${JSON.stringify(matchBy)}`,
    )
  const rules = parseLinkRules(raw['rules'])
  if (rules.isErr()) return bad('rules', rules.error.message)

  const policyRaw = raw['policy'] ?? {}
  if (!isRecord(policyRaw)) return bad('policy', 'expected an object')
  const unknownPolicy = unknownKey(policyRaw, policyKeys)
  if (unknownPolicy !== undefined)
    return bad(
      `policy.${unknownPolicy}`,
      `unknown key (expected one of ${policyKeys.join(', ')}; gates go at the top level)`,
    )
  const limitsRaw = policyRaw['limits'] ?? {}
  if (!isRecord(limitsRaw)) return bad('policy.limits', 'expected an object')
  const unknownLimit = unknownKey(limitsRaw, limitKeys)
  if (unknownLimit !== undefined)
    return bad(
      `policy.limits.${unknownLimit}`,
      `unknown key (expected one of ${limitKeys.join(', ')})`,
    )
  const limits: Record<string, number> = {}
  for (const key of limitKeys) {
    const n = toNumber(limitsRaw[key], key === 'maxRemovals')
    if (typeof n === 'string') return bad(`policy.limits.${key}`, n)
    if (n !== undefined) limits[key] = n
  }
  const policy: SyncPolicyInput = {
    ...(policyRaw as Omit<SyncPolicyInput, 'limits'>),
    ...(policyRaw['limits'] !== undefined ? { limits } : {}),
  }
  try {
    // The core checks values and ranges; a bad value there is a config error here, not a crash.
    resolvePolicy(policy)
  } catch (e) {
    return bad('policy', e instanceof Error ? e.message : String(e))
  }

  const gatesRaw = raw['gates'] ?? {}
  if (!isRecord(gatesRaw)) return bad('gates', 'expected an object')
  const unknownGate = unknownKey(gatesRaw, gateKeys)
  if (unknownGate !== undefined)
    return bad(`gates.${unknownGate}`, `unknown key (expected one of ${gateKeys.join(', ')})`)
  const gates: { minGroups?: number; maxCommands?: number } = {}
  for (const key of gateKeys) {
    const n = toNumber(gatesRaw[key], key === 'maxCommands')
    if (typeof n === 'string') return bad(`gates.${key}`, n)
    if (n === undefined) continue
    if (!(n >= 0) || (Number.isFinite(n) && !Number.isInteger(n)))
      return bad(`gates.${key}`, `expected a whole number >= 0, got ${n}`)
    gates[key] = n
  }

  const manageRaw = raw['manage'] ?? []
  if (!Array.isArray(manageRaw) || !manageRaw.every((m) => typeof m === 'string' && m !== ''))
    return bad('manage', 'expected a list of team or team/channel names')
  const manage: readonly string[] = manageRaw

  const ldap = parseLdapConfig(raw['ldap'])
  if (ldap.isErr()) return bad('ldap', ldap.error.message)
  return ok({ ldap: ldap.value, matchBy, rules: rules.value, manage, policy, gates })
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function unknownKey(o: Record<string, unknown>, known: readonly string[]): string | undefined {
  return Object.keys(o).find((k) => !known.includes(k))
}

/** A number, `undefined` when absent, or the error message. */
function toNumber(v: unknown, infinityAllowed: boolean): number | undefined | string {
  if (v === undefined) return undefined
  if (infinityAllowed && v === 'Infinity') return Number.POSITIVE_INFINITY
  if (typeof v === 'number' && Number.isFinite(v)) return v
  return `expected a number${infinityAllowed ? ' or "Infinity"' : ''}, got ${JSON.stringify(v)}`
}
