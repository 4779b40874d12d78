/**
 * Loaded by mocha before any test (`.mocharc.json` → `require`): turns on the API server's mutation
 * detector — every stored object deep-frozen, as client-go's cache mutation detector does in
 * Kubernetes' own tests — here and in the kernels and tools the tests start (they inherit the
 * environment).
 */
process.env["KUBELAB_MUTATION_DETECTOR"] = "1";
