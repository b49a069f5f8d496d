// Moved to ../rules.ts (every rule in one place); kept so that imports of the old path still work.
export {
  constraintLabel,
  isConstrained,
  joinsByDefault,
  keepsTownSquare,
  townSquareName,
} from '../rules.js'
