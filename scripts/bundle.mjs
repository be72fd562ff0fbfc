// The release build: one minified ESM file, dist/evfix.js, that bin/evfix runs.
// React's production build is selected at build time; DuckDB's native binding
// stays a normal dependency (it cannot be bundled).
import { build } from 'esbuild';

// evfix corrects Ink's incremental renderer by wrapping log-update's create (src/components/inkIncrementalFix.ts).
// Unbundled it finds the module by URL; in the bundle there is no such file, so the bundled module hands
// itself over under a well-known symbol.
const exposeLogUpdate = {
  name: 'expose-ink-log-update',
  setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]log-update\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      if (!/^const logUpdate = \{ create \};$/m.test(source)) throw new Error(`ink's log-update.js changed shape: review src/components/inkIncrementalFix.ts`);
      return { contents: `${source}\nglobalThis[Symbol.for('evfix.ink.logUpdate')] = logUpdate;\n`, loader: 'js' };
    });
  },
};

// Ink imports react-devtools-core only when DEV=true; in one bundle that import would be hoisted and
// required at start, so it is replaced by a stub that does nothing.
const noDevtools = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };' }));
  },
};

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/evfix.js',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['@duckdb/node-api'],
  plugins: [noDevtools, exposeLogUpdate],
  // Bundled CommonJS packages call require(); give them one in the ESM output.
  banner: { js: "import { createRequire as __evfixRequire } from 'node:module'; const require = __evfixRequire(import.meta.url);" },
  logLevel: 'warning',
});
