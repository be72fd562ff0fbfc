/**
 * Stage reruns through dbt: `dbt run --select <model>[+] --vars
 * '{"current_date_offset": N}'`, as operators run it by hand today. The
 * output is streamed line by line to whoever shows it (CLI, TUI) and the exit
 * code decides success; the last lines are kept for the error message.
 */
import { spawn } from 'node:child_process';
import type { Config, StageConfig } from '../config.js';
import { EvfixError } from '../errors.js';

export type DbtSettings = NonNullable<Config['rerun']['dbt']>;

/**
 * The argument list, exactly as it will be run (shown on the confirm screen too).
 * Profile, profiles dir and target are passed only when evfix's config names
 * them; otherwise dbt picks them itself (DBT_PROFILE, DBT_PROFILES_DIR,
 * DBT_TARGET, then its defaults), exactly as profile.ts reads them for evfix.
 */
export function dbtArguments(dbt: DbtSettings, stage: StageConfig, offset: number): string[] {
  const args = ['run', '--select', `${stage.name}${dbt.downstream ? '+' : ''}`, '--vars', JSON.stringify({ current_date_offset: offset })];
  args.push('--project-dir', dbt.project_dir);
  if (dbt.profiles_dir) args.push('--profiles-dir', dbt.profiles_dir);
  if (dbt.profile) args.push('--profile', dbt.profile);
  if (dbt.target) args.push('--target', dbt.target);
  return args;
}

export const dbtCommandLine = (dbt: DbtSettings, stage: StageConfig, offset: number) =>
  [dbt.executable, ...dbtArguments(dbt, stage, offset)].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

export type DbtRun = { exitCode: number; lines: string[] };

export function runDbt(
  dbt: DbtSettings,
  stage: StageConfig,
  offset: number,
  onLine: (line: string) => void = () => undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DbtRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(dbt.executable, dbtArguments(dbt, stage, offset), { cwd: dbt.project_dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const collect = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split(/\r?\n/);
        rest = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          onLine(line);
        }
      });
      stream.on('end', () => {
        if (rest) {
          lines.push(rest);
          onLine(rest);
        }
      });
    };
    collect(child.stdout!);
    collect(child.stderr!);
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new EvfixError('warehouse', `dbt is not runnable: "${dbt.executable}" was not found on PATH; install dbt on this host or set rerun.dbt.executable`)
          : new EvfixError('warehouse', `dbt could not be started: ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      const exitCode = code ?? 128;
      if (exitCode === 0) return resolve({ exitCode, lines });
      const tail = lines
        .filter((l) => l.trim())
        .slice(-5)
        .join('\n  ');
      reject(
        new EvfixError(
          'warehouse',
          `dbt run --select ${stage.name} ${signal ? `was killed by ${signal}` : `exited with code ${exitCode}`}; the stage table may be partly rebuilt, rerun it.${tail ? `\n  ${tail}` : ''}`,
        ),
      );
    });
  });
}

/** `dbt --version` for doctor: is dbt runnable here, and which version. */
export function dbtVersion(dbt: DbtSettings, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(dbt.executable, ['--version'], { cwd: dbt.project_dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('error', () => reject(new EvfixError('warehouse', `"${dbt.executable}" was not found on PATH; install dbt or set rerun.dbt.executable`)));
    child.on('close', (code) =>
      code === 0
        ? resolve(
            out
              .split('\n')
              .find((l) => /\d+\.\d+/.test(l))
              ?.trim() ?? out.trim(),
          )
        : reject(new EvfixError('warehouse', `${dbt.executable} --version exited with code ${code}`)),
    );
  });
}
