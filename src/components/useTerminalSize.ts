/** The terminal's size, following resizes (Ink 6 has no hook for it). */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export type TerminalSize = { columns: number; rows: number };

export const MIN_SIZE: TerminalSize = { columns: 80, rows: 24 };

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || MIN_SIZE.columns, rows: stdout.rows || MIN_SIZE.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    // A resize between the first render and this subscription would be missed otherwise.
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
