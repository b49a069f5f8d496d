// planSync as it was before issue #13's split of the state index (commit 24d65c5), frozen with
// the internal files it used, so that a property can prove the refactored planner's output
// byte-identical (fingerprints included). Delete this directory once nobody needs the proof.
export { planSync as legacyPlanSync } from './plan-sync.js'
