/**
 * Every screen's frame: a title line, the body, the flash (errors and
 * notices, wrapped onto as many lines as they need) and the key footer. The
 * frame never grows past the height it was given: a flash of several lines
 * takes its rows from the body, and one longer than half the frame is cut
 * there with a … (the screens put long details in a DetailsView).
 */
import { Box, Text } from 'ink';
import { useContext, type ReactNode } from 'react';
import { AppNotice } from './notice.js';
import { PendingQuestion } from './unsavedWork.js';
import { HelpOverlay } from './HelpOverlay.js';
import { KeyHints } from './KeyHints.js';
import type { Binding } from './keys.js';
import { tone, type Tone } from './theme.js';
import fastStringWidth from './fastStringWidth.js';
import { wrapText } from './wrapText.js';

export type Flash = { text: string; tone: Tone } | null;

/** Rows the frame itself takes with a one-line flash: title, flash and footer. */
export const FRAME_CHROME = 3;

/** The flash's lines at this width and height: its marker ("! " for errors) on the first, at most half the frame. */
export function flashLines(flash: Flash, width: number, height: number): string[] {
  if (!flash) return [' '];
  const marker = flash.tone === 'danger' ? '! ' : '· ';
  const lines = wrapText(marker + flash.text, width);
  const room = Math.max(1, Math.floor(height / 2));
  if (lines.length <= room) return lines;
  const kept = lines.slice(0, room);
  kept[room - 1] = `${kept[room - 1]!.slice(0, Math.max(0, width - 1))}…`;
  return kept;
}

/** Columns kept between the title and the status. */
const TITLE_GAP = 2;

/**
 * The title line as it fits the width, never cut: the title and the status on one line when they fit; else
 * without the leading "evfix · " (the app's name says nothing of the screen); else the status on a line of its
 * own under the title, a row taken from the body as a long flash takes its rows.
 */
export function titleLines(title: string, status: string | undefined, width: number): { title: string; ownLine: boolean } {
  const fits = (t: string) => fastStringWidth(t) + (status ? TITLE_GAP + fastStringWidth(status) : 0) <= width;
  if (fits(title)) return { title, ownLine: false };
  const short = title.replace(/^evfix · /, '');
  return { title: short, ownLine: !fits(short) };
}

/**
 * The flash a frame shows for the screen's own: a question about discarding work first (it is what the next key
 * answers), then the app's notice, then the screen's flash. A screen that sizes its body by the rows left reads
 * it to count the flash's lines (`flashLines`).
 */
export function useShownFlash(flash: Flash | undefined): Flash {
  const notice = useContext(AppNotice);
  const question = useContext(PendingQuestion);
  return question ? { text: question, tone: 'warn' } : notice ? { text: notice, tone: 'warn' } : (flash ?? null);
}

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
  const flash = useShownFlash(props.flash);
  const lines = flashLines(flash, props.width, props.height);
  const status = props.status ? typeof props.status === 'string' ? <Text color={tone('muted')}>{props.status}</Text> : props.status : null;
  // A status drawn by the screen itself (not a string) is measured by Ink alone: it keeps its place on the title line.
  const head = titleLines(props.title, typeof props.status === 'string' ? props.status : undefined, props.width);
  const bodyHeight = Math.max(1, props.height - 2 - lines.length - (head.ownLine ? 1 : 0));
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Box justifyContent="space-between" height={1}>
        <Text bold wrap="truncate-end">
          {head.title}
        </Text>
        {status && !head.ownLine ? (
          <Box flexShrink={0} marginLeft={TITLE_GAP}>
            {status}
          </Box>
        ) : null}
      </Box>
      {status && head.ownLine ? (
        <Box justifyContent="flex-end" height={1}>
          {status}
        </Box>
      ) : null}
      {/* Clipped below only: lines are cut to the width by their own Text (truncate or wrap), and a horizontal
          clip would have Ink slice every line of every frame again (a grapheme segmenter per character). */}
      <Box flexDirection="column" height={bodyHeight} overflowY="hidden">
        {props.helpOpen ? <HelpOverlay title={props.title} bindings={props.bindings} height={bodyHeight} /> : props.children}
      </Box>
      <Box flexDirection="column" height={lines.length} flexShrink={0}>
        {lines.map((line, i) => (
          <Text key={i} color={flash ? tone(flash.tone) : undefined} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>
      <KeyHints bindings={props.bindings} width={props.width} />
    </Box>
  );
}
