export {
  channelArb,
  channelHistoryArb,
  channelMemberArb,
  groupArb,
  groupLinkArb,
  mattermostIdArb,
  roleArb,
  shuffledStateArb,
  syncableRefArb,
  syncCommandArb,
  syncPolicyArb,
  syncPolicyInputArb,
  syncStateArb,
  systemRoleArb,
  teamArb,
  teamMemberArb,
  userArb,
} from './arbitraries.js'
export { denseStateArb } from './dense-state-arb.js'
export { untidyStateArb } from './untidy-state-arb.js'
export { generatedId, generateState, stateSizes } from './generate-state.js'
export type { StateSizes } from './arbitraries.js'
export type { GeneratedSizes } from './generate-state.js'
export { targetStateArb, withMattermostIds } from './target-state-arb.js'
export { describeTargetContract, targetContract } from './target-contract.js'
export type {
  SeededTarget,
  TargetContractCheck,
  TargetContractOptions,
  TargetFactory,
  TestFunctions,
} from './target-contract.js'
export { admittingContext } from './admitting-context.js'
export { foreignCommandArb } from './foreign-command-arb.js'
export type { ForeignCommand } from './foreign-command-arb.js'
