// Full size: Debian's PyTorch writes a WaveCNet ResNet-18 (Haar, 224×224,
// 1000 classes) and torchvision's DenseNet-121 (random weights and BN
// statistics; 45 MB and 28 MB, too large to commit) at test time
// (scripts/gen_pytorch_import_fixtures.py --full), and a ViT-Ti with timm's
// module names (22 MB; scripts/gen_pytorch_import_families.py --vit); wavecv
// imports them and reproduces PyTorch's logits to 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../../src/engine/backend.js';
import '../../src/models/index.js';
import { importWeights } from '../../src/interop/import-weights.js';
import { PYTORCH, requireSystem } from '../helpers/requirements.js';
import { maxError, type ImportCase } from './helpers.js';

const skip = requireSystem('python3-torch', PYTORCH);
const script = fileURLToPath(new URL('../../scripts/gen_pytorch_import_fixtures.py', import.meta.url));
const families = fileURLToPath(new URL('../../scripts/gen_pytorch_import_families.py', import.meta.url));

test('resnet18 with haar and densenet121 at full width: PyTorch checkpoints exported now, outputs equal to 1e-4', { skip }, async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-torch-'));
  try {
    const run = spawnSync('/usr/bin/python3', [script, '--full', dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: ImportCase[] };
    // torchvision's parameter counts plus the BN running statistics
    const values: Record<string, number> = { resnet18: 11_689_512 + 9_600, densenet121: 6_964_106 + 2 * 41_824 };
    for (const c of cases) {
      const { model, report } = importWeights(join(dir, c.file), c.model, c.options);
      assert.equal(report.values, values[c.model], c.model);
      const error = maxError(model, c);
      assert.ok(error < 1e-4, `${c.model}: max |wavecv − PyTorch| = ${error}`);
      model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("vit-tiny from timm's module names (22 MB, exported now): logits equal to 1e-4", { skip }, async () => {
  await initEngine();
  const dir = mkdtempSync(join(tmpdir(), 'wavecv-timm-'));
  try {
    const run = spawnSync('/usr/bin/python3', [families, '--vit', dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [c] = (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: ImportCase[] }).cases;
    const { model, report } = importWeights(join(dir, c.file), c.model, c.options);
    // timm's vit_tiny_patch16_224 has 5,717,416 parameters at 1000 classes and 197 tokens; here 10 classes and 5 tokens.
    assert.equal(report.values, 5_717_416 - 990 * 193 - 192 * 192);
    const error = maxError(model, c);
    assert.ok(error < 1e-4, `vit-tiny: max |wavecv − PyTorch| = ${error}`);
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
