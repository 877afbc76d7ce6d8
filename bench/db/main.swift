// Database tier benchmark: cold and warm start of db-primary + db-replica under Roster, write
// throughput, and replica lag under a sustained insert load. `make bench-db`; prints a table.
import Foundation
import MariaDBClient
import Synchronization

let roster = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("roster").path
let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "10") ?? 10
let writers = Int(ProcessInfo.processInfo.environment["BENCH_WRITERS"] ?? "4") ?? 4

@discardableResult
func cli(_ arguments: String...) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: roster)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try! process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

func timed(_ body: () -> Int32) -> Double {
    let start = Date()
    precondition(body() == 0, "a roster command failed")
    return Date().timeIntervalSince(start) * 1000
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
}

let work = FileManager.default.temporaryDirectory.appendingPathComponent("roster-bench-db-\(getpid())").path
try FileManager.default.createDirectory(atPath: work + "/roles.d/app", withIntermediateDirectories: true)
try "name: app\nexec: run.sh\nnotify-access: all\n".write(toFile: work + "/roles.d/app/role.yaml", atomically: true, encoding: .utf8)
try "#!/bin/bash\nsystemd-notify --ready\nexec sleep infinity\n".write(toFile: work + "/roles.d/app/run.sh", atomically: true, encoding: .utf8)
chmod(work + "/roles.d/app/run.sh", 0o755)
let stack = work + "/roster.yaml"
try "stack: benchdb\nroles:\n  db-primary: {}\n  db-replica: {}\n  app: {}\n".write(toFile: stack, atomically: true, encoding: .utf8)
defer {
    cli("down", "-f", stack)
    try? FileManager.default.removeItem(atPath: work)
}

/// `up`, then each role ready in turn: (total, primary after `up`, replica after the primary), in ms.
func boot() -> (total: Double, primary: Double, replica: Double) {
    var primary = 0.0, replica = 0.0
    let total = timed {
        precondition(cli("up", "--detach", "-f", stack) == 0)
        primary = timed { cli("start", "db-primary", "-f", stack) }
        replica = timed { cli("start", "db-replica", "-f", stack) }
        return 0
    }
    return (total, primary, replica)
}

// Cold start: fresh state directory (install both datadirs, start, seed the replica).
let (coldTotal, coldPrimary, coldReplica) = boot()

let password = try String(contentsOfFile: work + "/.roster/secrets/db-app.password", encoding: .utf8)
func connect(_ host: String) throws -> MariaDB {
    try MariaDB(MariaDBEndpoint(host: host, port: 13306, user: "app", password: password, database: "appdb", bind: "127.79.0.1", timeout: 30))
}
try connect("127.77.0.1").execute("CREATE TABLE bench (id BIGINT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(64), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))")

// Load: `writers` connections insert one row per transaction; one more measures commit → visible on the replica.
let stop = Mutex(false)
let counts = Mutex([Int](repeating: 0, count: writers))
let finished = DispatchSemaphore(value: 0)
let threads = (0..<writers).map { index in
    Thread {
        defer { finished.signal() }
        guard let db = try? connect("127.77.0.1") else { return }
        while !stop.withLock({ $0 }) {
            guard (try? db.execute("INSERT INTO bench (body) VALUES ('writer \(index)')")) != nil else { return }
            counts.withLock { $0[index] += 1 }
        }
    }
}
let loadStart = Date()
threads.forEach { $0.start() }
var lags: [Double] = []
let probe = try connect("127.77.0.1")
let replica = try connect("127.78.0.1")
while Date().timeIntervalSince(loadStart) < seconds {
    try probe.execute("INSERT INTO bench (body) VALUES ('probe')")
    let gtid = try probe.value("SELECT @@last_gtid")!
    let committed = Date()
    let waited = try replica.value("SELECT MASTER_GTID_WAIT('\(gtid)', 10)")
    precondition(waited == "0", "the replica did not catch up within 10 s")
    lags.append(Date().timeIntervalSince(committed) * 1000)
}
stop.withLock { $0 = true }
let elapsed = Date().timeIntervalSince(loadStart)
for _ in threads { finished.wait() }
let rows = counts.withLock { $0.reduce(0, +) } + lags.count

// Warm start: the same state directory, everything already initialised and seeded.
precondition(cli("down", "-f", stack) == 0)
let (warmTotal, warmPrimary, warmReplica) = boot()

let version = (try? connect("127.77.0.1").value("SELECT VERSION()")) ?? "?"
func ms(_ value: Double) -> String { String(format: "%.0f", value) }
print("""

Roster database tier benchmark — MariaDB \(version), \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(Date())
Primary: sync-binlog=1 and innodb-flush-log-at-trx-commit=1, so every commit is on disk before it is acknowledged.

| metric | value |
|---|---:|
| cold start, both roles ready (ms: `up` → replica caught up; install + start + seed) | \(ms(coldTotal)) |
| … of which db-primary ready after `up` returned (ms) | \(ms(coldPrimary)) |
| … then db-replica seeded and caught up (ms) | \(ms(coldReplica)) |
| warm start, both roles ready (ms) | \(ms(warmTotal)) |
| … db-primary ready (ms) | \(ms(warmPrimary)) |
| … then db-replica caught up (ms) | \(ms(warmReplica)) |
| write throughput, \(writers) writers + 1 probe, one row per commit (rows/s over \(String(format: "%.0f", elapsed)) s) | \(String(format: "%.0f", Double(rows) / elapsed)) |
| replica lag under that load, commit → visible on replica, p50 / p99 / max (ms, \(lags.count) samples) | \(String(format: "%.2f / %.2f / %.2f", percentile(lags, 0.5), percentile(lags, 0.99), lags.max() ?? .nan)) |
""")
