/**
 * Gives a plan its operator-written description. The description is stored
 * in every row the plan writes, so the rows change and the plan is sealed
 * again; the preconditions (what the warehouse held) stay as they were.
 */
import { requireDescription } from '../model.js';
import { sealPlan, type Plan } from '../plan.js';

export const PENDING_DESCRIPTION = '(description pending)';

export function redescribe(plan: Plan, text: string): Plan {
  const description = requireDescription(text);
  const { id: _id, format: _format, ...draft } = plan;
  return sealPlan({
    ...draft,
    description,
    exclusions: plan.exclusions.map((r) => ({ ...r, exclusion_description: description })),
    exceptions: plan.exceptions.map((r) => ({ ...r, exception_description: description })),
  });
}
