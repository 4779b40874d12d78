/**
 * Serve the fixture cluster's DNS: `node serve-fixture.js HOST PORT`. Prints `ready <port>` once listening,
 * then one JSON line per received query. Used by the network-namespace test (run inside the namespace).
 *
 * @example
 * ```sh
 * ip netns exec kld-x node .build/dns/test/dns/serve-fixture.js 10.96.0.10 53
 * ```
 */
import { DnsServer } from "../../src/dns/server";
import { fixtureDns } from "./fixtures";

const [host = "127.0.0.1", port = "0"] = process.argv.slice(2);
const dns = fixtureDns();
const server = new DnsServer((name, type) => dns.query(name, type), {
  onQuery: (q) => process.stdout.write(JSON.stringify(q) + "\n"),
});
server.start({ host, port: Number(port) }).then(
  (a) => process.stdout.write(`ready ${a.port}\n`),
  (e: unknown) => {
    process.stderr.write(`serve-fixture: ${String(e)}\n`);
    process.exit(1);
  },
);
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
