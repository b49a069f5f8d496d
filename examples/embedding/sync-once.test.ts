import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { describe, expect, it } from 'vitest'
import { fromPglite } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import { mattermostSeed } from '../rocky-linux/mattermost-seed.js'
import { parseConfigText } from '../shared/parse-config.js'
import { syncOnce } from './sync-once.js'

const config = parseConfigText(
  readFileSync(new URL('../rocky-linux/config.json', import.meta.url), 'utf8'),
)._unsafeUnwrap()

describe('syncOnce', { timeout: 120_000 }, () => {
  it('should apply the Rocky Linux example and converge, then find nothing to do', async () => {
    const db = await PGlite.create()
    try {
      const client = fromPglite(db)
      ;(
        await createMattermostSchema(client).andThen(() =>
          writeSyncState(client, mattermostSeed, { now: 1 }),
        )
      )._unsafeUnwrap()
      const options = {
        ldif: readFileSync(new URL('../rocky-linux/directory.ldif', import.meta.url), 'utf8'),
        ldap: config.ldap,
        rules: config.rules,
        mattermost: client,
        policy: config.policy,
      }
      // The example's two directory warnings, and the LDIF export's lack of a freshness marker.
      expect(await syncOnce(options)).toBe('12 changes, 0 held, 3 warnings; converged: true')
      expect(await syncOnce(options)).toBe('0 changes, 0 held, 3 warnings; converged: true')
    } finally {
      await db.close()
    }
  })
})
