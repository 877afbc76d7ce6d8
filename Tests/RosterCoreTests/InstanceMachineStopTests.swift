import Testing
import RosterCore

/// Stopping and user restarts: stop-signal, SIGKILL after stop-timeout, and restart as soon as the group is gone.
@Suite struct InstanceMachineStopTests {
    @Test("Stopping a ready instance sends stop-signal to the main process and arms the kill deadline")
    func stopSignalsMain() {
        var h = Harness { $0.stopTimeout = .seconds(7) }
        h.bringUp()
        #expect(h.stop() == .signalMain(15))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.want == .down)
        #expect(h.machine.mainPID == 100)
        #expect(h.machine.deadline == h.after(.seconds(7)))
        #expect(!h.machine.isBusy)
    }

    @Test("Stopping uses the role's stop-signal")
    func stopUsesStopSignal() {
        var h = Harness { $0.stopSignal = 3 }
        h.bringUp()
        #expect(h.stop() == .signalMain(3))
    }

    @Test("A stopped instance whose group empties is down and is not restarted")
    func stoppedInstanceIsDown() {
        var h = Harness { $0.restart = .always }
        h.bringUp()
        _ = h.stop()
        #expect(h.exited(pid: 100, .signaled(15, core: false)) == .signalGroup(15))
        #expect(h.groupEmptied() == .doNothing)
        #expect(h.machine.phase == .down)
        #expect(h.machine.deadline == nil)
        #expect(h.machine.restarts == 0)
        #expect(!h.machine.hasProcesses)
    }

    @Test("An unclean exit in answer to a stop still leaves the instance down, not failed")
    func uncleanExitAfterStopIsDown() {
        var h = Harness()
        h.bringUp()
        _ = h.stop()
        _ = h.crash(.exited(1))
        #expect(h.machine.phase == .down)
    }

    @Test("A process that ignores stop-signal gets SIGKILL to its whole group at stop-timeout")
    func stopEscalatesToKill() {
        var h = Harness { $0.stopTimeout = .seconds(5) }
        h.bringUp()
        _ = h.stop()
        h.advance(.seconds(4))
        #expect(h.fire() == .doNothing)
        #expect(h.fireAtDeadline() == .signalGroup(9))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.deadline == nil)
        #expect(h.exited(pid: 100, .signaled(9, core: false)) == .signalGroup(15))
        #expect(h.groupEmptied() == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("With stop-timeout 0 a stop waits for the process without a kill deadline")
    func zeroStopTimeoutWaits() {
        var h = Harness { $0.stopTimeout = .zero }
        h.bringUp()
        _ = h.stop()
        #expect(h.machine.deadline == nil)
    }

    @Test("Stopping a starting instance sends stop-signal before it is ready")
    func stopWhileStarting() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.stop() == .signalMain(15))
        #expect(h.machine.phase == .stopping)
    }

    @Test("Stopping while backing off leaves the instance down and cancels the restart")
    func stopWhileBackingOff() {
        var h = Harness()
        h.bringUp()
        _ = h.crash()
        #expect(h.stop() == .doNothing)
        #expect(h.machine.phase == .down)
        #expect(h.machine.deadline == nil)
        #expect(h.machine.statusText == nil)
        h.advance(.seconds(1))
        #expect(h.fire() == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("Stopping a held instance leaves it down")
    func stopWhileHeld() {
        var h = Harness()
        h.machine.hold(reason: "waiting for app", now: h.now)
        #expect(h.stop() == .doNothing)
        #expect(h.machine.phase == .down)
        #expect(!h.machine.isHeld)
        #expect(h.machine.statusText == nil)
    }

    @Test("Stopping a failed instance leaves it down")
    func stopWhileFailed() {
        var h = Harness { $0.restart = .no }
        h.bringUp()
        _ = h.crash()
        #expect(h.stop() == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("Stopping a down instance does nothing")
    func stopWhileDown() {
        var h = Harness()
        let since = h.machine.since
        h.advance(.seconds(1))
        #expect(h.stop() == .doNothing)
        #expect(h.machine.phase == .down)
        #expect(h.machine.since == since)
    }

    @Test("A second stop while stopping does nothing and keeps the kill deadline")
    func secondStopIsNoOp() {
        var h = Harness()
        h.bringUp()
        _ = h.stop()
        let deadline = h.machine.deadline
        h.advance(.seconds(1))
        #expect(h.stop() == .doNothing)
        #expect(h.machine.deadline == deadline)
    }

    @Test("restart() of a ready instance stops it, then spawns as soon as the group is empty")
    func restartStopsThenSpawns() {
        var h = Harness { $0.restartSec = .seconds(5) }
        h.bringUp()
        #expect(h.restart() == .signalMain(15))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.want == .up)
        #expect(h.machine.isBusy)
        #expect(h.exited(pid: 100, .signaled(15, core: false)) == .signalGroup(15))
        #expect(h.groupEmptied() == .spawn, "no restart-sec wait for a user restart")
        #expect(h.machine.phase == .starting)
        #expect(h.machine.restarts == 0, "user restarts are not counted")
    }

    @Test("restart() while a stop is under way spawns once the group is empty")
    func restartWhileStopping() {
        var h = Harness()
        h.bringUp()
        _ = h.stop()
        #expect(h.restart() == .doNothing)
        _ = h.exited(pid: 100, .signaled(15, core: false))
        #expect(h.groupEmptied() == .spawn)
    }

    @Test("A start during a stop spawns as soon as the group is gone")
    func startWhileStopping() {
        var h = Harness()
        h.bringUp()
        _ = h.stop()
        #expect(h.start() == .doNothing)
        #expect(h.machine.want == .up)
        _ = h.exited(pid: 100, .signaled(15, core: false))
        #expect(h.groupEmptied() == .spawn)
    }

    @Test("A stop after restart() cancels the pending start")
    func stopCancelsRestart() {
        var h = Harness()
        h.bringUp()
        _ = h.restart()
        #expect(h.stop() == .doNothing)
        _ = h.exited(pid: 100, .signaled(15, core: false))
        #expect(h.groupEmptied() == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("restart() clears the start limit, so a crash after it is restarted again")
    func restartClearsStartLimit() {
        var h = Harness { $0.startLimitBurst = 2 }
        h.bringUp(pid: 100)
        _ = h.crash(pid: 100)
        _ = h.fireAtDeadline()
        h.spawned(pid: 101)
        _ = h.notify("READY=1")
        _ = h.restart()
        _ = h.exited(pid: 101, .signaled(15, core: false))
        #expect(h.groupEmptied() == .spawn)
        h.spawned(pid: 102)
        #expect(h.crash(pid: 102) == .doNothing)
        #expect(h.machine.phase == .waiting)
    }
}
