/// The lifecycle of one role instance: systemd's restart semantics as a pure value type.
///
/// One `mutating func` per event, each returning the one `Action` the runtime must carry out.
/// It performs no I/O and reads no clock: every event carries `now`, and `deadline` says when the
/// runtime must call `timerFired`. Events that do not fit the current state (a stale exit, a second
/// `READY=1`) are no-ops.
public struct InstanceMachine: Sendable {
    /// What the runtime must do after an event.
    public enum Action: Equatable, Sendable {
        case doNothing
        /// Start the process now, then report `spawned` or `spawnFailed`.
        case spawn
        /// Send a signal to the main process.
        case signalMain(Int32)
        /// Send a signal to the instance's whole process group (the main process included, if alive);
        /// afterwards report `groupEmptied` as soon as the group has no process left.
        case signalGroup(Int32)
    }

    /// What the user asked for, apart from what is: runit's `want`.
    public enum Want: Sendable { case up, down }

    /// The state shown in status and discovery.
    public enum Phase: String, Sendable {
        case waiting, starting, ready, reloading, draining, stopping, down, failed

        /// Ready or reloading: counts as serving.
        public var isReady: Bool { self == .ready || self == .reloading }
    }

    enum State: Equatable, Sendable {
        case down
        case waiting(String)
        case failed(String)
        case backoff(until: Instant)
        case starting(pid: Int32, deadline: Instant?)
        case running(pid: Int32, reloading: Bool, watchdogAt: Instant?)
        /// `pid` is nil once the main process is gone and only the rest of the group is being cleaned up.
        case stopping(pid: Int32?, killAt: Instant?)
    }

    /// The resolved timing and restart settings.
    public let lifecycle: Lifecycle
    public private(set) var want: Want = .down
    private(set) var state: State = .down
    /// Automatic restarts so far (user starts do not count).
    public private(set) var restarts = 0
    /// The last `STATUS=` text, or Roster's own explanation of a waiting or failed state.
    public private(set) var statusText: String?
    /// The last `ERRNO=`.
    public private(set) var errnoValue: Int32?
    /// When the phase last changed.
    public private(set) var since: Instant
    /// The watchdog interval in force (`WATCHDOG_USEC=` may change it); zero = off.
    public private(set) var watchdogInterval: Duration
    /// How the current run ended or is ending; the first cause sticks.
    public private(set) var result: RunResult?
    private var starts: [Instant] = []
    private var restartAfterStop = false
    private var reloadPending = false

    /// A machine in `down`, created at `now`.
    public init(lifecycle: Lifecycle, now: Instant) {
        self.lifecycle = lifecycle
        self.since = now
        self.watchdogInterval = lifecycle.watchdog
    }

    // MARK: Queries

    /// The public state.
    public var phase: Phase {
        switch state {
        case .down: return .down
        case .waiting, .backoff: return .waiting
        case .failed: return .failed
        case .starting: return .starting
        case .running(_, let reloading, _): return reloading ? .reloading : .ready
        case .stopping: return .stopping
        }
    }

    /// The main process, while there is one.
    public var mainPID: Int32? {
        switch state {
        case .starting(let pid, _), .running(let pid, _, _): return pid
        case .stopping(let pid, _): return pid
        default: return nil
        }
    }

    /// True while a process group may exist (from spawn until `groupEmptied`).
    public var hasProcesses: Bool {
        switch state {
        case .starting, .running, .stopping: return true
        default: return false
        }
    }

    /// True while held in `waiting` for the runtime to call `start` (not while backing off).
    public var isHeld: Bool {
        if case .waiting = state { return true }
        return false
    }

    /// True while a start is in progress or pending (starting, backing off, or stopping to restart).
    public var isBusy: Bool {
        switch state {
        case .starting, .backoff: return true
        case .stopping: return want == .up
        default: return false
        }
    }

    /// When the runtime must call `timerFired` next, if ever.
    public var deadline: Instant? {
        switch state {
        case .backoff(let until): return until
        case .starting(_, let deadline): return deadline
        case .running(_, _, let watchdogAt): return watchdogAt
        case .stopping(_, let killAt): return killAt
        default: return nil
        }
    }

    // MARK: Commands

    /// Hold the instance in `waiting` (wanted up, not started yet), with a reason shown in status.
    public mutating func hold(reason: String, now: Instant) {
        want = .up
        switch state {
        case .down, .failed, .waiting:
            enter(.waiting(reason), now: now)
            statusText = reason
        default: break
        }
    }

    /// Start now (the user's `start`, or the runtime once dependencies are ready). `reset` clears
    /// `failed` and the start-limit count, as `roster start` and `roster restart` do.
    public mutating func start(now: Instant, reset: Bool) -> Action {
        want = .up
        if reset { starts.removeAll(); restartAfterStop = false }
        switch state {
        case .down, .waiting, .backoff:
            return beginStart(now: now)
        case .failed:
            return reset ? beginStart(now: now) : .doNothing
        case .stopping:
            restartAfterStop = true
            return .doNothing
        case .starting, .running:
            return .doNothing
        }
    }

    /// Stop: `stop-signal` to the main process, SIGKILL to the group after `stop-timeout`.
    public mutating func stop(now: Instant) -> Action {
        want = .down
        restartAfterStop = false
        switch state {
        case .down: return .doNothing
        case .waiting, .backoff, .failed:
            enter(.down, now: now)
            statusText = nil
            return .doNothing
        case .starting(let pid, _), .running(let pid, _, _):
            enter(.stopping(pid: pid, killAt: killDeadline(now)), now: now)
            return .signalMain(lifecycle.stopSignal)
        case .stopping:
            return .doNothing
        }
    }

    /// Wanted down from now on, without stopping yet (an orderly stop of the whole stack stops
    /// dependents first): a run that ends now is not restarted, a pending start is dropped.
    public mutating func holdDown(now: Instant) {
        want = .down
        restartAfterStop = false
        switch state {
        case .waiting, .backoff:
            enter(.down, now: now)
            statusText = nil
        default: break
        }
    }

    /// Stop, then start again as soon as the group is gone, with the start limit cleared.
    public mutating func restart(now: Instant) -> Action {
        starts.removeAll()
        switch state {
        case .starting, .running:
            let action = stop(now: now)
            want = .up
            restartAfterStop = true
            return action
        case .stopping:
            want = .up
            restartAfterStop = true
            return .doNothing
        default:
            return start(now: now, reset: true)
        }
    }

    /// A watched role changed: a ready instance is told now (`reload-signal`, shown `reloading`
    /// until its next `READY=1`); a starting or reloading one is told after its next `READY=1`.
    public mutating func reloadRequested(now: Instant) -> Action {
        switch state {
        case .running(let pid, false, let at):
            enter(.running(pid: pid, reloading: true, watchdogAt: at), now: now)
            return .signalMain(lifecycle.reloadSignal)
        case .starting, .running(_, true, _):
            reloadPending = true
            return .doNothing
        default:
            return .doNothing
        }
    }

    // MARK: Events

    /// The process requested by `.spawn` is running as `pid` (its process group is `pid`).
    public mutating func spawned(pid: Int32, now: Instant) {
        let timeout = lifecycle.startTimeout
        enter(.starting(pid: pid, deadline: timeout > .zero ? now + timeout : nil), now: now)
    }

    /// The process requested by `.spawn` could not be started (`reason` says why).
    public mutating func spawnFailed(reason: String, now: Instant) -> Action {
        result = .exitCode(127)
        enter(.stopping(pid: nil, killAt: nil), now: now)
        let action = groupEmptied(now: now)
        statusText = reason + (statusText.map { "; " + $0 } ?? "")
        return action
    }

    /// The main process exited. Exits of other pids are not this machine's business.
    public mutating func mainExited(pid: Int32, status: ExitStatus, now: Instant) -> Action {
        guard mainPID == pid else { return .doNothing }
        if result == nil { result = RunResult(status) }
        switch state {
        case .starting, .running:
            enter(.stopping(pid: nil, killAt: killDeadline(now)), now: now)
        case .stopping(_, let killAt):
            state = .stopping(pid: nil, killAt: killAt)
        default: break
        }
        return .signalGroup(lifecycle.stopSignal)
    }

    /// No process of the instance's group is left: decide between down, failed and a restart.
    public mutating func groupEmptied(now: Instant) -> Action {
        guard case .stopping(nil, _) = state else { return .doNothing }
        let ended = result ?? .clean(.exited(0))
        result = nil
        if restartAfterStop {
            restartAfterStop = false
            return beginStart(now: now)
        }
        if want == .down {
            enter(.down, now: now)
            return .doNothing
        }
        if case .permanent = ended {
            // What the run said last: a plugin that gives up says why (RosterKit sends its error).
            return fail("\(ended)" + (statusText.map { ": " + $0 } ?? ""), now: now)
        }
        guard lifecycle.restart.restarts(after: ended) else {
            if ended.isSuccess {
                enter(.down, now: now)
                statusText = "\(ended)"
                return .doNothing
            }
            return fail("\(ended); restart=\(lifecycle.restart.rawValue)", now: now)
        }
        pruneStarts(now: now)
        if lifecycle.startLimitBurst > 0, starts.count >= lifecycle.startLimitBurst {
            return fail("start limit hit (\(starts.count) starts within \(lifecycle.startLimitInterval.shortDescription)); last run \(ended)", now: now)
        }
        let delay = restartDelay(base: lifecycle.restartSec, max: lifecycle.restartMaxSec, startsInWindow: starts.count)
        restarts += 1
        statusText = "\(ended); restarting in \(delay.shortDescription)"
        if delay <= .zero { return beginStart(now: now) }
        enter(.backoff(until: now + delay), now: now)
        return .doNothing
    }

    /// A notify message from an authorised sender.
    public mutating func notified(_ message: NotifyMessage, now: Instant) -> Action {
        if let text = message.status { statusText = text }
        if let value = message.errno { errnoValue = value }
        if let usec = message.watchdogUsec { watchdogInterval = .microseconds(usec) }
        if let pid = message.mainPID {
            switch state {
            case .starting(_, let deadline): state = .starting(pid: pid, deadline: deadline)
            case .running(_, let reloading, let at): state = .running(pid: pid, reloading: reloading, watchdogAt: at)
            default: break
            }
        }
        if let usec = message.extendTimeoutUsec {
            let extended = now + .microseconds(usec)
            switch state {
            case .starting(let pid, let deadline?): state = .starting(pid: pid, deadline: max(deadline, extended))
            case .stopping(let pid, let killAt?): state = .stopping(pid: pid, killAt: max(killAt, extended))
            default: break
            }
        }
        if message.watchdogTrigger {
            return watchdogFailure(reason: "watchdog triggered by the instance (WATCHDOG=trigger)", now: now)
        }
        switch state {
        case .starting(let pid, _) where message.ready:
            enter(.running(pid: pid, reloading: false, watchdogAt: watchdogDeadline(now)), now: now)
        case .running(let pid, true, let at) where message.ready:
            enter(.running(pid: pid, reloading: false, watchdogAt: at), now: now)
        case .running(let pid, false, let at) where message.reloading:
            enter(.running(pid: pid, reloading: true, watchdogAt: at), now: now)
        case .starting(let pid, _) where message.stopping, .running(let pid, _, _) where message.stopping:
            enter(.stopping(pid: pid, killAt: killDeadline(now)), now: now)
        default: break
        }
        if message.watchdogPing || message.watchdogUsec != nil, case .running(let pid, let reloading, _) = state {
            state = .running(pid: pid, reloading: reloading, watchdogAt: watchdogDeadline(now))
        }
        if message.ready, reloadPending, case .running(_, false, _) = state {
            reloadPending = false
            return reloadRequested(now: now)
        }
        return .doNothing
    }

    /// The instant in `deadline` has come (calling early or late is harmless).
    public mutating func timerFired(now: Instant) -> Action {
        guard let due = deadline, due <= now else { return .doNothing }
        switch state {
        case .backoff:
            return beginStart(now: now)
        case .starting(let pid, _):
            if result == nil { result = .timeout }
            statusText = "did not become ready within \(lifecycle.startTimeout.shortDescription)"
            enter(.stopping(pid: pid, killAt: killDeadline(now)), now: now)
            return .signalMain(lifecycle.stopSignal)
        case .running:
            return watchdogFailure(reason: "watchdog timeout (no WATCHDOG=1 within \(watchdogInterval.shortDescription))", now: now)
        case .stopping(let pid, _):
            state = .stopping(pid: pid, killAt: nil)
            return .signalGroup(9)
        default:
            return .doNothing
        }
    }

    // MARK: Helpers

    private mutating func beginStart(now: Instant) -> Action {
        pruneStarts(now: now)
        starts.append(now)
        result = nil
        statusText = nil
        errnoValue = nil
        reloadPending = false
        // A `WATCHDOG_USEC=` override lasts for one run, as in systemd.
        watchdogInterval = lifecycle.watchdog
        // The runtime reports `spawned` at once; until then the instance counts as starting.
        enter(.starting(pid: 0, deadline: nil), now: now)
        return .spawn
    }

    /// SIGABRT to the group. `WATCHDOG=trigger` counts from spawn on, as in systemd; missed pings only once ready.
    private mutating func watchdogFailure(reason: String, now: Instant) -> Action {
        let pid: Int32
        switch state {
        case .starting(let main, _), .running(let main, _, _): pid = main
        default: return .doNothing
        }
        if result == nil { result = .watchdog }
        statusText = reason
        enter(.stopping(pid: pid, killAt: killDeadline(now)), now: now)
        return .signalGroup(6)
    }

    private mutating func fail(_ reason: String, now: Instant) -> Action {
        enter(.failed(reason), now: now)
        statusText = reason
        return .doNothing
    }

    private mutating func pruneStarts(now: Instant) {
        let windowStart = now + .nanoseconds(-lifecycle.startLimitInterval.nanoseconds)
        starts.removeAll { $0 <= windowStart }
    }

    private func killDeadline(_ now: Instant) -> Instant? {
        lifecycle.stopTimeout > .zero ? now + lifecycle.stopTimeout : nil
    }

    private func watchdogDeadline(_ now: Instant) -> Instant? {
        watchdogInterval > .zero ? now + watchdogInterval : nil
    }

    private mutating func enter(_ next: State, now: Instant) {
        let before = phase
        state = next
        if phase != before { since = now }
    }
}
