import RosterKit

/// Where a MariaDB instance keeps its files, inside the instance's state directory.
public struct MariaDBLayout: Sendable {
    public let root: String
    public var config: String { root + "/my.cnf" }
    public var data: String { root + "/data" }
    public var socket: String { root + "/mysqld.sock" }
    public var pidFile: String { root + "/mysqld.pid" }
    /// SQL mariadbd runs at every start, before it says READY=1 (contains passwords: mode 0600).
    public var initFile: String { root + "/init.sql" }
    public var tmp: String { root + "/tmp" }
    /// Written once a replica's seed completed; a datadir without it is a failed seed.
    public var seededMarker: String { root + "/seeded" }

    /// The layout under `root`.
    public init(root: String) { self.root = root }
}

/// Renders `my.cnf`: explicit binlog and relay-log names, GTID, row format, durable commits, bound
/// to the instance's own address only.
public enum MariaDBConfig {
    /// What differs between a primary and a replica.
    public enum Kind: Sendable, Equatable {
        case primary
        case replica
    }

    /// The file's text.
    public static func render(layout: MariaDBLayout, kind: Kind, serverID: Int, address: String, port: Int,
                              bufferPool: String) -> String {
        let name = kind == .primary ? "primary" : "replica"
        var server: [(key: String, value: String?)] = [
            // The user the plugin runs as: as root, mariadbd would otherwise refuse to start; as
            // anyone else, naming oneself is the one value it accepts without a warning.
            ("user", MariaDBSetup.localUser),
            ("datadir", layout.data),
            ("socket", layout.socket),
            ("pid-file", layout.pidFile),
            ("tmpdir", layout.tmp),
            ("port", String(port)),
            ("bind-address", address),
            ("skip-name-resolve", nil),
            ("server-id", String(serverID)),
            ("log-bin", "\(name)-bin"),
            ("relay-log", "\(name)-relay-bin"),
            ("binlog-format", "ROW"),
            ("gtid-domain-id", "0"),
            ("gtid-strict-mode", "1"),
            ("log-slave-updates", "1"),
            // A primary acknowledges a commit only once it is on disk. A replica can always fetch
            // again from the primary (GTID position and data commit together in InnoDB), so it
            // trades per-commit fsyncs for keeping up.
            ("sync-binlog", kind == .primary ? "1" : "0"),
            ("innodb-flush-log-at-trx-commit", kind == .primary ? "1" : "2"),
            ("expire-logs-days", "2"),
            ("innodb-buffer-pool-size", bufferPool),
            ("innodb-log-file-size", "32M"),
            ("performance-schema", "0"),
            ("max-connections", "200"),
        ]
        if kind == .replica {
            server += [("read-only", "1"), ("relay-log-recovery", "1"), ("slave-net-timeout", "10"),
                       ("skip-slave-start", nil), ("slave-parallel-threads", "4"), ("slave-parallel-mode", "optimistic")]
        }
        return Render.header("MariaDB \(name)") + Render.ini([
            (name: "client", entries: [("socket", layout.socket)]),
            (name: "mariadbd", entries: server),
        ])
    }
}

/// Accounts and their grants, as idempotent SQL.
public enum MariaDBAccounts {
    /// One account at a set of client addresses.
    public struct Account: Sendable, Equatable {
        public var user: String
        public var password: String
        /// Client addresses (each instance that needs the account, by its own address).
        public var hosts: [String]
        public var privileges: String
        /// `*.*` or `` `appdb`.* ``.
        public var on: String

        public init(user: String, password: String, hosts: [String], privileges: String, on: String) {
            self.user = user
            self.password = password
            self.hosts = hosts
            self.privileges = privileges
            self.on = on
        }
    }

    /// Statements that make the accounts exist at exactly their hosts, with their passwords and grants.
    /// `existing` lists (user, host) pairs present now: those of the same users at other hosts are dropped.
    public static func statements(database: String, accounts: [Account], existing: [(user: String, host: String)] = []) -> [String] {
        var sql = ["CREATE DATABASE IF NOT EXISTS \(identifier(database)) CHARACTER SET utf8mb4"]
        for account in accounts {
            for host in account.hosts {
                let who = "\(literal(account.user))@\(literal(host))"
                sql.append("CREATE USER IF NOT EXISTS \(who) IDENTIFIED BY \(literal(account.password))")
                sql.append("ALTER USER \(who) IDENTIFIED BY \(literal(account.password))")
                sql.append("GRANT \(account.privileges) ON \(account.on) TO \(who)")
            }
            for stale in existing where stale.user == account.user && !account.hosts.contains(stale.host) {
                sql.append("DROP USER IF EXISTS \(literal(stale.user))@\(literal(stale.host))")
            }
        }
        return sql
    }

    /// A SQL string literal (the values here are generated: hex passwords, addresses, names).
    public static func literal(_ text: String) -> String {
        "'" + text.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
    }

    /// A SQL identifier.
    public static func identifier(_ text: String) -> String { "`" + text.replacing("`", with: "``") + "`" }
}
