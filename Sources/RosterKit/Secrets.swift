import Glibc
import RosterSystem

/// The stack's secrets (database passwords and the like): one file each, mode 0600, in the
/// directory Roster gives as `ROSTER_SECRETS_DIR` (mode 0700). Never put them in discovery.json,
/// logs, command lines or `STATUS=`.
public struct Secrets: Sendable {
    /// The directory.
    public let directory: String

    /// The secrets directory of this stack.
    public init(_ environment: [String: String] = PluginEnvironment.current()) throws(PluginError) {
        guard let directory = environment["ROSTER_SECRETS_DIR"], !directory.isEmpty else {
            throw .permanent("ROSTER_SECRETS_DIR is not set: run this plugin under Roster")
        }
        self.directory = directory
    }

    /// A secrets directory at `directory` (tests, tools).
    public init(directory: String) { self.directory = directory }

    /// The secret `name`, created (32 random hex characters) if it does not exist yet. Creation is
    /// exclusive, so two instances racing to create it end up with the same value.
    public func value(_ name: String, create: Bool = true) throws(PluginError) -> String {
        let path = directory + "/" + name
        if let existing = Files.read(path), !existing.isEmpty { return existing }
        guard create else { throw .temporary("secret \(name) does not exist yet (\(path))") }
        var generator = SystemRandomNumberGenerator()
        let value = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST, let existing = Files.read(path), !existing.isEmpty { return existing }
            throw .temporary("\(SystemError("create secret \(path)"))")
        }
        defer { close(fd) }
        guard writeAll(fd, value), fsync(fd) == 0 else { throw .temporary("\(SystemError("write secret \(path)"))") }
        return value
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
