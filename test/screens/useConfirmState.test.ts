/** The confirm screen's reducer, without rendering: the description and ticket fields, the plan made again, `y` on its way. */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/data/plan.js';
import { confirmReducer, initialConfirm, type ConfirmAction, type ConfirmState } from '../../src/screens/useConfirmState.js';

// What the reducer reads of a plan: its description (the plan is otherwise only held).
const plan = (id: string, description = 'replayed deliveries') => ({ id, description }) as unknown as Plan;
const run = (actions: ConfirmAction[], from: ConfirmState = initialConfirm({ plan: plan('a'), ticketRequired: false })) => actions.reduce(confirmReducer, from);

describe('confirm state', () => {
  it('starts on the plan given, its description in the field; the ticket field has the keys only when a ticket is required', () => {
    expect(initialConfirm({ plan: plan('a'), ticketRequired: false })).toMatchObject({
      editing: false,
      description: 'replayed deliveries',
      ticketing: false,
      ticket: undefined,
    });
    expect(initialConfirm({ plan: plan('a'), ticketRequired: true }).ticketing).toBe(true);
  });

  it('shows the described plan and closes the description field once the description is on it', () => {
    const typed = run([
      { type: 'edit', editing: true },
      { type: 'typeDescription', text: 'why' },
    ]);
    expect(typed).toMatchObject({ editing: true, description: 'why' });
    expect(run([{ type: 'described', plan: plan('b', 'why') }], typed)).toMatchObject({ editing: false, plan: { id: 'b' } });
  });

  it('keeps a ticket trimmed; esc drops what was typed since and shows the ticket kept', () => {
    const start = initialConfirm({ plan: plan('a'), ticketRequired: true });
    const kept = run(
      [
        { type: 'typeTicket', text: ' CHG-12 ' },
        { type: 'keepTicket', text: ' CHG-12 ' },
      ],
      start,
    );
    expect(kept).toMatchObject({ ticket: 'CHG-12', ticketDraft: 'CHG-12', ticketing: false });
    const retyped = run([{ type: 'ticketing' }, { type: 'typeTicket', text: 'CHG-9' }, { type: 'closeFields' }], kept);
    expect(retyped).toMatchObject({ ticket: 'CHG-12', ticketDraft: 'CHG-12', ticketing: false });
    expect(run([{ type: 'typeTicket', text: 'CHG-1' }, { type: 'closeFields' }], start)).toMatchObject({
      ticket: undefined,
      ticketDraft: '',
      ticketing: false,
    });
  });

  it('asks for the ticket when y comes before one, and the flash goes once one is kept', () => {
    const asked = run([{ type: 'closeFields' }, { type: 'askTicket', pattern: 'CHG-[0-9]+' }], initialConfirm({ plan: plan('a'), ticketRequired: true }));
    expect(asked.ticketing).toBe(true);
    expect(asked.flash).toEqual({ text: 'a ticket is required before writing (ticket_pattern CHG-[0-9]+): type it and press enter', tone: 'warn' });
    expect(run([{ type: 'keepTicket', text: 'CHG-1' }], asked).flash).toBeNull();
  });

  it('shows the plan made again without the events that cannot change, or why it could not be made', () => {
    const remaking = run([{ type: 'remake' }]);
    expect(remaking.remaking).toBe(true);
    expect(run([{ type: 'remade', plan: plan('b') }], remaking)).toMatchObject({ remaking: false, plan: { id: 'b' } });
    expect(run([{ type: 'remakeFailed', message: 'the warehouse changed' }], remaking)).toMatchObject({
      remaking: false,
      plan: { id: 'a' },
      flash: { text: 'the warehouse changed', tone: 'danger' },
    });
  });
});
