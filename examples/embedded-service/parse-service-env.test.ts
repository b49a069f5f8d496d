import { describe, expect, it } from 'vitest'
import { parseServiceEnv } from './parse-service-env.js'

const base = { DATABASE_URL: 'postgres://mm@db/mattermost' }
const variableOf = (env: Record<string, string>) =>
  parseServiceEnv({ ...base, ...env })._unsafeUnwrapErr().variable

describe('parseServiceEnv', () => {
  it('should apply the documented defaults', () => {
    expect(parseServiceEnv(base)._unsafeUnwrap()).toEqual({
      databaseUrl: base.DATABASE_URL,
      intervalMs: 300_000,
      apply: false,
      port: 9464,
      host: '127.0.0.1',
      logLevel: 'info',
    })
  })

  it('should read every variable', () => {
    expect(
      parseServiceEnv({
        ...base,
        SYNC_INTERVAL_SECONDS: '0.5',
        SYNC_APPLY: 'true',
        PORT: '0',
        HOST: '0.0.0.0',
        LOG_LEVEL: 'debug',
        GROUPROLES_CONFIG: '/etc/grouproles.json',
        GROUPROLES_LDIF: '/srv/export.ldif',
      })._unsafeUnwrap(),
    ).toEqual({
      databaseUrl: base.DATABASE_URL,
      intervalMs: 500,
      apply: true,
      port: 0,
      host: '0.0.0.0',
      logLevel: 'debug',
      configPath: '/etc/grouproles.json',
      ldifPath: '/srv/export.ldif',
    })
  })

  it('should refuse an interval that is not a number > 0 instead of looping every millisecond', () => {
    for (const v of ['0', '-1', '5m', '', ' ', 'Infinity', 'NaN'])
      expect(variableOf({ SYNC_INTERVAL_SECONDS: v })).toBe('SYNC_INTERVAL_SECONDS')
    expect(
      parseServiceEnv({ ...base, SYNC_INTERVAL_SECONDS: '5m' })._unsafeUnwrapErr().message,
    ).toBe('SYNC_INTERVAL_SECONDS: expected a number of seconds > 0, got "5m"')
  })

  it('should refuse a missing database, unknown SYNC_APPLY, bad PORT and LOG_LEVEL', () => {
    expect(parseServiceEnv({})._unsafeUnwrapErr().variable).toBe('DATABASE_URL')
    expect(variableOf({ SYNC_APPLY: 'yes' })).toBe('SYNC_APPLY')
    expect(variableOf({ PORT: '70000' })).toBe('PORT')
    expect(variableOf({ PORT: 'http' })).toBe('PORT')
    expect(variableOf({ LOG_LEVEL: 'verbose' })).toBe('LOG_LEVEL')
  })
})
