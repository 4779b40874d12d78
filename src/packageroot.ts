/** Where this installation of kubelab lives (Node.js only); see {@link findPackageRoot}. */
export { findPackageRoot } from "./platform/files";
