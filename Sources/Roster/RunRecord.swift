import RosterCore
import RosterSystem
import Glibc

/// `supervisor.run` in the state directory: `PID STARTTIME RUNID` of the live supervisor. Every
/// process Roster starts carries `ROSTER_RUN=RUNID` in its environment, so after a crash the next
/// `up` can find what survived (even grandchildren) without ever touching an unrelated process.
enum RunRecord {
    /// Claims the state directory for this run, after cleaning up what a crashed run left behind.
    static func claim(path: String, runID: String, output: Output) throws(SystemError) {
        if let text = Files.read(path) {
            let fields = text.split(separator: " ").map { String($0).trimmingWhitespaceAndNewlines() }
            if fields.count == 3, let pid = Int32(fields[0]), let start = UInt64(fields[1]) {
                if pid != getpid(), ProcessTable.isRunning(pid, startedAt: start) {
                    throw SystemError("state directory \(Files.parent(of: path)) is in use by a running supervisor (pid \(pid))", code: EBUSY)
                }
                cleanUp(runID: fields[2], output: output)
            }
        }
        let me = getpid()
        let start = ProcessTable.startTime(of: me) ?? 0
        try Files.writeAtomically(path, "\(me) \(start) \(runID)\n", mode: 0o600)
    }

    /// Kills every process still carrying the marker of a dead run and waits for them to go.
    static func cleanUp(runID: String, output: Output) {
        let marker = "ROSTER_RUN=\(runID)"
        let me = getpid()
        let leftovers = ProcessTable.allPIDs().filter { $0 != me && ProcessTable.environment(of: $0, contains: marker) }
        guard !leftovers.isEmpty else { return }
        output.say("cleaning up \(leftovers.count) process(es) left by a crashed run: \(leftovers.map(String.init).joined(separator: ", "))")
        for pid in leftovers { kill(pid, SIGKILL) }
        let alive = ProcessTable.waitForExit(leftovers, timeout: 5)
        if !alive.isEmpty { output.say("still alive after SIGKILL: \(alive.map(String.init).joined(separator: ", "))") }
    }

    /// Removes the record at a clean exit.
    static func release(path: String) { unlink(path) }
}

extension String {
    func trimmingWhitespaceAndNewlines() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
