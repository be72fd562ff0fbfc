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
      {/* The clock read at mount can be older than a start set later (a task started after this line was drawn):
          never less than zero, which toFixed would print as -0.0s. */}
      <Text color={tone('muted')}> {(Math.max(0, now - startedAt) / 1000).toFixed(1)}s</Text>
    </Text>
  );
}
