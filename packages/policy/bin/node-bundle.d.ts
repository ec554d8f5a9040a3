import type { BuildOptions } from 'esbuild';

/** One ESM file for Node 20, every import inlined, only warnings and errors logged. */
export declare const NODE_BUNDLE_OPTIONS: BuildOptions;
