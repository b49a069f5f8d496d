import { describe, expect, it } from 'vitest'
import { parseServeSettings } from '../../src/service/parse-serve-settings.js'

const nameOf = (flags: Parameters<typeof parseServeSettings>[0], env: Record<string, string>) =>
  parseServeSettings(flags, env)._unsafeUnwrapErr().message.split(':')[0]

describe('parseServeSettings', () => {
  it('should apply the documented defaults', () => {
    expect(parseServeSettings({}, {})._unsafeUnwrap()).toEqual({
      intervalMs: 300_000,
      apply: false,
      port: 9464,
      host: '127.0.0.1',
      logLevel: 'info',
    })
  })

  it('should read every variable, and let flags win over them', () => {
    const env = {
      SYNC_INTERVAL_SECONDS: '0.5',
      SYNC_APPLY: 'true',
      PORT: '0',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
    }
    expect(parseServeSettings({}, env)._unsafeUnwrap()).toEqual({
      intervalMs: 500,
      apply: true,
      port: 0,
      host: '0.0.0.0',
      logLevel: 'debug',
    })
    expect(
      parseServeSettings({ interval: '60', port: '8080', host: '::1' }, env)._unsafeUnwrap(),
    ).toMatchObject({ intervalMs: 60_000, port: 8080, host: '::1' })
    expect(parseServeSettings({ apply: true }, {})._unsafeUnwrap().apply).toBe(true)
  })

  it('should refuse an interval that is not a number > 0 instead of looping every millisecond', () => {
    for (const v of ['0', '-1', '5m', '', ' ', 'Infinity', 'NaN'])
      expect(nameOf({}, { SYNC_INTERVAL_SECONDS: v })).toBe('SYNC_INTERVAL_SECONDS')
    expect(parseServeSettings({ interval: '5m' }, {})._unsafeUnwrapErr()).toEqual({
      kind: 'usage',
      code: 'invalidSetting',
      message: '--interval: expected a number of seconds > 0, got "5m"',
    })
  })

  it('should refuse unknown SYNC_APPLY, bad PORT and LOG_LEVEL, naming them', () => {
    expect(nameOf({}, { SYNC_APPLY: 'yes' })).toBe('SYNC_APPLY')
    expect(nameOf({}, { PORT: '70000' })).toBe('PORT')
    expect(nameOf({ port: 'http' }, {})).toBe('--port')
    expect(nameOf({}, { LOG_LEVEL: 'verbose' })).toBe('LOG_LEVEL')
  })
})
