/**
 * TextField: a line whose keys come from the key bus and whose state is a
 * reducer, so every key of a burst sees what the key before it made.
 */
import { Box } from 'ink';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { TextField } from '../../src/components/TextField.js';
import { lineAt, lineReducer, visibleLine, type LineAction } from '../../src/components/lineEditing.js';
import { useBindings } from '../../src/components/useBindings.js';
import { renderComponent } from '../helpers/tui.js';

const isUuid = (v: string) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v) ? undefined : `"${v}" is not a UUID`);
const isTimestamp = (v: string) => (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(v) ? undefined : `"${v}" is not a timestamp`);

/** Two fields as the lookup form has them: enter on the first moves on, enter on the second submits both. */
function LookupForm(props: { submitted: string[][] }) {
  const [id, setId] = useState('');
  const [at, setAt] = useState('');
  const [field, setField] = useState(0);
  return (
    <Box flexDirection="column">
      <TextField
        label="event_id"
        value={id}
        onChange={setId}
        validate={isUuid}
        freeText={false}
        focus={field === 0}
        onSubmit={() => setField(1)}
        onTab={() => setField((f) => 1 - f)}
      />
      <TextField
        label="event_created_at"
        value={at}
        onChange={setAt}
        validate={isTimestamp}
        freeText={false}
        focus={field === 1}
        onSubmit={() => props.submitted.push([id, at])}
        onTab={() => setField((f) => 1 - f)}
      />
    </Box>
  );
}

const ID = '0b3f8d7e-1c2a-4e5f-9a8b-7c6d5e4f3a2b';
const TS = '2024-02-03 15:38:21.224000';

describe('TextField on screen (80 columns, unstyled)', () => {
  it('under NO_COLOR puts the placeholder in parentheses, so it does not read as a typed value', async () => {
    process.env.NO_COLOR = '1';
    try {
      const view = renderComponent(
        <TextField label="event_id" value="" onChange={() => undefined} onSubmit={() => undefined} focus={false} placeholder="8-4-4-4-12 hex UUID" />,
      );
      expect(await view.waitForFrame('event_id')).toContain('event_id: (8-4-4-4-12 hex UUID)');
      view.unmount();
    } finally {
      delete process.env.NO_COLOR;
    }
  });

  it('shows the label, the placeholder while empty, and the hint while focused', async () => {
    const view = renderComponent(
      <TextField
        label="event_created_at"
        value=""
        onChange={() => undefined}
        onSubmit={() => undefined}
        focus
        placeholder="optional, e.g. 2024-02-03 15:38:21.224000"
        hint="enter looks the event up; tab switches fields"
      />,
    );
    expect(await view.waitForFrame('> event_created_at')).toMatchInlineSnapshot(`
      "> event_created_at: optional, e.g. 2024-02-03 15:38:21.224000
          enter looks the event up; tab switches fields"
    `);
    view.unmount();
  });

  it('shows no error for the initial value until the operator types or presses enter', async () => {
    const view = renderComponent(
      <TextField
        label="path"
        value="$."
        onChange={() => undefined}
        onSubmit={() => undefined}
        validate={(v) => (v === '$.' ? '"$." is not a JSON path' : undefined)}
        focus
      />,
    );
    expect(await view.waitForFrame('> path: $.')).toMatchInlineSnapshot(`"> path: $."`);
    expect(await view.waitForChange(() => view.type('\r'))).toMatchInlineSnapshot(`
      "> path: $.
          ! "$." is not a JSON path"
    `);
    view.unmount();
  });

  it('keeps a long value on one line, cut around the cursor, and never wraps its label', async () => {
    const long = 'Remittances stuck in Pending after the 2026-03 outage were sent by hand; their status is corrected to Sent';
    const view = renderComponent(<TextField label="exception_description" value={long} onChange={() => undefined} onSubmit={() => undefined} focus />);
    // The cursor is at the end: the end of the text is shown, and where it was cut on the left.
    expect(await view.waitForFrame(/to Sent$/m)).toMatchInlineSnapshot(`"> exception_description: …were sent by hand; their status is corrected to Sent"`);
    expect(await view.waitForChange(() => view.type('\x1b[H'))).toMatchInlineSnapshot(
      `"> exception_description: Remittances stuck in Pending after the 2026-03 outage…"`,
    );
    view.unmount();
  });
});

describe('TextField keys', () => {
  it("fills one field, moves on, fills the next and submits both from one write ('id⏎ts⏎')", async () => {
    const submitted: string[][] = [];
    const view = renderComponent(<LookupForm submitted={submitted} />);
    await view.waitForFrame('> event_id');
    view.type(`${ID}\r${TS}\r`);
    await view.waitForFrame(() => submitted.length > 0);
    expect(submitted).toEqual([[ID, TS]]);
    expect(view.frame()).toMatchInlineSnapshot(`
      "  event_id: 0b3f8d7e-1c2a-4e5f-9a8b-7c6d5e4f3a2b
      > event_created_at: 2024-02-03 15:38:21.224000"
    `);
    view.unmount();
  });

  it('applies every backspace of a burst, and a paste with a newline is text and then enter', async () => {
    const submitted: string[] = [];
    function Field() {
      const [v, setV] = useState('$.$.StatusStatus');
      return <TextField label="path" value={v} onChange={setV} onSubmit={(x) => submitted.push(x)} focus />;
    }
    const view = renderComponent(<Field />);
    await view.waitForFrame('> path: $.$.StatusStatus');
    view.type(`${'\x7f'.repeat(12)}Sta\x7f\x7ftus\nX`);
    await view.waitForFrame(() => submitted.length > 0);
    expect(submitted).toEqual(['$.$.Stus']);
    await view.waitForFrame('> path: $.$.StusX');
    view.unmount();
  });

  it('takes keys typed ahead into a field that mounts after the enter', async () => {
    const got: string[] = [];
    function TwoSteps() {
      const [step, setStep] = useState<'name' | 'why'>('name');
      const [name, setName] = useState('');
      const [why, setWhy] = useState('');
      return step === 'name' ? (
        <TextField label="name" value={name} onChange={setName} onSubmit={() => setStep('why')} focus />
      ) : (
        <TextField label="why" value={why} onChange={setWhy} onSubmit={(v) => got.push(name, v)} focus />
      );
    }
    const view = renderComponent(<TwoSteps />);
    await view.waitForFrame('> name');
    view.type('card\rshipped twice\r');
    await view.waitForFrame(() => got.length > 0);
    expect(got).toEqual(['card', 'shipped twice']);
    view.unmount();
  });

  it('types ? in free text; elsewhere leaves it to the screen (help), and F1 is always the screen’s', async () => {
    const screen: string[] = [];
    function Screen(props: { freeText: boolean }) {
      const [v, setV] = useState('');
      useBindings([{ keys: ['?', 'f1'], help: 'help', action: 'help' }], (_a, key) => screen.push(key), true);
      return <TextField label="field" value={v} onChange={setV} onSubmit={() => undefined} freeText={props.freeText} focus />;
    }
    let view = renderComponent(<Screen freeText />);
    await view.waitForFrame('> field');
    view.type('why?');
    await view.waitForFrame('> field: why?');
    view.type('\x1bOP');
    await view.waitForFrame(() => screen.length === 1);
    expect(screen).toEqual(['f1']);
    view.unmount();
    screen.length = 0;
    view = renderComponent(<Screen freeText={false} />);
    await view.waitForFrame('> field');
    view.type('ab?c');
    await view.waitForFrame('> field: abc');
    expect(screen).toEqual(['?']);
    view.unmount();
  });

  it('moves the cursor, inserts where it is, and deletes a word or the line before it', async () => {
    const changes: string[] = [];
    function Field() {
      const [v, setV] = useState('');
      return (
        <TextField
          label="f"
          value={v}
          onChange={(x) => {
            changes.push(x);
            setV(x);
          }}
          onSubmit={() => undefined}
          focus
        />
      );
    }
    const view = renderComponent(<Field />);
    await view.waitForFrame('> f');
    view.type('world');
    view.type('\x1b[H');
    view.type('hello ');
    view.type('\x1b[F!');
    await view.waitForFrame('> f: hello world!');
    view.type('\x17');
    await view.waitForFrame(/> f: hello\s*$/m);
    view.type('\x1b[D\x15');
    await view.waitForFrame(/> f:\s*$/m);
    expect(changes.at(-1)).toBe(' ');
    view.unmount();
  });
});

describe('lineReducer', () => {
  const run = (actions: LineAction[], from = '') => actions.reduce(lineReducer, lineAt(from));
  it('edits at the cursor, counting an emoji as one character', () => {
    expect(run([{ type: 'insert', text: 'ab' }, { type: 'left' }, { type: 'insert', text: 'X' }])).toEqual({ value: 'aXb', cursor: 2 });
    expect(run([{ type: 'backspace' }], 'a😀')).toEqual({ value: 'a', cursor: 1 });
    expect(run([{ type: 'home' }, { type: 'delete' }], 'abc')).toEqual({ value: 'bc', cursor: 0 });
    expect(run([{ type: 'deleteWord' }], 'set the  ')).toEqual({ value: 'set ', cursor: 4 });
    expect(run([{ type: 'left' }, { type: 'deleteToStart' }], 'abc')).toEqual({ value: 'c', cursor: 0 });
    expect(run([{ type: 'backspace' }, { type: 'left' }], '')).toEqual({ value: '', cursor: 0 });
  });

  it('shows the part of a long line around the cursor', () => {
    expect(visibleLine({ value: 'abcdefghij', cursor: 10 }, 6)).toEqual({ before: '…ghij', at: ' ', after: '' });
    expect(visibleLine({ value: 'abcdefghij', cursor: 0 }, 6)).toEqual({ before: '', at: 'a', after: 'bcde…' });
    expect(visibleLine({ value: 'abc', cursor: 1 }, 6)).toEqual({ before: 'a', at: 'b', after: 'c' });
  });
});
