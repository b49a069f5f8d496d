import { describe, expect, it } from 'vitest'
import { isTransientError, type MattermostError } from '../src/index.js'

const at = { method: 'GET', path: '/x', message: 'm' }
const http = (status: number): MattermostError => ({
  kind: 'http',
  status,
  errorId: undefined,
  ...at,
})

describe('isTransientError', () => {
  it('should call rate limits, 5xx except 501, network errors and timeouts transient', () => {
    const errors: [MattermostError, boolean][] = [
      [{ kind: 'rateLimited', status: 429, retryAfterMs: 1_000, ...at }, true],
      [{ kind: 'network', cause: undefined, ...at }, true],
      [{ kind: 'timeout', timeoutMs: 5, ...at }, true],
      [http(429), true],
      [http(500), true],
      [http(503), true],
      [http(501), false],
      [http(400), false],
      [http(404), false],
      [
        {
          kind: 'groupConstrained',
          status: 400,
          errorId: 'api.team.add_members.user_denied',
          ...at,
        },
        false,
      ],
      [{ kind: 'invalidResponse', ...at }, false],
      [{ kind: 'skipped', userId: 'u', message: 'm' }, false],
      [{ kind: 'unknownTeam', names: ['x'], message: 'm' }, false],
    ]

    expect(errors.map(([e]) => isTransientError(e))).toEqual(errors.map(([, t]) => t))
  })
})
