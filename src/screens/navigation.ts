/** Where a screen can go, and what every screen is given. */
import type { StageConfig } from '../data/config.js';
import type { EventKey } from '../data/model.js';
import type { Plan } from '../data/plan.js';
import type { Service } from '../data/service/service.js';
import type { UpdateSelectionRoute } from './UpdateSelectionScreen.js';

/** Routes name stage tables by name; the service resolves them. */
export type Route =
  | { name: 'stages' }
  | { name: 'actions'; stage: string }
  | { name: 'duplicates'; stage: string }
  | { name: 'businessKeys'; stage: string }
  /** `event`: opened on that event (from the find-events list), as if its keys had been typed. */
  | { name: 'lookup'; stage: string; event?: EventKey }
  | { name: 'insert'; stage: string }
  | { name: 'findEvents'; stage: string }
  | ({ name: 'updateSelection' } & UpdateSelectionRoute)
  | { name: 'diff'; plan: Plan }
  | { name: 'confirm'; plan: Plan }
  /** `ticket`: the change ticket typed on confirm (ticket_pattern), stored in the audit row. */
  | { name: 'apply'; plan: Plan; ticket?: string }
  | { name: 'rerun'; stage: string; offset?: number }
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
  /** The one way to the warehouse: requests declared in src/data/service/requests.ts. */
  service: Service;
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

/** A stage table's configuration by name (for what the screens show: its event name, its business keys). */
export function stageOf(services: Services, name: string): StageConfig {
  const stage = services.service.config.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`unknown stage table ${name}`);
  return stage;
}
