import { reapStale } from "@/test/conformance/support/host";

// Test files run in worker processes whose exit hooks do not fire: once every test has run, remove what the
// workers left (their console accounts, sudoers files, namespaces), as the next run's reaper would.
export function teardown(): void {
  reapStale(process.pid);
}
