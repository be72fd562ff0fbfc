import { describe, expect, it } from 'vitest';
import { wrapText } from '../../src/components/wrapText.js';

describe('wrapText', () => {
  it('breaks at spaces, inside a word only when it is longer than a line, and keeps newlines', () => {
    expect(wrapText('the write was rolled back', 10)).toEqual(['the write', 'was rolled', 'back']);
    expect(wrapText('s3.backend_events_exceptions', 10)).toEqual(['s3.backend', '_events_ex', 'ceptions']);
    expect(wrapText('a\n\nb', 10)).toEqual(['a', '', 'b']);
    expect(wrapText('', 10)).toEqual(['']);
  });
});
