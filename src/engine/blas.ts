// Which BLAS/LAPACK this process's libtorch resolved. Debian's libtorch links libblas.so.3 and
// liblapack.so.3, whose implementation is whatever `update-alternatives` points them to, so two
// installs of the same code can run different BLAS code and produce different float bits.
// The process's own memory map (after the addon loaded) says which file was actually used.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import './native.js'; // loads libtorch, and with it the BLAS and LAPACK it links

export interface BlasLibrary {
  /** Resolved path of the mapped libblas.so.3, e.g. /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3. */
  path: string;
  /** Debian's alternative directory holding it: 'openblas-pthread', 'openblas-openmp', 'blas' (Netlib reference), ... */
  variant: string;
  /** Resolved path of the mapped liblapack.so.3, or null if none is mapped. */
  lapackPath: string | null;
}

function mappedFile(maps: string, pattern: RegExp): string | null {
  for (const line of maps.split('\n')) {
    // address perms offset dev inode path — the path is the sixth field and may hold spaces.
    const path = line.trim().split(/\s+/).slice(5).join(' ');
    if (path.startsWith('/') && pattern.test(basename(path))) return path;
  }
  return null;
}

/** Reads the BLAS out of a /proc/<pid>/maps text; null if no libblas.so.3 is mapped (e.g. a libtorch with MKL built in). */
export function parseBlasFromMaps(maps: string): BlasLibrary | null {
  const path = mappedFile(maps, /^libblas\.so\.3(\.|$)/);
  if (path === null) return null;
  return { path, variant: basename(dirname(path)), lapackPath: mappedFile(maps, /^liblapack\.so\.3(\.|$)/) };
}

/** The BLAS the engine's libtorch uses in this process (Linux; null where /proc is absent or no libblas.so.3 is mapped). */
export function blasLibrary(mapsFile = '/proc/self/maps'): BlasLibrary | null {
  let maps: string;
  try {
    maps = readFileSync(mapsFile, 'utf8');
  } catch {
    return null;
  }
  return parseBlasFromMaps(maps);
}

/** One line for summaries: "openblas-pthread (/usr/lib/.../libblas.so.3)". */
export function describeBlas(blas: BlasLibrary | null = blasLibrary()): string {
  return blas === null ? 'no libblas.so.3 loaded (BLAS built into libtorch, or not Linux)' : `${blas.variant} (${blas.path})`;
}
