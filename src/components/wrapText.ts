/**
 * Text broken into lines of at most `width` columns, at spaces where it can
 * and inside a word only when the word is longer than a line. Newlines in
 * the text are kept. Columns are counted as characters: evfix's own messages
 * are ASCII and the few one-column symbols of fastStringWidth.ts.
 */
export function wrapText(text: string, width: number): string[] {
  width = Math.max(1, width);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      let rest = word;
      const sep = line ? ' ' : '';
      if ([...line].length + sep.length + [...rest].length <= width) {
        line += sep + rest;
        continue;
      }
      if (line) out.push(line);
      line = '';
      while ([...rest].length > width) {
        out.push([...rest].slice(0, width).join(''));
        rest = [...rest].slice(width).join('');
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}

/**
 * A line wrapped at spaces to the width, its continuation lines indented two more than its own indent, so a
 * wrapped row (of SQL, of JSON) still reads as one.
 */
export function hangingLines(line: string, width: number): string[] {
  const indent = line.length - line.trimStart().length;
  const pad = ' '.repeat(indent + 2);
  const [first = '', ...rest] = wrapText(line.slice(indent), Math.max(20, width - indent - 2));
  return [' '.repeat(indent) + first, ...rest.map((l) => pad + l)];
}
