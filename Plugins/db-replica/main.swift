// db-replica: a read-only MariaDB replica of db-primary. Seeds itself once from the primary
// (mariadb-dump with GTID), replicates with MASTER_USE_GTID=slave_pos, and is ready only when
// both replication threads run and it has caught up to where the primary was when it started.
// MariaDB cannot bind the replication connection's source address, so it connects through a
// relay (socat) that leaves from this instance's own address: grants and firewall rules hold.
import Glibc
import MariaDBClient
import RosterKit
import RosterRoles
import RosterSystem

struct Options: Decodable {
    var primary = "db-primary"
    var bufferPool = "64M"

    enum CodingKeys: String, CodingKey { case primary, bufferPool = "buffer-pool" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        primary = try container.decodeIfPresent(String.self, forKey: .primary) ?? primary
        bufferPool = try container.decodeIfPresent(String.self, forKey: .bufferPool) ?? bufferPool
    }
}

/// The replica's own state across readiness checks, reloads and status refreshes (all on the
/// plugin's one thread; `@unchecked Sendable` only because probes are declared `@Sendable`).
final class Replica: @unchecked Sendable {
    let env: PluginEnvironment
    let layout: MariaDBLayout
    let password: String
    let relayPort: Int
    let primary: Discovery.Instance
    let primaryPort: Int
    var configured = false
    var target: String?

    init(env: PluginEnvironment, layout: MariaDBLayout, password: String, relayPort: Int,
         primary: Discovery.Instance, primaryPort: Int) {
        self.env = env
        self.layout = layout
        self.password = password
        self.relayPort = relayPort
        self.primary = primary
        self.primaryPort = primaryPort
    }

    /// The primary, reached from this instance's own address.
    func primaryConnection() throws(MariaDBError) -> MariaDB {
        try MariaDB(MariaDBEndpoint(host: primary.address, port: primaryPort, user: "repl", password: password,
                                    bind: env.address, timeout: 2))
    }

    var changeMaster: String {
        """
        CHANGE MASTER TO MASTER_HOST=\(MariaDBAccounts.literal(env.address)), MASTER_PORT=\(relayPort), \
        MASTER_USER='repl', MASTER_PASSWORD=\(MariaDBAccounts.literal(password)), \
        MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=2
        """
    }

    /// Copies everything from the primary (through the relay) with its GTID position.
    func seed() throws(PluginError) {
        Notify.send(.status("seeding from \(primary.id)"), .extendTimeout(.seconds(300)))
        writeAll(2, "db-replica: seeding from \(primary.id) (\(primary.address):\(primaryPort))\n")
        // The dump brings the primary's grant tables; the local account goes back in after them.
        let local = MariaDBSetup.script(MariaDBSetup.localUserStatements())
        let script = """
            set -o pipefail
            { MYSQL_PWD="$ROSTER_REPL_PASSWORD" mariadb-dump -h "$ROSTER_ADDRESS" -P \(relayPort) -u repl --protocol=tcp \\
                --all-databases --single-transaction --gtid --master-data=1 --routines --events --triggers --flush-privileges \\
              && echo "$ROSTER_LOCAL_USER_SQL"; } \\
            | mariadb --defaults-file=\(layout.config) -u "$ROSTER_LOCAL_USER" --init-command="SET SESSION sql_log_bin=0"
            """
        var environment = PluginEnvironment.current()
        environment["ROSTER_REPL_PASSWORD"] = password
        environment["ROSTER_LOCAL_USER"] = MariaDBSetup.localUser
        environment["ROSTER_LOCAL_USER_SQL"] = local
        let result = try Command.run(["bash", "-c", script], environment: environment.map { "\($0.key)=\($0.value)" },
                                     timeout: .seconds(600))
        guard result.status == 0 else {
            throw .temporary("seeding from \(primary.id) failed (\(result.status)): \(result.output.split(separator: "\n").suffix(2).joined(separator: " | "))")
        }
        do {
            try Files.writeAtomically(layout.seededMarker, "seeded from \(primary.id)\n")
        } catch {
            throw .temporary("\(error)")
        }
        writeAll(2, "db-replica: seeded\n")
    }

    /// Ready: seeded, both replication threads running, caught up to where the primary was at start.
    func caughtUp() -> Bool {
        guard let db = try? MariaDBSetup.local(layout) else { return false }
        do {
            if !Files.exists(layout.seededMarker) { try seed() }
            if !configured {
                try db.execute("STOP SLAVE")
                try db.execute(changeMaster)
                try db.execute("START SLAVE")
                configured = true
            }
            if target == nil { target = try primaryConnection().value("SELECT @@gtid_binlog_pos") ?? "" }
            guard let status = try db.records("SHOW SLAVE STATUS").first,
                  status["Slave_IO_Running"] == "Yes", status["Slave_SQL_Running"] == "Yes" else { return false }
            guard let target, !target.isEmpty else { return true }
            return try db.value("SELECT MASTER_GTID_WAIT(\(MariaDBAccounts.literal(target)), 0)") == "0"
        } catch let error as PluginError {
            writeAll(2, "db-replica: \(error.message)\n")
            Notify.send(.status(error.message))
            return false
        } catch {
            return false
        }
    }

    /// `STATUS=`: lag in seconds and GTIDs.
    func status() -> String {
        guard let db = try? MariaDBSetup.local(layout), let status = try? db.records("SHOW SLAVE STATUS").first else {
            return "starting"
        }
        let lag = status["Seconds_Behind_Master"].map { "\($0)s" } ?? "unknown (replication stopped)"
        let mine = ((try? db.value("SELECT @@gtid_slave_pos")) ?? nil) ?? "?"
        let theirs = ((try? primaryConnection().value("SELECT @@gtid_binlog_pos")) ?? nil) ?? "unreachable"
        return "lag \(lag), gtid \(mine) of primary \(theirs)"
    }
}

Plugin.run("db-replica") {
    let env = try PluginEnvironment()
    let options = try env.options(Options.self)
    let password = try Secrets().value(MariaDBSetup.Secret.replicationPassword, create: false)
    let layout = MariaDBLayout(root: env.stateDirectory)
    guard let primary = try env.discovery().roles[options.primary]?.instances.first,
          let primaryPort = primary.ports["sql"] else {
        throw PluginError.permanent("no \(options.primary) instance with a sql port in discovery")
    }
    let replica = Replica(env: env, layout: layout, password: password, relayPort: try env.port("relay"),
                          primary: primary, primaryPort: primaryPort)
    let config = ConfigFile(path: layout.config)
    _ = try config.install(MariaDBConfig.render(layout: layout, kind: .replica, serverID: 101 + env.index,
                                                address: env.address, port: try env.port("sql"),
                                                bufferPool: options.bufferPool),
                           mode: 0o644, check: { _ in nil })
    if Files.exists(layout.data), !Files.exists(layout.seededMarker) {
        // A seed that did not finish: start over (only a replica's own copy is ever removed).
        writeAll(2, "db-replica: removing an unfinished seed in \(layout.data)\n")
        _ = try Command.run(["rm", "-rf", layout.data])
    }
    _ = try MariaDBSetup.installIfNeeded(layout)
    try MariaDBSetup.writeInitFile(layout)

    var daemon = Daemon(arguments: ["mariadbd", "--defaults-file=\(layout.config)", "--init-file=\(layout.initFile)"],
                        readiness: .probe(.custom("replication caught up") { replica.caughtUp() }),
                        stopSignal: SIGTERM, reloadSignal: SIGHUP,
                        health: .custom("SELECT 1 on \(layout.socket)") { (try? MariaDBSetup.local(layout).value("SELECT 1")) == "1" })
    daemon.sidecars = [["socat", "TCP-LISTEN:\(replica.relayPort),bind=\(env.address),reuseaddr,fork",
                        "TCP:\(primary.address):\(primaryPort),bind=\(env.address)"]]
    let runner = DaemonRunner(daemon, prepare: { () throws(PluginError) -> ConfigFile.Outcome in
        // The primary changed. Its address is fixed by the address plan; if it ever moves,
        // restart to re-point the relay. Otherwise make sure replication runs (it retries by itself).
        if let now = try env.discovery().roles[options.primary]?.instances.first,
           now.address != primary.address || now.ports["sql"] != primaryPort {
            writeAll(2, "db-replica: \(options.primary) moved to \(now.address); restarting to follow it\n")
            exit(PluginExit.temporary)
        }
        if replica.configured { _ = try? MariaDBSetup.local(layout).execute("START SLAVE") }
        return .unchanged
    }, status: { replica.status() })
    runner.statusInterval = .seconds(2)
    runner.run()
}
