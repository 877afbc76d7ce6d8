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

    /// The database account for local administration: named after the OS user this plugin (and its
    /// mariadbd) runs as, identified by socket credentials, so it needs no password.
    /// Looked up once: a plugin never changes user, and health checks log in every few seconds.
    public static let localUser: String = Account.current()?.name ?? "root"

    /// Creates the local administration account if it is missing (an earlier run under another
    /// OS user, a replica's seed that replaced the grant tables), kept out of the binlog: every
    /// server has its own. Part of each server's `--init-file`.
    public static func localUserStatements() -> [String] {
        let who = "\(MariaDBAccounts.literal(localUser))@'localhost'"
        return ["SET SESSION sql_log_bin=0",
                "CREATE USER IF NOT EXISTS \(who) IDENTIFIED VIA unix_socket",
                "GRANT ALL PRIVILEGES ON *.* TO \(who) WITH GRANT OPTION",
                "SET SESSION sql_log_bin=1"]
    }

    /// `statements` as one SQL script, each ended by `;` on its own line.
    public static func script(_ statements: [String]) -> String {
        statements.map { $0 + ";\n" }.joined()
    }

    /// Writes the server's `--init-file` (mode 0600: it may hold passwords): the local
    /// administration account, then `statements`.
    public static func writeInitFile(_ layout: MariaDBLayout, _ statements: [String] = []) throws(PluginError) {
        do {
            try Files.writeAtomically(layout.initFile, script(localUserStatements() + statements), mode: 0o600)
        } catch {
            throw .temporary("\(error)")
        }
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
        // `--user` is for root only (the script then hands the datadir to that user); the second
        // socket-authenticated account is the plugin's own.
        let user = geteuid() == 0 ? ["--user=root"] : []
        let result = try Command.run(["mariadb-install-db", "--defaults-file=\(layout.config)"] + user
                                     + ["--skip-test-db", "--auth-root-authentication-method=socket",
                                        "--auth-root-socket-user=\(localUser)"], timeout: .seconds(120))
        guard result.status == 0 else {
            throw .temporary("mariadb-install-db exited with \(result.status): \(result.output.split(separator: "\n").suffix(3).joined(separator: " | "))")
        }
        return true
    }

    /// An administrator's connection over the instance's own Unix socket as `localUser` (socket
    /// authentication: no password).
    public static func local(_ layout: MariaDBLayout, timeout: UInt32 = 2) throws(MariaDBError) -> MariaDB {
        try MariaDB(MariaDBEndpoint(socket: layout.socket, user: localUser, timeout: timeout))
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
