import { InsufficientAccessError, NoSuchObjectError } from 'ldapts'
import { describe, expect, it } from 'vitest'
import { completeRangedGroup } from '../src/complete-ranged-group.js'
import { textValues, toDirectoryEntry, type DirectoryEntry } from '../src/directory-entry.js'
import { ConnectionLostError } from '../src/to-ldap-error.js'

const url = 'ldaps://dc1.corp.example'
const dn = 'CN=big,OU=Groups,DC=corp,DC=example'
const members = Array.from({ length: 3_200 }, (_, i) => `CN=u${i},OU=Users,DC=corp,DC=example`)
const first = toDirectoryEntry(dn, [
  ['cn', 'big'],
  ['member;range=0-1499', members.slice(0, 1_500)],
])

/** A fake AD answering slices of 1,500 values; `failAt` makes the n-th request throw instead. */
function fakeAd(failAt?: { request: number; error: Error }): {
  fetch: (spec: string) => Promise<DirectoryEntry>
  requests: string[]
} {
  const requests: string[] = []
  const fetch = (spec: string): Promise<DirectoryEntry> => {
    requests.push(spec)
    if (failAt !== undefined && requests.length === failAt.request)
      return Promise.reject(failAt.error)
    const start = Number(/^member;range=(\d+)-\*$/.exec(spec)?.[1])
    const end = Math.min(start + 1_499, members.length - 1)
    const last = end === members.length - 1
    return Promise.resolve(
      toDirectoryEntry(dn, [
        [`member;range=${start}-${last ? '*' : end}`, members.slice(start, end + 1)],
      ]),
    )
  }
  return { fetch, requests }
}

describe('completeRangedGroup', () => {
  it('should fetch every slice and leave one plain member attribute', async () => {
    const ad = fakeAd()
    const g = await completeRangedGroup(first, ['member'], ad.fetch, url)
    expect(g.kind).toBe('complete')
    expect(textValues(g.entry, 'member')).toEqual(members)
    expect([...g.entry.attributes.keys()].sort()).toEqual(['cn', 'member'])
    expect(ad.requests).toEqual(['member;range=1500-*', 'member;range=3000-*'])
  })

  it.each([
    ['a lost connection', new ConnectionLostError('the connection dropped between two searches')],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a closed connection', new Error('Connection closed before message response was received')],
    ['an operation timeout', new Error('Operation timed out')],
  ])('should fail the whole read on %s', async (_, error) => {
    const ad = fakeAd({ request: 2, error })
    await expect(completeRangedGroup(first, ['member'], ad.fetch, url)).rejects.toBe(error)
  })

  it.each([
    ['a refused slice', new InsufficientAccessError()],
    ['a vanished group', new NoSuchObjectError()],
    ['any other server error', new Error('unexpected response')],
  ])('should mark just this group unavailable on %s, keeping the first slice', async (_, error) => {
    const ad = fakeAd({ request: 1, error })
    const g = await completeRangedGroup(first, ['member'], ad.fetch, url)
    expect(g).toMatchObject({ kind: 'unavailable', entry: first })
    expect(g.kind === 'unavailable' ? g.reason : '').toContain(url)
  })

  it('should mark the group unavailable when the server sends a slice it was not asked for', async () => {
    const wrong = (): Promise<DirectoryEntry> =>
      Promise.resolve(toDirectoryEntry(dn, [['member;range=0-1499', members.slice(0, 1_500)]]))
    const g = await completeRangedGroup(first, ['member'], wrong, url)
    expect(g).toEqual({
      kind: 'unavailable',
      entry: first,
      reason: 'the server sent member;range=0-1499 when asked for member;range=1500-*',
    })
  })

  it('should leave a group without range slices as it is', async () => {
    const plain = toDirectoryEntry(dn, [['member', members.slice(0, 2)]])
    const ad = fakeAd()
    const g = await completeRangedGroup(plain, ['member'], ad.fetch, url)
    expect(g.kind).toBe('complete')
    expect(textValues(g.entry, 'member')).toEqual(members.slice(0, 2))
    expect(ad.requests).toEqual([])
  })
})
