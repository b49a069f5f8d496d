import type { ResultAsync } from 'neverthrow'
import { emptyState, type SyncState } from '@grouproles/core'
import type { PostgresClient } from '../postgres-client.js'
import type { PostgresError } from '../postgres-error.js'
import { run } from '../internal/session.js'
import { createMattermostSchema } from './mattermost-schema.js'
import { writeSyncState, type WriteSyncStateOptions } from './write-sync-state.js'

/** A hand-made scenario: the parts of a state it needs, plus raw SQL for what a state cannot say (NULL flags). */
export interface Scenario extends Partial<SyncState> {
  readonly sql?: readonly string[]
}

/** Creates the Mattermost tables, writes the scenario's state, then runs its extra SQL in order. */
export function loadScenario(
  client: PostgresClient,
  scenario: Scenario,
  options: WriteSyncStateOptions = {},
): ResultAsync<void, PostgresError> {
  const { sql = [], ...parts } = scenario
  const state: SyncState = { ...emptyState, ...parts }
  let chain = createMattermostSchema(client).andThen(() => writeSyncState(client, state, options))
  for (const statement of sql)
    chain = chain.andThen(() => run(client, 'running scenario SQL', statement).map(() => undefined))
  return chain
}
