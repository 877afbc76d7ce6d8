import Testing
import RosterCore

/// Swift Testing has an `ExitStatus` of its own (for exit tests); in these tests it is always Roster's.
typealias ExitStatus = RosterCore.ExitStatus

/// Drives one `InstanceMachine` with a hand-advanced clock, the way the runtime would.
///
/// Every event is delivered at `now`; tests move time with `advance` and assert on the actions
/// returned and on the machine's public state.
struct Harness {
    var machine: InstanceMachine
    /// The hand-advanced monotonic clock.
    private(set) var now = Instant(nanoseconds: 1_000_000_000_000)

    /// A machine with the DESIGN defaults, changed by `configure`.
    init(_ configure: (inout Lifecycle) -> Void = { _ in }) {
        var lifecycle = Lifecycle()
        configure(&lifecycle)
        machine = InstanceMachine(lifecycle: lifecycle, now: now)
    }

    /// `now` plus `duration`, for expected deadlines.
    func after(_ duration: Duration) -> Instant { now + duration }

    /// Moves the clock forward.
    mutating func advance(_ duration: Duration) { now = now + duration }

    /// Moves the clock to the machine's deadline (which must exist) and fires the timer there.
    mutating func fireAtDeadline(sourceLocation: SourceLocation = #_sourceLocation) -> InstanceMachine.Action {
        guard let deadline = machine.deadline else {
            Issue.record("no deadline to fire at", sourceLocation: sourceLocation)
            return .doNothing
        }
        now = deadline
        return machine.timerFired(now: now)
    }

    mutating func fire() -> InstanceMachine.Action { machine.timerFired(now: now) }
    mutating func start(reset: Bool = false) -> InstanceMachine.Action { machine.start(now: now, reset: reset) }
    mutating func stop() -> InstanceMachine.Action { machine.stop(now: now) }
    mutating func restart() -> InstanceMachine.Action { machine.restart(now: now) }
    mutating func reloadRequested() -> InstanceMachine.Action { machine.reloadRequested(now: now) }
    mutating func spawned(pid: Int32) { machine.spawned(pid: pid, now: now) }
    mutating func groupEmptied() -> InstanceMachine.Action { machine.groupEmptied(now: now) }

    mutating func exited(pid: Int32, _ status: ExitStatus) -> InstanceMachine.Action {
        machine.mainExited(pid: pid, status: status, now: now)
    }

    /// Delivers a datagram written as the plugin would send it (`"READY=1\nSTATUS=ok"`).
    mutating func notify(_ datagram: String, sourceLocation: SourceLocation = #_sourceLocation) -> InstanceMachine.Action {
        do {
            return machine.notified(try NotifyMessage.parse(Array(datagram.utf8)), now: now)
        } catch {
            Issue.record("unparsable datagram \(datagram): \(error)", sourceLocation: sourceLocation)
            return .doNothing
        }
    }

    /// start → spawn → spawned(pid) → READY=1, checking each step.
    mutating func bringUp(pid: Int32 = 100, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(start() == .spawn, sourceLocation: sourceLocation)
        spawned(pid: pid)
        #expect(notify("READY=1") == .doNothing, sourceLocation: sourceLocation)
        #expect(machine.phase == .ready, sourceLocation: sourceLocation)
    }

    /// The main process exits with `status` and its group empties: returns the machine's decision.
    mutating func crash(pid: Int32 = 100, _ status: ExitStatus = .exited(1),
                        sourceLocation: SourceLocation = #_sourceLocation) -> InstanceMachine.Action {
        #expect(exited(pid: pid, status) == .signalGroup(machine.lifecycle.stopSignal), sourceLocation: sourceLocation)
        return groupEmptied()
    }
}
