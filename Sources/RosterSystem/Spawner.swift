import CShims
import Glibc
import Synchronization

/// Starts processes the way a supervisor must: `clone`+`execve` from the loop's thread with the child
/// in its own process group (by default), default signal dispositions, an empty signal mask,
/// `PR_SET_PDEATHSIG=SIGKILL` (so it dies with the supervisor, even by SIGKILL), stdin from
/// /dev/null, stdout+stderr into `output`, and no other inherited descriptor; optionally as another
/// user (groups, gid and uid switched in the child, before PDEATHSIG is set, since a change of
/// credentials clears it).
///
/// PDEATHSIG follows the spawning *thread*: call this only from a thread that lives as long as the
/// supervisor (the main thread, which runs the event loop).
public enum Spawner {
    /// What to start.
    public struct Request {
        /// Absolute path of the executable.
        public var path: String
        /// argv, `argv[0]` included.
        public var arguments: [String]
        /// `KEY=VALUE` entries.
        public var environment: [String]
        /// Working directory.
        public var directory: String
        /// Where stdout and stderr go (-1 keeps /dev/null semantics of the caller's choosing).
        public var output: Int32
        /// Send this signal to the child when the supervisor dies (0 = none).
        public var parentDeathSignal: Int32 = 9
        /// Which process group the child joins.
        public var group: Group = .new
        /// The account to run as (its groups, gid and uid), with `PR_SET_NO_NEW_PRIVS` so that no
        /// set-user-ID program raises the child back; nil keeps the caller's.
        public var user: Account?

        /// Process-group placement of a child.
        public enum Group: Int32, Sendable {
            /// Stay in the caller's group (a daemon under its plugin: one group to stop).
            case inherit = 0
            /// Lead a new group (an instance under the supervisor).
            case new = 1
            /// Lead a new session (a detached supervisor).
            case session = 2
        }

        /// A request with the usual supervisor settings.
        public init(path: String, arguments: [String], environment: [String], directory: String, output: Int32) {
            self.path = path
            self.arguments = arguments
            self.environment = environment
            self.directory = directory
            self.output = output
        }
    }

    /// Reserves the low descriptor that carries a child's output pipe. Call before opening many
    /// descriptors, so that a spawn never has to look past it (see cshims.c).
    public static func prepare() throws(SystemError) {
        guard shim_spawn_init() == 0 else { throw SystemError("prepare spawning") }
    }

    /// Held around each spawn: the clone stack and the output slot are shared, and a plugin may
    /// spawn from several threads (a watchdog health check, a task group). Uncontended in the
    /// supervisor, which spawns from its one thread.
    private static let spawning = Mutex(())

    /// Starts `request`; returns the pid (the new process group's id unless `group` is `.inherit`).
    public static func spawn(_ request: Request) throws(SystemError) -> Int32 {
        try spawning.withLock { _ throws(SystemError) in try spawnLocked(request) }
    }

    private static func spawnLocked(_ request: Request) throws(SystemError) -> Int32 {
        let argv = request.arguments.map { strdup($0) } + [nil]
        let envp = request.environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var error: Int32 = 0
        let groups = request.user?.groups ?? []
        let pid = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envBuffer in
                groups.withUnsafeBufferPointer { groupBuffer in
                    let spawn = { (identity: UnsafePointer<shim_identity>?) in
                        shim_spawn(request.path, argvBuffer.baseAddress, envBuffer.baseAddress, request.output,
                                   request.directory, request.parentDeathSignal, request.group.rawValue, identity, &error)
                    }
                    guard let user = request.user else { return spawn(nil) }
                    var identity = shim_identity(uid: user.uid, gid: user.gid, groups: groupBuffer.baseAddress,
                                                 group_count: Int32(groupBuffer.count))
                    return spawn(&identity)
                }
            }
        }
        guard pid > 0 else { throw SystemError("spawn \(request.path)", code: error) }
        return pid
    }

    /// The current process's environment as a dictionary (a repeated name keeps its last value).
    public static func inheritedVariables() -> [String: String] {
        var result: [String: String] = [:]
        for entry in inheritedEnvironment() {
            guard let eq = entry.firstIndex(of: "=") else { continue }
            result[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
        }
        return result
    }

    /// The current process's environment as `KEY=VALUE` strings.
    public static func inheritedEnvironment() -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }
}

/// Collects exited children (instances and adopted orphans) without blocking.
public enum Reaper {
    /// Makes this process a child subreaper, so orphans of its instances are re-parented to it.
    public static func becomeSubreaper() throws(SystemError) {
        guard shim_set_child_subreaper() == 0 else { throw SystemError("prctl PR_SET_CHILD_SUBREAPER") }
    }

    /// How a child ended.
    public enum WaitStatus: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32, core: Bool)
    }

    /// Every child that has exited since the last call.
    public static func reap() -> [(pid: Int32, status: WaitStatus)] {
        var result: [(Int32, WaitStatus)] = []
        while true {
            var raw: Int32 = 0
            let pid = waitpid(-1, &raw, WNOHANG)
            if pid <= 0 { break }
            result.append((pid, decode(raw)))
        }
        return result
    }

    /// Decodes a wait status.
    public static func decode(_ raw: Int32) -> WaitStatus {
        if shim_wifexited(raw) != 0 { return .exited(shim_wexitstatus(raw)) }
        return .signaled(shim_wtermsig(raw), core: shim_wcoredump(raw) != 0)
    }

    /// True while any process is in process group `pgid`.
    public static func groupExists(_ pgid: Int32) -> Bool {
        kill(-pgid, 0) == 0 || errno == EPERM
    }
}

/// Signals delivered as readable events (a signalfd) instead of handlers.
public final class SignalSource {
    /// The signalfd; watch it in the event loop.
    public let fd: Int32

    /// Blocks `signals` in the calling thread and opens a signalfd for them. Call before any other thread starts.
    public init(_ signals: [Int32]) throws(SystemError) {
        let fd = signals.withUnsafeBufferPointer { shim_signalfd($0.baseAddress, Int32($0.count)) }
        guard fd >= 0 else { throw SystemError("signalfd") }
        self.fd = fd
    }

    /// The pending signals, in arrival order.
    public func drain() -> [Int32] {
        var result: [Int32] = []
        while true {
            let signal = shim_signalfd_read(fd)
            if signal <= 0 { break }
            result.append(signal)
        }
        return result
    }
}

/// Pipes for capturing output.
public enum Pipe {
    /// A close-on-exec pipe whose read end is non-blocking.
    public static func make(_ what: String) throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard shim_pipe2_cloexec_nonblock_read(&fds) == 0 else { throw SystemError("pipe for \(what)") }
        return (fds[0], fds[1])
    }
}

/// Process-wide settings a supervisor wants.
public enum ProcessSettings {
    /// Raises the soft open-file limit to the hard limit (a thousand instances hold three fds each).
    public static func raiseFileLimit() { _ = shim_set_nofile_max() }
}
