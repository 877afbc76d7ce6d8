import Glibc
import MariaDBClient
import RosterKit
import RosterSystem

/// Steps both database roles share.
public enum MariaDBSetup {
    /// The names of the stack's shared database secrets.
    public enum Secret {
        public static let appPassword = "db-app.password"
        public static let replicationPassword = "db-repl.password"
    }

    /// Initialises the datadir with `mariadb-install-db` unless it exists. An existing datadir is
    /// never touched.
    public static func installIfNeeded(_ layout: MariaDBLayout) throws(PluginError) -> Bool {
        if Files.exists(layout.data + "/mysql") { return false }
        do {
            try Files.makeDirectories(layout.tmp, mode: 0o700)
        } catch {
            throw .temporary("\(error)")
        }
        Notify.send(.status("initialising \(layout.data)"), .extendTimeout(.seconds(60)))
        let result = try Command.run(["mariadb-install-db", "--defaults-file=\(layout.config)", "--user=root",
                                      "--skip-test-db", "--auth-root-authentication-method=socket"], timeout: .seconds(120))
        guard result.status == 0 else {
            throw .temporary("mariadb-install-db exited with \(result.status): \(result.output.split(separator: "\n").suffix(3).joined(separator: " | "))")
        }
        return true
    }

    /// A root connection over the instance's own Unix socket (socket authentication: no password).
    public static func local(_ layout: MariaDBLayout, timeout: UInt32 = 2) throws(MariaDBError) -> MariaDB {
        try MariaDB(MariaDBEndpoint(socket: layout.socket, user: "root", timeout: timeout))
    }

    /// The client addresses of every instance of `roles` in discovery (whatever their state: a
    /// waiting instance will need its grant when it starts).
    public static func addresses(of roles: [String], in discovery: Discovery) -> [String] {
        roles.flatMap { discovery.roles[$0]?.instances.map(\.address) ?? [] }.sorted()
    }

    /// `status` text for a running server: connections and binlog position.
    public static func serverStatus(_ db: MariaDB) -> String? {
        guard let connected = try? db.value("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='THREADS_CONNECTED'"),
              let gtid = try? db.value("SELECT @@gtid_binlog_pos") else { return nil }
        let binlog = (try? db.records("SHOW MASTER STATUS"))?.first.map { "\($0["File"] ?? "?"):\($0["Position"] ?? "?")" } ?? "off"
        return "connections \(connected), binlog \(binlog), gtid \(gtid.isEmpty ? "none" : gtid)"
    }
}
