/** Where a screen can go, and what every screen is given. */
import type { StageConfig } from '../data/config.js';
import type { Journal } from '../data/journal.js';
import type { PlanRef } from '../data/plans/planRef.js';
import type { Plans } from '../data/plans/plans.js';
import type { Context } from '../data/operations/context.js';

export type Route =
  | { name: 'stages' }
  | { name: 'actions'; stage: StageConfig }
  | { name: 'duplicates'; stage: StageConfig }
  | { name: 'businessKeys'; stage: StageConfig }
  | { name: 'lookup'; stage: StageConfig }
  | { name: 'insert'; stage: StageConfig }
  | { name: 'diff'; plan: PlanRef }
  | { name: 'confirm'; plan: PlanRef }
  | { name: 'apply'; plan: PlanRef }
  | { name: 'rerun'; stage: StageConfig; offset?: number }
  | { name: 'history' };

export type Nav = {
  push: (route: Route) => void;
  pop: () => void;
  /** Back to the stage tables, e.g. after a plan was applied. */
  home: () => void;
  quit: () => void;
};

/** Runs $EDITOR on a text and returns what the operator saved (the terminal is handed over meanwhile). */
export type EditText = (text: string, suffix: string) => Promise<string>;

export type Services = {
  ctx: Context;
  journal: Journal;
  /** Where plans are made, kept and written: a worker thread in the TUI, so the screen never freezes. */
  plans: Plans;
  editText: EditText;
  /** Registers a write in flight, so Ctrl-C and signals wait for it to finish or roll back. */
  trackWrite: <T>(work: Promise<T>) => Promise<T>;
  writesInFlight: () => number;
  /** Resolves when every write in flight has committed or rolled back. */
  settle: () => Promise<void>;
  /** While another program (the editor) has the terminal, the app draws nothing. */
  suspension: { isSuspended: () => boolean; subscribe: (listener: () => void) => () => void };
};

export type ScreenProps = {
  active: boolean;
  width: number;
  height: number;
  nav: Nav;
  services: Services;
};
