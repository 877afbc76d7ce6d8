import FoundationEssentials
import RosterSystem

/// A plugin's failure with the exit code the supervisor should see.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for the log and `STATUS=`.
    public var message: String
    /// 100 (permanent: configuration) or 111 (temporary).
    public var exitCode: Int32

    /// A permanent failure (configuration error: do not restart).
    public static func permanent(_ message: String) -> PluginError { PluginError(message: message, exitCode: PluginExit.permanent) }

    /// A temporary failure (restart by policy).
    public static func temporary(_ message: String) -> PluginError { PluginError(message: message, exitCode: PluginExit.temporary) }

    public var description: String { message }
}

/// What Roster tells an instance through its environment (DESIGN §2).
public struct PluginEnvironment: Sendable {
    public var stack: String
    public var domain: String?
    public var role: String
    /// `app/1`.
    public var instance: String
    /// 1 for `app/1`.
    public var index: Int
    /// The instance's own loopback address.
    public var address: String
    /// Named ports (`ROSTER_PORT_HTTP` → `http`, lower-cased, `_` → `-`).
    public var ports: [String: Int]
    /// The instance's private directory.
    public var stateDirectory: String
    /// Path of discovery.json.
    public var discoveryPath: String
    /// The role's `options`, as JSON.
    public var optionsJSON: String
    /// The stack file's absolute path (relative paths in `options` are relative to its directory).
    public var stackFile: String?

    /// Reads the environment; a missing variable is a permanent failure naming it.
    public init(_ environment: [String: String] = PluginEnvironment.current()) throws(PluginError) {
        func require(_ name: String) throws(PluginError) -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw .permanent("\(name) is not set: run this plugin under Roster (or set it by hand)")
            }
            return value
        }
        stack = try require("ROSTER_STACK")
        domain = environment["ROSTER_DOMAIN"]
        role = try require("ROSTER_ROLE")
        instance = try require("ROSTER_INSTANCE")
        index = Int(environment["ROSTER_INDEX"] ?? "") ?? Int(instance.split(separator: "/").last ?? "") ?? 0
        address = try require("ROSTER_ADDRESS")
        stateDirectory = try require("ROSTER_STATE_DIR")
        discoveryPath = try require("ROSTER_DISCOVERY")
        optionsJSON = environment["ROSTER_OPTIONS"] ?? "{}"
        stackFile = environment["ROSTER_STACK_FILE"]
        var ports: [String: Int] = [:]
        for (key, value) in environment where key.hasPrefix("ROSTER_PORT_") {
            let name = String(key.dropFirst("ROSTER_PORT_".count)).lowercased().replacing("_", with: "-")
            if let number = Int(value) { ports[name] = number }
        }
        self.ports = ports
    }

    /// The port called `name`; its absence is a permanent failure.
    public func port(_ name: String) throws(PluginError) -> Int {
        guard let number = ports[name] else {
            throw .permanent("role \(role) has no port \"\(name)\" (set ports: {\(name): N} in its manifest or the stack file)")
        }
        return number
    }

    /// The role's `options` decoded as `T`; a mismatch is a permanent failure naming the field.
    public func options<T: Decodable>(_ type: T.Type) throws(PluginError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(optionsJSON.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .permanent("options: missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .permanent("options: \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw .permanent("options: \(error)")
        }
    }

    /// `path` made absolute against the stack file's directory (as written in `options`).
    public func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/"), let stackFile else { return path }
        return Files.absolute(path, relativeTo: Files.parent(of: stackFile))
    }

    /// The current discovery document.
    public func discovery() throws(PluginError) -> Discovery {
        try Discovery.load(discoveryPath)
    }

    /// The process environment as a dictionary.
    public static func current() -> [String: String] { Spawner.inheritedVariables() }
}
