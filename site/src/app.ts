/**
 * Starts JupyterLab with the given plugin modules (JupyterLite's app template, without federated
 * extensions: everything the course uses is bundled).
 */
import { JupyterLab } from "@jupyterlab/application";
import { PageConfig } from "@jupyterlab/coreutils";
import { PluginRegistry, type IPlugin } from "@lumino/coreutils";
import { IServiceManager, type ServiceManager } from "@jupyterlab/services";

type PluginModule = { default?: unknown } | unknown;

function pluginsOf(mod: PluginModule): IPlugin<unknown, unknown>[] {
  const exports = mod !== null && typeof mod === "object" && "default" in mod ? (mod as { default: unknown }).default : mod;
  return (Array.isArray(exports) ? exports : [exports]) as IPlugin<unknown, unknown>[];
}

export async function start(extensions: [string, PluginModule][], mimeExtensions: [string, PluginModule][], disabled: string[]): Promise<void> {
  const enabled = (p: IPlugin<unknown, unknown>): boolean =>
    !PageConfig.Extension.isDisabled(p.id) && !disabled.includes(p.id) && !disabled.includes(p.id.split(":")[0]!);
  const all: (IPlugin<unknown, unknown> & { extension: string })[] = [];
  const collect = (list: [string, PluginModule][]) =>
    list.flatMap(([name, mod]) => pluginsOf(mod).filter((p) => {
      if (!enabled(p)) return false;
      all.push({ ...p, extension: name });
      return true;
    }));
  const mimes = collect(mimeExtensions);
  const plugins = collect(extensions);
  const registry = new PluginRegistry();
  registry.registerPlugins(plugins);
  const serviceManager = (await registry.resolveRequiredService(IServiceManager)) as ServiceManager.IManager;
  const app = new JupyterLab({ pluginRegistry: registry, mimeExtensions: mimes as never, serviceManager, availablePlugins: all as never });
  if (PageConfig.getOption("exposeAppInBrowser").toLowerCase() === "true") (window as unknown as { jupyterapp: JupyterLab }).jupyterapp = app;
  await app.start({ bubblingKeydown: true });
  await app.restored;
  document.body.dataset["kubelabReady"] = "true";
}
