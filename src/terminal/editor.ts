/** $VISUAL / $EDITOR on a temporary file, for documents too large for a form. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvfixError } from '../data/errors.js';

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const command = (env.VISUAL || env.EDITOR || 'vi').trim();
  return command.split(/\s+/);
}

/** Runs the editor synchronously on `text` and returns what was saved. */
export function runEditor(text: string, suffix: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = mkdtempSync(join(tmpdir(), 'evfix-edit-'));
  const file = join(dir, `event${suffix}`);
  try {
    writeFileSync(file, text, { mode: 0o600 });
    const [cmd, ...args] = editorCommand(env);
    const result = spawnSync(cmd!, [...args, file], { stdio: 'inherit', env });
    if (result.error) throw new EvfixError('input', `could not start the editor "${cmd}" (set $EDITOR): ${result.error.message}`);
    if (result.status !== 0) throw new EvfixError('input', `the editor "${cmd}" exited with status ${result.status}; nothing was changed`);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
