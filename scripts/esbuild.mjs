// esbuild options shared by the release bundle and the benchmarks' reference app, so the reference is
// built exactly as evfix is.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// evfix corrects Ink's incremental renderer by wrapping log-update's create (src/components/inkIncrementalFix.ts).
// Unbundled it finds the module by URL; in a bundle there is no such file, so the bundled module hands
// itself over under a well-known symbol.
const exposeLogUpdate = {
  name: 'expose-ink-log-update',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]log-update\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!/^const logUpdate = \{ create \};$/m.test(source)) throw new Error(`ink's log-update.js changed shape: review src/components/inkIncrementalFix.ts`);
      return { contents: `${source}\nglobalThis[Symbol.for('evfix.ink.logUpdate')] = logUpdate;\n`, loader: 'js' };
    });
  },
};

// Ink loads its devtools module only when DEV=true, but that module imports react-devtools-core, an optional
// peer evfix does not install: without this stub esbuild cannot resolve it and the build fails. The stub does
// nothing. (vadimdemedes/ink#885 moved the import behind the check in Ink 7; #571 asks for a bundle without it.)
const noDevtools = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };' }));
  },
};

// Yoga's emscripten loader fetches its embedded wasm through fetch() whenever fetch exists, which on Node
// loads undici and web streams first (13 ms of every start); told there is no fetch, it decodes the same
// bytes itself. Only evfix's bundle takes this: the benchmarks' reference stays a plain bundled Ink app.
export const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const uses = source.split('"function"!=typeof fetch').length - 1;
      if (uses !== 2) throw new Error(`yoga's wasm loader changed shape (${uses} fetch checks): review scripts/esbuild.mjs`);
      return { contents: source.replaceAll('"function"!=typeof fetch', '!0'), loader: 'js' };
    });
  },
};

// Ink and its helpers measure every string with string-width, whose first measure of a non-ASCII character
// costs ~25 ms; src/components/fastStringWidth.ts answers for evfix's own symbols and hands the rest on.
export const fastStringWidth = {
  name: 'fast-string-width',
  setup(b) {
    const shim = new URL('../src/components/fastStringWidth.ts', import.meta.url).pathname;
    b.onResolve({ filter: /^string-width$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
};

// evfix reads YAML only for a config file or a dbt profile written in it. yaml is a CommonJS package: imported,
// it is run and copied into an ES module namespace as its chunk loads, before the TUI's first frame (the
// config's import took 16 ms more of the main thread's CPU), and even bundled behind a require() its 115 KB are
// still parsed with the chunk. So yaml is built into a file of its own, dist/chunks/yaml.cjs (YAML_BUNDLE,
// built by scripts/bundle.mjs), and required from there on first use: evfix's imports of yaml get functions
// of the same names that require it when first called (`new` on LineCounter's gives yaml's own LineCounter,
// as a constructor returning an object does). Only the names below are there: an import of anything else
// from yaml fails the build, so a new one is added here on purpose. The require is relative to the chunk that
// holds the shim, so bundle.mjs checks that chunk is in dist/chunks.
export const YAML_BUNDLE = 'dist/chunks/yaml.cjs';
const YAML_FUNCTIONS = ['parse', 'parseDocument', 'isAlias', 'isMap', 'isScalar', 'isSeq'];
const YAML_CLASSES = ['LineCounter'];
export const yamlOnFirstParse = {
  name: 'yaml-on-first-parse',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: 'yaml', namespace: 'yaml-on-first-parse' }));
    b.onLoad({ filter: /.*/, namespace: 'yaml-on-first-parse' }, () => ({
      // A require of the shim's own (esbuild leaves it alone): relative to the chunk the shim is bundled into.
      contents: [
        "import { createRequire } from 'node:module';\nconst requireHere = createRequire(import.meta.url);\n",
        ...YAML_FUNCTIONS.map((name) => `export function ${name}(...args) {\n  return requireHere('./yaml.cjs').${name}(...args);\n}\n`),
        ...YAML_CLASSES.map((name) => `export function ${name}(...args) {\n  return new (requireHere('./yaml.cjs').${name})(...args);\n}\n`),
      ].join(''),
      resolveDir: new URL('..', import.meta.url).pathname,
      loader: 'js',
    }));
  },
};

// React is CommonJS: esbuild gives every ES module importing it a copy of its exports made of getters
// (__toESM), and 52 modules import it (Ink's and evfix's), 44 exports each: about 5 ms of every start.
// Imported through one ES module that re-exports them, React is copied once. The same React either way:
// require('react') (react-reconciler's) is left as it is, and this module requires it too.
export const reactCopiedOnce = {
  name: 'react-copied-once',
  setup(b) {
    const require = createRequire(import.meta.url);
    // React's production build (the one bundled) by path: the package's exports do not list it.
    const names = Object.keys(require(join(dirname(require.resolve('react')), 'cjs', 'react.production.js')));
    b.onResolve({ filter: /^react$/ }, (args) =>
      args.kind === 'import-statement' && args.namespace !== 'react-copied-once' ? { path: 'react', namespace: 'react-copied-once' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'react-copied-once' }, () => ({
      contents: `const React = require('react');\nexport default React;\nexport const { ${names.join(', ')} } = React;\n`,
      resolveDir: new URL('..', import.meta.url).pathname,
      loader: 'js',
    }));
  },
};

// Ink draws every frame whole: each line of text is tokenized (a grapheme segmenter over every character) and
// every cell of the terminal (24,000 at 300x80) is turned back into a string through a diff of its styles.
// Profiled at 300x80, those took most of a key's 60 ms. Fast paths that change no output: the caches of
// tokenized lines and string widths outlive one frame (bounded; a list moved by one row redraws one or two new
// lines), and two neighbouring cells of the same style skip the style diff. Profiled again at 300x80 (12 ms a key
// on a slow day), building the grid and turning it back into strings still took most of a key: every empty
// cell is now one shared object (Ink replaces cells, never changes one), and a line is turned into a string up
// to its last written cell only, since the unstyled blanks after it were trimmed from the string anyway.
export const inkOutputFastPaths = {
  name: 'ink-output-fast-paths',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]output\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!/^ {4}caches = new OutputCaches\(\);$/m.test(source) || !/^class OutputCaches \{$/m.test(source)) {
        throw new Error("ink's output.js changed shape: review scripts/esbuild.mjs (ink-output-fast-paths)");
      }
      const shared = `const sharedCaches = new OutputCaches();
const sharedCachesOf = () => {
    // Bounded: a long session draws many distinct lines.
    if (sharedCaches.styledChars.size + sharedCaches.widths.size + sharedCaches.blockWidths.size > 20000) {
        sharedCaches.styledChars.clear();
        sharedCaches.widths.clear();
        sharedCaches.blockWidths.clear();
    }
    return sharedCaches;
};
export default class Output {`;
      const blankCell = `                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });`;
      const toStrings = `            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();`;
      if (!source.includes(blankCell) || !source.includes(toStrings)) {
        throw new Error("ink's output.js changed shape: review scripts/esbuild.mjs (ink-output-fast-paths)");
      }
      const blank = `const BLANK = { type: 'char', value: ' ', fullWidth: false, styles: [] };
${shared}`;
      const upToLastWritten = `            let end = line.length;
            while (end > 0 && (line[end - 1] === BLANK || line[end - 1] === undefined)) end--;
            const lineWithoutEmptyItems = [];
            for (let i = 0; i < end; i++) if (line[i] !== undefined) lineWithoutEmptyItems.push(line[i]);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();`;
      return {
        contents: source
          .replace('export default class Output {', blank)
          .replace(/^ {4}caches = new OutputCaches\(\);$/m, '    caches = sharedCachesOf();')
          .replace(blankCell, '                row.push(BLANK);')
          .replace(toStrings, upToLastWritten),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
    b.onLoad({ filter: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const slow = 'ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));';
      if (!source.includes(slow)) throw new Error("ansi-tokenize's styledChars.js changed shape: review scripts/esbuild.mjs (ink-output-fast-paths)");
      // Within a run of one style (a highlighted row, a dimmed column) the diff is empty: every code of the one is
      // ended or restarted by the same code of the other. Comparing the codes is much cheaper than three Sets.
      const fast = 'if (!sameStyles(chars[i - 1].styles, char.styles)) ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));';
      const sameStyles = `
function sameStyles(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let k = 0; k < a.length; k++) if (a[k].code !== b[k].code || a[k].endCode !== b[k].endCode) return false;
    return true;
}
`;
      return { contents: source.replace(slow, fast) + sameStyles, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** One minified ESM file for Node 20, React's production build, native modules left to node_modules. */
export const releaseOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['@duckdb/node-api', '@lydell/node-pty'],
  plugins: [noDevtools, exposeLogUpdate],
  // Bundled CommonJS packages call require(); give them one in the ESM output.
  banner: { js: "import { createRequire as __evfixRequire } from 'node:module'; const require = __evfixRequire(import.meta.url);" },
  logLevel: 'warning',
};
