import { describe, expect, it } from 'vitest'
import { toDirectoryEntry, type DirectoryEntry } from '../src/directory-entry.js'
import { readRangedValues } from '../src/read-ranged-values.js'

const members = Array.from({ length: 3_200 }, (_, i) => `CN=u${i},OU=Users,DC=corp,DC=example`)

/** A fake AD: returns at most 1,500 values per slice, as AD's MaxValRange does. */
function fakeAd(requests: string[], step = 1_500): (spec: string) => Promise<DirectoryEntry> {
  return (spec) => {
    requests.push(spec)
    const m = /^member;range=(\d+)-\*$/.exec(spec)
    const start = Number(m?.[1])
    const end = Math.min(start + step - 1, members.length - 1)
    const last = end === members.length - 1
    return Promise.resolve(
      toDirectoryEntry('CN=big,DC=corp,DC=example', [
        [`member;range=${start}-${last ? '*' : end}`, members.slice(start, end + 1)],
      ]),
    )
  }
}

describe('readRangedValues', () => {
  it('should fetch every slice after member;range=0-1499', async () => {
    const first = toDirectoryEntry('CN=big,DC=corp,DC=example', [
      ['member;range=0-1499', members.slice(0, 1_500)],
    ])
    const requests: string[] = []
    const r = await readRangedValues(first, 'member', fakeAd(requests))
    expect(r).toEqual({ values: members })
    expect(requests).toEqual(['member;range=1500-*', 'member;range=3000-*'])
  })

  it('should return plain values when the server sent no range', async () => {
    const entry = toDirectoryEntry('cn=small', [['member', ['cn=a', 'cn=b']]])
    expect(
      await readRangedValues(entry, 'member', () => Promise.reject(new Error('not called'))),
    ).toEqual({ values: ['cn=a', 'cn=b'] })
  })

  it('should fail when a slice is missing or does not advance', async () => {
    const first = toDirectoryEntry('cn=big', [['member;range=0-1499', members.slice(0, 1_500)]])
    expect(
      await readRangedValues(first, 'member', () =>
        Promise.resolve(toDirectoryEntry('cn=big', [])),
      ),
    ).toMatchObject({ kind: 'rangeIncomplete' })
    const stuck = () =>
      Promise.resolve(
        toDirectoryEntry('cn=big', [['member;range=0-1499', members.slice(0, 1_500)]]),
      )
    expect(await readRangedValues(first, 'member', stuck)).toMatchObject({
      kind: 'rangeIncomplete',
    })
  })
})
