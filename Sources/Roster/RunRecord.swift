import RosterCore
import RosterSystem
import Glibc

/// `supervisor.run` in the state directory: `PID STARTTIME RUNID` of the live supervisor. Every
/// process Roster starts carries `ROSTER_RUN=RUNID` in its environment, so after a crash the next
/// `up` can find what survived (even grandchildren) without ever touching an unrelated process.
enum RunRecord {
    /// Claims the state directory for this run, after cleaning up what a crashed run left behind.
    static func claim(path: String, groups: String, runID: String, output: Output) throws(SystemError) {
        if let text = Files.read(path) {
            let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
            if fields.count == 3, let pid = Int32(fields[0]), let start = UInt64(fields[1]) {
                if pid != getpid(), ProcessTable.isRunning(pid, startedAt: start) {
                    throw SystemError("state directory \(Files.parent(of: path)) is in use by a running supervisor (pid \(pid))", code: EBUSY)
                }
                cleanUp(runID: fields[2], groups: groups, output: output)
            }
        }
        let me = getpid()
        let start = ProcessTable.startTime(of: me) ?? 0
        try Files.writeAtomically(path, "\(me) \(start) \(runID)\n", mode: 0o600)
    }

    /// Kills every process still carrying the marker of a dead run, or still in one of its recorded
    /// process groups (daemons such as nginx clear their workers' environment), and waits for them.
    /// A group counts only while its leader is gone or is still the process recorded (pid plus
    /// start time), and only members started after that leader: an unrelated process is never hit.
    static func cleanUp(runID: String, groups: String, output: Output) {
        let marker = "ROSTER_RUN=\(runID)"
        let me = getpid()
        var recorded: [Int32: UInt64] = [:]
        for line in (Files.read(groups) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let group = Int32(parts[0]), let start = UInt64(parts[1]) else { continue }
            if let leader = ProcessTable.startTime(of: group), leader != start { continue }
            recorded[group] = start
        }
        let leftovers = ProcessTable.allPIDs().filter { pid in
            guard pid != me else { return false }
            if ProcessTable.environment(of: pid, contains: marker) { return true }
            guard let group = ProcessTable.processGroup(of: pid), let start = recorded[group],
                  let started = ProcessTable.startTime(of: pid) else { return false }
            return started >= start
        }
        guard !leftovers.isEmpty else { return }
        output.say("cleaning up \(leftovers.count) process(es) left by a crashed run: \(leftovers.map(String.init).joined(separator: ", "))")
        for pid in leftovers { kill(pid, SIGKILL) }
        let alive = ProcessTable.waitForExit(leftovers, timeout: 5)
        if !alive.isEmpty { output.say("still alive after SIGKILL: \(alive.map(String.init).joined(separator: ", "))") }
    }

    /// Removes the record at a clean exit.
    static func release(path: String) { unlink(path) }
}
