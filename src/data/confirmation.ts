/**
 * How a write is confirmed, declared once for the CLI and the confirm screen: the words of the question (a plan
 * that only deletes rows, a revert, asks to delete; one that writes and deletes says both), and the policy (in
 * production the stage table's name is typed; `--yes` alone may write at most prod_yes_max_rows rows there
 * without --confirm-table naming the stage).
 */
import type { Config } from './config.js';

/** Rows a plan writes and deletes, per table. */
export type RowCounts = { exceptions: number; exclusions: number; deleted: { exceptions: number; exclusions: number } };

export type ConfirmWords = {
  /** What a yes does: write, delete, or write and delete. */
  verb: string;
  /** The question, without its answer keys: "Delete these rows?". */
  question: string;
  /** The participle for "nothing was …": written, deleted, written or deleted. */
  done: string;
};

export function confirmWords(counts: RowCounts): ConfirmWords {
  const writes = counts.exceptions + counts.exclusions > 0;
  const deletes = counts.deleted.exceptions + counts.deleted.exclusions > 0;
  if (deletes && !writes) return { verb: 'delete', question: 'Delete these rows?', done: 'deleted' };
  if (deletes) return { verb: 'write and delete', question: 'Write and delete these rows?', done: 'written or deleted' };
  return { verb: 'write', question: 'Write these rows?', done: 'written' };
}

/** In production a write is confirmed by typing the stage table's name, not by a y. */
export const confirmsByTypedName = (config: Pick<Config, 'environment'>) => config.environment === 'prod';

/**
 * Why `--yes` alone may not confirm this write, or undefined when it may: in production, more rows than
 * prod_yes_max_rows need --confirm-table STAGE as well.
 */
export function yesAloneRefusal(config: Pick<Config, 'environment' | 'prod_yes_max_rows'>, rows: number, stage: string): string | undefined {
  if (!confirmsByTypedName(config) || rows <= config.prod_yes_max_rows) return undefined;
  return `this production change touches ${rows} rows, more than --yes alone may (${config.prod_yes_max_rows}); add --confirm-table ${stage}`;
}
