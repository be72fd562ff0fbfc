/**
 * The TUI's root: a stack of screens. Screens under the top one stay mounted
 * (hidden, keys off), so going back finds a list where it was left.
 */
import { Box, useApp, useInput } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ComponentType } from 'react';
import { AppNotice } from './components/notice.js';
import { KeyBusProvider } from './components/keyBus.js';
import { UnsavedWorkProvider } from './components/unsavedWork.js';
import { TooSmall } from './components/TooSmall.js';
import { MIN_SIZE, useTerminalSize } from './components/useTerminalSize.js';
import { ActionsScreen } from './screens/ActionsScreen.js';
import { ApplyScreen } from './screens/ApplyScreen.js';
import { BusinessKeysScreen } from './screens/BusinessKeysScreen.js';
import { ConfirmScreen } from './screens/ConfirmScreen.js';
import { DiffScreen } from './screens/DiffScreen.js';
import { DuplicatesScreen } from './screens/DuplicatesScreen.js';
import { FindEventsScreen } from './screens/FindEventsScreen.js';
import { HistoryScreen } from './screens/HistoryScreen.js';
import { InsertScreen } from './screens/InsertScreen.js';
import { LookupScreen } from './screens/LookupScreen.js';
import type { Nav, Route, ScreenProps, Services } from './screens/navigation.js';
import { RerunScreen } from './screens/RerunScreen.js';
import { StageTablesScreen } from './screens/StageTablesScreen.js';
import { UpdateSelectionScreen } from './screens/UpdateSelectionScreen.js';

// biome-ignore lint/suspicious/noExplicitAny: each screen takes its own route variant, and App hands it the route of its name
const SCREENS: Record<Route['name'], ComponentType<ScreenProps & { route: any }>> = {
  stages: StageTablesScreen,
  actions: ActionsScreen,
  duplicates: DuplicatesScreen,
  businessKeys: BusinessKeysScreen,
  lookup: LookupScreen,
  insert: InsertScreen,
  findEvents: FindEventsScreen,
  updateSelection: UpdateSelectionScreen,
  diff: DiffScreen,
  confirm: ConfirmScreen,
  apply: ApplyScreen,
  rerun: RerunScreen,
  history: HistoryScreen,
};

/** The exit status of a Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2). */
const INTERRUPTED = 130;
const WRITE_IN_PROGRESS = 'A write is in progress. Press Ctrl-C again to quit once it has committed or rolled back.';

export function App({
  services,
  initial = [{ name: 'stages' }],
  onQuit,
  startupNotice,
}: {
  services: Services;
  initial?: Route[];
  /** Called instead of exiting; `code` is 130 for Ctrl-C (interrupted), as a shell reports it. */
  onQuit?: (code?: number) => void;
  /** Shown until the first key, e.g. the outcome of an apply that was interrupted last time. */
  startupNotice?: string;
}) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const [stack, setStack] = useState<{ key: number; route: Route }[]>(() => initial.map((route, key) => ({ key, route })));
  // Ink's exit(value) resolves waitUntilExit with the value: the exit status, read by tui.tsx.
  const quit = useCallback((code?: number) => (onQuit ? onQuit(code) : exit(code)), [onQuit, exit]);
  const nav: Nav = useMemo(
    () => ({
      push: (route) => setStack((s) => [...s, { key: (s[s.length - 1]?.key ?? 0) + 1, route }]),
      // Leaving a screen stops the reads it started: on BigQuery a read left running is still billed.
      pop: () => {
        void services.service.cancelReads();
        setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
      },
      home: () => {
        void services.service.cancelReads();
        // Back at the start no screen shows a plan: the service lets go of the ones it held.
        void services.service.call('forget', {}).catch(() => undefined);
        setStack((s) => s.slice(0, 1));
      },
      quit: () => quit(),
    }),
    [quit, services],
  );
  const suspended = useSyncExternalStore(services.suspension.subscribe, services.suspension.isSuspended);
  const [notice, setNotice] = useState<string | null>(startupNotice ?? null);
  const quitting = useRef(false);
  // A start's notice can come after the first frame (the outcome of an interrupted apply, once the warehouse
  // has answered): it replaces what is shown.
  useEffect(() => {
    // Never over what Ctrl-C during a write says (no write can start before the opening, but that may change).
    if (startupNotice && !quitting.current) setNotice((n) => (n === WRITE_IN_PROGRESS ? n : startupNotice));
  }, [startupNotice]);
  // Ctrl-C quits at once, unless a write is in flight: then it asks, and a second Ctrl-C waits for the write.
  useInput((input, key) => {
    if (!(key.ctrl && input === 'c')) {
      if (notice && !quitting.current && services.writesInFlight() === 0) setNotice(null);
      return;
    }
    if (services.writesInFlight() === 0) return quit(INTERRUPTED);
    if (quitting.current) return;
    if (notice) {
      quitting.current = true;
      setNotice('Quitting as soon as the write has committed or rolled back…');
      void services.settle().then(() => quit(INTERRUPTED));
    } else {
      setNotice(WRITE_IN_PROGRESS);
      // Once the write has committed or rolled back the notice is no longer true: it goes, key or no key.
      void services.settle().then(() => setNotice((n) => (n === WRITE_IN_PROGRESS && !quitting.current ? null : n)));
    }
  });
  const tooSmall = size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows;
  // While the terminal is too small the screens, hidden, keep the smallest size they are drawn at: a list keeps
  // its window and cursor, a form its layout, whatever the window goes through on its way back.
  const columns = Math.max(size.columns, MIN_SIZE.columns);
  // One line shorter than the terminal: a full-height frame makes Ink repaint the whole screen.
  const height = Math.max(1, Math.max(size.rows, MIN_SIZE.rows) - 1);
  // The screens stay mounted while hidden (editor running, terminal too small), so nothing typed is lost; q on
  // the too-small notice asks before it drops their work, as q on a screen does.
  return (
    <AppNotice.Provider value={notice}>
      <KeyBusProvider>
        <UnsavedWorkProvider readOnly={services.service.config.read_only}>
          {tooSmall && !suspended ? <TooSmall size={size} onQuit={() => quit()} /> : null}
          <Box flexDirection="column" width={columns} height={height} display={suspended || tooSmall ? 'none' : 'flex'}>
            {stack.map(({ key, route }, i) => {
              const Screen = SCREENS[route.name];
              const top = i === stack.length - 1;
              return (
                <Box key={key} display={top ? 'flex' : 'none'}>
                  <Screen route={route} active={top && !suspended && !tooSmall} width={columns} height={height} nav={nav} services={services} />
                </Box>
              );
            })}
          </Box>
        </UnsavedWorkProvider>
      </KeyBusProvider>
    </AppNotice.Provider>
  );
}
