import { describe, expect, it } from 'vitest'
import { HistoryTable } from '../../src/internal/history-table.js'

const rows = (userIds: string[]) => userIds.map((userId) => ({ channelId: 'c', userId }))

describe('HistoryTable', () => {
  it('should keep one row per user id and find exactly those ids', () => {
    const history = rows(['alice', 'bob', 'alice', 'carol'])
    const laneA = Int32Array.from([1, 2, 1, 3])
    const laneB = Int32Array.from([10, 20, 10, 30])
    const table = new HistoryTable(history, laneA, laneB)
    table.reset(history.length)

    expect(history.map((_, i) => table.add(i))).toEqual([true, true, false, true])
    expect(table.has(1, 10, 'alice')).toBe(true)
    expect(table.has(3, 30, 'carol')).toBe(true)
    expect(table.has(4, 40, 'dave')).toBe(false)
  })

  // Hash lanes only narrow the search: the id text decides, so colliding hashes never merge users.
  it('should tell apart ids whose hashes collide in both lanes', () => {
    const history = rows(['alice', 'mallory', 'bob'])
    const same = new Int32Array(history.length).fill(7)
    const table = new HistoryTable(history, same, same)
    table.reset(history.length)

    expect(history.map((_, i) => table.add(i))).toEqual([true, true, true])
    expect(table.has(7, 7, 'mallory')).toBe(true)
    expect(table.has(7, 7, 'eve')).toBe(false)
    expect(table.has(7, 8, 'alice')).toBe(false)
  })

  it('should forget everything on reset and grow past its first size', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `u${i}`)
    const history = rows(ids)
    const laneA = Int32Array.from(ids, (_, i) => i * 31)
    const laneB = Int32Array.from(ids, (_, i) => i)
    const table = new HistoryTable(history, laneA, laneB)
    table.reset(1)
    table.add(5)
    table.reset(ids.length)

    expect(table.has(5 * 31, 5, 'u5')).toBe(false)
    for (let i = 0; i < ids.length; i++) table.add(i)
    expect(ids.every((id, i) => table.has(i * 31, i, id))).toBe(true)
    expect(table.has(0, 1, 'u0')).toBe(false)
  })
})
