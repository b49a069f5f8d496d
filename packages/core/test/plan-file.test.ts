import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  escapeForTerminal,
  formatPlan,
  planSync,
  readPlanFile,
  writePlanFile,
  type SyncPlan,
  type SyncState,
} from '../src/index.js'
import { syncPolicyArb, syncStateArb, untidyStateArb } from '../src/testing/index.js'

const state: SyncState = {
  users: [
    { id: 'alice', username: 'alice', systemRole: 'user' },
    { id: 'bob', username: 'bob', systemRole: 'user' },
  ],
  groups: [{ id: 'g1', name: 'mm_rl_infra_admins', memberIds: ['alice'] }],
  links: [
    { groupId: 'g1', syncable: { kind: 'team', id: 'rl' }, autoAdd: true, schemeAdmin: true },
  ],
  teams: [{ id: 'rl', name: 'rl', groupConstrained: true }],
  channels: [],
  teamMembers: [{ teamId: 'rl', userId: 'bob', schemeAdmin: true, schemeGuest: false }],
  channelMembers: [],
  channelHistory: [],
}

describe('writePlanFile', () => {
  it('should write a file that reads back to the same plan, Infinity limits included', () => {
    const plan = planSync(state, { limits: { maxRemovals: Number.POSITIVE_INFINITY } })
    const text = writePlanFile(plan, { state, createdAt: '2026-11-22T00:00:00Z' })
    const file = readPlanFile(text)._unsafeUnwrap()
    expect(file.plan).toEqual(plan)
    expect(file.names).toEqual({ alice: 'alice', bob: 'bob', rl: 'rl' })
    expect(file.createdAt).toBe('2026-11-22T00:00:00Z')
  })

  it('should always round-trip any plan', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => fc.oneof(fc.constant(s), untidyStateArb(s))),
        syncPolicyArb(),
        (s, policy) => {
          const plan = planSync(s, policy)
          const read = readPlanFile(writePlanFile(plan, { state: s }))._unsafeUnwrap()
          expect(read.plan).toEqual(plan)
          expect(read.edited).toBe(false)
        },
      ),
    )
  })
})

describe('readPlanFile', () => {
  it('should refuse what is not a plan, with a typed error', () => {
    expect(readPlanFile('{').isErr() && readPlanFile('{')._unsafeUnwrapErr().kind).toBe(
      'invalidJson',
    )
    expect(readPlanFile('{"format":"other"}')._unsafeUnwrapErr().kind).toBe('notAPlanFile')
    expect(
      readPlanFile('{"format":"grouproles-plan","version":2}')._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'unsupportedVersion', version: 2 })
  })

  it('should refuse a file with a malformed or injected command', () => {
    const good = JSON.parse(writePlanFile(planSync(state))) as { plan: { commands: unknown[] } }
    const bad = (command: unknown) =>
      JSON.stringify({ ...good, plan: { ...good.plan, commands: [command] } })
    expect(
      readPlanFile(bad({ kind: 'dropTable', teamId: 'rl', userId: 'bob' }))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'invalidPlan', path: 'plan.commands[0].kind' })
    expect(
      readPlanFile(
        bad({ kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'owner' }),
      )._unsafeUnwrapErr().message,
    ).toMatch(/role: must be one of guest, member, admin/)
    expect(
      readPlanFile(
        bad({ kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'bob', schemeAdmin: 'yes' }),
      )._unsafeUnwrapErr().message,
    ).toMatch(/schemeAdmin/)
    expect(
      readPlanFile(
        bad({ kind: 'removeChannelMember', channelId: '', userId: 'bob' }),
      )._unsafeUnwrapErr().message,
    ).toMatch(/channelId/)
  })

  it('should refuse a file whose fingerprint was tampered with', () => {
    const text = writePlanFile(planSync(state)).replace(
      /"fingerprint": "[0-9a-f]{16}"/,
      '"fingerprint": "not-a-hash"',
    )
    expect(readPlanFile(text)._unsafeUnwrapErr()).toMatchObject({
      kind: 'invalidPlan',
      path: 'plan.fingerprint',
    })
  })
})

describe('formatPlan', () => {
  it('should show a table per team with names and reasons', () => {
    const plan = planSync(state)
    const text = formatPlan(plan, { alice: 'alice', bob: 'bob', rl: 'rl' })
    expect(text).toContain('team rl')
    expect(text).toMatch(
      /\+ add as admin\s+alice\s+auto-add via mm_rl_infra_admins; admin via mm_rl_infra_admins/,
    )
    expect(text).toMatch(
      /- remove\s+bob\s+in no group linked to team rl \(group-synced in Mattermost/,
    )
  })
})

/** A written plan file as a mutable JSON value, to edit by hand as an attacker or a person would. */
type RawFile = Record<string, unknown> & { plan: Record<string, unknown> & { commands: unknown[] } }
const rawOf = (text: string) => JSON.parse(text) as RawFile
const textOf = (raw: unknown) => JSON.stringify(raw, null, 2)
const withRemovals = (): SyncPlan => planSync(state)

describe('readPlanFile: validation', () => {
  it('should name the path of the first bad field', () => {
    const raw = rawOf(writePlanFile(planSync(state)))
    const cases: [(r: RawFile) => void, string][] = [
      [
        (r) =>
          (r.plan.commands[0] = {
            kind: 'addTeamMember',
            teamId: 'rl',
            userId: 'x',
            role: 'owner',
            reason: '',
          }),
        'plan.commands[0].role',
      ],
      [
        (r) => (r.plan.commands[0] = { kind: 'removeTeamMember', teamId: 'rl', userId: 'bob' }),
        'plan.commands[0].reason',
      ],
      [
        (r) =>
          (r.plan['held'] = [
            {
              ...(r.plan.commands[0] as object),
              hold: { kind: 'maxRemovals', removals: -1, limit: 1 },
            },
          ]),
        'plan.held[0].hold.removals',
      ],
      [
        (r) =>
          (r.plan['warnings'] = [
            { kind: 'unknownReference', entity: 'robot', id: 'x', where: 'y', message: 'm' },
          ]),
        'plan.warnings[0].entity',
      ],
      [
        (r) =>
          (r.plan['warnings'] = [
            { kind: 'removalsHeld', count: 1, hold: { kind: 'maxRemovals' } },
          ]),
        'plan.warnings[0].message',
      ],
      [
        (r) =>
          ((r.plan['policy'] as { limits: Record<string, unknown> }).limits['maxRemovals'] = '5'),
        'plan.policy.limits.maxRemovals',
      ],
      [
        (r) => ((r.plan['policy'] as Record<string, unknown>)['sysadmins'] = 'root'),
        'plan.policy.sysadmins',
      ],
      [(r) => delete r.plan['policy'], 'plan.policy'],
      [(r) => (r['names'] = { alice: 7 }), 'names.alice'],
      [(r) => (r['names'] = { 'odd id': null }), 'names["odd id"]'],
      [(r) => (r['createdAt'] = 12), 'createdAt'],
      [(r) => (r['digest'] = 'md5:00'), 'digest'],
      [(r) => (r.plan['targetFingerprint'] = 'A'.repeat(16)), 'plan.targetFingerprint'],
      [(r) => (r.plan['stats'] = { users: 1.5 }), 'plan.stats.users'],
      [(r) => (r.plan['commands'] = {} as unknown[]), 'plan.commands'],
    ]
    for (const [edit, path] of cases) {
      const copy = clone(raw)
      edit(copy)
      expect(readPlanFile(textOf(copy))._unsafeUnwrapErr(), path).toMatchObject({
        kind: 'invalidPlan',
        path,
      })
    }
  })

  it('should recompute stats from the commands and accept a file without stats', () => {
    const plan = withRemovals()
    const raw = rawOf(writePlanFile(plan))
    raw.plan['stats'] = {
      ...(raw.plan['stats'] as object),
      commands: { addTeamMember: 99 },
      held: 42,
      warnings: 7,
    }
    expect(readPlanFile(textOf(raw))._unsafeUnwrap().plan.stats).toEqual(plan.stats)
    delete raw.plan['stats']
    const read = readPlanFile(textOf(raw))._unsafeUnwrap().plan
    expect(read.stats.commands).toEqual(plan.stats.commands)
    expect(read.stats.held).toBe(plan.held.length)
    expect(read.stats.users).toBe(0)
    // The stats are not digested: dropping them is not an edit.
    expect(readPlanFile(textOf(raw))._unsafeUnwrap().edited).toBe(false)
  })

  it('should keep a name keyed __proto__ as a plain entry, polluting nothing', () => {
    const raw = rawOf(writePlanFile(planSync(state)))
    const text = textOf(raw).replace(
      '"format"',
      '"names": {"__proto__": "evil", "constructor": "c"},\n"format"',
    )
    const names = readPlanFile(text)._unsafeUnwrap().names ?? {}
    expect(Object.getPrototypeOf(names)).toBe(Object.prototype)
    expect(Object.hasOwn(names, '__proto__') && names['__proto__']).toBe('evil')
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(formatPlan(planSync(state), {})).not.toContain('function')
  })

  // The timeout is the bound: hostile input must not hang the reader.
  // Not a timed test (the machines are shared): the default test timeout only catches a hang.
  it('should give a typed error on hostile input: deep nesting, huge arrays', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    const deepPlan = `{"format":"grouproles-plan","version":1,"plan":{"fingerprint":${deep}}}`
    const hugeHeader = rawOf(writePlanFile(planSync(state)))
    hugeHeader.plan['warnings'] = Array.from({ length: 200_000 }, () => 0)
    const hugeValid = rawOf(writePlanFile(planSync(state)))
    hugeValid.plan.commands = Array.from({ length: 100_000 }, (_, i) => ({
      kind: 'removeChannelMember',
      channelId: `c${i}`,
      userId: 'bob',
      reason: 'r',
    }))
    expect(readPlanFile(deep)._unsafeUnwrapErr().kind).toBe('notAPlanFile')
    expect(readPlanFile(deepPlan)._unsafeUnwrapErr()).toMatchObject({ path: 'plan.fingerprint' })
    expect(readPlanFile(textOf(hugeHeader))._unsafeUnwrapErr()).toMatchObject({
      path: 'plan.warnings[0]',
    })
    const big = readPlanFile(textOf(hugeValid))._unsafeUnwrap()
    expect(big.plan.stats.commands.removeChannelMember).toBe(100_000)
    expect(big.edited).toBe(true)
    expect(readPlanFile('\u0000\uffff')._unsafeUnwrapErr().kind).toBe('invalidJson')
    expect(readPlanFile('null')._unsafeUnwrapErr().kind).toBe('notAPlanFile')
  })

  it('should never throw, on arbitrary JSON or on mutated valid files', () => {
    const valid = rawOf(
      writePlanFile(planSync(state, { limits: { maxRemovals: Number.POSITIVE_INFINITY } })),
    )
    const paths = collectPaths(valid)
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .record({
              format: fc.constant('grouproles-plan'),
              version: fc.constant(1),
              plan: fc.jsonValue(),
            })
            .map((v) => JSON.stringify(v)),
          fc
            .tuple(fc.constantFrom(...paths), fc.jsonValue())
            .map(([path, value]) => textOf(setAt(clone(valid), path, value))),
          fc.tuple(fc.nat(), fc.string({ maxLength: 3 })).map(([at, chars]) => {
            const text = textOf(valid)
            const i = at % text.length
            return text.slice(0, i) + chars + text.slice(i + 1)
          }),
        ),
        (text) => {
          const r = readPlanFile(text)
          if (r.isOk()) expect(r.value.plan.stats.warnings).toBe(r.value.plan.warnings.length)
          else expect(typeof r.error.message).toBe('string')
        },
      ),
      // A fuzz test: thousands of cases, still well under a second.
      { numRuns: 3_000 },
    )
  })
})

describe('readPlanFile: digest and signature', () => {
  it('should say intact for a file as written, and edited when a command is changed by hand', () => {
    const text = writePlanFile(withRemovals(), { state })
    const read = readPlanFile(text)._unsafeUnwrap()
    expect(read).toMatchObject({ integrity: 'intact', edited: false, signed: false })
    const raw = rawOf(text)
    ;(raw.plan.commands[0] as Record<string, unknown>)['role'] = 'member'
    expect(readPlanFile(textOf(raw))._unsafeUnwrap()).toMatchObject({
      integrity: 'edited',
      edited: true,
    })
  })

  it('should say noDigest (edited) for a file without a digest, and ignore reformatting and names', () => {
    const raw = rawOf(writePlanFile(withRemovals(), { state }))
    raw['names'] = { bob: 'someone else' }
    raw['warnings'] = [{ kind: 'directory', message: 'added by the CLI' }]
    expect(readPlanFile(JSON.stringify(raw))._unsafeUnwrap().integrity).toBe('intact')
    delete raw['digest']
    expect(readPlanFile(textOf(raw))._unsafeUnwrap()).toMatchObject({
      integrity: 'noDigest',
      edited: true,
    })
  })

  it('should sign with a key and refuse unsigned, altered or differently signed files', () => {
    const key = 'correct horse battery staple'
    const signed = writePlanFile(withRemovals(), { signingKey: key })
    expect(readPlanFile(signed, { signingKey: key })._unsafeUnwrap()).toMatchObject({
      signed: true,
      edited: false,
    })
    expect(
      readPlanFile(signed, {
        signingKey: Uint8Array.from(key, (ch) => ch.charCodeAt(0)),
      })._unsafeUnwrap().signed,
    ).toBe(true)
    expect(readPlanFile(signed)._unsafeUnwrap().signed).toBe(false)
    expect(
      readPlanFile(writePlanFile(withRemovals()), { signingKey: key })._unsafeUnwrapErr().kind,
    ).toBe('unsignedPlan')
    expect(readPlanFile(signed, { signingKey: 'another key' })._unsafeUnwrapErr().kind).toBe(
      'badSignature',
    )
    // Re-digesting by hand does not help: the signature covers the same content.
    const raw = rawOf(signed)
    ;(raw.plan.commands[0] as Record<string, unknown>)['userId'] = 'mallory'
    const forged = rawOf(writePlanFile(readPlanFile(textOf(raw))._unsafeUnwrap().plan))
    raw['digest'] = forged['digest']
    expect(readPlanFile(textOf(raw))._unsafeUnwrap().edited).toBe(false)
    expect(readPlanFile(textOf(raw), { signingKey: key })._unsafeUnwrapErr().kind).toBe(
      'badSignature',
    )
  })

  it('should always detect any single edit of a command or held command', () => {
    fc.assert(
      fc.property(
        syncStateArb(),
        syncPolicyArb(),
        fc.nat(),
        fc.constantFrom('userId', 'target', 'kind', 'role', 'reason', 'drop', 'duplicate'),
        (s, policy, pick, edit) => {
          const plan = planSync(s, policy)
          const all = [
            ...plan.commands.map((_, i) => ['commands', i] as const),
            ...plan.held.map((_, i) => ['held', i] as const),
          ]
          fc.pre(all.length > 0)
          const [listName, i] = all[pick % all.length] ?? ['commands', 0]
          const raw = rawOf(writePlanFile(plan))
          const list = raw.plan[listName] as Record<string, unknown>[]
          const c = list[i] as Record<string, unknown>
          if (edit === 'userId') c['userId'] = `${String(c['userId'])}x`
          if (edit === 'target') {
            if ('teamId' in c) c['teamId'] = `${String(c['teamId'])}x`
            else c['channelId'] = `${String(c['channelId'])}x`
          }
          if (edit === 'kind' && c['kind'] === 'removeTeamMember') c['kind'] = 'removeChannelMember'
          if (edit === 'kind' && c['kind'] === 'removeChannelMember' && !('teamId' in c))
            c['kind'] = 'removeTeamMember'
          if (edit === 'kind') {
            if ('teamId' in c) {
              c['channelId'] = c['teamId']
              delete c['teamId']
            } else {
              c['teamId'] = c['channelId']
              delete c['channelId']
            }
            c['kind'] = String(c['kind'])
              .replace('Team', 'X')
              .replace('Channel', 'Team')
              .replace('X', 'Channel')
          }
          if (edit === 'role') {
            if ('role' in c) c['role'] = c['role'] === 'admin' ? 'member' : 'admin'
            else if ('schemeAdmin' in c) c['schemeAdmin'] = c['schemeAdmin'] !== true
            else c['reason'] = `${String(c['reason'])}!`
          }
          if (edit === 'reason') c['reason'] = `${String(c['reason'])} (trust me)`
          if (edit === 'drop') list.splice(i, 1)
          if (edit === 'duplicate') list.push({ ...c })
          const read = readPlanFile(textOf(raw))
          // Detected: either the digest no longer matches, or the edit made the file invalid.
          expect(read.isErr() || read.value.edited).toBe(true)
        },
      ),
    )
  })
})

describe('escapeForTerminal', () => {
  it('should show control characters and bidi overrides visibly', () => {
    expect(escapeForTerminal('\x1b[2K\r  + add')).toBe('\\x1b[2K\\x0d  + add')
    expect(escapeForTerminal('a\u202eb\nc\\d\u0085')).toBe('a\\u202eb\\x0ac\\\\d\\x85')
    expect(escapeForTerminal('carol – Ünïcode ok')).toBe('carol – Ünïcode ok')
  })
})

describe('formatPlan: a review that shows the truth', () => {
  it('should escape control characters in names, reasons and warnings', () => {
    const evil = '\x1b[2K\r  + add as member alice'
    const plan = planSync(state)
    const forged: SyncPlan = {
      ...plan,
      commands: plan.commands.map((c) => ({ ...c, reason: `${c.reason}${evil}` })),
      warnings: [{ kind: 'unknownReference', entity: 'user', id: 'x', where: 'y', message: evil }],
    }
    const text = formatPlan(forged, { alice: evil, rl: evil })
    expect(
      Array.from(text, (ch) => ch.charCodeAt(0)).filter(
        (c) => c !== 0x0a && (c < 0x20 || c === 0x7f),
      ),
    ).toEqual([])
    expect(text).toContain('\\x1b[2K\\x0d  + add as member alice')
  })

  it('should take names only from the caller and counts only from the commands', () => {
    const plan = planSync(state)
    const lying: SyncPlan = {
      ...plan,
      stats: { ...plan.stats, commands: { ...plan.stats.commands, addTeamMember: 0 } },
    }
    const text = formatPlan(lying, { constructor: 'x' })
    expect(text).toContain('1 addTeamMember')
    expect(text).toMatch(/\+ add as admin\s+alice/)
    expect(text).not.toContain('function')
  })
})

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

function collectPaths(
  value: unknown,
  prefix: readonly (string | number)[] = [],
): (readonly (string | number)[])[] {
  const out: (readonly (string | number)[])[] = [prefix]
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...collectPaths(v, [...prefix, i])))
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) out.push(...collectPaths(v, [...prefix, k]))
  return out
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value
  let node = root as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  node[path[path.length - 1] as string | number] = value
  return root
}

describe('plan files: the revert marker', () => {
  const plan = planSync(state)

  it('should round-trip revertOf, keep digests of files without one, and refuse a bad one', () => {
    const marked = readPlanFile(writePlanFile(plan, { revertOf: { runId: 7 } }))._unsafeUnwrap()
    expect(marked.revertOf).toEqual({ runId: 7 })
    expect(marked.integrity).toBe('intact')
    const plain = readPlanFile(writePlanFile(plan))._unsafeUnwrap()
    expect(plain.revertOf).toBeUndefined()
    expect(plain.integrity).toBe('intact')
    // The marker is the only difference in the digested text of the two files.
    const a = JSON.parse(writePlanFile(plan, { revertOf: { runId: 7 } })) as { digest: string }
    const b = JSON.parse(writePlanFile(plan)) as { digest: string }
    expect(a.digest).not.toBe(b.digest)
    for (const bad of [0, -1, 1.5, '7', null, [7]]) {
      const raw = JSON.parse(writePlanFile(plan)) as Record<string, unknown>
      raw['revertOf'] = { runId: bad }
      const read = readPlanFile(JSON.stringify(raw))
      expect(read._unsafeUnwrapErr()).toMatchObject({ kind: 'invalidPlan', path: 'revertOf.runId' })
    }
    expect(() => writePlanFile(plan, { revertOf: { runId: 0 } })).toThrow(TypeError)
  })

  it('should say edited when the marker is added, removed or pointed at another run by hand', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.constantFrom('retarget', 'remove', 'add'),
        (runId, other, edit) => {
          fc.pre(runId !== other)
          const raw = JSON.parse(
            writePlanFile(plan, edit === 'add' ? {} : { revertOf: { runId } }),
          ) as Record<string, unknown>
          if (edit === 'remove') delete raw['revertOf']
          else raw['revertOf'] = { runId: other }
          const file = readPlanFile(JSON.stringify(raw))._unsafeUnwrap()
          expect(file.integrity).toBe('edited')
          expect(file.edited).toBe(true)
        },
      ),
      { numRuns: 50 },
    )
  })

  it('should refuse a signed revert file whose marker was changed', () => {
    const raw = JSON.parse(
      writePlanFile(plan, { revertOf: { runId: 3 }, signingKey: 'k' }),
    ) as Record<string, unknown>
    expect(readPlanFile(JSON.stringify(raw), { signingKey: 'k' })._unsafeUnwrap().signed).toBe(true)
    raw['revertOf'] = { runId: 4 }
    expect(readPlanFile(JSON.stringify(raw), { signingKey: 'k' })._unsafeUnwrapErr().kind).toBe(
      'badSignature',
    )
  })
})
