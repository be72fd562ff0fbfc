/**
 * Finds values in SQL text: string literals other than the engine's own vocabulary (timestamp and
 * fingerprint formats, JSON type names, problem codes, the markers its guards raise), numbers other than
 * the constants 0 and 1, and any of the values a test fed the operations. Every value belongs in a parameter.
 */
const ALLOWED_STRINGS = new Set([
  "'%Y-%m-%d %H:%M:%E6S'",
  "'UTC'",
  "'%d:%d'",
  "'|'",
  // JSON_TYPE's answers.
  "'object'",
  "'array'",
  "'string'",
  "'number'",
  "'boolean'",
  "'null'",
  // Which table a row a revert deletes is in.
  "'exception'",
  "'exclusion'",
  // INFORMATION_SCHEMA's own vocabulary: the partitioning column's flag, the option doctor reads, its value.
  "'YES'",
  "'require_partition_filter'",
  "'true'",
]);
/** The markers a script's guards raise with ERROR() (the engine reads them back from the job's error). */
const GUARD = /^'evfix-[a-z-]+ ?'$/;
/** Problem codes (editProgram.problemCode): root:TYPE, eNqM:TYPE, eNmissing. */
const PROBLEM_CODE = /^'(root:|e\d+q\d+:|e\d+missing)'$/;

export function checkStatements(statements: readonly string[], values: readonly string[]): string[] {
  const problems: string[] = [];
  for (const sql of statements) {
    // String literals, with '' as an escaped quote; backquoted identifiers are names, not values.
    const withoutNames = sql.replace(/`[^`]*`/g, '`name`');
    for (const literal of withoutNames.match(/'(?:[^']|'')*'/g) ?? []) {
      if (!ALLOWED_STRINGS.has(literal) && !GUARD.test(literal) && !PROBLEM_CODE.test(literal))
        problems.push(`string literal ${literal} in: ${sql.slice(0, 80)}`);
    }
    const bare = withoutNames.replace(/'(?:[^']|'')*'/g, "''");
    for (const n of bare.match(/(?<![\w@$.])\d+(?:\.\d+)?(?![\w])/g) ?? []) {
      if (n !== '0' && n !== '1') problems.push(`number ${n} in: ${sql.slice(0, 80)}`);
    }
    for (const v of values) if (sql.includes(v)) problems.push(`value ${v} in: ${sql.slice(0, 80)}`);
  }
  return problems;
}
