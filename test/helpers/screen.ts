/** A headless xterm that bytes can be written to and whose screen can be read, as a person would see it. */
import xterm from '@xterm/headless';

export class Screen {
  readonly term: xterm.Terminal;
  /** `convertEol` stands in for the pty driver's LF -> CRLF when bytes come straight from a stream. */
  constructor(columns = 80, rows = 24, convertEol = true) {
    this.term = new xterm.Terminal({ cols: columns, rows, allowProposedApi: true, convertEol });
  }
  write(data: string): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }
  lines(): string[] {
    const buffer = this.term.buffer.active;
    return Array.from({ length: this.term.rows }, (_, i) => buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
  }
  text(): string {
    return this.lines().join('\n').replace(/\n+$/, '');
  }
}
