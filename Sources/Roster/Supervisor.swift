import RosterCore
import RosterSystem
import Glibc

/// The supervisor: one event loop on the main thread over a signalfd, one notify socket and one
/// output pipe per instance, the control socket and a single timerfd deadline. Every event becomes
/// a call on an instance's pure state machine; the returned action is carried out here.
public final class Supervisor {
    /// How `roster up` runs.
    public struct Options: Sendable {
        /// Multiplex instance output onto stdout.
        public var foreground: Bool
        /// Write this line to stdout once listening, then point stdout and stderr at /dev/null
        /// (`roster up --detach` reads it through a pipe).
        public var readyLine: String?

        /// Creates options.
        public init(foreground: Bool, readyLine: String? = nil) {
            self.foreground = foreground
            self.readyLine = readyLine
        }
    }

    enum TokenKind: UInt64 { case signal = 1, listener, connection, notify, output }

    let stack: Stack
    /// Who each role runs as.
    let accounts: RoleAccounts
    let options: Options
    let runID: String
    let loop: EventLoop
    let signals: SignalSource
    let output: Output
    let baseEnvironment: [String]
    var instances: [Instance] = []
    var byRole: [String: [Instance]] = [:]
    var byPID: [Int32: Instance] = [:]
    /// Slots whose main process is gone while the rest of their group is being stopped.
    var cleaning = Set<Int>()
    var listener: ControlListener?
    var connections: [UInt64: ControlConnection] = [:]
    var nextConnection: UInt64 = 1
    var waiters: [Waiter] = []
    var generation: UInt64 = 0
    var changed = true
    /// discovery.json is out of date; it is written when the loop has nothing else to do, or
    /// earlier when someone must see it (a dependent about to start, a watcher, a client).
    var publishPending = false
    var readySets: [String: [Int]] = [:]
    /// Roles some role `watches`: only their ready sets need tracking.
    lazy var watchedRoles = Set(stack.roles.flatMap(\.watches))
    var shuttingDown = false
    var shutdownWaiters: [ControlConnection] = []

    var discoveryPath: String { stack.stateDir + "/discovery.json" }
    var controlPath: String { stack.stateDir + "/control.sock" }
    var runRecordPath: String { stack.stateDir + "/supervisor.run" }
    var groupsRecordPath: String { stack.stateDir + "/supervisor.groups" }

    /// Prepares the supervisor: blocks the signals it handles (call before any thread starts),
    /// cleans up after a crashed run, and creates every instance's sockets and directories.
    public init(stack: Stack, accounts: RoleAccounts = RoleAccounts(), options: Options) throws(SystemError) {
        self.stack = stack
        self.accounts = accounts
        self.options = options
        signal(SIGPIPE, SIG_IGN)
        try Spawner.prepare()
        signals = try SignalSource([SIGCHLD, SIGTERM, SIGINT, SIGHUP])
        loop = try EventLoop()
        var generator = SystemRandomNumberGenerator()
        runID = String(generator.next(), radix: 16)
        try StateDirectory.prepare(stack, accounts: accounts)
        let width = stack.roles.map { $0.name.count + 1 + String(max(0, $0.instances - 1)).count }.max() ?? 6
        output = Output(logPath: stack.stateDir + "/logs/roster.log", foreground: options.foreground, width: max(6, width))
        baseEnvironment = Spawner.inheritedEnvironment()
        ProcessSettings.raiseFileLimit()
        try Reaper.becomeSubreaper()
        try RunRecord.claim(path: runRecordPath, groups: stack.stateDir + "/supervisor.groups", runID: runID, output: output)
        generation = Self.lastGeneration(at: stack.stateDir + "/discovery.json")
        let now = Clocks.now()
        for role in stack.roles {
            for index in 0..<role.instances {
                let instance = try Instance(role: role, index: index, slot: instances.count, stack: stack,
                                            account: accounts.byRole[role.name], runID: runID, now: now)
                instances.append(instance)
                byRole[role.name, default: []].append(instance)
            }
        }
        try loop.add(signals.fd, token: token(.signal, 0))
        for instance in instances {
            try loop.add(instance.notify.fd, token: token(.notify, instance.slot))
            try loop.add(instance.outputRead, token: token(.output, instance.slot))
        }
    }

    /// Runs until the stack has been stopped (SIGTERM, SIGINT or `roster down`). Returns the exit code.
    public func run() throws(SystemError) -> Int32 {
        let listener = try ControlListener(path: controlPath)
        self.listener = listener
        try loop.add(listener.fd, token: token(.listener, 0))
        output.say("stack \(stack.name): \(instances.count) instances of \(stack.roles.count) roles; state in \(stack.stateDir)")
        let now = Clocks.now()
        for instance in instances {
            instance.machine.hold(reason: "not started yet", now: now)
            instance.publishedPhase = instance.phase
        }
        for role in stack.roles where watchedRoles.contains(role.name) {
            readySets[role.name] = (byRole[role.name] ?? []).map(\.index) + [-1]
        }
        afterEvents(now: now)
        if let line = options.readyLine { announceReady(line) }
        var tokens: [UInt64] = []
        while !(shuttingDown && allStopped) {
            loop.setDeadline(nextDeadline()?.nanoseconds)
            loop.wait(into: &tokens, block: !publishPending)
            if tokens.isEmpty {
                flushDiscovery()
                continue
            }
            let now = Clocks.now()
            for token in tokens { dispatch(token, now: now) }
            afterEvents(now: now)
        }
        output.say("stack \(stack.name) stopped")
        publishPending = true
        flushDiscovery()
        RunRecord.release(path: runRecordPath)
        Files.remove(groupsRecordPath)
        let environment = Spawner.inheritedVariables()
        if environment["ROSTER_NETNS_CREATED"] == "1", let netns = environment["ROSTER_NETNS"] {
            // The namespace was made for this stack by `up --netns`: nothing of it is left running.
            output.say("removing network namespace \(netns)")
            _ = system("ip netns delete \(netns)")
        }
        for connection in shutdownWaiters { connection.reply(Reply.ok("stack \(stack.name) stopped")) }
        return 0
    }

    /// The earliest deadline of any instance.
    func nextDeadline() -> Instant? {
        var earliest: Instant?
        for instance in instances {
            if let deadline = instance.machine.deadline, earliest == nil || deadline < earliest! { earliest = deadline }
        }
        return earliest
    }

    var allStopped: Bool { instances.allSatisfy { !$0.machine.hasProcesses } }

    func token(_ kind: TokenKind, _ id: Int) -> UInt64 { kind.rawValue << 32 | UInt64(id) }

    private func dispatch(_ token: UInt64, now: Instant) {
        let id = Int(token & 0xFFFF_FFFF)
        switch TokenKind(rawValue: token >> 32) {
        case .signal: handleSignals(now: now)
        case .listener: acceptConnections(now: now)
        case .connection: readConnection(UInt64(id), now: now)
        case .notify: handleNotify(instances[id], now: now)
        case .output: drainOutput(instances[id])
        case nil: fireTimers(now: now)
        }
    }

    private func handleSignals(now: Instant) {
        for number in signals.drain() {
            switch number {
            case SIGCHLD: reapChildren(now: now)
            case SIGTERM, SIGINT:
                if shuttingDown {
                    output.say("second \(Signals.name(number)): killing every instance now")
                    for instance in instances { if let group = instance.processGroup { kill(-group, SIGKILL) } }
                } else {
                    output.say("\(Signals.name(number)) received: stopping the stack")
                    beginShutdown(now: now)
                }
            default:
                output.say("\(Signals.name(number)) ignored (use `roster restart` to restart roles)")
            }
        }
    }

    private func reapChildren(now: Instant) {
        for (pid, waitStatus) in Reaper.reap() {
            let status = ExitStatus(waitStatus)
            guard let instance = byPID[pid], instance.machine.mainPID == pid else { continue }
            byPID[pid] = nil
            if instance.machine.want == .up || !status.isClean {
                output.say("\(instance.id): pid \(pid) \(status)")
            }
            apply(instance.machine.mainExited(pid: pid, status: status, now: now), to: instance, now: now)
        }
        for slot in cleaning { checkGroup(instances[slot], now: now) }
    }

    private func fireTimers(now: Instant) {
        for instance in instances {
            guard let deadline = instance.machine.deadline, deadline <= now else { continue }
            apply(instance.machine.timerFired(now: now), to: instance, now: now)
        }
    }

    /// Carries out an action of `instance`'s machine.
    func apply(_ action: InstanceMachine.Action, to instance: Instance, now: Instant) {
        switch action {
        case .doNothing:
            break
        case .spawn:
            spawn(instance, now: now)
        case .signalMain(let number):
            if let pid = instance.machine.mainPID, pid > 0 { kill(pid, number) }
        case .signalGroup(let number):
            if let group = instance.processGroup { kill(-group, number) }
            if let pid = instance.machine.mainPID, pid > 0, pid != instance.processGroup { kill(pid, number) }
            if instance.machine.mainPID == nil {
                cleaning.insert(instance.slot)
                checkGroup(instance, now: now)
            }
        }
        syncMainPID(instance)
    }

    /// When the main process is gone, tells the machine as soon as its process group is empty too.
    func checkGroup(_ instance: Instance, now: Instant) {
        guard instance.machine.hasProcesses, instance.machine.mainPID == nil else {
            cleaning.remove(instance.slot)
            return
        }
        if let group = instance.processGroup, Reaper.groupExists(group) { return }
        cleaning.remove(instance.slot)
        instance.processGroup = nil
        instance.startedAt = nil
        apply(instance.machine.groupEmptied(now: now), to: instance, now: now)
    }

    private func spawn(_ instance: Instance, now: Instant) {
        var request = Spawner.Request(
            path: instance.role.executable, arguments: [instance.role.executable] + instance.role.args,
            environment: instance.environment(stack: stack, base: baseEnvironment, runID: runID),
            directory: instance.stateDirectory, output: instance.outputWrite)
        request.parentDeathSignal = SIGKILL
        request.user = instance.account
        do {
            let pid = try Spawner.spawn(request)
            instance.processGroup = pid
            instance.groupStart = ProcessTable.startTime(of: pid)
            instance.startedAt = Clocks.wall()
            instance.machine.spawned(pid: pid, now: now)
            byPID[pid] = instance
        } catch {
            output.say("\(instance.id): \(error)")
            apply(instance.machine.spawnFailed(reason: "\(error)", now: now), to: instance, now: now)
        }
    }

    /// Keeps `byPID` in step with the machine's main pid (which `MAINPID=` may change).
    func syncMainPID(_ instance: Instance) {
        guard let pid = instance.machine.mainPID, pid > 0, byPID[pid] !== instance else { return }
        for (old, owner) in byPID where owner === instance { byPID[old] = nil }
        byPID[pid] = instance
    }

    private func announceReady(_ line: String) {
        writeAll(1, line + "\n")
        let devnull = open("/dev/null", O_WRONLY)
        if devnull >= 0 {
            dup2(devnull, 1)
            dup2(devnull, 2)
            close(devnull)
        }
    }

    static func lastGeneration(at path: String) -> UInt64 {
        guard let text = Files.read(path), let range = text.firstRange(of: "\"generation\":") else { return 0 }
        return UInt64(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}
