import { describe, expect, it } from 'vitest'
import { openTarget } from './open-target.js'

const rest = { MATTERMOST_URL: 'https://mm.example.org', MATTERMOST_TOKEN: 't0ken' }

describe('openTarget', () => {
  it('should prefer the REST API, groups from the directory, MATTERMOST_CHANNEL_IDS an optional extra', async () => {
    const plain = (await openTarget(rest, 'never'))._unsafeUnwrap()
    expect(plain.input.kind === 'mattermost' ? plain.input.options : undefined).toEqual({
      groups: 'none',
    })
    expect(plain.description).toBe('REST API https://mm.example.org')
    await plain.close()
    const t = (
      await openTarget(
        { ...rest, DATABASE_URL: 'postgres://x@db/mm', MATTERMOST_CHANNEL_IDS: ' a1 ,,b2,' },
        'never',
      )
    )._unsafeUnwrap()
    expect(t.input.kind).toBe('mattermost')
    expect(t.input.kind === 'mattermost' ? t.input.options : undefined).toEqual({
      groups: 'none',
      channelIds: ['a1', 'b2'],
    })
    expect(t.description).toBe(
      'REST API https://mm.example.org (and 2 channels from MATTERMOST_CHANNEL_IDS)',
    )
    expect(t.embedded).toBe(false)
    await t.close()
  })

  it('should refuse http:// to another host unless MATTERMOST_INSECURE=1, and hide user info', async () => {
    const plain = { ...rest, MATTERMOST_URL: 'http://admin:pa55@mm.example.org' }
    const refused = (await openTarget(plain, 'never'))._unsafeUnwrapErr()
    expect(refused.kind).toBe('insecureTransport')
    expect(refused.message).toContain('http://***@mm.example.org')
    expect(refused.message).not.toContain('pa55')
    const allowed = (
      await openTarget({ ...plain, MATTERMOST_INSECURE: '1' }, 'never')
    )._unsafeUnwrap()
    expect(allowed.description).toBe('REST API http://***@mm.example.org')
    expect(allowed.warnings).toEqual([expect.stringMatching(/^insecure Mattermost transport/)])
    await allowed.close()
    const local = (
      await openTarget({ ...rest, MATTERMOST_URL: 'http://127.0.0.1:8065' }, 'never')
    )._unsafeUnwrap()
    expect(local.warnings).toBeUndefined()
    await local.close()
  })

  it('should open DATABASE_URL when the REST API is not fully set', async () => {
    const t = (
      await openTarget(
        { MATTERMOST_URL: rest.MATTERMOST_URL, DATABASE_URL: 'postgres://x@db/mm' },
        'fallback',
      )
    )._unsafeUnwrap()
    expect([t.input.kind, t.description, t.embedded]).toEqual(['postgres', 'DATABASE_URL', false])
    await t.close()
  })

  it('should refuse with noTarget when nothing is set and no embedded database is allowed', async () => {
    expect((await openTarget({}, 'never'))._unsafeUnwrapErr()).toMatchObject({
      kind: 'noTarget',
      message: expect.stringMatching(
        /set DATABASE_URL, or MATTERMOST_URL and MATTERMOST_TOKEN/,
      ) as unknown,
    })
  })

  it('should seed the embedded database on fallback, and use it whatever is set on always', async () => {
    const fallback = (await openTarget({}, 'fallback'))._unsafeUnwrap()
    expect([fallback.input.kind, fallback.embedded]).toEqual(['postgres', true])
    await fallback.close()
    const always = (await openTarget(rest, 'always'))._unsafeUnwrap()
    expect([always.input.kind, always.embedded]).toEqual(['postgres', true])
    await always.close()
  }, 120_000)
})
