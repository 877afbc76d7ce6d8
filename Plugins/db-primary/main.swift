// db-primary: MariaDB as the stack's primary. Initialises its datadir once (never again), keeps
// the application and replication accounts in step with the instances that connect, and lets
// mariadbd report its own readiness.
import Glibc
import MariaDBClient
import RosterKit
import RosterRoles
import RosterSystem

struct Options: Decodable {
    /// The application database.
    var database = "appdb"
    /// Roles whose instances get the application account.
    var clients = ["app"]
    /// Roles whose instances get the replication account.
    var replicas = ["db-replica"]
    var bufferPool = "64M"

    enum CodingKeys: String, CodingKey { case database, clients, replicas, bufferPool = "buffer-pool" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        database = try container.decodeIfPresent(String.self, forKey: .database) ?? database
        clients = try container.decodeIfPresent([String].self, forKey: .clients) ?? clients
        replicas = try container.decodeIfPresent([String].self, forKey: .replicas) ?? replicas
        bufferPool = try container.decodeIfPresent(String.self, forKey: .bufferPool) ?? bufferPool
    }
}

/// Reading the database needs nothing more; writing needs the DML and schema privileges the app uses.
let appPrivileges = "SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES"
/// Replication, plus what mariadb-dump needs to seed a new replica.
let replicationPrivileges = "REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR, SELECT, SHOW VIEW, TRIGGER, LOCK TABLES, EVENT, RELOAD"

Plugin.run("db-primary") {
    let env = try PluginEnvironment()
    let options = try env.options(Options.self)
    let secrets = try Secrets()
    let appPassword = try secrets.value(MariaDBSetup.Secret.appPassword)
    let replicationPassword = try secrets.value(MariaDBSetup.Secret.replicationPassword)
    let layout = MariaDBLayout(root: env.stateDirectory)
    let config = ConfigFile(path: layout.config)
    _ = try config.install(MariaDBConfig.render(layout: layout, kind: .primary, serverID: 1 + env.index,
                                                address: env.address, port: try env.port("sql"),
                                                bufferPool: options.bufferPool),
                           mode: 0o644, check: { _ in nil })
    if try MariaDBSetup.installIfNeeded(layout) {
        writeAll(2, "db-primary: initialised a new datadir in \(layout.data)\n")
    }

    func accounts(_ discovery: Discovery) -> [MariaDBAccounts.Account] {
        [MariaDBAccounts.Account(user: "app", password: appPassword,
                                 hosts: MariaDBSetup.addresses(of: options.clients, in: discovery),
                                 privileges: appPrivileges, on: MariaDBAccounts.identifier(options.database) + ".*"),
         MariaDBAccounts.Account(user: "repl", password: replicationPassword,
                                 hosts: MariaDBSetup.addresses(of: options.replicas, in: discovery),
                                 privileges: replicationPrivileges, on: "*.*")]
    }

    // mariadbd runs this before it says READY=1, so dependents never see a primary without accounts.
    try MariaDBSetup.writeInitFile(layout, MariaDBAccounts.statements(database: options.database,
                                                                      accounts: accounts(try env.discovery())))

    var started = false
    let runner = DaemonRunner(
        Daemon(arguments: ["mariadbd", "--defaults-file=\(layout.config)", "--init-file=\(layout.initFile)"],
               readiness: .notify, stopSignal: SIGTERM, reloadSignal: SIGHUP,
               health: .custom("SELECT 1 on \(layout.socket)") { (try? MariaDBSetup.local(layout).value("SELECT 1")) == "1" }),
        prepare: { () throws(PluginError) -> ConfigFile.Outcome in
            guard started else {
                started = true
                return .unchanged
            }
            // A watched role changed: bring the accounts in step with its instances, live.
            do {
                let db = try MariaDBSetup.local(layout)
                let existing = try db.query("SELECT user, host FROM mysql.user WHERE user IN ('app', 'repl')")
                    .map { (user: $0[0] ?? "", host: $0[1] ?? "") }
                for statement in MariaDBAccounts.statements(database: options.database, accounts: accounts(try env.discovery()), existing: existing) {
                    try db.execute(statement)
                }
            } catch let error as PluginError {
                throw error
            } catch {
                throw .temporary("cannot update accounts: \(error)")
            }
            return .unchanged
        },
        status: { (try? MariaDBSetup.local(layout)).flatMap(MariaDBSetup.serverStatus) ?? "starting" })
    runner.statusInterval = .seconds(2)
    runner.run()
}
