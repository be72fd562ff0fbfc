/**
 * Reading ZetaSQL's resolved AST (the Analyze answer, as proto-loader JSON):
 * the statement's kind, the tables it scans with the columns it reads, and
 * the bounds its filters put on columns. This is how a dry run knows which
 * columns and partitions a statement would read, and whether a table with
 * require_partition_filter is filtered on its partitioning column.
 */
import type { ValueProto } from './values.js';
import type { NamedParam } from './zetasql.js';

type Node = Record<string, any>;

/** The innermost node of an Any-wrapper chain: `{node: 'x', x: {node: 'y', y: {...}}}` → kind y. */
export function innermost(any: Node): { kind: string; body: Node } {
  let kind = any.node as string;
  let body = any[kind] as Node;
  while (body && typeof body.node === 'string' && body[body.node]) {
    kind = body.node;
    body = body[kind];
  }
  return { kind, body };
}

export type Scan = {
  /** The table's name in the evaluator's catalog (see catalog.ts). */
  table: string;
  columns: { id: string; name: string }[];
  /** The target of DELETE/UPDATE: BigQuery bills every column of it. */
  target: boolean;
};

// A ResolvedTableScan: a table reference under a scan's `parent` (empty lists are absent in proto JSON, e.g. COUNT(*) reads no column).
const isScan = (x: Node) => x && typeof x === 'object' && x.table && typeof x.table.name === 'string' && x.parent !== undefined;

export function scansOf(statement: Node): Scan[] {
  const { kind, body } = innermost(statement);
  const insertTarget = kind === 'resolvedInsertStmtNode' ? body.tableScan : undefined;
  const dmlTarget = kind === 'resolvedDeleteStmtNode' || kind === 'resolvedUpdateStmtNode' ? body.tableScan : undefined;
  const out: Scan[] = [];
  const visit = (x: unknown) => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(visit);
    const n = x as Node;
    if (isScan(n) && n !== insertTarget) {
      out.push({
        table: n.table.name,
        columns: (n.parent?.columnList ?? []).map((c: Node) => ({ id: String(c.columnId), name: c.name })),
        target: n === dmlTarget,
      });
    }
    for (const v of Object.values(n)) visit(v);
  };
  visit(statement);
  return out;
}

export type Bound = { op: 'ge' | 'gt' | 'le' | 'lt' | 'eq'; value?: ValueProto };

const call = (e: Node | undefined) => {
  const c = e?.resolvedFunctionCallBaseNode?.resolvedFunctionCallNode?.parent;
  return c ? { name: String(c.function?.name ?? ''), args: (c.argumentList ?? []) as Node[] } : undefined;
};
const unwrapCast = (e: Node): Node => (e?.resolvedCastNode?.expr ? unwrapCast(e.resolvedCastNode.expr) : e);
const columnOf = (e: Node) => unwrapCast(e)?.resolvedColumnRefNode?.column as { columnId: string } | undefined;

/** No column and no subquery inside: a value BigQuery can compute before reading, hence usable for partition elimination. */
function isConstant(e: unknown): boolean {
  if (!e || typeof e !== 'object') return true;
  if (Array.isArray(e)) return e.every(isConstant);
  const n = e as Node;
  if (n.resolvedColumnRefNode || n.resolvedSubqueryExprNode) return false;
  return Object.values(n).every(isConstant);
}

const FLIP = { ge: 'le', gt: 'lt', le: 'ge', lt: 'gt', eq: 'eq' } as const;
const OPS: Record<string, Bound['op']> = {
  'ZetaSQL:$greater_or_equal': 'ge',
  'ZetaSQL:$greater': 'gt',
  'ZetaSQL:$less_or_equal': 'le',
  'ZetaSQL:$less': 'lt',
  'ZetaSQL:$equal': 'eq',
};

/**
 * Bounds on columns from the conjuncts of every WHERE (filter scans, and the
 * WHERE of DELETE/UPDATE) — not from JOIN ... ON, which BigQuery does not use
 * to satisfy require_partition_filter either. A bound's value is known when
 * the other side is a parameter or a literal; other constants bound without a value.
 */
export function boundsOf(statement: Node, params: readonly NamedParam[]): Map<string, Bound[]> {
  const out = new Map<string, Bound[]>();
  const paramValue = (e: Node): ValueProto | undefined => {
    const u = unwrapCast(e);
    if (u?.resolvedParameterNode) return params.find((p) => p.name.toLowerCase() === String(u.resolvedParameterNode.name).toLowerCase())?.value;
    if (u?.resolvedLiteralNode) return u.resolvedLiteralNode.value?.value;
    return undefined;
  };
  const add = (columnId: string, b: Bound) => out.set(columnId, [...(out.get(columnId) ?? []), b]);
  const conjunct = (e: Node) => {
    const c = call(e);
    if (!c) return;
    if (c.name === 'ZetaSQL:$and') return c.args.forEach(conjunct);
    if (c.name === 'ZetaSQL:$between' && c.args.length === 3) {
      const col = columnOf(c.args[0]!);
      if (col && isConstant(c.args[1]) && isConstant(c.args[2])) {
        add(String(col.columnId), { op: 'ge', value: paramValue(c.args[1]!) });
        add(String(col.columnId), { op: 'le', value: paramValue(c.args[2]!) });
      }
      return;
    }
    const op = OPS[c.name];
    if (!op || c.args.length !== 2) return;
    const [l, r] = c.args as [Node, Node];
    const left = columnOf(l),
      right = columnOf(r);
    if (left && isConstant(r)) add(String(left.columnId), { op, value: paramValue(r) });
    else if (right && isConstant(l)) add(String(right.columnId), { op: FLIP[op], value: paramValue(l) });
  };
  const visit = (x: unknown) => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(visit);
    for (const [k, v] of Object.entries(x as Node)) {
      if ((k === 'filterExpr' || k === 'whereExpr') && v) conjunct(v as Node);
      visit(v);
    }
  };
  visit(statement);
  return out;
}
