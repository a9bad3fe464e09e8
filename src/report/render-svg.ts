// Renders a vega-lite spec to a standalone SVG string in Node: vega-lite compiles it to a vega
// spec, a headless vega View (renderer 'none') draws it with its SVG string renderer. No canvas,
// no fonts, no network: data must be inline, and the loader refuses anything else.
import { parse, View, loader as vegaLoader } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A loader that fails loudly: a report must never reach for a URL or a file. */
function offlineLoader() {
  const l = vegaLoader();
  const refuse = async (uri: string) => {
    throw new Error(`report figure: refusing to load '${uri}' (figures take inline data only; the report must open offline)`);
  };
  l.load = refuse;
  l.sanitize = refuse;
  return l;
}

/**
 * Vega numbers its clip paths and gradients from 1 in every SVG; inlined side by side in one
 * page, the second figure's url(#clip1) would resolve to the first figure's clip. Prefixing every
 * id keeps each figure's references to itself.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`);
}

/** A vega logger that keeps warnings for the caller instead of printing them. */
function collectingLogger(warnings: string[]) {
  let level = 2; // vega's Warn
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      throw new Error(args.map(String).join(' '));
    },
    warn(...args: readonly unknown[]) {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/** SVG markup of `spec`, with element ids prefixed by `idPrefix`; vega-lite/vega warnings go to `warnings`. */
export async function renderVegaLiteSvg(spec: TopLevelSpec, idPrefix: string, warnings: string[] = []): Promise<string> {
  const logger = collectingLogger(warnings);
  const vegaSpec = compile(spec, { logger }).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none', loader: offlineLoader(), logger });
  try {
    const svg = await view.toSVG();
    return prefixSvgIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}
