import { Cluster, type ClusterOptions } from "../../src/cluster";

/** The seed's hello-world Deployment + Service, with a configurable replica count and extras. */
export function helloWorld(replicas = 4, extra: { readinessProbe?: boolean; livenessProbe?: boolean; image?: string } = {}): string {
  const probes = [
    extra.readinessProbe ? "readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 5 }" : "",
    extra.livenessProbe ? "livenessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 5 }" : "",
  ].filter(Boolean);
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: hello-world }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      containers:
        - name: web
          image: ${extra.image ?? "nginx:1.27"}
          ports: [{ containerPort: 8080 }]
${probes.map((p) => `          ${p}`).join("\n")}
---
apiVersion: v1
kind: Service
metadata: { name: hello-world }
spec: { selector: { app: hello }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
`;
}

export function newCluster(opts: ClusterOptions = {}): Cluster {
  return new Cluster({ nodes: 3, seed: 42, ...opts });
}
