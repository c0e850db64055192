export { evaluatePushRules, findMatchingRule, type PushContext, type PushEvent, type PushOutcome } from './evaluator.js';
export { PushRuleService, type PushRuleInput } from './push-rule-service.js';
export type { RulePlacement } from './ruleset.js';
export { PUSH_RULES_EVENT_TYPE, RULE_KINDS, type PushAction, type PushCondition, type PushRule, type RuleKind, type Ruleset } from './types.js';
