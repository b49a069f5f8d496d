// The touched check's per-command preconditions are core's (shared with the REST target).
export { staleRows as staleCommands, type StaleRow as StaleCommand } from '@grouproles/core'
