/**
 * Honest exercises: every lesson with exercise metadata runs twice through the kubelab kernel — as
 * shipped, where every self-check must say "not yet", and with each exercise's solution edits applied
 * to its cell, where every self-check must pass. The check is the code cell after the exercise cell.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { courseNotebooks } from "../../tools/course/main";
import { executeNotebook } from "../../tools/course/runner";
import { joinText, readNotebook, type CodeCell, type Notebook } from "../../tools/course/notebook";
import { repoRoot } from "./tools";

interface Exercise {
  id: string;
  solution: { find: string; replace: string }[];
}

const lessonsDir = path.join(repoRoot(), "notebooks");

/** The exercise cells (index) and their check cells (the next code cell). */
function exercises(nb: Notebook): { cell: number; check: number; exercise: Exercise }[] {
  const out: { cell: number; check: number; exercise: Exercise }[] = [];
  nb.cells.forEach((c, i) => {
    const meta = (c.metadata as { kubelab?: { exercise?: unknown; solution?: unknown } }).kubelab;
    if (meta?.exercise === undefined) return;
    assert.equal(c.cell_type, "code", `exercise ${String(meta.exercise)} is not a code cell`);
    assert.match(String(meta.exercise), /^\d{2}-[a-z0-9-]+$/, "exercise id <lesson>-<id>");
    assert.ok(Array.isArray(meta.solution) && meta.solution.length > 0, `exercise ${String(meta.exercise)} has no solution edits`);
    const check = nb.cells.findIndex((x, k) => k > i && x.cell_type === "code");
    assert.ok(check > i, `exercise ${String(meta.exercise)} has no check cell after it`);
    out.push({ cell: i, check, exercise: { id: String(meta.exercise), solution: meta.solution as Exercise["solution"] } });
  });
  return out;
}

/** The notebook with every exercise's solution applied (each `find` must occur exactly once in its cell). */
function solved(nb: Notebook): Notebook {
  const out = structuredClone(nb);
  for (const { cell, exercise } of exercises(out)) {
    const c = out.cells[cell] as CodeCell;
    let src = joinText(c.source);
    for (const { find, replace } of exercise.solution) {
      assert.equal(src.split(find).length, 2, `${exercise.id}: "${find}" must occur exactly once in its cell`);
      src = src.replace(find, () => replace);
    }
    c.source = src;
  }
  return out;
}

/** The text of a check cell's last output ("✔ …" or "✘ …"). */
function verdict(nb: Notebook, check: number): string {
  const c = nb.cells[check] as CodeCell;
  const last = c.outputs.at(-1);
  assert.ok(last && (last.output_type === "execute_result" || last.output_type === "display_data"), `cell ${check + 1} shows no Check`);
  return joinText(last.data["text/plain"] as string | string[]);
}

describe("lessons: every exercise's check fails as shipped and passes once solved", function () {
  this.timeout(900_000);
  const lessons = courseNotebooks(lessonsDir).filter((f) => exercises(readNotebook(f)).length > 0);

  it("the course has exercises in every lesson from 1 to 7", () => {
    const names = lessons.map((f) => path.basename(f).slice(0, 2));
    for (const n of ["01", "02", "03", "04", "05", "06", "07"]) assert.ok(names.includes(n), `lesson ${n} has no exercise`);
  });

  for (const file of lessons) {
    const name = path.basename(file);
    const nb = readNotebook(file);
    const list = exercises(nb);
    it(`${name}: as shipped every check says "not yet"; solved, every check passes (${list.map((e) => e.exercise.id).join(", ")})`, async () => {
      const run = (n: Notebook): Promise<Notebook> => executeNotebook(n, { name, cwd: lessonsDir, progress: () => {} });
      const [shipped, done] = await Promise.all([run(nb), run(solved(nb))]);
      for (const e of list) {
        assert.match(verdict(shipped, e.check), /^✘ /, `${e.exercise.id} passes on the notebook as shipped`);
        assert.match(verdict(done, e.check), /^✔ /, `${e.exercise.id} fails after its solution`);
      }
    });
  }
});
