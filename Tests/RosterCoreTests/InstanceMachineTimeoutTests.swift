import Testing
import RosterCore

/// Start timeouts, the watchdog and `EXTEND_TIMEOUT_USEC=`.
@Suite struct InstanceMachineTimeoutTests {
    /// Start timeout 10s, stop timeout 5s, spawned as pid 100 at `now`.
    private func spawnedHarness(_ configure: (inout Lifecycle) -> Void = { _ in }) -> Harness {
        var h = Harness {
            $0.startTimeout = .seconds(10)
            $0.stopTimeout = .seconds(5)
            configure(&$0)
        }
        _ = h.start()
        h.spawned(pid: 100)
        return h
    }

    @Test("An instance not ready within start-timeout gets stop-signal on its main process")
    func startTimeoutSignalsMain() {
        var h = spawnedHarness()
        h.advance(.seconds(10))
        #expect(h.fire() == .signalMain(15))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.result == .timeout)
        #expect(h.machine.statusText == "did not become ready within 10s")
        #expect(h.machine.deadline == h.after(.seconds(5)))
    }

    @Test("A timer fired before start-timeout does nothing")
    func earlyStartTimerIsNoOp() {
        var h = spawnedHarness()
        h.advance(.milliseconds(9_999))
        #expect(h.fire() == .doNothing)
        #expect(h.machine.phase == .starting)
    }

    @Test("A start timeout escalates to SIGKILL of the group at the kill deadline")
    func startTimeoutEscalatesToKill() {
        var h = spawnedHarness()
        _ = h.fireAtDeadline()
        #expect(h.fireAtDeadline() == .signalGroup(9))
        #expect(h.machine.deadline == nil)
    }

    @Test("A start timeout under on-failure is restarted")
    func startTimeoutRestarts() {
        var h = spawnedHarness()
        _ = h.fireAtDeadline()
        #expect(h.crash(.signaled(15, core: false)) == .doNothing)
        #expect(h.machine.phase == .waiting)
        #expect(h.machine.statusText == "timed out; restarting in 100ms")
    }

    @Test("A start timeout counts as a timeout, not as the SIGKILL that ended it: on-abort does not restart it")
    func startTimeoutCauseSticks() {
        var h = spawnedHarness { $0.restart = .onAbort }
        _ = h.fireAtDeadline()
        _ = h.fireAtDeadline()
        #expect(h.crash(.signaled(9, core: false)) == .doNothing)
        #expect(h.machine.phase == .failed)
        #expect(h.machine.statusText == "timed out; restart=on-abort")
    }

    @Test("A missed watchdog deadline sends SIGABRT to the group")
    func missedWatchdogAborts() {
        var h = Harness { $0.watchdog = .seconds(5); $0.stopTimeout = .seconds(3) }
        h.bringUp()
        #expect(h.fireAtDeadline() == .signalGroup(6))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.result == .watchdog)
        #expect(h.machine.statusText == "watchdog timeout (no WATCHDOG=1 within 5s)")
        #expect(h.machine.deadline == h.after(.seconds(3)))
    }

    @Test("WATCHDOG=1 postpones the watchdog deadline by one interval")
    func pingPostponesWatchdog() {
        var h = Harness { $0.watchdog = .seconds(5) }
        h.bringUp()
        let first = h.machine.deadline!
        h.advance(.seconds(3))
        #expect(h.notify("WATCHDOG=1") == .doNothing)
        #expect(h.machine.deadline == h.after(.seconds(5)))
        h.advance(.seconds(2))
        #expect(h.now == first)
        #expect(h.fire() == .doNothing)
        #expect(h.machine.phase == .ready)
    }

    @Test("WATCHDOG=trigger fails the watchdog at once")
    func triggerFailsWatchdog() {
        var h = Harness { $0.watchdog = .seconds(5) }
        h.bringUp()
        #expect(h.notify("WATCHDOG=trigger") == .signalGroup(6))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.result == .watchdog)
    }

    @Test("A watchdog failure under on-watchdog is restarted though SIGABRT ended the process")
    func watchdogRestartsUnderOnWatchdog() {
        var h = Harness { $0.watchdog = .seconds(5); $0.restart = .onWatchdog }
        h.bringUp()
        _ = h.fireAtDeadline()
        #expect(h.crash(.signaled(6, core: true)) == .doNothing)
        #expect(h.machine.phase == .waiting)
        #expect(h.machine.restarts == 1)
    }

    @Test("A watchdog failure counts as watchdog, not as the SIGABRT that ended it: on-abort does not restart it")
    func watchdogCauseSticks() {
        var h = Harness { $0.watchdog = .seconds(5); $0.restart = .onAbort }
        h.bringUp()
        _ = h.fireAtDeadline()
        _ = h.crash(.signaled(6, core: true))
        #expect(h.machine.phase == .failed)
    }

    @Test("WATCHDOG_USEC= changes the interval and re-arms the deadline")
    func watchdogUsecChangesInterval() {
        var h = Harness { $0.watchdog = .seconds(5) }
        h.bringUp()
        h.advance(.seconds(1))
        _ = h.notify("WATCHDOG_USEC=20000000")
        #expect(h.machine.watchdogInterval == .seconds(20))
        #expect(h.machine.deadline == h.after(.seconds(20)))
    }

    @Test("A WATCHDOG_USEC= override lasts only for the run that sent it, as in systemd")
    func watchdogOverrideEndsWithRun() {
        var h = Harness { $0.watchdog = .seconds(5) }
        h.bringUp(pid: 100)
        _ = h.notify("WATCHDOG_USEC=20000000")
        _ = h.crash(pid: 100)
        #expect(h.fireAtDeadline() == .spawn)
        #expect(h.machine.watchdogInterval == .seconds(5), "the next run is told the configured interval")
        h.spawned(pid: 101)
        _ = h.notify("READY=1")
        #expect(h.machine.deadline == h.after(.seconds(5)))
    }

    @Test("WATCHDOG=trigger from a starting instance fails the watchdog at once")
    func triggerWhileStarting() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.notify("WATCHDOG=trigger") == .signalGroup(6))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.result == .watchdog)
    }

    @Test("WATCHDOG=trigger works without a configured watchdog and says it was asked for")
    func triggerWithoutWatchdog() {
        var h = Harness { $0.restart = .onWatchdog }
        h.bringUp()
        #expect(h.notify("WATCHDOG=trigger") == .signalGroup(6))
        #expect(h.machine.statusText == "watchdog triggered by the instance (WATCHDOG=trigger)")
        _ = h.crash(.signaled(6, core: true))
        #expect(h.machine.phase == .waiting, "restarted as a watchdog failure")
    }

    @Test("Without a watchdog, WATCHDOG=1 arms no deadline")
    func pingWithoutWatchdog() {
        var h = Harness()
        h.bringUp()
        _ = h.notify("WATCHDOG=1")
        #expect(h.machine.deadline == nil)
    }

    @Test("EXTEND_TIMEOUT_USEC= extends the start deadline to now plus the extension")
    func extendStartDeadline() {
        var h = spawnedHarness()
        h.advance(.seconds(8))
        #expect(h.notify("EXTEND_TIMEOUT_USEC=5000000") == .doNothing)
        #expect(h.machine.deadline == h.after(.seconds(5)))
        h.advance(.seconds(2))
        #expect(h.fire() == .doNothing, "the original start-timeout has passed, the extension has not")
        #expect(h.fireAtDeadline() == .signalMain(15))
    }

    @Test("EXTEND_TIMEOUT_USEC= never shortens the start deadline")
    func extendNeverShortens() {
        var h = spawnedHarness()
        let deadline = h.machine.deadline
        h.advance(.seconds(1))
        _ = h.notify("EXTEND_TIMEOUT_USEC=2000000")
        #expect(h.machine.deadline == deadline)
    }

    @Test("EXTEND_TIMEOUT_USEC= extends the stop deadline")
    func extendStopDeadline() {
        var h = spawnedHarness()
        _ = h.notify("READY=1")
        _ = h.stop()
        h.advance(.seconds(4))
        _ = h.notify("EXTEND_TIMEOUT_USEC=10000000")
        #expect(h.machine.deadline == h.after(.seconds(10)))
        h.advance(.seconds(1))
        #expect(h.fire() == .doNothing)
        #expect(h.fireAtDeadline() == .signalGroup(9))
    }

    @Test("EXTEND_TIMEOUT_USEC= does not create a deadline where start-timeout is 0")
    func extendWithoutTimeout() {
        var h = spawnedHarness { $0.startTimeout = .zero }
        _ = h.notify("EXTEND_TIMEOUT_USEC=5000000")
        #expect(h.machine.deadline == nil)
    }
}
