/**
 * The confirm screen's state: the plan on screen (made again when the operator leaves out the events that cannot
 * change, or puts a new description on it), the description and ticket fields, and whether the write is on its
 * way (the approval checked first). A reducer of plain actions, testable without rendering; the hook adds the
 * requests: the plan made again, the stage table's impact.
 */
import { useEffect, useReducer, useState } from 'react';
import { describeError } from '../data/errors.js';
import type { Plan } from '../data/plan.js';
import type { StageImpact } from '../data/service/requests.js';
import type { Service } from '../data/service/service.js';
import type { Flash } from '../components/Frame.js';

export type ConfirmState = {
  plan: Plan;
  /** The description field has the keys. */
  editing: boolean;
  description: string;
  /** The ticket kept (ticket_pattern): undefined until one that matches is typed and kept. */
  ticket: string | undefined;
  ticketDraft: string;
  /** The ticket field has the keys: from the start when the config asks for a ticket. */
  ticketing: boolean;
  /** The plan is being made again without the events that cannot change. */
  remaking: boolean;
  /** `y` was pressed and the approval is being checked: nothing more is written meanwhile. */
  proceeding: boolean;
  flash: Flash;
};

export type ConfirmAction =
  | { type: 'edit'; editing: boolean }
  | { type: 'typeDescription'; text: string }
  /** The description is on the plan: the described plan is shown, the field closes. */
  | { type: 'described'; plan: Plan }
  | { type: 'ticketing' }
  | { type: 'typeTicket'; text: string }
  | { type: 'keepTicket'; text: string }
  /** `y` before a ticket is kept: the ticket field opens, and says why. */
  | { type: 'askTicket'; pattern: string }
  /** esc in a field: it closes, and the ticket field shows the ticket kept (what was typed is dropped). */
  | { type: 'closeFields' }
  | { type: 'remake' }
  | { type: 'remade'; plan: Plan }
  | { type: 'remakeFailed'; message: string }
  | { type: 'proceeding'; on: boolean }
  | { type: 'flash'; flash: Flash };

/** `ticketRequired`: the config has a ticket_pattern (and is not read-only): the ticket field has the keys first. */
export const initialConfirm = ({ plan, ticketRequired }: { plan: Plan; ticketRequired: boolean }): ConfirmState => ({
  plan,
  editing: false,
  description: plan.description,
  ticket: undefined,
  ticketDraft: '',
  ticketing: ticketRequired,
  remaking: false,
  proceeding: false,
  flash: null,
});

export function confirmReducer(state: ConfirmState, action: ConfirmAction): ConfirmState {
  switch (action.type) {
    case 'edit':
      return { ...state, editing: action.editing };
    case 'typeDescription':
      return { ...state, description: action.text };
    case 'described':
      return { ...state, plan: action.plan, editing: false };
    case 'ticketing':
      return { ...state, ticketing: true };
    case 'typeTicket':
      return { ...state, ticketDraft: action.text };
    case 'keepTicket':
      return { ...state, ticket: action.text.trim(), ticketDraft: action.text.trim(), ticketing: false, flash: null };
    case 'askTicket':
      return {
        ...state,
        ticketing: true,
        flash: { text: `a ticket is required before writing (ticket_pattern ${action.pattern}): type it and press enter`, tone: 'warn' },
      };
    case 'closeFields':
      return { ...state, editing: false, ticketing: false, ticketDraft: state.ticket ?? '' };
    case 'remake':
      return { ...state, remaking: true };
    case 'remade':
      return { ...state, remaking: false, plan: action.plan };
    case 'remakeFailed':
      return { ...state, remaking: false, flash: { text: action.message, tone: 'danger' } };
    case 'proceeding':
      return { ...state, proceeding: action.on };
    case 'flash':
      return { ...state, flash: action.flash };
  }
}

export type ImpactState = { status: 'off' } | { status: 'loading' } | { status: 'done'; impact: StageImpact } | { status: 'failed'; message: string };

/**
 * The stage table after this plan and its rerun, computed in the warehouse while the operator reads (the plan
 * written in a transaction that is rolled back). `y` does not wait for it. Read-only mode cannot open that
 * transaction, and says so.
 */
export function useImpact(service: Service, plan: Plan, enabled: boolean): ImpactState {
  const [state, setState] = useState<ImpactState>({ status: enabled ? 'loading' : 'off' });
  useEffect(() => {
    if (!enabled) return;
    let gone = false;
    setState({ status: 'loading' });
    service.call('planImpact', { plan: plan.id }).then(
      (impact) => !gone && setState({ status: 'done', impact }),
      (error: unknown) => !gone && setState({ status: 'failed', message: describeError(error) }),
    );
    return () => {
      gone = true;
    };
  }, [service, plan.id, enabled]);
  return state;
}

export function useConfirmState(service: Service, plan: Plan, ticketRequired: boolean) {
  const [state, dispatch] = useReducer(confirmReducer, { plan, ticketRequired }, initialConfirm);
  /** s: the plan made again, leaving out the events that cannot change as asked. */
  const remake = () => {
    if (state.remaking) return;
    dispatch({ type: 'remake' });
    service.call('remakePlan', { plan: state.plan.id, onProblem: 'skip' }).then(
      (next) => dispatch({ type: 'remade', plan: next }),
      (error: unknown) => dispatch({ type: 'remakeFailed', message: describeError(error) }),
    );
  };
  return { state, dispatch, remake };
}
