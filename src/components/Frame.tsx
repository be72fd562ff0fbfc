/**
 * Every screen's frame: a title line, the body, a one-line flash for errors
 * and notices, and the key footer. The body gets exactly the rows left, so the
 * frame never grows past the height it was given.
 */
import { Box, Text } from 'ink';
import { useContext, type ReactNode } from 'react';
import { AppNotice } from './notice.js';
import { HelpOverlay } from './HelpOverlay.js';
import { KeyHints } from './KeyHints.js';
import type { Binding } from './keys.js';
import { tone, type Tone } from './theme.js';

export type Flash = { text: string; tone: Tone } | null;

/** Rows the frame itself takes: title, flash and footer. */
export const FRAME_CHROME = 3;

export function Frame(props: {
  title: string;
  status?: ReactNode;
  width: number;
  height: number;
  bindings: readonly Binding[];
  helpOpen: boolean;
  flash?: Flash;
  children: ReactNode;
}) {
  const bodyHeight = Math.max(1, props.height - FRAME_CHROME);
  const notice = useContext(AppNotice);
  const flash: Flash = notice ? { text: notice, tone: 'warn' } : (props.flash ?? null);
  const marker = flash ? (flash.tone === 'danger' ? '! ' : '· ') : '';
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Box justifyContent="space-between" height={1}>
        <Text bold wrap="truncate-end">
          {props.title}
        </Text>
        {props.status ? <Box flexShrink={0}>{typeof props.status === 'string' ? <Text color={tone('muted')}>{props.status}</Text> : props.status}</Box> : null}
      </Box>
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {props.helpOpen ? <HelpOverlay title={props.title} bindings={props.bindings} height={bodyHeight} /> : props.children}
      </Box>
      <Text color={flash ? tone(flash.tone) : undefined} wrap="truncate-end">
        {flash ? marker + flash.text : ' '}
      </Text>
      <KeyHints bindings={props.bindings} width={props.width} />
    </Box>
  );
}
