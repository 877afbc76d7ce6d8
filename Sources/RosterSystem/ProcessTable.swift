import CShims
import Glibc

/// Read-only questions about other processes, answered from /proc.
public enum ProcessTable {
    /// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), nil if gone.
    /// A pid plus its start time names one process for good: pids are reused, the pair is not.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = statFields(pid), stat.count > 19 else { return nil }
        return UInt64(stat[19])
    }

    /// True when `pid` is running (not a zombie) and started at `startTime`: the same process as recorded.
    public static func isRunning(_ pid: Int32, startedAt startTime: UInt64) -> Bool {
        guard let fields = statFields(pid), fields.count > 19, UInt64(fields[19]) == startTime else { return false }
        return fields[0] != "Z" && fields[0] != "X"
    }

    /// The parent of `pid` (field 4 of /proc/PID/stat), nil if gone.
    public static func parent(of pid: Int32) -> Int32? {
        guard let fields = statFields(pid), fields.count > 1 else { return nil }
        return Int32(fields[1])
    }

    /// The process group of `pid`, nil if gone.
    public static func processGroup(of pid: Int32) -> Int32? {
        let group = getpgid(pid)
        return group >= 0 ? group : nil
    }

    /// Fields after the `(comm)` of /proc/PID/stat; index 0 is field 3 (state).
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = Files.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Every pid now in /proc.
    public static func allPIDs() -> [Int32] {
        Files.list("/proc").compactMap { Int32($0) }
    }

    /// True when the environment of `pid` holds exactly `entry` (`KEY=VALUE`). False when unreadable.
    public static func environment(of pid: Int32, contains entry: String) -> Bool {
        guard let bytes = Files.readBytes("/proc/\(pid)/environ") else { return false }
        let wanted = Array(entry.utf8)
        return bytes.split(separator: 0, omittingEmptySubsequences: true).contains { $0.elementsEqual(wanted) }
    }

    /// Resident memory of `pid` in KiB (VmRSS), nil if gone.
    public static func residentKiB(of pid: Int32) -> Int? {
        guard let status = Files.read("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
}

extension ProcessTable {
    /// Waits until every process in `pids` has exited (they need not be our children), at most
    /// `timeout` seconds. Returns the pids still alive.
    public static func waitForExit(_ pids: [Int32], timeout: Double) -> [Int32] {
        var watched: [(pid: Int32, fd: Int32)] = pids.compactMap { pid in
            let fd = shim_pidfd_open(pid)
            return fd >= 0 ? (pid, fd) : nil
        }
        defer { watched.forEach { close($0.fd) } }
        let deadline = Clocks.monotonicNanoseconds() + Int64(timeout * 1e9)
        while !watched.isEmpty {
            let remaining = deadline - Clocks.monotonicNanoseconds()
            guard remaining > 0 else { break }
            var polls = watched.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let n = poll(&polls, nfds_t(polls.count), Int32(max(1, remaining / 1_000_000)))
            if n < 0 && errno != EINTR { break }
            for (index, entry) in polls.enumerated().reversed() where entry.revents != 0 {
                close(watched[index].fd)
                watched.remove(at: index)
            }
        }
        return watched.map(\.pid)
    }
}
