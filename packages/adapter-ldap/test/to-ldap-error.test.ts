import { InvalidCredentialsError, SizeLimitExceededError } from 'ldapts'
import { describe, expect, it } from 'vitest'
import { ConnectionLostError, toLdapError } from '../src/to-ldap-error.js'

const url = 'ldap://127.0.0.1:1'
const kind = (e: unknown, phase: 'connect' | 'startTls' | 'bind' | 'read' = 'read') =>
  toLdapError(e, phase, url).kind

describe('toLdapError', () => {
  it('should map result codes and socket failures to kinds', () => {
    expect(kind(new InvalidCredentialsError('x'), 'bind')).toBe('invalidCredentials')
    expect(kind(new SizeLimitExceededError('x'))).toBe('sizeLimit')
    expect(
      kind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'connect'),
    ).toBe('unreachable')
    expect(
      kind(
        Object.assign(new Error('self-signed certificate'), {
          code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        }),
        'connect',
      ),
    ).toBe('tls')
    expect(kind(new Error('SearchRequest: Operation timed out'))).toBe('timeout')
    expect(kind(new Error('Connection closed before message response was received.'))).toBe(
      'connectionLost',
    )
    expect(
      kind(new Error('Connection closed before message response was received.'), 'connect'),
    ).toBe('unreachable')
    expect(kind(new ConnectionLostError('gone'))).toBe('connectionLost')
    expect(kind('something odd')).toBe('protocol')
  })

  it('should name the server', () => {
    expect(toLdapError(new Error('x'), 'read', url)).toMatchObject({
      url,
      message: expect.stringContaining(url) as unknown,
    })
  })
})
