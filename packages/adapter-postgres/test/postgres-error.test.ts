import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { scrubSecrets, toPostgresError } from '../src/index.js'

const withCode = (code: string, message = 'boom'): Error =>
  Object.assign(new Error(message), { code })

describe('toPostgresError', () => {
  it('should classify driver errors by SQLSTATE or errno', () => {
    expect(toPostgresError(withCode('ECONNREFUSED'), 'connecting').kind).toBe('connectionRefused')
    expect(toPostgresError(withCode('28P01'), 'connecting').kind).toBe('authFailed')
    expect(toPostgresError(withCode('28000'), 'connecting').kind).toBe('authFailed')
    expect(toPostgresError(withCode('40001'), 'applying').kind).toBe('serializationFailure')
    expect(toPostgresError(withCode('42P01'), 'reading Users').kind).toBe('notMattermostDatabase')
    expect(toPostgresError(withCode('23505'), 'applying')).toMatchObject({
      kind: 'queryFailed',
      code: '23505',
    })
  })

  it('should find the errno inside an AggregateError of several connect attempts', () => {
    const e = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], '')
    expect(toPostgresError(e, 'connecting').kind).toBe('connectionRefused')
  })

  it('should say what was being done and keep the cause', () => {
    const cause = withCode('42P01', 'relation "users" does not exist')
    expect(toPostgresError(cause, 'reading Users')).toEqual({
      kind: 'notMattermostDatabase',
      message: 'reading Users: relation "users" does not exist',
      cause,
    })
  })

  it('should never let a password of a connection string reach the error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9!#$%^&*()_+-]{6,20}$/), (password) => {
        const e = withCode(
          'ENOTFOUND',
          `getaddrinfo ENOTFOUND postgres://mm:${password}@db.invalid:5432/mattermost`,
        )
        const error = toPostgresError(e, 'connecting')
        expect(error.message).not.toContain(password)
        expect((error as { cause: Error }).cause.message).not.toContain(password)
      }),
    )
  })
})

describe('scrubSecrets', () => {
  it('should mask URL passwords and password= settings', () => {
    expect(scrubSecrets('postgres://mm:hunter2@db/x and password=hunter3 user=mm')).toBe(
      'postgres://mm:***@db/x and password=*** user=mm',
    )
  })

  it('should leave texts without secrets alone', () => {
    expect(scrubSecrets('relation "users" does not exist')).toBe('relation "users" does not exist')
  })
})
