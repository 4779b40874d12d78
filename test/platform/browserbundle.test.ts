/**
 * No Node built-in in the browser bundle: `import … from "kubelab"` bundled for the browser (the
 * package's `browser` field applied, as site/build.mjs bundles the kernel worker) imports nothing from
 * Node. A built-in that enters the simulation's import graph fails here with the importing file named.
 */
import * as assert from "node:assert/strict";
import { builtinModules } from "node:module";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { findPackageRoot } from "../../src/packageroot";

const root = findPackageRoot(__dirname);
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The Node built-ins a browser bundle of `entry` imports, each as "specifier ← importing file". */
async function builtinImports(entry: esbuild.BuildOptions): Promise<string[]> {
  const found: string[] = [];
  await esbuild.build({
    ...entry,
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    logLevel: "silent",
    plugins: [
      {
        name: "node-builtins",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!builtins.has(args.path) && !builtins.has(args.path.replace(/\/.*$/, ""))) return undefined;
            found.push(`${args.path} ← ${path.relative(root, args.importer) || args.importer}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return found;
}

describe("browser bundle", () => {
  it("imports no Node built-in from the simulation (src/index.ts for the browser)", async () => {
    const found = await builtinImports({ entryPoints: [path.join(root, "src", "index.ts")] });
    assert.deepEqual(found, [], `Node built-ins in the browser bundle:\n  ${found.join("\n  ")}`);
  });

  it("names a Node built-in and its importer (the check itself can fail)", async () => {
    const found = await builtinImports({ stdin: { contents: 'export { isIP } from "node:net"; export { join } from "path";', resolveDir: root, sourcefile: "probe.ts" } });
    assert.deepEqual(found, ["node:net ← probe.ts", "path ← probe.ts"]);
  });
});
