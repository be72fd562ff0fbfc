// Whether dist/ holds a build of the sources as they are now (`npm start` builds only when it does not).
//
// The rule: build when no successful build is recorded in dist/.build-stamp.json, when a file that build
// wrote is missing, or when any input's content differs from what that build read. The inputs are every
// file under src/ and scripts/, package.json, package-lock.json, tsconfig.json, and
// node_modules/.package-lock.json (what npm actually installed: the bundle holds the dependencies' code).
// A file added or removed under src/ or scripts/ counts as a change.
//
// Contents are compared, not mtimes: `git checkout`, `git stash`, `cp -p`, tar and rsync set mtimes that
// say nothing about what the last build read (a branch switch can leave a changed file older than dist/),
// and an edit undone needs no build. Hashing the ~100 inputs (about 1 MB) takes a few milliseconds.
// The stamp is removed before a build starts and written only when it succeeds, with the inputs as they
// were read before it started, so an interrupted or failed build, or an edit made during one, is rebuilt.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';

export const STAMP = join('dist', '.build-stamp.json');
const TREES = ['src', 'scripts'];
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', join('node_modules', '.package-lock.json')];

function walk(root, dir, out) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, path, out);
    else if (entry.isFile()) out.push(path);
  }
}

/** Every input of the build under `root`, by path (with / separators), to the sha256 of its content. */
export function inputDigests(root) {
  const paths = [];
  for (const tree of TREES) if (existsSync(join(root, tree))) walk(root, tree, paths);
  for (const file of FILES) if (existsSync(join(root, file))) paths.push(file);
  const digests = {};
  for (const path of paths.sort())
    digests[path.split(sep).join('/')] = createHash('sha256')
      .update(readFileSync(join(root, path)))
      .digest('hex');
  return digests;
}

/** The files a build wrote that running evfix needs: the entry point and every chunk. */
export function builtOutputs(root) {
  const chunks = existsSync(join(root, 'dist', 'chunks')) ? readdirSync(join(root, 'dist', 'chunks')).map((f) => `dist/chunks/${f}`) : [];
  return ['dist/evfix.js', ...chunks].filter((f) => existsSync(join(root, f))).sort();
}

function readStamp(root) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
    return stamp && stamp.version === 1 ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `{ upToDate: true }`, or `{ upToDate: false, reason }` saying why a build is needed ("src/tui.tsx changed").
 * `digests`: the inputs as read now (inputDigests), when the caller already has them.
 */
export function checkBuild(root, digests = inputDigests(root)) {
  const stamp = readStamp(root);
  if (!stamp) return { upToDate: false, reason: existsSync(join(root, 'dist')) ? 'no finished build recorded' : 'not built yet' };
  const missing = stamp.outputs.find((f) => !existsSync(join(root, f)));
  if (missing) return { upToDate: false, reason: `${missing} is missing` };
  const changed = [];
  for (const [path, digest] of Object.entries(digests))
    if (stamp.inputs[path] !== digest) changed.push(`${path} ${path in stamp.inputs ? 'changed' : 'added'}`);
  for (const path of Object.keys(stamp.inputs)) if (!(path in digests)) changed.push(`${path} removed`);
  if (changed.length === 0) return { upToDate: true };
  if (changed.length === 1) return { upToDate: false, reason: changed[0] };
  const named = changed.slice(0, 3).map((c) => c.slice(0, c.lastIndexOf(' ')));
  return { upToDate: false, reason: `${changed.length} inputs changed: ${named.join(', ')}${changed.length > 3 ? ', …' : ''}` };
}

/** Forgets the last build: called before building, so a build that fails or is interrupted is not taken as done. */
export function clearStamp(root) {
  rmSync(join(root, STAMP), { force: true });
}

/** Records a successful build of `digests` (the inputs as read before it started). */
export function writeStamp(root, digests) {
  const file = join(root, STAMP);
  const stamp = { version: 1, builtAt: new Date().toISOString(), inputs: digests, outputs: builtOutputs(root) };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(stamp, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}
