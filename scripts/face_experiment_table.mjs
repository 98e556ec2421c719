// Collects the metrics.json of each loss's run of scripts/face_experiment.sh
// into one markdown table. Usage: node scripts/face_experiment_table.mjs <out> <loss>...
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, ...losses] = process.argv.slice(2);
const pct = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : (100 * v).toFixed(2));
const num = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));
const rows = [];
let info;
for (const loss of losses) {
  const m = JSON.parse(readFileSync(join(out, loss, 'metrics.json'), 'utf8'));
  info ??= m;
  const c = m.closedSet;
  const o = m.openSet;
  const tar = (far) => pct(o.tarAtFar.find((t) => Math.abs(t.far - far) < far * 1e-6)?.tar);
  rows.push(
    `| ${loss} | ${pct(c.sampleWiseAccuracy)} | ${pct(c.uniformAccuracy)} | ${num(c.bestThreshold)} | ${pct(o.accuracy.mean)} ± ${pct(o.accuracy.std)} | ` +
      `${tar(1e-1)} | ${tar(1e-2)} | ${tar(1e-3)} | ${num(o.auc)} | ${num(m.learnedThreshold)} | ${num(o.bestThreshold)} | ${pct(o.accuracyAtLearned)} | ${pct(c.accuracyAtLearned)} | ${m.trainSeconds.toFixed(0)} |`,
  );
}
const d = info.data;
console.log(
  [
    `Data: ${d.spec}, train classes ${d.classes.join(', ')} (${d.trainSize} images, ${d.perClass ?? 'all'} per class); ` +
      `open set: ${info.openSet.pairs} pairs of ${info.openSet.classes.join(', ')}; backbone ${info.backbone}; ${info.steps} steps; backend ${info.backend}.`,
    '',
    '| loss | closed SW acc % | closed Uni acc % | best Uni t* | open 10-fold acc % | TAR@1e-1 | TAR@1e-2 | TAR@1e-3 | AUC | learned t | best open t | open acc @ learned t % | closed Uni acc @ learned t % | train s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n'),
);
