import Foundation
import RosterCore
import RosterSystem
import Testing

/// A throw-away stack in a temporary directory, run by the real `roster` binary with real plugins.
/// Every wait has a deadline and an event to wait for (a change in the state directory), never a bare sleep.
final class StackHarness {
    let directory: String
    let stackFile: String
    let stateDir: String
    let roster: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A plugin: its manifest lines (besides name and exec) and its executable's text.
    struct Plugin {
        var name: String
        var manifest: String = ""
        var script: String
        var fileName: String = "run"
    }

    /// The stack file's `user:` for tests whose roles come from this checkout. Run as root, roles
    /// run as the user roster, who must be able to reach the build; a checkout it cannot reach
    /// (under /root, say) is refused by `roster up`, so there they run as root instead, and the
    /// tests that check who runs what use plugins of their own in /tmp.
    static let checkoutUser: String? = {
        guard geteuid() == 0, let roster = Account.lookup("roster"),
              let obstacle = roster.obstacle(reaching: Files.currentExecutable(), access: R_OK) else { return nil }
        writeAll(2, "note: the user roster cannot reach this checkout (\(obstacle)); these tests run the stack's roles as root\n")
        return "root"
    }()

    /// Writes `plugins` under `roles.d/` and a stack file with `roles` (YAML under `roles:`) and,
    /// when given, a top-level `user:`.
    init(_ plugins: [Plugin], roles: String, stackName: String = "t", user: String? = StackHarness.checkoutUser) throws {
        let base = FileManager.default.temporaryDirectory.path + "/roster-test-" + UUID().uuidString.prefix(8)
        directory = base
        stackFile = base + "/roster.yaml"
        stateDir = base + "/.roster"
        roster = Files.parent(of: Files.currentExecutable()) + "/roster"
        try Files.makeDirectories(stateDir + "/logs")
        for plugin in plugins {
            let dir = "\(base)/roles.d/\(plugin.name)"
            try Files.makeDirectories(dir)
            // Roles run as the user roster (Roster runs as root here), and systemd-notify then
            // speaks from its own pid, not the script's: such plugins need notify-access all
            // (docs/plugins.md), as they would under systemd.
            let access = plugin.script.contains("systemd-notify") && !plugin.manifest.contains("notify-access")
                ? "notify-access: all\n" : ""
            try Files.writeAtomically("\(dir)/role.yaml", "name: \(plugin.name)\nexec: \(plugin.fileName)\n\(plugin.manifest)\n\(access)")
            try Files.writeAtomically("\(dir)/\(plugin.fileName)", plugin.script, mode: 0o755)
        }
        try Files.writeAtomically(stackFile, "stack: \(stackName)\n\(user.map { "user: \($0)\n" } ?? "")roles:\n\(roles)\n")
    }

    deinit {
        // Stop whatever this test left running: the supervisor (by its recorded pid and start time)
        // and, through the run marker, anything that outlived it.
        if let record = Files.read(stateDir + "/supervisor.run") {
            let fields = record.split(separator: " ")
            if fields.count == 3, let pid = Int32(fields[0]), ProcessTable.startTime(of: pid) == UInt64(fields[1]) {
                kill(pid, SIGKILL)
                _ = ProcessTable.waitForExit([pid], timeout: 5)
            }
            if fields.count == 3 { killMarked(runID: String(fields[2]).trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        if let netns, Files.exists("/run/netns/\(netns)") { _ = try? runTool("/usr/sbin/ip", ["netns", "delete", netns]) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Kills every process carrying `ROSTER_RUN=runID`.
    func killMarked(runID: String) {
        let marked = markedProcesses(runID: runID)
        for pid in marked { kill(pid, SIGKILL) }
        _ = ProcessTable.waitForExit(marked, timeout: 5)
    }

    func markedProcesses(runID: String) -> [Int32] {
        ProcessTable.allPIDs().filter { ProcessTable.environment(of: $0, contains: "ROSTER_RUN=\(runID)") }
    }

    /// The run id of the current supervisor.
    var runID: String? {
        Files.read(stateDir + "/supervisor.run")?.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The supervisor's pid.
    var supervisorPID: Int32? {
        Files.read(stateDir + "/supervisor.run")?.split(separator: " ").first.flatMap { Int32($0) }
    }

    // MARK: CLI

    struct Run {
        var code: Int32
        var out: String
        var err: String
    }

    /// Runs `roster ARGS -f <stack file>` and returns its exit code and output.
    @discardableResult
    func cli(_ arguments: String...) throws -> Run {
        try run(arguments + ["-f", stackFile])
    }

    func run(_ arguments: [String]) throws -> Run {
        try runTool(roster, arguments)
    }

    /// Runs any program in the stack's directory and returns its exit code and output.
    func runTool(_ executable: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(code: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                   err: String(decoding: errData, as: UTF8.self))
    }

    /// The network namespace `up(netns:)` asked for, removed at the end if still there.
    var netns: String?

    /// `roster up --detach` (inside a network namespace of its own when `netns` is given), which must succeed.
    func up(netns: String? = nil) throws {
        self.netns = netns
        let result = try netns.map { try cli("up", "--detach", "--netns", $0) } ?? cli("up", "--detach")
        guard result.code == 0 else { throw Failure(description: "roster up failed (\(result.code)): \(result.err)\(result.out)") }
    }

    /// `roster down`, which must succeed; afterwards nothing of the run is left.
    func down() throws {
        let run = runID
        let result = try cli("down")
        guard result.code == 0 else { throw Failure(description: "roster down failed (\(result.code)): \(result.err)") }
        if let run { #expect(markedProcesses(runID: run).isEmpty, "processes left after down") }
    }

    // MARK: State

    /// The status document (`roster status --json`).
    func status() throws -> [String: Any] {
        let result = try cli("status", "--json")
        guard result.code == 0, let data = result.out.data(using: .utf8),
              let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "status failed (\(result.code)): \(result.err)")
        }
        return doc
    }

    /// One instance's entry of a status or discovery document.
    static func instance(_ doc: [String: Any], _ id: String) -> [String: Any]? {
        let role = String(id.split(separator: "/")[0])
        let roles = doc["roles"] as? [String: Any]
        let instances = (roles?[role] as? [String: Any])?["instances"] as? [[String: Any]]
        return instances?.first { $0["id"] as? String == id }
    }

    func instance(_ id: String) throws -> [String: Any] {
        guard let entry = Self.instance(try status(), id) else { throw Failure(description: "no instance \(id)") }
        return entry
    }

    func state(_ id: String) throws -> String { try instance(id)["state"] as? String ?? "?" }

    func pid(_ id: String) throws -> Int32? { (try instance(id)["pid"] as? NSNumber)?.int32Value }

    /// The discovery document as last written.
    func discovery() throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: stateDir + "/discovery.json"),
              let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "no discovery.json")
        }
        return doc
    }

    /// Waits until `condition` holds, re-checking whenever a file in the state or log directory
    /// changes (every transition writes both). Fails after `timeout` seconds.
    func waitUntil(_ what: String, timeout: Double = 15, _ condition: () throws -> Bool) throws {
        let watcher = try FileWatcher(directories: [stateDir, stateDir + "/logs"])
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                let tail = supervisorLog.split(separator: "\n").suffix(15).joined(separator: "\n")
                throw Failure(description: "timed out after \(timeout)s waiting for \(what); supervisor log ends:\n\(tail)")
            }
            watcher.wait(timeout: remaining)
        }
    }

    /// Waits until instance `id` is in `state`.
    func waitFor(_ id: String, _ state: String, timeout: Double = 15) throws {
        try waitUntil("\(id) \(state)", timeout: timeout) { try self.state(id) == state }
    }

    /// The supervisor's own log.
    var supervisorLog: String { Files.read(stateDir + "/logs/roster.log") ?? "" }

    /// An instance's log.
    func log(_ id: String) -> String {
        Files.read(stateDir + "/logs/" + id.replacingOccurrences(of: "/", with: ".") + ".log") ?? ""
    }

    /// A file an instance wrote into its own state directory.
    func instanceFile(_ id: String, _ name: String) -> String? {
        Files.read("\(stateDir)/instances/\(id)/\(name)")?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Small real plugins, as a user would write them.
enum Scripts {
    /// bash + systemd-notify: ready at once, then idles.
    static let bashReady = """
        #!/bin/bash
        echo "hello from $ROSTER_INSTANCE at $ROSTER_ADDRESS"
        systemd-notify --ready --status="bash ready"
        exec sleep infinity
        """

    /// Python, raw datagrams: the notify helper every Python fixture starts with.
    static let pythonPrelude = """
        #!/usr/bin/env python3
        import os, signal, socket, sys, time
        def notify(text):
            address = os.environ["NOTIFY_SOCKET"]
            if address.startswith("@"):
                address = "\\0" + address[1:]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.sendto(text.encode(), address)
            s.close()

        """

    static func python(_ body: String) -> String { pythonPrelude + body + "\n" }
}
