export { createMattermostSchema, mattermostSchemaSql } from './mattermost-schema.js'
export { writeSyncState } from './write-sync-state.js'
export { loadScenario } from './load-scenario.js'

export type { WriteSyncStateOptions } from './write-sync-state.js'
export type { Scenario } from './load-scenario.js'
