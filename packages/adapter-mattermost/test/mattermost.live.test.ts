import { planSync } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import { createMattermostClient, listGroupLinks, loadSyncState } from '../src/index.js'

const url = process.env['MATTERMOST_URL'] ?? ''
const token = process.env['MATTERMOST_TOKEN'] ?? ''
// Optional: limit the smoke test to one team on a big server.
const teamId = process.env['MATTERMOST_TEAM_ID']

// Read-only smoke test against a real server; it never writes. Runs only when both variables are set.
describe.runIf(url !== '' && token !== '')('live Mattermost', () => {
  // Built inside the tests: the describe body also runs when the suite is off.
  const client = () => createMattermostClient({ url, token })

  it('should load a state that planSync accepts', async () => {
    const state = await loadSyncState(client(), teamId === undefined ? {} : { teamIds: [teamId] })

    expect(state.isOk(), JSON.stringify(state.isErr() ? state.error : null)).toBe(true)
    const plan = planSync(state._unsafeUnwrap())
    expect(plan.targetFingerprint).toEqual(expect.any(String))
  }, 300_000)

  it('should list the links of every synced group with both flags', async () => {
    const groups = (await client().listGroups())._unsafeUnwrap()
    const synced = groups.filter((g) => g.source === 'ldap' || g.source.startsWith('plugin_'))

    for (const g of synced.slice(0, 5)) {
      const links = (await listGroupLinks(client(), g.id))._unsafeUnwrap()
      for (const l of links) expect(typeof l.schemeAdmin).toBe('boolean')
    }
  })
})
