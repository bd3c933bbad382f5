// Lets node load index.js outside a component: `microlith:actor/*` imports
// resolve to the in-memory host in host.mjs (node --import ./register.mjs).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const m = /^microlith:actor\\/[a-z]+@0\\.1\\.0$/.exec(specifier);
  if (m) return { url: new URL('./host.mjs', ${JSON.stringify(import.meta.url)}).href, shortCircuit: true };
  return next(specifier, context);
}`),
);
