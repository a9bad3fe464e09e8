// Loads one of the project's compiled N-API addons (native/… built by scripts/build-native.mjs).
// Both src/… (tests run from source maps) and dist/src/… sit a few folders below the checkout's
// root, so the addon is looked for in each folder above the caller, nearest first.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Requires `relativePath` (e.g. 'native/build/Release/heimdall_torch.node') from the first folder
 * above `callerUrl` that holds it; throws "heimdall: the <what> is not built (…). <hint>" otherwise.
 */
export function loadAddon<T>(callerUrl: string, relativePath: string, what: string, hint: string): T {
  let dir = dirname(fileURLToPath(callerUrl));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return createRequire(callerUrl)(candidate) as T;
    dir = dirname(dir);
  }
  throw new Error(`heimdall: the ${what} is not built (${relativePath} is missing). ${hint}`);
}
