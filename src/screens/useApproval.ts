/**
 * Confirm's four-eyes state (approval: required): the approval an apply by this operator would use, read when
 * the screen opens and again before `y` writes; without one, `y` keeps the plan file in the state folder for the
 * second operator (`evfix approve FILE`) instead of writing.
 */
import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../data/errors.js';
import type { Plan } from '../data/plan.js';
import type { Reply } from '../data/service/requests.js';
import type { Service } from '../data/service/service.js';

export type ApprovalState =
  | { status: 'off' }
  | { status: 'checking' }
  | { status: 'approved'; by: string; at: string }
  /** No usable approval yet; `file`: where the plan was kept for the approver, once `y` kept it. */
  | { status: 'missing'; file?: string }
  | { status: 'failed'; message: string };

export function useApproval(service: Service, plan: Plan, required: boolean) {
  const [state, setState] = useState<ApprovalState>({ status: required ? 'checking' : 'off' });
  const [file, setFile] = useState<string>();
  const read = useCallback(async (): Promise<Reply<'planApproval'> | undefined> => {
    try {
      const status = await service.call('planApproval', { plan: plan.id });
      setState(status.approval ? { status: 'approved', by: status.approval.approved_by, at: status.approval.approved_at } : { status: 'missing' });
      return status;
    } catch (error) {
      setState({ status: 'failed', message: describeError(error) });
      return undefined;
    }
  }, [service, plan.id]);
  useEffect(() => {
    if (required) void read();
  }, [required, read]);

  /**
   * Before a write: true when the plan may be written (approval not required, or approved now); otherwise the
   * plan is kept for the second operator and false is returned.
   */
  const clear = useCallback(async (): Promise<boolean> => {
    if (!required) return true;
    setState({ status: 'checking' });
    const status = await read();
    if (!status) return false;
    if (status.approval) return true;
    try {
      const kept = await service.call('keepPlanFile', { plan: plan.id });
      setFile(kept.file);
    } catch (error) {
      setState({ status: 'failed', message: describeError(error) });
    }
    return false;
  }, [required, read, service, plan.id]);

  return { state: state.status === 'missing' ? { ...state, file } : state, clear };
}

/** What confirm says about approval: a line in the plan's summary. */
export function approvalRow(state: ApprovalState, approvals: string): string[] {
  switch (state.status) {
    case 'off':
      return [];
    case 'checking':
      return ['  approval: checking…'];
    case 'approved':
      return [`  approval: approved by ${state.by} at ${state.at.slice(0, 19)}`];
    case 'missing':
      return [`  approval: none yet by a second operator (approval: required; ${approvals})`];
    case 'failed':
      return [`  approval: cannot be read: ${state.message}`];
  }
}
