import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isLoopbackHost, redactUrls } from '../src/redact-urls.js'

// Characters a person may put in a password, `@` and `:` included (not `/`, `?`, `#`, spaces:
// a URL parser ends the authority there, so they cannot be part of one).
const secretChar = fc.constantFrom(...'abcXYZ019!$%&*+,;=:@-._~'.split(''))
const secret = fc
  .array(secretChar, { minLength: 4, maxLength: 20 })
  .map((cs) => `S3cr${cs.join('')}`)

describe('redactUrls', () => {
  it('hides user and password of every URL and leaves the rest', () => {
    expect(redactUrls('LDAP ldap://cn=admin:hunter2@ldap.example.org:389, and more')).toBe(
      'LDAP ldap://***@ldap.example.org:389, and more',
    )
    expect(
      redactUrls('a https://tok@mm.example.org/x b postgres://u:p@ss@db/mm?sslmode=require'),
    ).toBe('a https://***@mm.example.org/x b postgres://***@db/mm?sslmode=require')
    expect(redactUrls('REST API https://mm.example.org (store: /tmp/x)')).toBe(
      'REST API https://mm.example.org (store: /tmp/x)',
    )
    // An address after the path is not user info.
    expect(redactUrls('https://mm.example.org/a@b ldap://h/cn=x@y')).toBe(
      'https://mm.example.org/a@b ldap://h/cn=x@y',
    )
  })

  it('never lets a password through, wherever the URL sits in the text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('ldap', 'ldaps', 'http', 'https', 'postgres'),
        fc.option(fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/), { nil: undefined }),
        secret,
        fc.constantFrom('host', 'mm.example.org:8065', '[::1]:389', '10.0.0.1'),
        fc.constantFrom('', '/', '/api?x=1', '#frag'),
        fc.string({ maxLength: 20 }),
        (before, scheme, user, password, host, rest, after) => {
          const url = `${scheme}://${user === undefined ? '' : `${user}:`}${password}@${host}${rest}`
          const out = redactUrls(`${before} ${url} ${after}`)
          expect(out).toContain(`${scheme}://***@${host}${rest}`)
          expect(out).not.toContain(password)
        },
      ),
    )
  })

  it('is idempotent and changes nothing without user info', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const once = redactUrls(text)
        expect(redactUrls(once)).toBe(once)
        if (!text.includes('@')) expect(once).toBe(text)
      }),
    )
  })
})

describe('isLoopbackHost', () => {
  // The core compiles without Node's or the DOM's types: reach the runtime's WHATWG URL by hand.
  const { URL: Url } = globalThis as unknown as { URL: new (url: string) => { hostname: string } }
  const host = (url: string): string => new Url(url).hostname
  it('knows this machine in every spelling the URL parser leaves', () => {
    for (const url of [
      'http://localhost:8065',
      'http://LOCALHOST./',
      'http://mm.localhost/',
      'http://127.0.0.1/',
      'http://127.1/',
      'http://127.255.3.4/',
      'http://[::1]:8065/',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://[::ffff:127.0.0.1]/',
    ])
      expect(isLoopbackHost(host(url)), url).toBe(true)
  })
  it('refuses every other host', () => {
    for (const url of [
      'http://mm.example.org/',
      'http://localhost.example.org/',
      'http://128.0.0.1/',
      'http://10.0.0.1/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://[::2]/',
      'http://[::ffff:10.0.0.1]/',
      'http://127.0.0.1.nip.io/',
    ])
      expect(isLoopbackHost(host(url)), url).toBe(false)
  })
  it('matches the 127.0.0.0/8 block exactly for any IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(isLoopbackHost(host(`http://${ip}/`))).toBe(ip.startsWith('127.'))
      }),
    )
  })
})
