/** When `npm start` builds: scripts/upToDate.mjs on real files, and scripts/build.mjs --if-stale on a copy of evfix. */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the build scripts are plain JS modules without type declarations (tests are not type-checked).
import { checkBuild, clearStamp, inputDigests, writeStamp } from '../../scripts/upToDate.mjs';
import { tempDir } from '../helpers/warehouse.js';

type Check = { upToDate: boolean; reason?: string };
const check = (root: string): Check => checkBuild(root);

function write(root: string, path: string, text: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** A project as the check sees it: its inputs, files it does not read, and the outputs of a build. */
function project(): string {
  const root = tempDir();
  write(root, 'src/main.ts', 'export const a = 1;\n');
  write(root, 'src/data/demo/seed.ts', 'export const b = 2;\n');
  write(root, 'scripts/bundle.mjs', '// bundle\n');
  write(root, 'package.json', '{"name":"x"}\n');
  write(root, 'package-lock.json', '{"lockfileVersion":3}\n');
  write(root, 'tsconfig.json', '{}\n');
  write(root, 'README.md', '# x\n');
  write(root, 'test/a.test.ts', '// test\n');
  write(root, 'dist/evfix.js', '// built\n');
  write(root, 'dist/chunks/chunk-A.js', '// built\n');
  return root;
}

/** The check after a build of the project as it is now. */
function built(root: string) {
  writeStamp(root, inputDigests(root));
  expect(check(root)).toEqual({ upToDate: true });
}

describe('the up-to-date check', () => {
  it('builds when nothing was built, or when the last build did not finish', () => {
    const root = project();
    expect(check(root).upToDate).toBe(false);
    built(root);
    clearStamp(root);
    expect(check(root)).toEqual({ upToDate: false, reason: 'no finished build recorded' });
  });

  it('builds when a source changes, and not when only its mtime does or the change is undone', () => {
    const root = project();
    built(root);
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(join(root, 'src/main.ts'), future, future);
    write(root, 'src/data/demo/seed.ts', 'export const b = 2;\n');
    expect(check(root)).toEqual({ upToDate: true });

    write(root, 'src/data/demo/seed.ts', 'export const b = 3;\n');
    expect(check(root)).toEqual({ upToDate: false, reason: 'src/data/demo/seed.ts changed' });
    write(root, 'src/data/demo/seed.ts', 'export const b = 2;\n');
    expect(check(root)).toEqual({ upToDate: true });

    write(root, 'src/main.ts', 'export const a = 2;\n');
    write(root, 'scripts/bundle.mjs', '// changed\n');
    expect(check(root)).toEqual({ upToDate: false, reason: '2 inputs changed: scripts/bundle.mjs, src/main.ts' });
  });

  it('builds when a file is added to or removed from src/ or scripts/', () => {
    const root = project();
    built(root);
    write(root, 'src/screens/New.tsx', 'export {};\n');
    expect(check(root)).toEqual({ upToDate: false, reason: 'src/screens/New.tsx added' });
    built(root);
    rmSync(join(root, 'scripts/bundle.mjs'));
    expect(check(root)).toEqual({ upToDate: false, reason: 'scripts/bundle.mjs removed' });
  });

  it('builds when package.json, package-lock.json, tsconfig.json or the installed packages change', () => {
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'node_modules/.package-lock.json']) {
      const root = project();
      built(root);
      if (existsSync(join(root, file))) appendFileSync(join(root, file), ' ');
      else write(root, file, '{}');
      expect(check(root)).toEqual({ upToDate: false, reason: `${file} ${file.startsWith('node_modules') ? 'added' : 'changed'}` });
    }
  });

  it('builds when an output is missing', () => {
    const root = project();
    built(root);
    rmSync(join(root, 'dist/chunks/chunk-A.js'));
    expect(check(root)).toEqual({ upToDate: false, reason: 'dist/chunks/chunk-A.js is missing' });
  });

  it('does not build for files the build does not read', () => {
    const root = project();
    built(root);
    write(root, 'README.md', '# y\n');
    write(root, 'test/a.test.ts', '// changed\n');
    write(root, 'bench/.data/x', 'data');
    expect(check(root)).toEqual({ upToDate: true });
  });
});

describe('npm start (scripts/build.mjs --if-stale) on a copy of evfix', () => {
  it('builds after a source changes, saying so on stderr, and then starts without building', () => {
    const repo = process.cwd();
    const root = tempDir();
    for (const path of ['src', 'scripts', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json'])
      cpSync(join(repo, path), join(root, path), { recursive: true });
    // The last build, if any: the copy then starts up to date when it was made from these sources.
    if (existsSync(join(repo, 'dist'))) cpSync(join(repo, 'dist'), join(root, 'dist'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    const start = () => spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, encoding: 'utf8' });

    expect(start().status).toBe(0);
    const unchanged = start();
    expect(unchanged.status).toBe(0);
    expect(unchanged.stderr).toBe('');

    appendFileSync(join(root, 'src', 'main.ts'), '\n// an edit\n');
    const changed = start();
    expect(changed.status).toBe(0);
    expect(changed.stderr).toContain('evfix: building… (src/main.ts changed)');
    expect(changed.stderr).toMatch(/evfix: built in \d+\.\d s/);
    expect(existsSync(join(root, 'dist', 'evfix.js'))).toBe(true);

    const again = start();
    expect(again.status).toBe(0);
    expect(again.stderr).toBe('');
  }, 300_000);
});
