import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { DEMO_STAGES, type StageConfig } from '../../src/data/config.js';
import type { StageSummary } from '../../src/data/warehouse.js';
import { StageTablesScreen } from '../../src/screens/StageTablesScreen.js';

const tick = () => new Promise((r) => setTimeout(r, 20));

async function until(frame: () => string | undefined, text: string) {
  for (let i = 0; i < 100 && !frame()?.includes(text); i++) await tick();
  return frame() ?? '';
}

function setup(load: (s: StageConfig) => Promise<StageSummary>, stages: StageConfig[] = DEMO_STAGES) {
  let quit = 0;
  const view = render(
    <StageTablesScreen stages={stages} lookbackDays={14} loadSummary={load} onQuit={() => quit++} width={80} height={23} />,
  );
  return { ...view, quits: () => quit };
}

describe('StageTablesScreen', () => {
  it('lists every stage table and fills in counts as they arrive', async () => {
    const view = setup(async (s) => ({ events: s.name.length * 100, duplicateGroups: 3 }));
    expect(view.lastFrame()).toContain('remittance_was_sent_event');
    const frame = await until(view.lastFrame, '2900');
    expect(frame).toMatch(/> remittance_was_sent_event\s+RemittanceWasSent\s+2500\s+3/);
    expect(frame).toMatch(/ {2}transaction_was_created_event\s+TransactionWasCreated\s+2900\s+3/);
    expect(frame).toContain('j/k ↑/↓ move  g/G first/last  q quit');
    view.unmount();
  });

  it('shows a failed count in words and keeps the rest', async () => {
    const view = setup(async (s) => {
      if (s.name === 'card_was_shipped_event') throw new Error('warehouse busy');
      return { events: 1, duplicateGroups: 0 };
    });
    expect(await until(view.lastFrame, 'failed')).toContain('failed: warehouse busy');
    view.unmount();
  });

  it('moves once per character of a multi-character input and quits on q', async () => {
    const view = setup(async () => ({ events: 1, duplicateGroups: 0 }));
    view.stdin.write('jjj');
    await tick();
    expect(view.lastFrame()).toMatch(/> user_was_registered_event/);
    view.stdin.write('G');
    await tick();
    expect(view.lastFrame()).toMatch(/> account_was_opened_event/);
    view.stdin.write('g');
    await tick();
    expect(view.lastFrame()).toMatch(/> remittance_was_sent_event/);
    view.stdin.write('q');
    await tick();
    expect(view.quits()).toBe(1);
    view.unmount();
  });

  it('windows a long list to the screen height', async () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ name: `stage_${i}`, event_name: `Event${i}`, business_keys: [], columns: [] }));
    const view = setup(async () => ({ events: 1, duplicateGroups: 0 }), many);
    const frame = view.lastFrame()!;
    expect(frame.split('\n').length).toBeLessThanOrEqual(23);
    expect(frame).toContain('stage_0 ');
    expect(frame).not.toContain('stage_100');
    view.stdin.write('G');
    await tick();
    expect(view.lastFrame()).toContain('> stage_199');
    view.unmount();
  });
});
