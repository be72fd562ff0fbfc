/**
 * string-width for the release bundle (scripts/esbuild.mjs puts it in place of
 * the package for Ink and its helpers). string-width measures anything beyond
 * printable ASCII with Intl.Segmenter and Unicode-property regexes whose first
 * use costs about 25 ms of every start; evfix's own screens draw a handful of
 * such characters (· … → ✓), all one column wide, so text made only of them
 * and ASCII is measured by its length. Anything else (event data, ANSI codes,
 * options) goes to string-width itself.
 */
import stringWidth from 'string-width';

/** Printable ASCII and the symbols evfix's screens use; test/components/fastStringWidth.test.ts checks each against string-width. */
export const ONE_COLUMN = ' -~·…—✓≠→µ↑←±';
const onlyOneColumn = /^[ -~·…—✓≠→µ↑←±]*$/;

export default function fastStringWidth(input: string, options?: Parameters<typeof stringWidth>[1]): number {
  if (options === undefined && typeof input === 'string' && onlyOneColumn.test(input)) return input.length;
  return stringWidth(input, options);
}
