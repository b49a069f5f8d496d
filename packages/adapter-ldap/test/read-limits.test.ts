import {
  emptyState,
  runSync,
  type ApplyReport,
  type SyncState,
  type SyncTarget,
} from '@grouproles/core'
import { okAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { LdifGroupSource } from '../src/ldif-group-source.js'
import { parseLdapConfig } from '../src/ldap-directory-config.js'
import { readLimitError } from '../src/read-limits.js'
import { parseLdif } from '../src/parse-ldif.js'
import { readLdif } from '../src/read-ldif.js'
import { bigGroupLdif, chainLdif, cycleLdif, hostileLdapConfig } from './support/hostile-ldif.js'

const config = hostileLdapConfig
const limited = (limits: Record<string, number>) => ({ ...config, limits })

describe('read limits', () => {
  it('should refuse a 10,000-deep chain and a 5,000-group cycle at the nesting depth limit', () => {
    for (const [text, group] of [
      [chainLdif(10_000), 'chain9898'],
      [cycleLdif(5_000), undefined],
    ] as const) {
      const e = readLdif(text, config)._unsafeUnwrapErr()
      expect(e).toMatchObject({ kind: 'readLimit', limit: 'nestingDepth', max: 100 })
      if (group !== undefined) expect(e).toMatchObject({ group })
      expect(e.message).toContain('limits.maxNestingDepth')
    }
  })

  it('should refuse the same chain by memberships when only the depth limit is raised', () => {
    // 10,000 levels, a user each: 50 million memberships once flattened.
    const e = readLdif(
      chainLdif(10_000),
      limited({ maxNestingDepth: 10_000, maxMemberships: 1_000_000 }),
    )._unsafeUnwrapErr()
    expect(e).toMatchObject({ kind: 'readLimit', limit: 'memberships', max: 1_000_000 })
  })

  it('should flatten a 1,000-deep chain and a 1,000-group cycle when the limits allow them', () => {
    const chain = readLdif(chainLdif(1_000), limited({ maxNestingDepth: 1_000 }))._unsafeUnwrap()
    const top = chain.groups.find((g) => g.name === 'chain0')
    expect(top?.memberUsernames).toHaveLength(1_000)
    expect(top).toMatchObject({ subgroupIds: ['g-chain1'], directMemberUsernames: ['u0'] })
    const cycle = readLdif(cycleLdif(1_000), limited({ maxNestingDepth: 1_000 }))._unsafeUnwrap()
    expect(cycle.groups.every((g) => g.memberUsernames.length === 1_000)).toBe(true)
    // One cycle, one member list shared by its 1,000 groups, not a million strings.
    expect(new Set(cycle.groups.map((g) => g.memberUsernames)).size).toBe(1)
  })

  it('should read a group of 200,000 member values, every one of them', () => {
    // One pair per value: appending copied the list each time (quadratic: 200k never finished).
    const text = bigGroupLdif(2_000, 200_000)
    const group = parseLdif(text)._unsafeUnwrap().entries.at(-1)
    expect(group?.attributes.filter((a) => a.type === 'member')).toHaveLength(200_000)
    const s = readLdif(text, config)._unsafeUnwrap()
    expect(s.groups[0]?.memberUsernames).toHaveLength(2_000)
    expect(s.warnings).toContainEqual(
      expect.objectContaining({ kind: 'unresolvedMembers', group: 'everyone', count: 198_000 }),
    )
  })

  it('should refuse an export past limits.maxBytes or limits.maxEntries before building anything', () => {
    const text = bigGroupLdif(100)
    expect(readLdif(text, limited({ maxBytes: text.length - 1 }))._unsafeUnwrapErr()).toEqual(
      readLimitError('bytes', text.length - 1),
    )
    expect(readLdif(text, limited({ maxBytes: text.length })).isOk()).toBe(true)
    // 100 users and the group.
    expect(readLdif(text, limited({ maxEntries: 100 }))._unsafeUnwrapErr()).toEqual(
      readLimitError('entries', 100),
    )
    expect(readLdif(text, limited({ maxEntries: 101 })).isOk()).toBe(true)
  })

  it('should take limits from a config file, and refuse unknown or non-positive ones', () => {
    const parsed = parseLdapConfig({ ...config, limits: { maxEntries: 5, deadlineMs: 1000 } })
    expect(parsed._unsafeUnwrap().limits).toEqual({ maxEntries: 5, deadlineMs: 1000 })
    const wrong = parseLdapConfig({ ...config, limits: { maxEntries: 0, maxRows: 3 } })
    expect(wrong._unsafeUnwrapErr().issues).toEqual([
      {
        field: 'limits.maxEntries',
        message: `must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}`,
      },
      { field: 'limits.maxRows', message: 'unknown limit' },
    ])
  })

  it('should apply nothing when the directory read hits a limit (runSync)', async () => {
    const applied: unknown[] = []
    const state: SyncState = {
      ...emptyState,
      users: [{ id: 'U1', username: 'u0', systemRole: 'user' }],
      teams: [{ id: 'T1', name: 'rl', groupConstrained: false }],
    }
    const target: SyncTarget<never> = {
      loadSyncState: () => okAsync(state),
      applyPlan: (plan) => {
        applied.push(plan)
        return okAsync({ outcomes: [], counts: {} } as unknown as ApplyReport)
      },
    }
    const rules = [{ kind: 'explicit', group: 'chain0', team: 'rl' }] as const
    const run = (limits: Record<string, number>) =>
      runSync(
        {
          groups: new LdifGroupSource({
            text: chainLdif(200),
            source: 'hostile.ldif',
            ldap: limited(limits),
            matchBy: 'username',
            rules,
          }),
          target,
        },
        {},
        { apply: true },
      )
    const refused = await run({ maxNestingDepth: 100 })
    expect(refused._unsafeUnwrapErr().cause).toMatchObject({
      side: 'groups',
      error: { kind: 'readLimit', limit: 'nestingDepth' },
    })
    expect(applied).toEqual([])
    // The same export within the limit plans the add: the refusal above is the limit's doing.
    const allowed = await run({ maxNestingDepth: 200 })
    expect(allowed.isOk()).toBe(true)
    expect(applied).toHaveLength(1)
  })
})
