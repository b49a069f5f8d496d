import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { explain, nestingPath, type Group } from '@grouproles/core'
import { group, link, state, team, teamRef, user } from './support/fixtures.js'

const nested = (
  id: string,
  direct: string[],
  subgroupIds: string[],
  memberIds: string[] = direct,
): Group => ({
  id,
  name: id.toUpperCase(),
  memberIds,
  subgroupIds,
  directMemberIds: direct,
})
const byId = (groups: readonly Group[]): Map<string, Group> => new Map(groups.map((g) => [g.id, g]))

/** Every simple chain from `from` by brute force: a different algorithm from the BFS under test. */
function chains(groups: Map<string, Group>, from: string, userId: string): string[][] {
  const out: string[][] = []
  const walk = (g: Group, path: Group[]): void => {
    for (const id of g.subgroupIds ?? []) {
      const kid = groups.get(id)
      if (kid === undefined || path.includes(kid)) continue
      const next = [...path, kid]
      const names = kid.subgroupIds === undefined ? kid.memberIds : (kid.directMemberIds ?? [])
      if (names.includes(userId)) out.push(next.map((x) => x.name))
      walk(kid, next)
    }
  }
  const root = groups.get(from)
  if (root !== undefined) walk(root, [root])
  return out
}

const graphArb = fc.integer({ min: 1, max: 6 }).chain((n) => {
  const ids = Array.from({ length: n }, (_, i) => `g${i}`)
  return fc.tuple(
    ...ids.map((id) =>
      fc
        .record({
          direct: fc.subarray(['u0', 'u1', 'u2']),
          subgroupIds: fc.subarray([...ids, 'missing']),
        })
        .map((r) => nested(id, r.direct, r.subgroupIds)),
    ),
  )
})

describe('nestingPath', () => {
  it('should follow the links from the group down to the one naming the user', () => {
    const groups = byId([
      nested('outer', ['alice'], ['mid']),
      nested('mid', [], ['leaf']),
      nested('leaf', ['bob'], [], ['bob']),
    ])
    expect(nestingPath(groups, 'outer', 'bob')).toEqual(['OUTER', 'MID', 'LEAF'])
    expect(nestingPath(groups, 'outer', 'alice')).toBeUndefined()
    expect(nestingPath(groups, 'outer', 'nobody')).toBeUndefined()
    expect(nestingPath(groups, 'leaf', 'bob')).toBeUndefined()
    expect(nestingPath(groups, 'unknown', 'bob')).toBeUndefined()
  })

  it('should end on cycles and take the shortest chain, the first by name among equals', () => {
    const groups = byId([
      nested('a', [], ['c', 'b']),
      nested('b', [], ['a', 'd']),
      nested('c', [], ['d']),
      nested('d', ['eve'], ['a']),
    ])
    expect(nestingPath(groups, 'a', 'eve')).toEqual(['A', 'B', 'D'])
    expect(nestingPath(groups, 'd', 'nobody')).toBeUndefined()
  })

  it('should prefer a path the source gave in `nesting`', () => {
    const g: Group = { ...nested('a', [], ['b']), nesting: { bob: ['A', 'X'] } }
    expect(nestingPath(byId([g, nested('b', ['bob'], [])]), 'a', 'bob')).toEqual(['A', 'X'])
  })

  it('should give a shortest chain of real links ending at a group naming the user, iff one exists', () => {
    fc.assert(
      fc.property(graphArb, fc.constantFrom('u0', 'u1', 'u2'), (list, userId) => {
        const groups = byId(list)
        for (const g of list) {
          const found = nestingPath(groups, g.id, userId)
          const all = (g.directMemberIds ?? []).includes(userId) ? [] : chains(groups, g.id, userId)
          if (all.length === 0) {
            expect(found).toBeUndefined()
            continue
          }
          expect(found).toBeDefined()
          const shortest = Math.min(...all.map((c) => c.length))
          expect(found?.length).toBe(shortest)
          expect(all.map((c) => c.join('>'))).toContain(found?.join('>'))
        }
      }),
      { numRuns: 200 },
    )
  })

  it('should answer quickly on a 10,000-deep chain (no path per member is stored)', () => {
    const depth = 10_000
    const list = Array.from({ length: depth }, (_, i) =>
      nested(`g${i}`, [`u${i}`], i + 1 < depth ? [`g${i + 1}`] : []),
    )
    const path = nestingPath(byId(list), 'g0', `u${depth - 1}`)
    expect(path).toHaveLength(depth)
    expect(path?.[depth - 1]).toBe(`G${depth - 1}`)
  })

  it('should be what explain shows for a group with links', () => {
    const s = state({
      users: [user('alice')],
      groups: [
        { ...group('mm_rl', ['alice']), subgroupIds: ['mm_rl_infra'], directMemberIds: [] },
        { ...group('mm_rl_infra', ['alice']), subgroupIds: ['leads'], directMemberIds: [] },
        group('leads', ['alice']),
      ],
      teams: [team('rl', { groupConstrained: true })],
      links: [link('mm_rl', teamRef('rl'))],
    })
    const e = explain(s, { userId: 'alice', syncable: teamRef('rl') })
    expect(e.links[0]?.nestingPath).toEqual(['mm_rl', 'mm_rl_infra', 'leads'])
    expect(e.lines.join('\n')).toContain('via mm_rl > mm_rl_infra > leads')
  })
})
