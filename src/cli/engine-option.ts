/** Starts the engine with the global `--backend` option of the CLI. */
import type { Command } from 'commander';
import { initEngine, type BackendName, type EngineInfo } from '../engine/backend.js';

export function startEngine(command: Command): Promise<EngineInfo> {
  const root = command.parent ?? command;
  const { backend } = root.opts<{ backend?: BackendName }>();
  return initEngine({ backend });
}
