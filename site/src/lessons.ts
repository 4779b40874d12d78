/**
 * Lessons in the browser: JupyterLite keeps a learner's saved edits in the browser's storage
 * (IndexedDB); "Reset Lesson" puts the shipped notebook back.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { Dialog, ICommandPalette, showDialog } from "@jupyterlab/apputils";
import { PageConfig, URLExt } from "@jupyterlab/coreutils";
import { IMainMenu } from "@jupyterlab/mainmenu";
import { INotebookTracker } from "@jupyterlab/notebook";

const RESET = "kubelab:reset-lesson";

/** Restores the shipped version of the notebook at `path`, and reloads it where it is open. */
export async function resetLesson(app: JupyterFrontEnd, tracker: INotebookTracker, path: string): Promise<void> {
  const res = await fetch(URLExt.join(PageConfig.getBaseUrl(), "files", path), { cache: "no-cache" });
  if (!res.ok) throw new Error(`${path} is not one of the shipped lessons`);
  const content = (await res.json()) as unknown;
  await app.serviceManager.contents.save(path, { type: "notebook", format: "json", content });
  const open = tracker.find((w) => w.context.path === path);
  if (open) await open.context.revert();
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: "@kubelab/site:lessons",
  description: 'The "Reset Lesson" command',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, IMainMenu],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, palette: ICommandPalette | null, menu: IMainMenu | null) => {
    app.commands.addCommand(RESET, {
      label: "Reset Lesson",
      caption: "Discard your edits to this lesson and restore the notebook as shipped",
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const nb = tracker.currentWidget;
        if (!nb) return;
        const path = nb.context.path;
        const answer = await showDialog({
          title: "Reset lesson",
          body: `Discard your edits to ${path} and restore the lesson as shipped?`,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: "Reset" })],
        });
        if (answer.button.accept) await resetLesson(app, tracker, path);
      },
    });
    palette?.addItem({ command: RESET, category: "Notebook Operations" });
    menu?.fileMenu.addGroup([{ command: RESET }], 40);
  },
};

export default plugin;
