import FoundationEssentials
import RosterSystem

/// `discovery.json`, typed (its JSON Schema is `docs/discovery.schema.json`).
public struct Discovery: Codable, Equatable, Sendable {
    public var stack: String
    public var domain: String?
    /// Increases with every write, across supervisor restarts.
    public var generation: UInt64
    public var roles: [String: Role]

    /// One role's instances.
    public struct Role: Codable, Equatable, Sendable {
        public var instances: [Instance]
    }

    /// One instance as other roles see it.
    public struct Instance: Codable, Equatable, Sendable {
        /// `app/1`.
        public var id: String
        public var address: String
        public var ports: [String: Int]
        /// `waiting`, `starting`, `ready`, `reloading`, `draining`, `stopping`, `down` or `failed`.
        public var state: String
        public var pid: Int32?
        /// RFC 3339 UTC.
        public var since: String

        /// Ready or reloading: it serves.
        public var isReady: Bool { state == "ready" || state == "reloading" }

        /// `address:port` of the named port, if it has one.
        public func endpoint(_ port: String) -> String? { ports[port].map { "\(address):\($0)" } }
    }

    /// Reads and decodes the file; a missing or malformed file is a temporary failure.
    public static func load(_ path: String) throws(PluginError) -> Discovery {
        guard let bytes = Files.readBytes(path) else { throw .temporary("cannot read discovery file \(path)") }
        return try decode(bytes, path: path)
    }

    /// Decodes a discovery document.
    public static func decode(_ bytes: [UInt8], path: String = "discovery.json") throws(PluginError) -> Discovery {
        do {
            return try JSONDecoder().decode(Discovery.self, from: Data(bytes))
        } catch {
            throw .temporary("\(path) is not a discovery document: \(error)")
        }
    }

    /// The instances of `role` that serve (ready or reloading), in index order; empty for an unknown role.
    public func ready(_ role: String) -> [Instance] {
        (roles[role]?.instances ?? []).filter(\.isReady)
    }
}
