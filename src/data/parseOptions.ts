/**
 * How evfix runs its zod schemas: without zod's JIT. Compiling a schema's parser on its first use held the
 * event loop 20-30 ms between a plan and its apply (the TUI froze for that long), and evfix parses each
 * schema a few times a session. The one large parse, a duplicates list of 100,000 groups, takes about 30 ms
 * longer this way, on a load of half a second or more.
 */
export const PARSE_OPTIONS = { jitless: true } as const;
