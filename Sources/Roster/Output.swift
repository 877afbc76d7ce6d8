import RosterCore
import RosterSystem
import Glibc

/// Where the supervisor's words go: its own log file always, and in the foreground the terminal,
/// where every instance's lines are multiplexed with a role prefix (coloured on a TTY).
final class Output {
    private let log: LogFile?
    private let foreground: Bool
    private let color: Bool
    private let width: Int
    private static let palette = ["36", "33", "35", "32", "34", "31", "96", "93", "95", "92"]

    init(logPath: String?, foreground: Bool, width: Int) {
        log = logPath.flatMap { try? LogFile(path: $0) }
        self.foreground = foreground
        color = foreground && isatty(1) == 1
        self.width = width
    }

    /// A line of the supervisor's own.
    func say(_ text: String) {
        let stamp = Documents.rfc3339(Clocks.wall())
        log?.append(Array("\(stamp) \(text)\n".utf8))
        guard foreground else { return }
        writeAll(1, prefix("roster", roleIndex: nil) + text + "\n")
    }

    /// One line an instance printed.
    func instanceLine(_ line: ArraySlice<UInt8>, instance: Instance) {
        var entry = Array(Documents.rfc3339(Clocks.wall()).utf8)
        entry.append(32)
        entry += line
        entry.append(10)
        instance.log?.append(entry)
        guard foreground else { return }
        var out = Array(prefix(instance.id, roleIndex: instance.role.index).utf8)
        out += line
        out.append(10)
        writeAll(1, out)
    }

    private func prefix(_ name: String, roleIndex: Int?) -> String {
        let padded = name + String(repeating: " ", count: max(0, width - name.count))
        guard color else { return padded + " | " }
        let code = roleIndex.map { Self.palette[$0 % Self.palette.count] } ?? "1"
        return "\u{1B}[\(code)m\(padded) |\u{1B}[0m "
    }
}
