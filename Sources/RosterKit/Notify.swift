import CSystemd
import RosterSystem
import Glibc

/// Messages to the supervisor (Roster, or systemd itself) over `NOTIFY_SOCKET`, through libsystemd's
/// `sd_notify`. Without `NOTIFY_SOCKET` every send is a no-op, so a plugin also runs by hand.
public enum Notify {
    /// One `KEY=VALUE` of the notify protocol.
    public enum Field: Equatable, Sendable {
        /// `READY=1`: serving.
        case ready
        /// `RELOADING=1` with `MONOTONIC_USEC=` (now): re-reading configuration; answer `.ready` when done.
        case reloading
        /// `STOPPING=1`.
        case stopping
        /// `STATUS=…`: one line shown by `roster status`.
        case status(String)
        /// `ERRNO=…`.
        case errno(Int32)
        /// `MAINPID=…`: another process is now the main one.
        case mainPID(Int32)
        /// `WATCHDOG=1`: alive and healthy.
        case watchdog
        /// `WATCHDOG=trigger`: ask to be treated as hung.
        case watchdogTrigger
        /// `EXTEND_TIMEOUT_USEC=…`: more time for the start or stop in progress.
        case extendTimeout(Duration)
    }

    /// Sends the fields in one datagram. Returns true when a supervisor received it.
    @discardableResult
    public static func send(_ fields: Field...) -> Bool { send(fields) }

    /// Sends the fields in one datagram. Returns true when a supervisor received it.
    @discardableResult
    public static func send(_ fields: [Field]) -> Bool {
        sd_notify(0, render(fields, monotonicMicroseconds: monotonicMicroseconds())) > 0
    }

    /// The datagram's text (pure, for tests).
    public static func render(_ fields: [Field], monotonicMicroseconds: Int64) -> String {
        fields.map { field -> String in
            switch field {
            case .ready: return "READY=1"
            case .reloading: return "RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)"
            case .stopping: return "STOPPING=1"
            case .status(let text): return "STATUS=" + text.split(whereSeparator: \.isNewline).joined(separator: " ")
            case .errno(let value): return "ERRNO=\(value)"
            case .mainPID(let pid): return "MAINPID=\(pid)"
            case .watchdog: return "WATCHDOG=1"
            case .watchdogTrigger: return "WATCHDOG=trigger"
            case .extendTimeout(let duration):
                let (seconds, attoseconds) = duration.components
                return "EXTEND_TIMEOUT_USEC=\(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)"
            }
        }.joined(separator: "\n")
    }

    /// The watchdog interval the supervisor expects (`WATCHDOG_USEC`), or nil when none is set.
    public static func watchdogInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }

    static func monotonicMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}

/// Exit codes of the plugin contract.
public enum PluginExit {
    /// Clean exit.
    public static let clean: Int32 = 0
    /// Permanent failure (bad configuration): the supervisor never restarts the instance.
    public static let permanent: Int32 = 100
    /// Temporary failure: the restart policy decides.
    public static let temporary: Int32 = 111
}

/// The frame of a plugin's `main`.
public enum Plugin {
    /// Runs `body` (which ends by running the daemon, or by exiting) and turns any error into the
    /// contract's answer: the message on stderr and in `STATUS=`, and exit 100 for a
    /// `PluginError.permanent` (configuration), 111 otherwise.
    public static func run(_ name: String, _ body: () throws -> Never) -> Never {
        do {
            try body()
        } catch let error as PluginError {
            writeAll(2, "\(name): \(error.message)\n")
            Notify.send(.status(error.message))
            exit(error.exitCode)
        } catch {
            writeAll(2, "\(name): \(error)\n")
            Notify.send(.status("\(error)"))
            exit(PluginExit.temporary)
        }
    }
}
