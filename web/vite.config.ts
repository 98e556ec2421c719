/**
 * Vite configuration of the browser app (`npm run web` serves it,
 * `npm run web:build` writes `web/dist/`). The app imports wavecv's sources
 * directly (`../src/*.ts`), so the dev server may read the repository root;
 * `web/public/` (the bundled models and example images) is served as is;
 * TF.js's wasm binaries are imported with `?url` (src/backend.ts), so both the
 * dev server and the build serve them; and face-api's detector and landmark
 * models are served from the installed npm package under
 * `face-api-models/` (copied into the build), never from a CDN.
 */
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('.', import.meta.url));
const repository = fileURLToPath(new URL('..', import.meta.url));
const faceApiModels = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'model');
const FACE_API_FILES = ['ssd_mobilenetv1_model-weights_manifest.json', 'ssd_mobilenetv1_model.bin', 'face_landmark_68_model-weights_manifest.json', 'face_landmark_68_model.bin'];

/** Serves (dev) and emits (build) the face-api model files the app uses under `face-api-models/`. */
function faceApiModelFiles(): Plugin {
  return {
    name: 'wavecv-face-api-models',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const name = (request.url ?? '').split('?')[0].split('/face-api-models/')[1];
        if (name === undefined || !FACE_API_FILES.includes(name)) return next();
        response.setHeader('content-type', name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        response.end(readFileSync(join(faceApiModels, name)));
      });
    },
    generateBundle() {
      for (const name of FACE_API_FILES) this.emitFile({ type: 'asset', fileName: `face-api-models/${name}`, source: readFileSync(join(faceApiModels, name)) });
    },
  };
}

export default defineConfig({
  root: web,
  base: './',
  publicDir: 'public',
  plugins: [faceApiModelFiles()],
  server: { fs: { allow: [repository] } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
