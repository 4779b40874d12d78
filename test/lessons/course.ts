/**
 * The course exported once per test process: `course.test.ts` and `pages.test.ts` both check the pages
 * `npm run lessons` writes, and running the eight lessons takes a minute or more, so they share one export
 * (removed when the process exits).
 */
import * as path from "node:path";
import { courseNotebooks, exportNotebooks, type ExportResult } from "../../tools/course/main";
import { readNotebook, type Notebook } from "../../tools/course/notebook";
import { repoRoot, tempDir } from "./tools";

/** The course as exported, with what the export said along the way. */
export interface ExportedCourse {
  /** The source notebooks, in course order. */
  lessons: string[];
  /** The output directory. */
  dir: string;
  result: ExportResult;
  /** Each page's executed notebook, by page path. */
  executed: Map<string, Notebook>;
  /** The progress lines of the export. */
  progress: string[];
}

let course: Promise<ExportedCourse> | undefined;

/**
 * Exports `notebooks/` (the code path of `npm run lessons`, with the executed copies kept) the first time it
 * is called; later calls get the same export.
 *
 * @example
 * ```ts
 * const { result } = await exportedCourse();
 * result.lessons[0].page; // → "/tmp/kubelab-lessons-course-…/01-control-plane.html"
 * ```
 */
export function exportedCourse(): Promise<ExportedCourse> {
  course ??= (async () => {
    const lessons = courseNotebooks(path.join(repoRoot(), "notebooks"));
    const out = tempDir("course");
    process.once("exit", out.remove);
    const progress: string[] = [];
    const result = await exportNotebooks(lessons, { out: out.dir, writeNotebooks: true, progress: (l) => progress.push(l) });
    const executed = new Map(result.lessons.map((l) => [l.page, readNotebook(l.executed!)] as const));
    return { lessons, dir: out.dir, result, executed, progress };
  })();
  return course;
}
