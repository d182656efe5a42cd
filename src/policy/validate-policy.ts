/**
 * Validates a parsed designation policy (DESIGN.md §5) against the schema, then for what the schema cannot
 * express, and applies the defaults. Parsing a policy file's text (JSON or YAML) is load-policy.ts's job: reading a
 * stored policy (a report, `runs`) needs only this, not the YAML parser.
 */
import { RedlineError, formatProblem, type Problem } from '../errors.js';
import {
  DEFAULT_POLICY_CONFIDENCE,
  DEFAULT_POLICY_MAX_ERROR_RATE,
  DEFAULT_POLICY_RULE,
  Policy,
  type PolicyBasis,
  type PolicyRule,
} from '../schema/policy.js';
import { compileValidator } from '../schema/validate.js';

/** A policy with every default applied: confidence, rule, maxErrorRate, and each category's basis. */
export type ResolvedPolicy = Omit<
  Policy,
  '$schema' | 'confidence' | 'rule' | 'maxErrorRate' | 'categories'
> & {
  /** Two-sided confidence level of the intervals decided on. */
  confidence: number;
  /** How category decisions combine with the overall one. */
  rule: PolicyRule;
  /** Largest tolerated error rate. */
  maxErrorRate: number;
  /** Per-category cutoffs, each with its basis resolved. */
  categories?: Record<string, { cutoff: number; basis: PolicyBasis }>;
};

const CATEGORY_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/** Validates an already parsed policy (e.g. one stored with a run) and applies the defaults; throws E_SCHEMA. */
export function validatePolicyValue(value: unknown, file: string): ResolvedPolicy {
  const validator = compileValidator(Policy);
  const problems = validator.problems(value, { file }).map((problem) => clarifyCategoryName(problem, value));
  if (problems.length === 0 && validator.check(value)) problems.push(...checkPolicySemantics(value, file));
  if (problems.length > 0) throwProblems(file, problems);
  return applyPolicyDefaults(value as Policy);
}

/**
 * The problems the schema cannot express: rule "any"/"all" needs categories, and categories need an explicit
 * rule. Leaving the rule out with categories is an error, not a silent "overall": categories that decide nothing
 * are almost surely a mistake. Writing `"rule": "overall"` keeps them as reported-only cutoffs (DESIGN.md §5).
 */
export function checkPolicySemantics(policy: Policy, file: string): Problem[] {
  const problems: Problem[] = [];
  const hasCategories = policy.categories !== undefined && Object.keys(policy.categories).length > 0;
  if ((policy.rule === 'any' || policy.rule === 'all') && !hasCategories) {
    problems.push({
      file,
      pointer: '/rule',
      message:
        `rule "${policy.rule}" combines the overall decision with category decisions, but the policy has no ` +
        '"categories": add categories, or set rule to "overall"',
    });
  }
  if (hasCategories && policy.rule === undefined) {
    problems.push({
      file,
      pointer: '',
      message:
        'missing field "rule": a policy with "categories" must say how they combine: "any" (overall OR any ' +
        'category), "all" (overall AND every category) or "overall" (categories reported, not deciding)',
    });
  }
  return problems;
}

/** The policy with its defaults applied (confidence 0.95, rule overall, maxErrorRate 0, category basis = policy basis). */
export function applyPolicyDefaults(policy: Policy): ResolvedPolicy {
  const resolved: ResolvedPolicy = {
    id: policy.id,
    version: policy.version,
    ...(policy.description === undefined ? {} : { description: policy.description }),
    metric: policy.metric,
    cutoff: policy.cutoff,
    basis: policy.basis,
    confidence: policy.confidence ?? DEFAULT_POLICY_CONFIDENCE,
    rule: policy.rule ?? DEFAULT_POLICY_RULE,
    maxErrorRate: policy.maxErrorRate ?? DEFAULT_POLICY_MAX_ERROR_RATE,
    ...(policy.owners === undefined ? {} : { owners: [...policy.owners] }),
    ...(policy.threshold === undefined ? {} : { threshold: policy.threshold }),
    // Absent and false alike, so that spelling out the default changes neither the digest nor a diff.
    ...(policy.shareClassification === true ? { shareClassification: true } : {}),
  };
  if (policy.categories !== undefined) {
    const categories: Record<string, { cutoff: number; basis: PolicyBasis }> = {};
    for (const [name, category] of Object.entries(policy.categories)) {
      categories[name] = { cutoff: category.cutoff, basis: category.basis ?? policy.basis };
    }
    resolved.categories = categories;
  }
  return resolved;
}

/** ajv reports a category name outside the pattern as an unknown field; say what is actually wrong. */
function clarifyCategoryName(problem: Problem, value: unknown): Problem {
  const match = /^\/categories\/([^/]+)$/.exec(problem.pointer);
  if (match === null || !problem.message.startsWith('unknown field')) return problem;
  const categories = (value as { categories?: unknown }).categories;
  if (typeof categories !== 'object' || categories === null) return problem;
  const name = (match[1] ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
  return {
    ...problem,
    message: `category name "${name}" must match ${CATEGORY_NAME} (letters, digits, ".", "_", "-"; as in the suite)`,
  };
}

/** Throws E_SCHEMA naming the policy file and listing its problems (`details.problems`). */
export function throwProblems(file: string, problems: Problem[]): never {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new RedlineError(
    'E_SCHEMA',
    `${file}: not a valid policy (${count}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    { details: { problems } },
  );
}
