import Foundation
import Glibc
import Testing

/// RosterKit, the plugin kit, against real sockets, processes and files.
///
/// The suites run one at a time: the notify tests change the process environment, and glibc's
/// `setenv` may move `environ` while a spawn on another thread is copying it.
@Suite(.serialized) struct RosterKitTests {}

/// Waits for `fd` to become readable, at most `timeout`; true when it did.
func waitReadable(_ fd: Int32, within timeout: Duration) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        let remaining = deadline - .now
        guard remaining > .zero else { return false }
        let (seconds, attoseconds) = remaining.components
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let rc = poll(&poller, 1, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
        if rc > 0 { return true }
        if rc < 0 && errno != EINTR { return false }
    }
}

/// Sets (a nil value: unsets) environment variables around `body`, then restores what was there.
func withEnvironment<R>(_ values: [String: String?], _ body: () throws -> R) rethrows -> R {
    let saved = values.keys.map { name in (name, getenv(name).map { String(cString: $0) }) }
    func apply(_ name: String, _ value: String?) {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    for (name, value) in values { apply(name, value) }
    defer { for (name, value) in saved { apply(name, value) } }
    return try body()
}

/// A fresh directory under the system's temporary directory, removed with everything in it on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("roster-kit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
