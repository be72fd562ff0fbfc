/** The insert screen's reducer, without rendering: what a save from the editor leads to, the warning, the template. */
import { describe, expect, it } from 'vitest';
import {
  afterSave,
  eventTemplate,
  initialInsert,
  insertReducer,
  type InsertAction,
  type InsertState,
  type KeyWarning,
} from '../../src/screens/useInsertState.js';

const start = initialInsert('{"template":1}');
const run = (actions: InsertAction[], from: InsertState = start) => actions.reduce(insertReducer, from);
const warning: KeyWarning = { text: '{"odd":1}', sampled: 20, missing: ['$.remittance_id'], unusual: ['$.odd'] };

describe('insert state', () => {
  it('starts from a template with a fresh event_id, created now', () => {
    const a = JSON.parse(eventTemplate());
    expect(a.event_id).not.toBe(JSON.parse(eventTemplate()).event_id);
    expect(a.event_created_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    expect(a.event_data).toEqual({});
    expect(start.text).toBe(start.template);
  });

  it('checks a changed event; saved as it was, nothing happens, unless a plan was made of it (its diff again)', () => {
    expect(afterSave(start, null, '{"new":1}')).toBe('check');
    expect(afterSave(start, null, start.text)).toBe('unchanged');
    const planned = run([
      { type: 'written', text: '{"new":1}' },
      { type: 'planned', text: '{"new":1}' },
    ]);
    expect(afterSave(planned, null, '{"new":1}')).toBe('check');
  });

  it('asks the same question again when the warned event is saved as it was', () => {
    const warned = run([
      { type: 'written', text: warning.text },
      { type: 'warn', warning },
    ]);
    expect(afterSave(warned, warning, warning.text)).toBe('warnAgain');
    expect(afterSave(warned, warning, '{"fixed":1}')).toBe('check');
  });

  it('the editor opening clears the flash and the warning', () => {
    const warned = run([
      { type: 'warn', warning },
      { type: 'flash', flash: { text: 'x', tone: 'warn' } },
    ]);
    expect(run([{ type: 'editing' }], warned)).toMatchObject({ warning: null, flash: null });
  });
});
