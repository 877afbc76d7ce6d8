import Dispatch
import MariaDBClient
import RosterKit
import Synchronization

/// The database tier as the app sees it: writes go to the primary, reads to a ready replica
/// (round robin, falling back to the primary), each through a small pool of connections made from
/// the instance's own address. Blocking libmariadb calls run on Dispatch's global queue, never on
/// the server's event loops. A lost connection is retried once on a fresh one; an unreachable
/// database fails fast (1 s connect timeout) so requests answer 503 instead of hanging.
final class Database: Sendable {
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// The endpoints in use, from discovery.
    struct Endpoints: Equatable, Sendable {
        var primary: Discovery.Instance?
        var replicas: [Discovery.Instance]
    }

    private struct State {
        var endpoints = Endpoints(primary: nil, replicas: [])
        var idle: [String: [MariaDB]] = [:]
        var nextReplica = 0
    }

    // MariaDB connections are not Sendable; they only ever move between threads through this lock.
    private let state = Mutex(State())
    private let user = "app"
    private let password: String
    private let database: String
    private let bind: String
    private let primaryRole: String
    private let replicaRole: String

    init(password: String, database: String, bind: String, primaryRole: String, replicaRole: String) {
        self.password = password
        self.database = database
        self.bind = bind
        self.primaryRole = primaryRole
        self.replicaRole = replicaRole
    }

    var endpoints: Endpoints { state.withLock { $0.endpoints } }

    /// Takes the endpoints from discovery; connections to endpoints no longer in use are closed.
    func follow(_ discovery: Discovery) {
        let endpoints = Endpoints(primary: discovery.roles[primaryRole]?.instances.first,
                                  replicas: discovery.ready(replicaRole))
        // Dropped connections are handed out of the lock and closed here, as `stale` goes away.
        let stale: [MariaDB] = state.withLock { state in
            state.endpoints = endpoints
            let keep = Set(([endpoints.primary].compactMap { $0 } + endpoints.replicas).compactMap { $0.endpoint("sql") })
            var dropped: [MariaDB] = []
            for key in state.idle.keys where !keep.contains(key) { dropped += state.idle.removeValue(forKey: key) ?? [] }
            return dropped
        }
        withExtendedLifetime(stale) {}
    }

    /// Runs `body` on a primary connection.
    func write<T: Sendable>(_ body: @escaping @Sendable (MariaDB) throws -> T) async throws -> T {
        guard let primary = endpoints.primary else { throw Unavailable(description: "no \(primaryRole) in discovery") }
        return try await run(on: primary, body)
    }

    /// Runs `body` on a replica connection (the primary when `consistent`, or when no replica is ready).
    func read<T: Sendable>(consistent: Bool = false, _ body: @escaping @Sendable (MariaDB) throws -> T) async throws -> T {
        let target: Discovery.Instance? = state.withLock { state in
            guard !consistent, !state.endpoints.replicas.isEmpty else { return state.endpoints.primary }
            state.nextReplica = (state.nextReplica + 1) % state.endpoints.replicas.count
            return state.endpoints.replicas[state.nextReplica]
        }
        guard let target else { throw Unavailable(description: "no database in discovery") }
        do {
            return try await run(on: target, body)
        } catch let error as MariaDBError where error.isConnectionError && target != endpoints.primary {
            // A replica went away between discovery updates: the primary can answer.
            guard let primary = endpoints.primary else { throw error }
            return try await run(on: primary, body)
        }
    }

    private func run<T: Sendable>(on instance: Discovery.Instance, _ body: @escaping @Sendable (MariaDB) throws -> T) async throws -> T {
        guard let key = instance.endpoint("sql"), let port = instance.ports["sql"] else {
            throw Unavailable(description: "\(instance.id) has no sql port")
        }
        let endpoint = MariaDBEndpoint(host: instance.address, port: port, user: user, password: password,
                                       database: database, bind: bind, timeout: 5)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.blocking(key: key, endpoint: endpoint, body) })
            }
        }
    }

    private func blocking<T>(key: String, endpoint: MariaDBEndpoint, _ body: (MariaDB) throws -> T) throws -> T {
        for attempt in 0..<2 {
            let reused = state.withLock { $0.idle[key]?.popLast() }
            let connection: MariaDB
            if let reused { connection = reused } else {
                var quick = endpoint
                quick.timeout = 1
                connection = try MariaDB(quick)
            }
            do {
                let result = try body(connection)
                state.withLock { state in
                    if state.idle[key, default: []].count < 16 { state.idle[key, default: []].append(connection) }
                }
                return result
            } catch let error as MariaDBError where error.isConnectionError && attempt == 0 && reused != nil {
                continue   // a stale pooled connection: once more on a fresh one
            } catch let error as MariaDBError where !error.isConnectionError {
                state.withLock { $0.idle[key, default: []].append(connection) }
                throw error
            }
        }
        throw Unavailable(description: "lost the connection to \(key) twice")
    }
}
