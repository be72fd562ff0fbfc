/**
 * Whether the arguments open the TUI. Apart from the commands (src/cli/main.ts), so that the TUI's start
 * does not load them.
 */
export type TuiOptions = { configFile?: string; readOnly: boolean };

/** `evfix` with at most --config FILE and --read-only opens the TUI; anything else is a command. */
export function tuiOptions(argv: readonly string[]): TuiOptions | undefined {
  const options: TuiOptions = { readOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--read-only') options.readOnly = true;
    else if (arg === '--config' && i + 1 < argv.length) options.configFile = argv[++i];
    else if (arg.startsWith('--config=')) options.configFile = arg.slice('--config='.length);
    else return undefined;
  }
  return options;
}
