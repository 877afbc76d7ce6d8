import Foundation
import MariaDBClient
import RosterSystem
import Synchronization
import Testing

/// The database tier with real MariaDB: db-primary and db-replica under Roster.
@Suite(.serialized)
struct DatabaseTests {
    /// A stack with the two database roles and a stand-in `app` role, whose address the tests
    /// connect from (the primary grants the application account to app instances only).
    static func stack() throws -> StackHarness {
        let stack = try StackHarness([.init(name: "app", script: Scripts.bashReady)],
                                     roles: "  db-primary: {}\n  db-replica: {}\n  app: {}")
        try stack.up()
        try stack.waitFor("db-replica/0", "ready", timeout: 60)
        return stack
    }

    static func password(_ stack: StackHarness) -> String { Files.read(stack.stateDir + "/secrets/db-app.password") ?? "" }

    static func app(_ stack: StackHarness, host: String = "127.77.0.1", timeout: UInt32 = 3) throws -> MariaDB {
        try MariaDB(MariaDBEndpoint(host: host, port: 13306, user: "app", password: password(stack), database: "appdb",
                                    bind: "127.79.0.1", timeout: timeout))
    }

    static func root(_ stack: StackHarness, _ id: String) throws -> MariaDB {
        try MariaDB(MariaDBEndpoint(socket: "\(stack.stateDir)/instances/\(id)/mysqld.sock", user: "root"))
    }

    /// The mariadbd child of an instance's plugin.
    static func mariadbd(of stack: StackHarness, _ id: String) throws -> Int32? {
        guard let plugin = try stack.pid(id) else { return nil }
        return ProcessTable.allPIDs().first { pid in
            guard let stat = Files.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
            return stat.contains("(mariadbd)") && stat[stat.index(after: close)...].split(separator: " ").dropFirst().first == "\(plugin)"
        }
    }

    /// Both become ready; writes on the primary reach the read-only replica; accounts are limited
    /// to the instances that need them; secrets are 0600 and appear neither in discovery nor in logs.
    @Test func primaryAndReadOnlyReplica() throws {
        let stack = try Self.stack()
        let primary = try Self.app(stack)
        try primary.execute("CREATE TABLE IF NOT EXISTS notes (id INT PRIMARY KEY, body TEXT)")
        try primary.execute("INSERT INTO notes VALUES (1, 'hello')")
        let gtid = try #require(try primary.value("SELECT @@last_gtid"))
        let replica = try Self.app(stack, host: "127.78.0.1")
        #expect(try replica.value("SELECT MASTER_GTID_WAIT('\(gtid)', 10)") == "0")
        #expect(try replica.value("SELECT body FROM notes WHERE id = 1") == "hello")
        #expect(throws: MariaDBError.self) { try replica.execute("INSERT INTO notes VALUES (2, 'no')") }
        // Not from an address that has no business with the database.
        #expect(throws: MariaDBError.self) {
            try MariaDB(MariaDBEndpoint(host: "127.77.0.1", port: 13306, user: "app", password: Self.password(stack), bind: "127.80.0.9"))
        }
        let hosts = try Self.root(stack, "db-primary/0").query("SELECT user, host FROM mysql.user WHERE user IN ('app','repl') ORDER BY user")
        #expect(hosts.map { "\($0[0] ?? "")@\($0[1] ?? "")" } == ["app@127.79.0.1", "repl@127.78.0.1"])
        for name in ["db-app.password", "db-repl.password"] {
            var info = stat()
            #expect(stat(stack.stateDir + "/secrets/" + name, &info) == 0 && info.st_mode & 0o777 == 0o600)
            let secret = try #require(Files.read(stack.stateDir + "/secrets/" + name))
            #expect(!(Files.read(stack.stateDir + "/discovery.json") ?? "").contains(secret))
            for log in Files.list(stack.stateDir + "/logs") {
                #expect(!(Files.read(stack.stateDir + "/logs/" + log) ?? "").contains(secret), "\(name) in \(log)")
            }
        }
        #expect(try stack.instance("db-replica/0")["status"] as? String ?? "" != "")
        try stack.down()
    }

    /// A replica restart resumes without re-seeding; after a primary restart the replica resumes by itself.
    @Test func restartsResumeReplication() throws {
        let stack = try Self.stack()
        try Self.app(stack).execute("CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)")
        #expect(try stack.cli("restart", "db-replica").code == 0)
        #expect(try stack.cli("restart", "db-primary").code == 0)
        let writer = try Self.app(stack)
        try writer.execute("INSERT INTO t VALUES (42)")
        let gtid = try #require(try writer.value("SELECT @@last_gtid"))
        #expect(try Self.app(stack, host: "127.78.0.1").value("SELECT MASTER_GTID_WAIT('\(gtid)', 20)") == "0")
        #expect(stack.log("db-replica/0").components(separatedBy: "seeding from").count == 2, "seeded more than once")
        try stack.down()
    }

    /// With a writer committing continuously, kill -9 the primary, then the replica, then both:
    /// afterwards every acknowledged row is on the primary and on the replica, and nothing else.
    @Test func noAcknowledgedWriteIsLostUnderKill9() throws {
        let stack = try Self.stack()
        try Self.app(stack).execute("CREATE TABLE IF NOT EXISTS ledger (id BIGINT PRIMARY KEY, note VARCHAR(40))")
        let writer = Writer(password: Self.password(stack))
        let thread = Thread { writer.run() }
        thread.start()
        func waitForMore(_ rows: Int) throws {
            guard writer.waitFor(writer.acknowledgedCount + rows, timeout: 60) else {
                throw StackHarness.Failure(description: writer.failed ?? "the writer made no progress for 60 s")
            }
        }
        try waitForMore(30)
        for victims in [["db-primary/0"], ["db-replica/0"], ["db-primary/0", "db-replica/0"]] {
            let restarts = try victims.map { try stack.instance($0)["restarts"] as? Int ?? 0 }
            for victim in victims { kill(try #require(try Self.mariadbd(of: stack, victim)), SIGKILL) }
            for (victim, before) in zip(victims, restarts) {
                try stack.waitUntil("\(victim) restarted and ready", timeout: 60) {
                    let entry = try stack.instance(victim)
                    return entry["restarts"] as? Int ?? 0 > before && entry["state"] as? String == "ready"
                }
            }
            try waitForMore(30)
        }
        writer.stop()
        #expect(writer.done.wait(timeout: .now() + 10) == .success, "the writer did not stop")
        let primary = try Self.app(stack)
        let position = try #require(try primary.value("SELECT @@gtid_binlog_pos"))
        let replica = try Self.app(stack, host: "127.78.0.1", timeout: 30)
        #expect(try replica.value("SELECT MASTER_GTID_WAIT('\(position)', 30)") == "0")
        let onPrimary = Set(try primary.query("SELECT id FROM ledger").compactMap { $0[0].flatMap { Int64($0) } })
        let onReplica = Set(try replica.query("SELECT id FROM ledger").compactMap { $0[0].flatMap { Int64($0) } })
        let acknowledged = writer.acknowledged
        let inDoubt = writer.inDoubt
        #expect(acknowledged.count >= 120)
        #expect(acknowledged.isSubset(of: onPrimary), "lost on the primary: \(acknowledged.subtracting(onPrimary).sorted().prefix(10))")
        #expect(onPrimary.isSubset(of: acknowledged.union(inDoubt)), "rows nobody wrote: \(onPrimary.subtracting(acknowledged.union(inDoubt)).sorted().prefix(10))")
        #expect(onReplica == onPrimary, "replica differs by \(onPrimary.symmetricDifference(onReplica).count) rows")
        try stack.down()
    }

    /// Databases made by an earlier run as root keep their data and keep working once the roles
    /// run as roster: the supervisor hands the directories over, and each server's init file
    /// recreates the plugin's socket-authenticated account.
    @Test(.enabled(if: StackHarness.checkoutUser == nil, "the user roster cannot reach this checkout"))
    func databasesFromARunAsRootCarryOverToRoster() throws {
        let stack = try StackHarness([.init(name: "app", script: Scripts.bashReady)],
                                     roles: "  db-primary: {}\n  db-replica: {}\n  app: {}", user: "root")
        try stack.up()
        try stack.waitFor("db-replica/0", "ready", timeout: 60)
        try Self.app(stack).execute("CREATE TABLE carried (id INT PRIMARY KEY)")
        try Self.app(stack).execute("INSERT INTO carried VALUES (7)")
        try stack.down()
        #expect(Files.owner(of: stack.stateDir + "/instances/db-primary/0/data")?.uid == 0)

        let text = try #require(Files.read(stack.stackFile))
        try Files.writeAtomically(stack.stackFile, text.replacing("user: root\n", with: ""))
        try stack.up()
        try stack.waitFor("db-replica/0", "ready", timeout: 60)
        let roster = try #require(Account.lookup("roster"))
        for id in ["db-primary/0", "db-replica/0"] {
            #expect(Files.owner(of: stack.stateDir + "/instances/\(id)/data")?.uid == roster.uid, "\(id)")
            let server = try #require(try Self.mariadbd(of: stack, id))
            #expect(Files.read("/proc/\(server)/status")?.contains("Uid:\t\(roster.uid)\t") == true, "\(id): mariadbd runs as roster")
        }
        #expect(try Self.app(stack).value("SELECT id FROM carried") == "7")
        #expect(try Self.app(stack, host: "127.78.0.1").value("SELECT id FROM carried") == "7")
        try stack.waitUntil("the primary's plugin logs in to report its status") {
            (try stack.instance("db-primary/0")["status"] as? String ?? "").hasPrefix("connections")
        }
        try stack.down()
    }
}

/// Commits one row per transaction, as fast as it can, and keeps score: a row is acknowledged when
/// its COMMIT returned; in doubt when the connection died with the statement sent.
final class Writer: Sendable {
    private struct State {
        var acknowledged = Set<Int64>()
        var inDoubt = Set<Int64>()
        var stopping = false
        var finished = false
        var failed: String?
    }
    private let state = Mutex(State())
    private let password: String
    /// Signalled when `run` returns.
    let done = DispatchSemaphore(value: 0)
    /// Signalled after every acknowledged row.
    private let progress = DispatchSemaphore(value: 0)

    /// Waits (on the writer's own progress events) until `count` rows are acknowledged.
    func waitFor(_ count: Int, timeout: Double) -> Bool {
        let deadline = DispatchTime.now() + timeout
        while acknowledgedCount < count {
            if failed != nil || progress.wait(timeout: deadline) == .timedOut { return acknowledgedCount >= count }
        }
        return true
    }

    init(password: String) { self.password = password }

    var acknowledgedCount: Int { state.withLock { $0.acknowledged.count } }
    var acknowledged: Set<Int64> { state.withLock { $0.acknowledged } }
    var inDoubt: Set<Int64> { state.withLock { $0.inDoubt } }
    var finished: Bool { state.withLock { $0.finished } }
    var failed: String? { state.withLock { $0.failed } }

    func stop() { state.withLock { $0.stopping = true } }

    func run() {
        var next: Int64 = 1
        var connection: MariaDB?
        let started = Date()
        while !state.withLock({ $0.stopping }) {
            if Date().timeIntervalSince(started) > 240 {
                state.withLock { $0.failed = "writer ran for 4 minutes" }
                break
            }
            if connection == nil {
                connection = try? MariaDB(MariaDBEndpoint(host: "127.77.0.1", port: 13306, user: "app", password: password,
                                                          database: "appdb", bind: "127.79.0.1", timeout: 2))
                if connection == nil {
                    // The primary is restarting: wait for its port rather than spinning.
                    var poller = pollfd(fd: -1, events: 0, revents: 0)
                    _ = poll(&poller, 0, 20)
                    continue
                }
            }
            let id = next
            do {
                try connection!.execute("INSERT INTO ledger VALUES (\(id), 'row \(id)')")
                state.withLock { _ = $0.acknowledged.insert(id) }
                progress.signal()
                next += 1
            } catch {
                state.withLock { _ = $0.inDoubt.insert(id) }
                next += 1
                connection = nil
            }
        }
        state.withLock { $0.finished = true }
        done.signal()
    }
}
