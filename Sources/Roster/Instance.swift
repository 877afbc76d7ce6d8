import RosterCore
import RosterSystem
import Glibc

/// The runtime's record of one instance: its state machine plus the descriptors and buffers that
/// belong to it. Owned by the supervisor loop; never shared across threads.
final class Instance {
    let role: RoleSpec
    let index: Int
    /// Position in the supervisor's instance table (used in event-loop tokens).
    let slot: Int
    let id: String
    let address: String
    let stateDirectory: String
    /// The account the instance runs as; nil runs it as the supervisor's own user.
    let account: Account?
    var machine: InstanceMachine
    let notify: NotifySocket
    /// Read end of the output pipe (the supervisor keeps the write end, so it never reads EOF).
    let outputRead: Int32
    let outputWrite: Int32
    let logPath: String
    /// Opened on the first line of output: a quiet instance costs no file.
    private(set) lazy var log: LogFile? = try? LogFile(path: logPath)
    /// Bytes of an unfinished output line.
    var partialLine: [UInt8] = []
    /// The process group of the current run (= the pid Roster started), kept until the group is empty.
    var processGroup: Int32?
    /// Start time (clock ticks since boot) of the process that leads the current group, so a
    /// crashed run's groups can be found again without hitting an unrelated process.
    var groupStart: UInt64?
    /// Wall-clock time the current process started, for uptime.
    var startedAt: Double?
    /// Wall-clock time of the last phase change.
    var since: Double
    /// Phase at the last publish, to notice changes.
    var publishedPhase: InstanceMachine.Phase
    /// Main pid at the last publish.
    var publishedPID: Int32?
    /// This instance's object in discovery.json, kept until its phase or pid changes.
    var discoveryJSON: String?

    init(role: RoleSpec, index: Int, slot: Int, stack: Stack, account: Account?, runID: String, now: Instant) throws(SystemError) {
        self.role = role
        self.index = index
        self.slot = slot
        id = "\(role.name)/\(index)"
        address = AddressPlan.address(roleIndex: role.index, instance: index)
        stateDirectory = "\(StateDirectory.roleDirectory(stack, role.name))/\(index)"
        self.account = account
        machine = InstanceMachine(lifecycle: role.lifecycle, now: now)
        // Named by slot, which is never reused (an instance removed by `scale` keeps its slot).
        notify = try NotifySocket(address: "@roster/\(runID)/\(slot)")
        (outputRead, outputWrite) = try Pipe.make("\(role.name)/\(index)")
        // The pipe belongs to its creator (mode 0600): opening /dev/stdout or /dev/stderr reopens it
        // through /proc, so it must be the instance's, or `echo … >/dev/stderr` fails as another user.
        if let account, fchown(outputWrite, account.uid, account.gid) != 0 {
            throw SystemError("chown the output pipe of \(role.name)/\(index)")
        }
        try StateDirectory.prepareInstance(stateDirectory, account: account)
        logPath = "\(stack.stateDir)/logs/\(role.name).\(index).log"
        since = Clocks.wall()
        publishedPhase = machine.phase
    }

    /// Taken out of its front tier: still running, no longer counted as serving.
    var draining = false
    /// Removed by `roster scale`: its slot stays, inert, and nothing shows it.
    private(set) var removed = false

    /// The phase shown to users and other roles: `draining` while drained and otherwise serving.
    var phase: InstanceMachine.Phase { draining && machine.phase.isReady ? .draining : machine.phase }

    deinit { release() }

    /// Closes the instance's descriptors and marks it removed.
    func release() {
        guard !removed else { return }
        removed = true
        notify.close()
        close(outputRead)
        close(outputWrite)
    }

    /// The environment of DESIGN §2 on top of the supervisor's own; an instance that runs as
    /// another account gets that account's `HOME`, `USER`, `LOGNAME` and `SHELL`, as systemd's `User=` does.
    func environment(stack: Stack, base: [String], runID: String) -> [String] {
        let personal = ["HOME=", "USER=", "LOGNAME=", "SHELL=", "MAIL=", "XDG_RUNTIME_DIR="]
        var env = base.filter { entry in
            !entry.hasPrefix("NOTIFY_SOCKET=") && !entry.hasPrefix("WATCHDOG_") && !entry.hasPrefix("ROSTER_")
                && !entry.hasPrefix("LISTEN_") && !(account != nil && personal.contains { entry.hasPrefix($0) })
        }
        if let account {
            env += ["HOME=\(account.home)", "USER=\(account.name)", "LOGNAME=\(account.name)", "SHELL=\(account.shell)"]
        }
        env.append("NOTIFY_SOCKET=\(notify.address)")
        if machine.watchdogInterval > .zero { env.append("WATCHDOG_USEC=\(machine.watchdogInterval.microseconds)") }
        env.append("ROSTER_STACK=\(stack.name)")
        if let domain = stack.domain { env.append("ROSTER_DOMAIN=\(domain)") }
        env.append("ROSTER_ROLE=\(role.name)")
        env.append("ROSTER_INSTANCE=\(id)")
        env.append("ROSTER_INDEX=\(index)")
        env.append("ROSTER_ADDRESS=\(address)")
        for port in role.ports {
            let name = port.name.uppercased().replacing("-", with: "_")
            env.append("ROSTER_PORT_\(name)=\(port.number)")
        }
        env.append("ROSTER_DISCOVERY=\(stack.stateDir)/discovery.json")
        env.append("ROSTER_STATE_DIR=\(stateDirectory)")
        env.append("ROSTER_SECRETS_DIR=\(stack.stateDir)/secrets")
        env.append("ROSTER_STACK_FILE=\(stack.file)")
        env.append("ROSTER_OPTIONS=\(role.optionsJSON)")
        env.append("ROSTER_RUN=\(runID)")
        return env
    }

    /// What status and discovery show now.
    func snapshot(now: Double) -> InstanceSnapshot {
        InstanceSnapshot(
            id: id, role: role.name, index: index, phase: phase, pid: machine.mainPID, since: since,
            uptime: machine.mainPID != nil ? startedAt.map { now - $0 } : nil, restarts: machine.restarts,
            address: address, ports: role.ports, status: machine.statusText)
    }
}
