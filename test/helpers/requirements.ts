// Tests that need something outside npm (a Debian package, the native addon)
// declare it here, so a fresh machine passes `npm test` while CI proves them:
//
//   const chromium = requireSystem('chromium', CHROMIUM);
//   test('…', { skip: chromium }, async () => { … });
//
// When the requirement is met, `requireSystem` returns false (run the test).
// When it is not:
//  - normally it returns the skip reason "<reason>; enable: <command>", and
//    records it for the summary that scripts/run-tests.mjs prints at the end;
//  - under CI=true it registers one failing test naming the requirement and
//    the command that installs it (CI must prove every test), and skips the
//    dependent tests, which could only fail for the same reason.
// WAVECV_TEST_HIDE=name,name treats those requirements as missing, to rehearse
// a machine without them (e.g. WAVECV_TEST_HIDE=chromium npm test).
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_DIR } from '../../src/data/idx.js';

export interface SystemRequirement {
  /** True when the requirement is available. */
  check: () => boolean;
  /** What is missing, in a few words (e.g. "/usr/bin/chromium is not installed"). */
  reason: string;
  /** The command that provides it. */
  enable: string;
}

const CHROMIUM_PATH = '/usr/bin/chromium';
const NATIVE_ADDON = fileURLToPath(new URL('../../native/build/wavecv_native.node', import.meta.url));

/** Debian's headless-capable browser, for test/web. */
export const CHROMIUM: SystemRequirement = {
  check: () => existsSync(CHROMIUM_PATH),
  reason: `${CHROMIUM_PATH} is not installed`,
  enable: 'sudo apt-get install chromium',
};

/** Debian's full Fashion-MNIST (the `fashion-mnist` data alias). */
export const FASHION_MNIST: SystemRequirement = {
  check: () => existsSync(FASHION_MNIST_DIR),
  reason: `${FASHION_MNIST_DIR} is not installed`,
  enable: 'sudo apt-get install dataset-fashion-mnist',
};

/** Debian's mricron-data: the Colin27 brain (ch2bet) and its atlases (AAL, HarvardOxford). */
export const MRICRON_DATA: SystemRequirement = {
  check: () => existsSync('/usr/share/mricron/templates/ch2bet.nii.gz'),
  reason: '/usr/share/mricron/templates is not installed',
  enable: 'sudo apt-get install mricron-data',
};

/** Debian's elastix and transformix, the classical registration anchor (scripts/elastix_anchor.sh). */
export const ELASTIX: SystemRequirement = {
  check: () => existsSync('/usr/bin/elastix') && existsSync('/usr/bin/transformix'),
  reason: '/usr/bin/elastix is not installed',
  enable: 'sudo apt-get install elastix',
};

/** Debian's insighttoolkit4-examples: ITK's example brain slices and volumes. */
export const ITK_EXAMPLES: SystemRequirement = {
  check: () => existsSync('/usr/share/doc/insighttoolkit4-examples/examples/Data/BrainProtonDensitySlice.png'),
  reason: '/usr/share/doc/insighttoolkit4-examples is not installed',
  enable: 'sudo apt-get install insighttoolkit4-examples',
};

let torchAvailable: boolean | undefined;

/** Debian's PyTorch for /usr/bin/python3, for the tests that export PyTorch checkpoints at run time. */
export const PYTORCH: SystemRequirement = {
  check: () => (torchAvailable ??= existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0),
  reason: '/usr/bin/python3 cannot import torch',
  enable: 'sudo apt-get install python3-torch',
};

/** wavecv's oneDNN addon, built and not switched off. */
export const NATIVE: SystemRequirement = {
  check: () => existsSync(NATIVE_ADDON) && process.env.WAVECV_NATIVE !== '0',
  reason: process.env.WAVECV_NATIVE === '0' ? 'the native addon is switched off (WAVECV_NATIVE=0)' : 'the native addon is not built',
  enable: process.env.WAVECV_NATIVE === '0' ? 'unset WAVECV_NATIVE (after sudo apt-get install libdnnl-dev g++ && npm run build:native)' : 'sudo apt-get install libdnnl-dev g++ && npm run build:native',
};

/**
 * A WebGPU adapter from Dawn (npm `webgpu`), for the suites run with
 * WAVECV_TEST_BACKEND=webgpu: asked for in a child process (the check is
 * synchronous, Dawn's adapter request is not). Debian 12's own Vulkan CPU
 * driver (mesa 22) gives Dawn no adapter; mesa 25 from bookworm-backports does.
 */
export const WEBGPU: SystemRequirement = {
  check: () =>
    spawnSync(process.execPath, ['--input-type=module', '-e', "import { create, globals } from 'webgpu'; Object.assign(globalThis, globals); process.exit((await create([]).requestAdapter()) ? 0 : 1);"], { stdio: 'ignore', timeout: 60_000 }).status === 0,
  reason: 'Dawn (npm webgpu) finds no WebGPU adapter (no Vulkan driver it can use)',
  enable: 'sudo apt-get install -y -t bookworm-backports mesa-vulkan-drivers (after adding deb http://deb.debian.org/debian bookworm-backports main to the apt sources)',
};

/** The `skip` option for tests that need `requirement` (see the file comment). */
export function requireSystem(name: string, requirement: SystemRequirement): false | string {
  const hidden = (process.env.WAVECV_TEST_HIDE ?? '').split(',').map((s) => s.trim()).includes(name);
  if (!hidden && requirement.check()) return false;
  const reason = hidden ? "hidden by WAVECV_TEST_HIDE" : requirement.reason;
  const line = `${name}: ${reason}; enable: ${requirement.enable}`;
  const required = process.env.CI === 'true';
  const log = process.env.WAVECV_SKIP_LOG;
  if (log) appendFileSync(log, JSON.stringify({ name, reason, enable: requirement.enable, required, file: relative(process.cwd(), process.argv[1] ?? '') }) + '\n');
  if (required) {
    test(`required under CI=true: ${name}`, () => {
      throw new Error(`${line} (CI=true requires every system package the tests use)`);
    });
    return `${name} is missing (required under CI=true: see the failing test "required under CI=true: ${name}")`;
  }
  return line;
}
