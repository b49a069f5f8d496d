import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonErrorOffset, parseConfig, parseConfigText, readConfigFile } from './parse-config.js'

const example = JSON.parse(
  readFileSync(new URL('../rocky-linux/config.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { policy: Record<string, unknown> }
const withPolicy = (policy: Record<string, unknown>) => ({ ...example, policy })
const withLimits = (limits: Record<string, unknown>) => withPolicy({ ...example.policy, limits })
/** The field an invalid config is refused for. */
const fieldOf = (raw: unknown): string => {
  const e = parseConfig(raw)._unsafeUnwrapErr()
  return e.kind === 'invalidConfig' ? e.field : `(${e.kind})`
}

describe('parseConfig', () => {
  it('should read the example config, with no gates when none are given', () => {
    const c = parseConfig(example)._unsafeUnwrap()
    expect(c.matchBy).toBe('username')
    expect(c.policy.limits).toEqual({ maxRemovals: 25, maxRemovalFraction: 0.5 })
    expect(c.gates).toEqual({})
  })

  it('should read the manage list (none by default) and refuse one that is not a list of names', () => {
    expect(parseConfig(example)._unsafeUnwrap().manage).toEqual([])
    expect(
      parseConfig({ ...example, manage: ['rl', 'rl/infrastructure'] })._unsafeUnwrap().manage,
    ).toEqual(['rl', 'rl/infrastructure'])
    expect(fieldOf({ ...example, manage: 'rl' })).toBe('manage')
    expect(fieldOf({ ...example, manage: ['rl', 3] })).toBe('manage')
    expect(fieldOf({ ...example, manage: [''] })).toBe('manage')
  })

  it('should refuse an unknown top-level key, naming it', () => {
    expect(parseConfig({ ...example, polcy: {} })._unsafeUnwrapErr()).toMatchObject({
      kind: 'invalidConfig',
      field: 'polcy',
      message: expect.stringMatching(/^config\.polcy: unknown key/) as unknown,
    })
  })

  it('should refuse unknown keys in policy and policy.limits', () => {
    expect(fieldOf(withPolicy({ ...example.policy, maxRemovals: 3 }))).toBe('policy.maxRemovals')
    expect(fieldOf(withLimits({ maxRemoval: 3 }))).toBe('policy.limits.maxRemoval')
  })

  it('should refuse limits that are not numbers', () => {
    for (const [key, value] of [
      ['maxRemovals', '25'],
      ['maxRemovalFraction', '0.5'],
      ['fractionMinRemovals', true],
      ['maxRemovals', null],
      ['maxRemovalFraction', 'Infinity'],
    ] as const) {
      expect(fieldOf(withLimits({ [key]: value }))).toBe(`policy.limits.${key}`)
      expect(parseConfig(withLimits({ [key]: value }))._unsafeUnwrapErr().message).toMatch(
        /expected a number/,
      )
    }
  })

  it('should accept "Infinity" for maxRemovals (JSON has no Infinity) and turn it into a number', () => {
    const c = parseConfigText(
      JSON.stringify(withLimits({ maxRemovals: 'Infinity' })),
    )._unsafeUnwrap()
    expect(c.policy.limits?.maxRemovals).toBe(Number.POSITIVE_INFINITY)
  })

  it('should refuse values the core refuses, as a config error', () => {
    expect(fieldOf(withLimits({ maxRemovalFraction: 7 }))).toBe('policy')
    expect(parseConfig(withLimits({ maxRemovalFraction: 7 }))._unsafeUnwrapErr().message).toMatch(
      /maxRemovalFraction/,
    )
    expect(parseConfig(withPolicy({ sysadmins: 'sometimes' }))._unsafeUnwrapErr().message).toMatch(
      /sysadmins/,
    )
  })

  it('should read gates and refuse bad ones', () => {
    expect(
      parseConfig({ ...example, gates: { minGroups: 2, maxCommands: 'Infinity' } })._unsafeUnwrap()
        .gates,
    ).toEqual({ minGroups: 2, maxCommands: Number.POSITIVE_INFINITY })
    expect(fieldOf({ ...example, gates: { minGroups: -1 } })).toBe('gates.minGroups')
    expect(fieldOf({ ...example, gates: { maxCommands: 1.5 } })).toBe('gates.maxCommands')
    expect(fieldOf({ ...example, gates: { minGroup: 1 } })).toBe('gates.minGroup')
    expect(parseConfig(withPolicy({ gates: { minGroups: 1 } }))._unsafeUnwrapErr().message).toMatch(
      /gates go at the top level/,
    )
  })

  it('should refuse a config that is not an object, and say which part of ldap or rules is wrong', () => {
    expect(parseConfig([])._unsafeUnwrapErr().message).toMatch(/JSON object/)
    expect(fieldOf({ ...example, rules: {} })).toBe('rules')
    expect(fieldOf({ ...example, ldap: { nope: 1 } })).toBe('ldap')
  })

  it('should report unreadable files and bad JSON with their own kinds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-config-'))
    expect(readConfigFile(join(dir, 'missing.json'))._unsafeUnwrapErr().kind).toBe('unreadable')
    writeFileSync(join(dir, 'broken.json'), '{ "matchBy": ')
    expect(readConfigFile(join(dir, 'broken.json'))._unsafeUnwrapErr().kind).toBe('invalidJson')
  })
})

describe('a config that is not JSON', () => {
  it('is refused with its line and column, never with the text beside the error', () => {
    for (const [text, where] of [
      ['{\n  "ldap": { "password": "hunter2" }\n  "matchBy": "username"\n}', 'line 3, column 3'],
      ['{"ldap": {"password": hunter2}}', 'line 1, column 23'],
      ['{"password": "hunter2",}', 'line 1, column 24'],
      ['{"password": "hunter2"', 'line 1, column 23'],
    ] as const) {
      const e = parseConfigText(text)._unsafeUnwrapErr()
      expect(e).toEqual({ kind: 'invalidJson', message: `config: not valid JSON at ${where}` })
      expect(e.message).not.toContain('hunter2')
    }
  })

  it('finds an error exactly when JSON.parse does', () => {
    const accepted = (text: string) => {
      try {
        JSON.parse(text)
        return true
      } catch {
        return false
      }
    }
    const mutated = fc
      .tuple(fc.json(), fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 3 }))
      .map(([json, at, drop, insert]) => {
        const i = at % (json.length + 1)
        return json.slice(0, i) + insert + json.slice(i + drop)
      })
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string({ maxLength: 12 })), (text) => {
        const at = jsonErrorOffset(text)
        expect(at === undefined).toBe(accepted(text))
        if (at !== undefined) expect(at).toBeLessThanOrEqual(text.length)
      }),
    )
  })
})
