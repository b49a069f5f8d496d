import { err, ok, type Result } from 'neverthrow'
import type { MattermostError } from './mattermost-error.js'

const idPattern = /^[a-z0-9]{26}$/

/** True for a Mattermost id: exactly 26 characters of `[a-z0-9]`. */
export function isMattermostId(value: string): boolean {
  return idPattern.test(value)
}

/** Checks ids before they go into a URL or body; the first bad one becomes an `invalidId` error. */
export function checkIds(ids: Readonly<Record<string, string>>): Result<void, MattermostError> {
  for (const [field, id] of Object.entries(ids)) {
    if (!isMattermostId(id)) {
      return err({
        kind: 'invalidId',
        field,
        id: id.slice(0, 64),
        message: `${field} is not a Mattermost id (26 characters of [a-z0-9])`,
      })
    }
  }
  return ok(undefined)
}
