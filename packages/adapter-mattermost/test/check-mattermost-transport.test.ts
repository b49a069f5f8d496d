import { describe, expect, it } from 'vitest'
import { checkMattermostTransport } from '../src/check-mattermost-transport.js'
import { createMattermostClient, MattermostClient } from '../src/mattermost-client.js'

describe('checkMattermostTransport', () => {
  it('accepts https:// anywhere and http:// to this machine', () => {
    for (const url of [
      'https://mm.example.org',
      'https://mm.example.org:8443/chat',
      'http://127.0.0.1:8065',
      'http://127.3.2.1',
      'http://localhost:8065',
      'http://[::1]:8065',
    ])
      expect(checkMattermostTransport(url)._unsafeUnwrap(), url).toBeUndefined()
  })

  it('refuses http:// to any other host, saying what to do', () => {
    for (const url of ['http://mm.example.org', 'http://10.0.0.5:8065', 'http://[::2]/']) {
      const e = checkMattermostTransport(url)._unsafeUnwrapErr()
      expect(e.kind, url).toBe('insecureTransport')
      expect(e.message).toMatch(/use https:\/\/ .*or set insecure only for a lab/)
    }
  })

  it('with insecure gives one warning instead, and never shows user info', () => {
    const warning = checkMattermostTransport('http://admin:pa55@mm.example.org', {
      insecure: true,
    })._unsafeUnwrap()
    expect(warning).toBe(
      'insecure Mattermost transport allowed by insecure: the token goes to http://***@mm.example.org in clear text over http://',
    )
    const e = checkMattermostTransport('http://admin:pa55@mm.example.org')._unsafeUnwrapErr()
    expect(e.message).not.toContain('pa55')
  })

  it('refuses what is not an http(s) URL without echoing it', () => {
    expect(checkMattermostTransport('mm.example.org:pa55')._unsafeUnwrapErr().kind).toBe(
      'invalidUrl',
    )
    const ftp = checkMattermostTransport('ftp://u:pa55@mm.example.org')._unsafeUnwrapErr()
    expect(ftp.kind).toBe('invalidUrl')
    expect(ftp.message).not.toContain('pa55')
  })
})

describe('MattermostClient on an insecure URL', () => {
  it('refuses to be built, so an embedder cannot send the token in clear by mistake', () => {
    expect(() => createMattermostClient({ url: 'http://mm.example.org', token: 't' })).toThrow(
      /refusing to send the token to http:\/\/mm\.example\.org in clear text/,
    )
  })

  it('is built with insecure: true, and sends its requests there', async () => {
    const seen: string[] = []
    const client = new MattermostClient({
      url: 'http://mm.example.org',
      token: 't',
      insecure: true,
      fetch: (input) => {
        seen.push(input instanceof Request ? input.url : input.toString())
        return Promise.resolve(new Response('[]', { status: 200 }))
      },
    })
    expect((await client.listTeams())._unsafeUnwrap()).toEqual([])
    expect(seen[0]).toMatch(/^http:\/\/mm\.example\.org\/api\/v4\/teams\?/)
  })
})
