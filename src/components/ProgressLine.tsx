/** Work in progress: a spinner, what is happening, and how long it has taken. */
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { Spinner } from './Spinner.js';
import { tone } from './theme.js';

export function ProgressLine({ label, startedAt }: { label: string; startedAt: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <Text>
      <Spinner label={label} />
      <Text color={tone('muted')}> {((now - startedAt) / 1000).toFixed(1)}s</Text>
    </Text>
  );
}
