/**
 * Gives a plan its operator-written description. The description is stored
 * in every row the plan writes, so the rows change and the plan is sealed
 * again; the preconditions (what the warehouse held) stay as they were.
 */
import { requireDescription } from '../model.js';
import { sealPlanAsync, type Plan } from '../plan.js';
import { mapInSlices } from '../slices.js';

export const PENDING_DESCRIPTION = '(description pending)';

/**
 * In slices, like sealing itself: a 100,000-row plan held the screen for two
 * seconds when done in one go. The same description gives back the same plan.
 */
export async function redescribe(plan: Plan, text: string): Promise<Plan> {
  const description = requireDescription(text);
  if (description === plan.description) return plan;
  const { id: _id, format: _format, ...draft } = plan;
  return sealPlanAsync({
    ...draft,
    description,
    exclusions: await mapInSlices(plan.exclusions, (r) => ({ ...r, exclusion_description: description })),
    exceptions: await mapInSlices(plan.exceptions, (r) => ({ ...r, exception_description: description })),
  });
}
