import RosterSystem

/// A daemon's configuration file, replaced only by a candidate that the daemon's own check mode
/// accepted (`nginx -t`, `haproxy -c`, `nft -c`): an invalid new config never replaces a working one.
public struct ConfigFile: Sendable {
    /// Where the daemon reads it.
    public let path: String

    /// The file at `path`.
    public init(path: String) { self.path = path }

    /// What happened to a proposed text.
    public enum Outcome: Equatable, Sendable {
        /// It was the same as the installed file: nothing to do.
        case unchanged
        /// It passed the check and is installed.
        case installed
    }

    /// Writes `text` to `path.candidate`, runs `check` with the candidate's path, and if it succeeds
    /// atomically replaces `path`. A check failure throws (with the checker's output) and leaves
    /// `path` untouched. `check` returns nil for success or the reason for refusal.
    public func install(_ text: String, mode: UInt32 = 0o600, check: (String) throws(PluginError) -> String?) throws(PluginError) -> Outcome {
        if Files.read(path) == text { return .unchanged }
        let candidate = path + ".candidate"
        do {
            try Files.writeAtomically(candidate, text, mode: mode)
        } catch {
            throw .temporary("\(error)")
        }
        if let refusal = try check(candidate) {
            Files.remove(candidate)
            throw .permanent("new configuration rejected, keeping the running one: \(refusal)")
        }
        do {
            try Files.writeAtomically(path, text, mode: mode)
        } catch {
            throw .temporary("\(error)")
        }
        Files.remove(candidate)
        return .installed
    }

    /// A check that runs a command (with `{}` replaced by the candidate's path) and refuses on a
    /// non-zero status, quoting its last output line.
    public static func commandCheck(_ arguments: [String]) -> (String) throws(PluginError) -> String? {
        { candidate throws(PluginError) in
            let result = try Command.run(arguments.map { $0 == "{}" ? candidate : $0 })
            guard result.status != 0 else { return nil }
            let lines = result.output.split(separator: "\n").map(String.init)
            let last = lines.last { !$0.allSatisfy(\.isWhitespace) }
            return "\(arguments[0]) exited with \(result.status)" + (last.map { ": " + $0 } ?? "")
        }
    }
}
