/** A one-character spinner for work in the background; ASCII so it survives any terminal font. */
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { tone } from './theme.js';

const FRAMES = ['|', '/', '-', '\\'];

export function Spinner({ label }: { label?: string }) {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 120);
    return () => clearInterval(timer);
  }, []);
  return (
    <Text color={tone('accent')}>
      {FRAMES[frame]}
      {label ? ` ${label}` : ''}
    </Text>
  );
}
