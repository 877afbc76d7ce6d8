/// `notify-access`: whose notify messages count for an instance.
public enum NotifyAccess: String, Sendable, CaseIterable {
    /// Only the main process (the one Roster started, or the one named by `MAINPID=`).
    case main
    /// Any process in the instance's process group.
    case all
}

/// `user`: the account a role's instances run as, and where that was said (for messages).
public struct UserSetting: Equatable, Sendable {
    /// A user name from the passwd database (or a numeric uid).
    public var name: String
    /// The file that set it.
    public var file: String
    /// The line of the setting, when known.
    public var line: Int?

    /// A setting of `name` made in `file` at `line`.
    public init(name: String, file: String, line: Int?) {
        self.name = name
        self.file = file
        self.line = line
    }

    /// The account roles run as when Roster runs as root and nothing names one.
    public static let defaultName = "roster"

    /// True when `text` can be a user name: letters, digits, `_`, `-` and `.`, not starting with `-`,
    /// at most 32 characters (what `useradd` accepts), or a number.
    public static func isValid(_ text: String) -> Bool {
        guard let first = text.first, first != "-", text.count <= 32 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }
}

/// The manifest keys a stack file may override per role. Nil means "not set here".
public struct Tunables: Equatable, Sendable {
    public var restart: RestartPolicy?
    public var restartSec: Duration?
    public var restartMaxSec: Duration?
    public var startLimitBurst: Int?
    public var startLimitInterval: Duration?
    public var startTimeout: Duration?
    public var stopTimeout: Duration?
    public var stopSignal: Int32?
    public var reloadSignal: Int32?
    public var watchdog: Duration?
    public var notifyAccess: NotifyAccess?
    /// The account to run as (only applied when Roster runs as root).
    public var user: UserSetting?
    /// Named ports; a stack file's ports merge into the manifest's by name.
    public var ports: [String: Int] = [:]

    /// Nothing set.
    public init() {}

    /// The keys this type reads, for "unknown key" messages.
    static let keys = ["restart", "restart-sec", "restart-max-sec", "start-limit-burst", "start-limit-interval",
                       "start-timeout", "stop-timeout", "stop-signal", "reload-signal", "watchdog",
                       "notify-access", "user", "ports"]

    /// Reads one key into `self`; returns false when `key` is not a tunable.
    mutating func read(key: String, value: Node, context: String, reader: inout YAMLReader) -> Bool {
        let what = "\(context): \(key)"
        switch key {
        case "restart":
            guard let text = reader.string(value, what) else { return true }
            // YAML 1.1 reads a bare `no` as false; the user meant the policy.
            let spelled = (text == "false") ? "no" : text
            if let policy = RestartPolicy(rawValue: spelled) {
                restart = policy
            } else {
                reader.diagnostics.error(reader.file, value.mark?.line,
                    "\(context): restart \"\(text)\" is not one of \(RestartPolicy.spellings)")
            }
        case "restart-sec": restartSec = reader.duration(value, what)
        case "restart-max-sec": restartMaxSec = reader.duration(value, what)
        case "start-limit-burst": startLimitBurst = reader.integer(value, what, range: 0...1_000_000)
        case "start-limit-interval": startLimitInterval = reader.duration(value, what)
        case "start-timeout": startTimeout = reader.duration(value, what)
        case "stop-timeout": stopTimeout = reader.duration(value, what)
        case "stop-signal": stopSignal = reader.signal(value, what)
        case "reload-signal": reloadSignal = reader.signal(value, what)
        case "watchdog": watchdog = reader.duration(value, what)
        case "notify-access":
            guard let text = reader.string(value, what) else { return true }
            if let access = NotifyAccess(rawValue: text) {
                notifyAccess = access
            } else {
                reader.diagnostics.error(reader.file, value.mark?.line,
                    "\(context): notify-access \"\(text)\" is not one of main, all")
            }
        case "user":
            user = reader.user(value, what)
        case "ports":
            guard let entries = reader.mapping(value, "\(context): ports") else { return true }
            for entry in entries {
                guard entry.key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !entry.key.isEmpty else {
                    reader.diagnostics.error(reader.file, entry.line,
                        "\(context): port name \"\(entry.key)\" may hold only letters, digits, - and _")
                    continue
                }
                if let port = reader.integer(entry.value, "\(context): port \(entry.key)", range: 1...65535) {
                    ports[entry.key] = port
                }
            }
        default:
            return false
        }
        return true
    }

    /// `self` with every key set in `override` replaced; ports merge by name.
    public func overridden(by override: Tunables) -> Tunables {
        var result = self
        result.restart = override.restart ?? restart
        result.restartSec = override.restartSec ?? restartSec
        result.restartMaxSec = override.restartMaxSec ?? restartMaxSec
        result.startLimitBurst = override.startLimitBurst ?? startLimitBurst
        result.startLimitInterval = override.startLimitInterval ?? startLimitInterval
        result.startTimeout = override.startTimeout ?? startTimeout
        result.stopTimeout = override.stopTimeout ?? stopTimeout
        result.stopSignal = override.stopSignal ?? stopSignal
        result.reloadSignal = override.reloadSignal ?? reloadSignal
        result.watchdog = override.watchdog ?? watchdog
        result.notifyAccess = override.notifyAccess ?? notifyAccess
        result.user = override.user ?? user
        result.ports.merge(override.ports) { _, new in new }
        return result
    }
}

import Yams
