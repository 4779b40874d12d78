/**
 * Lesson export figures: per lesson, the wall time of a run (kernel start to shutdown), the code cells, the
 * slowest cell and the page size. `node dist/bench/lessons.js [NOTEBOOK…]` (default: notebooks/*.ipynb).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { courseNotebooks, exportNotebooks } from "../tools/course/main";
import { findPackageRoot } from "../src/packageroot";

async function bench(): Promise<void> {
  const args = process.argv.slice(2);
  const notebooks = args.length ? args : courseNotebooks(path.join(findPackageRoot(__dirname), "notebooks"));
  if (notebooks.length === 0) throw new Error("no notebooks");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-lessons-"));
  const slowest = new Map<string, { cell: string; ms: number }>();
  try {
    const t0 = Date.now();
    const r = await exportNotebooks(notebooks, {
      out,
      progress: (line) => {
        const m = /^\[\d+\/\d+\] (\S+) cell (\d+)\/\d+ . (\d+) ms$/.exec(line);
        if (m && (slowest.get(m[1]!)?.ms ?? -1) < Number(m[3])) slowest.set(m[1]!, { cell: m[2]!, ms: Number(m[3]) });
      },
    });
    const total = Date.now() - t0;
    console.log("lesson                                         cells   run ms   slowest cell     page kB");
    for (const l of r.lessons) {
      const name = path.basename(l.notebook);
      const s = slowest.get(name);
      console.log(`${name.padEnd(46)} ${String(l.codeCells).padStart(5)} ${String(l.ms).padStart(8)}   ${s ? `#${s.cell} ${s.ms} ms`.padEnd(14) : "-".padEnd(14)} ${(fs.statSync(l.page).size / 1024).toFixed(0).padStart(9)}`);
    }
    console.log(`total ${r.lessons.length} lessons in ${(total / 1000).toFixed(1)} s (${os.cpus().length} CPUs)`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

bench().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
