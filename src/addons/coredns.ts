/**
 * kubeadm's CoreDNS addon: the `coredns` ConfigMap (its Corefile, with the cluster domain), the
 * `coredns` Deployment (2 replicas) and the `kube-dns` Service at the 10th address of the service
 * CIDR, in `kube-system`, as `kubeadm init` installs them.
 *
 * @example
 * ```ts
 * for (const o of coreDNSObjects("10.96.0.10", "cluster.local")) api.create("kubeadm", o);
 * ```
 */
import type { ConfigMap, Deployment, KubeObject, Service } from "../api/types";

export const COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.11.3";

/** The Corefile kubeadm writes to the `coredns` ConfigMap. */
export function corefile(clusterDomain: string): string {
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;
}

export function coreDNSObjects(dnsIP: string, clusterDomain: string): KubeObject[] {
  const config: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "coredns", namespace: "kube-system" },
    data: { Corefile: corefile(clusterDomain) },
  };
  const labels = { "k8s-app": "kube-dns" };
  const svc: Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kube-dns",
      namespace: "kube-system",
      labels: { ...labels, "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" },
      annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
    },
    spec: {
      clusterIP: dnsIP,
      selector: labels,
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
      ],
    },
  };
  const dep: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "coredns", namespace: "kube-system", labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          priority: 2000000000,
          dnsPolicy: "Default",
          tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
          ],
          nodeSelector: { "kubernetes.io/os": "linux" },
          containers: [
            {
              name: "coredns",
              image: COREDNS_IMAGE,
              args: ["-conf", "/etc/coredns/Corefile"],
              resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
              ports: [
                { containerPort: 53, name: "dns", protocol: "UDP" },
                { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
                { containerPort: 9153, name: "metrics", protocol: "TCP" },
              ],
              livenessProbe: { httpGet: { path: "/health", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5 },
              readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" } },
            },
          ],
        },
      },
    },
  };
  return [config, svc, dep];
}
