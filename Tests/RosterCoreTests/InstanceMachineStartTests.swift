import Testing
import RosterCore

/// Starting an instance and its readiness: spawn → spawned → READY=1 → ready.
@Suite struct InstanceMachineStartTests {
    @Test("A new instance is down, wanted down, with no process and no deadline")
    func newInstanceIsDown() {
        let h = Harness()
        #expect(h.machine.phase == .down)
        #expect(h.machine.want == .down)
        #expect(h.machine.mainPID == nil)
        #expect(h.machine.deadline == nil)
        #expect(!h.machine.hasProcesses)
        #expect(h.machine.restarts == 0)
        #expect(h.machine.since == h.now)
    }

    @Test("Starting a down instance asks for a spawn and shows it starting")
    func startSpawns() {
        var h = Harness()
        #expect(h.start() == .spawn)
        #expect(h.machine.phase == .starting)
        #expect(h.machine.want == .up)
        #expect(h.machine.isBusy)
    }

    @Test("A spawned instance waits for READY=1 until start-timeout")
    func spawnedArmsStartTimeout() {
        var h = Harness { $0.startTimeout = .seconds(30) }
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.machine.phase == .starting)
        #expect(h.machine.mainPID == 100)
        #expect(h.machine.hasProcesses)
        #expect(h.machine.deadline == h.after(.seconds(30)))
    }

    @Test("The default start-timeout is 90 seconds")
    func defaultStartTimeout() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.machine.deadline == h.after(.seconds(90)))
    }

    @Test("A start-timeout of 0 leaves a starting instance without a deadline")
    func zeroStartTimeoutDisables() {
        var h = Harness { $0.startTimeout = .zero }
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.machine.deadline == nil)
    }

    @Test("READY=1 makes a starting instance ready, with no deadline when there is no watchdog")
    func readyMakesReady() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        h.advance(.seconds(2))
        #expect(h.notify("READY=1") == .doNothing)
        #expect(h.machine.phase == .ready)
        #expect(h.machine.phase.isReady)
        #expect(h.machine.deadline == nil)
        #expect(h.machine.since == h.now)
        #expect(h.machine.mainPID == 100)
    }

    @Test("With a watchdog, READY=1 arms the watchdog deadline one interval later")
    func readyArmsWatchdog() {
        var h = Harness { $0.watchdog = .seconds(5) }
        _ = h.start()
        h.spawned(pid: 100)
        _ = h.notify("READY=1")
        #expect(h.machine.deadline == h.after(.seconds(5)))
    }

    @Test("A second READY=1 is a no-op: no action, no phase change, no watchdog ping")
    func secondReadyIsNoOp() {
        var h = Harness { $0.watchdog = .seconds(5) }
        h.bringUp()
        let since = h.machine.since
        let deadline = h.machine.deadline
        h.advance(.seconds(2))
        #expect(h.notify("READY=1") == .doNothing)
        #expect(h.machine.phase == .ready)
        #expect(h.machine.since == since)
        #expect(h.machine.deadline == deadline)
    }

    @Test("Starting an instance that is already starting does nothing")
    func startWhileStartingIsNoOp() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.start() == .doNothing)
        #expect(h.start(reset: true) == .doNothing)
        #expect(h.machine.mainPID == 100)
    }

    @Test("Starting an instance that is already ready does nothing")
    func startWhileReadyIsNoOp() {
        var h = Harness()
        h.bringUp()
        #expect(h.start() == .doNothing)
        #expect(h.machine.phase == .ready)
    }

    @Test("A held instance waits with its reason as status until started")
    func holdShowsReason() {
        var h = Harness()
        h.machine.hold(reason: "waiting for db-primary", now: h.now)
        #expect(h.machine.phase == .waiting)
        #expect(h.machine.isHeld)
        #expect(!h.machine.isBusy)
        #expect(h.machine.want == .up)
        #expect(h.machine.statusText == "waiting for db-primary")
        #expect(h.start() == .spawn)
        #expect(!h.machine.isHeld)
        #expect(h.machine.statusText == nil)
    }

    @Test("STATUS= becomes the status text and ERRNO= is kept")
    func statusAndErrno() {
        var h = Harness()
        h.bringUp()
        #expect(h.notify("STATUS=serving 3 clients\nERRNO=11") == .doNothing)
        #expect(h.machine.statusText == "serving 3 clients")
        #expect(h.machine.errnoValue == 11)
        #expect(h.machine.phase == .ready)
    }

    @Test("since moves only when the phase changes")
    func sinceTracksPhaseChanges() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        h.advance(.seconds(1))
        _ = h.notify("READY=1")
        let readyAt = h.now
        h.advance(.seconds(1))
        _ = h.notify("STATUS=still here")
        #expect(h.machine.since == readyAt)
    }

    @Test("MAINPID= on a starting instance moves its main pid and keeps the start deadline")
    func mainPIDWhileStarting() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        let deadline = h.machine.deadline
        #expect(h.notify("MAINPID=200") == .doNothing)
        #expect(h.machine.mainPID == 200)
        #expect(h.machine.phase == .starting)
        #expect(h.machine.deadline == deadline)
    }

    @Test("MAINPID= on a ready instance moves its main pid and keeps it ready")
    func mainPIDWhileReady() {
        var h = Harness()
        h.bringUp()
        _ = h.notify("MAINPID=200")
        #expect(h.machine.mainPID == 200)
        #expect(h.machine.phase == .ready)
    }

    @Test("After MAINPID=, the exit of the old pid is a no-op and the new pid's exit counts")
    func exitAfterMainPIDChange() {
        var h = Harness()
        h.bringUp()
        _ = h.notify("MAINPID=200")
        #expect(h.exited(pid: 100, .exited(0)) == .doNothing)
        #expect(h.machine.phase == .ready)
        #expect(h.exited(pid: 200, .exited(1)) == .signalGroup(15))
        #expect(h.machine.phase == .stopping)
    }

    @Test("The exit of a pid that is not the main process is a no-op")
    func stalePIDExitIsNoOp() {
        var h = Harness()
        h.bringUp()
        #expect(h.exited(pid: 999, .exited(1)) == .doNothing)
        #expect(h.machine.phase == .ready)
        #expect(h.machine.mainPID == 100)
    }

    @Test("A group-emptied report while the main process still runs is a no-op")
    func earlyGroupEmptiedIsNoOp() {
        var h = Harness()
        h.bringUp()
        #expect(h.groupEmptied() == .doNothing)
        #expect(h.machine.phase == .ready)
    }

    @Test("Notify messages to a down instance change nothing")
    func messagesWhileDownAreIgnored() {
        var h = Harness()
        #expect(h.notify("READY=1") == .doNothing)
        #expect(h.notify("STOPPING=1") == .doNothing)
        #expect(h.notify("WATCHDOG=trigger") == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("Only ready and reloading count as serving")
    func servingPhases() {
        let phases = InstanceMachine.Phase.allCasesForTest
        #expect(phases.count == 8, "every state name of DESIGN §2 is a phase")
        #expect(phases.filter(\.isReady) == [.ready, .reloading])
    }
}

extension InstanceMachine.Phase {
    /// Every phase, in the order DESIGN §2 lists them.
    static let allCasesForTest: [InstanceMachine.Phase] =
        ["waiting", "starting", "ready", "reloading", "draining", "stopping", "down", "failed"].compactMap { .init(rawValue: $0) }
}
