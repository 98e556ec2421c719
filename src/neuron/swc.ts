/**
 * SWC neuron morphology files (Cannon et al., "An on-line archive of
 * reconstructed hippocampal neurons", J. Neurosci. Methods 84:49, 1998; the
 * INCF SWC specification): optional `#` comment lines, then one node per line
 * with seven whitespace-separated fields `id type x y z radius parent`, the
 * root's parent being −1. Types: 0 undefined, 1 soma, 2 axon, 3 basal
 * dendrite, 4 apical dendrite, 5 custom, 6 unspecified neurite (other
 * integers are kept as they are).
 *
 * Coordinates here are voxel units of the volume the tree belongs to, x and
 * y in-plane and z the slice index, as Vaa3D and APP2 write them.
 *
 * Parsing refuses what would make a tree ill-defined — a line without seven
 * numeric fields, a repeated id, a parent id that no node has, a node that is
 * its own ancestor (a cycle) — naming the line. Several roots (a forest) are
 * allowed, as in the specification.
 */
import { readFileSync } from 'node:fs';
import { check, WavecvError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';

export interface SwcNode {
  id: number;
  type: number;
  x: number;
  y: number;
  z: number;
  radius: number;
  /** The parent's id, or −1 for a root. */
  parent: number;
}

export interface SwcTree {
  nodes: SwcNode[];
  /** Comment lines (without the leading `#`), kept for writing back. */
  comments: string[];
}

export const SWC_TYPES = ['undefined', 'soma', 'axon', 'basal dendrite', 'apical dendrite', 'custom', 'unspecified neurite'] as const;

/** Parses SWC text; `source` names the file in error messages. */
export function parseSwc(text: string, source = 'SWC'): SwcTree {
  const nodes: SwcNode[] = [];
  const comments: string[] = [];
  const lineOf = new Map<number, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      comments.push(line.slice(1).trimStart());
      return;
    }
    const where = `${source} line ${index + 1}`;
    const fields = line.split(/\s+/);
    check(fields.length >= 7, where, line, 'seven fields "id type x y z radius parent"');
    const values = fields.slice(0, 7).map(Number);
    check(values.every(Number.isFinite), where, line, 'seven numeric fields "id type x y z radius parent"');
    const [id, type, x, y, z, radius, parent] = values;
    check(Number.isInteger(id) && id >= 0, `${where} id`, fields[0], 'a non-negative integer');
    check(Number.isInteger(parent) && (parent === -1 || parent >= 0), `${where} parent`, fields[6], 'a node id or -1 for a root');
    check(!lineOf.has(id), `${where} id`, id, `an id not used before (line ${lineOf.get(id)} has it)`);
    lineOf.set(id, index + 1);
    nodes.push({ id, type: Math.trunc(type), x, y, z, radius, parent });
  });
  const tree = { nodes, comments };
  checkSwcTree(tree, source, lineOf);
  return tree;
}

/**
 * Checks that every parent exists and that following parents from any node
 * reaches a root (no cycle); `lineOf` (id → line) lets errors name lines.
 */
export function checkSwcTree(tree: SwcTree, source = 'SWC tree', lineOf?: Map<number, number>): void {
  const name = (id: number) => (lineOf ? `${source} line ${lineOf.get(id)}` : `${source} node ${id}`);
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  check(byId.size === tree.nodes.length, `${source} ids`, tree.nodes.length, 'distinct node ids');
  for (const node of tree.nodes) {
    if (node.parent !== -1 && !byId.has(node.parent)) throw new WavecvError(`${name(node.id)} parent`, node.parent, 'the id of a node in the file, or -1 for a root (missing parent)');
  }
  // Walk up from each node; a node reached twice on one walk closes a cycle. Nodes known to reach a root are skipped.
  const reachesRoot = new Set<number>();
  for (const start of tree.nodes) {
    const path: number[] = [];
    const onPath = new Set<number>();
    let id = start.id;
    while (id !== -1 && !reachesRoot.has(id)) {
      if (onPath.has(id)) {
        const cycle = path.slice(path.indexOf(id));
        throw new WavecvError(`${name(id)}`, `a cycle through nodes ${cycle.join(' → ')} → ${id}`, 'a tree: following parents from any node must end at a root (parent -1)');
      }
      onPath.add(id);
      path.push(id);
      id = byId.get(id)!.parent;
    }
    for (const p of path) reachesRoot.add(p);
  }
}

/** Reads and parses an SWC file. */
export function readSwc(path: string): SwcTree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WavecvError('path', path, `a readable SWC file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseSwc(text, path);
}

/** SWC text: the comments, then one node per line (coordinates and radii to 4 decimals; Vaa3D writes 3). */
export function formatSwc(tree: SwcTree): string {
  const number = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4).replace(/0+$/, '').replace(/\.$/, ''));
  const lines = tree.comments.map((c) => `# ${c}`);
  for (const n of tree.nodes) lines.push([n.id, n.type, number(n.x), number(n.y), number(n.z), number(n.radius), n.parent].join(' '));
  return lines.join('\n') + '\n';
}

/** Writes a tree as an SWC file (atomically), after checking it is a tree. */
export function writeSwc(path: string, tree: SwcTree): void {
  checkSwcTree(tree);
  writeFileAtomic(path, formatSwc(tree));
}
