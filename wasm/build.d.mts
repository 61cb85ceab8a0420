/** Absolute path of the AssemblyScript source. */
export const sourcePath: string;
/** Absolute path of the committed module. */
export const outputPath: string;
/** Compiles the AssemblyScript source; resolves to the module's bytes. */
export function compileSha256(): Promise<Uint8Array>;
