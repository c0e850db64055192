/** Push rule shapes as the client-server API and the `m.push_rules` account data event carry them. */

/** Rule kinds in the order they are checked: the first enabled rule that matches decides. */
export const RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;

export type RuleKind = (typeof RULE_KINDS)[number];

/** `"notify"`, or an object such as `{"set_tweak": "sound", "value": "default"}`. */
export type PushAction = string | { readonly [key: string]: unknown };

/** A condition of an `override` or `underride` rule. Which keys it uses depends on `kind`. */
export interface PushCondition {
  kind: string;
  key?: string;
  pattern?: string;
  is?: string;
  value?: unknown;
  [parameter: string]: unknown;
}

export interface PushRule {
  rule_id: string;
  /** Whether this is a server-default rule, whose id starts with a dot. */
  default: boolean;
  enabled: boolean;
  actions: PushAction[];
  /** Only on `override` and `underride` rules. */
  conditions?: PushCondition[];
  /** Only on `content` rules: the glob pattern matched against `content.body`. */
  pattern?: string;
}

/** The rules of each kind, most important first. */
export type Ruleset = Record<RuleKind, PushRule[]>;

/** The account data event type that carries the user's effective ruleset to clients. */
export const PUSH_RULES_EVENT_TYPE = 'm.push_rules';

export function isRuleKind(value: string): value is RuleKind {
  return (RULE_KINDS as readonly string[]).includes(value);
}
