import ArgumentParser
import RosterCore
import RosterSystem
import Glibc

/// `roster logs`: per-instance logs kept under the state directory.
struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print instance logs (all, one role, or one instance), merged by time.")

    /// `-f` means follow here, as with `tail`; the stack file is `--file`.
    @Option(name: .customLong("file"), help: "The stack file.")
    var file: String = "etc/roster.yaml"

    @Flag(name: .shortAndLong, help: "Keep printing new lines as they are written.")
    var follow = false

    @Option(name: .customShort("n"), help: "Print only the last N lines.")
    var lines: Int?

    @Argument(help: "ROLE or ROLE/N (default: every instance and the supervisor).")
    var target: String?

    func run() throws {
        let directory = Files.parent(of: try CLI.controlPath(file)) + "/logs"
        let files = try selectFiles(in: directory)
        var entries: [(stamp: Substring, label: String, line: Substring)] = []
        var offsets: [String: Int] = [:]
        for (label, path) in files {
            let bytes = Files.readBytes(path) ?? []
            offsets[path] = bytes.count
            let text = String(decoding: bytes, as: UTF8.self)
            for line in text.split(separator: "\n") {
                entries.append((line.prefix { $0 != " " }, label, line))
            }
        }
        entries.sort { $0.stamp < $1.stamp }
        let width = files.map(\.label.count).max() ?? 0
        let shown = lines.map { entries.suffix(max(0, $0)) } ?? entries[...]
        var out = ""
        for entry in shown { out += Self.format(entry.label, width: width, entry.line) }
        writeAll(1, out)
        guard follow else { return }
        let watcher = try FileWatcher(directory: directory)
        while true {
            watcher.wait(timeout: nil)
            for (label, path) in try selectFiles(in: directory) {
                guard let bytes = Files.readBytes(path) else { continue }
                var offset = offsets[path] ?? 0
                if bytes.count < offset { offset = 0 }
                guard bytes.count > offset, let lastNewline = bytes[offset...].lastIndex(of: 10) else { continue }
                let text = String(decoding: bytes[offset...lastNewline], as: UTF8.self)
                offsets[path] = lastNewline + 1
                var chunk = ""
                for line in text.split(separator: "\n") { chunk += Self.format(label, width: width, line) }
                writeAll(1, chunk)
            }
        }
    }

    static func format(_ label: String, width: Int, _ line: Substring) -> String {
        label + String(repeating: " ", count: max(0, width - label.count)) + " | " + line + "\n"
    }

    /// (label, path) of every current log file the target selects.
    private func selectFiles(in directory: String) throws -> [(label: String, path: String)] {
        var result: [(String, String)] = []
        for name in Files.list(directory) where name.hasSuffix(".log") {
            let base = String(name.dropLast(4))
            if base == "roster" {
                if target == nil { result.append(("roster", directory + "/" + name)) }
                continue
            }
            guard let dot = base.lastIndex(of: "."), let index = Int(base[base.index(after: dot)...]) else { continue }
            let label = "\(base[..<dot])/\(index)"
            if let target, target != label, target != String(base[..<dot]) { continue }
            result.append((label, directory + "/" + name))
        }
        if result.isEmpty, let target {
            CLI.error("no logs for \"\(target)\" in \(directory)")
            throw ExitCode(2)
        }
        return result
    }
}
