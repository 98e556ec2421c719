#!/usr/bin/env node
/**
 * Builds wavecv's native accelerator (native/wavecv_native.cc → native/build/wavecv_native.node):
 * oneDNN convolutions for the wasm backend in Node (src/engine/native.ts).
 *
 *   node scripts/build-native.mjs              build; exit 1 with the compiler's message on failure
 *   node scripts/build-native.mjs --optional   same, but a failure only prints a note (npm install)
 *
 * Needs a C++17 compiler (CXX, default g++), Node-API headers (include/node next
 * to the node binary, npm_config_nodedir, or the node-api-headers package) and
 * oneDNN (Debian: libdnnl-dev).
 * Compiled directly, without node-gyp (which would fetch headers from the
 * internet); written to a temporary name, loaded once as a check, then renamed,
 * so a failed build never leaves a broken addon behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'wavecv_native.cc');
const outDir = join(root, 'native', 'build');
const target = join(outDir, 'wavecv_native.node');
const optional = process.argv.includes('--optional');

/** Node-API headers: npm's nodedir, those installed with Node, else the npm package node-api-headers. */
function nodeIncludeDir() {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node')];
  if (process.env.npm_config_nodedir) candidates.unshift(join(process.env.npm_config_nodedir, 'include', 'node'));
  try {
    candidates.push(createRequire(import.meta.url)('node-api-headers').include_dir);
  } catch {
    // not installed: the other candidates only
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (!found) throw new Error(`Node's headers (node_api.h) not found in ${candidates.join(' or ')}`);
  return found;
}

function build() {
  mkdirSync(outDir, { recursive: true });
  const temporary = join(outDir, `wavecv_native.tmp-${process.pid}.node`);
  const args = [
    '-O2', '-std=c++17', '-shared', '-fPIC', '-fopenmp', '-Wall',
    '-DNODE_GYP_MODULE_NAME=wavecv_native',
    `-I${nodeIncludeDir()}`,
    source, '-ldnnl', '-o', temporary,
  ];
  try {
    execFileSync(process.env.CXX || 'g++', args, { stdio: ['ignore', 'inherit', 'pipe'] });
    const addon = createRequire(import.meta.url)(temporary);
    const version = addon.version();
    renameSync(temporary, target);
    return version;
  } catch (e) {
    rmSync(temporary, { force: true });
    const stderr = e.stderr ? String(e.stderr).trim().split('\n').slice(-8).join('\n') : e.message;
    throw new Error(stderr);
  }
}

try {
  const version = build();
  console.log(`wavecv: built ${target} (oneDNN ${version})`);
} catch (e) {
  const hint = 'needs g++ and oneDNN (Debian: apt-get install libdnnl-dev)';
  if (optional) {
    console.log(`wavecv: native convolutions not built (${hint}); wavecv runs on the wasm backend alone.`);
    process.exit(0);
  }
  console.error(`wavecv: building the native addon failed (${hint}):\n${e.message}`);
  process.exit(1);
}
