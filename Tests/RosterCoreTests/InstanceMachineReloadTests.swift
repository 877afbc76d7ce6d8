import Testing
import RosterCore

/// Reloads (a watched role changed), `RELOADING=1` and `STOPPING=1`.
@Suite struct InstanceMachineReloadTests {
    @Test("A reload of a ready instance sends reload-signal to its main process and shows it reloading")
    func reloadSignalsMain() {
        var h = Harness()
        h.bringUp()
        #expect(h.reloadRequested() == .signalMain(1))
        #expect(h.machine.phase == .reloading)
        #expect(h.machine.phase.isReady)
        #expect(h.machine.since == h.now)
    }

    @Test("A reload uses the role's reload-signal")
    func reloadUsesReloadSignal() {
        var h = Harness { $0.reloadSignal = 12 }
        h.bringUp()
        #expect(h.reloadRequested() == .signalMain(12))
    }

    @Test("READY=1 after a reload shows the instance ready again")
    func readyEndsReload() {
        var h = Harness()
        h.bringUp()
        _ = h.reloadRequested()
        h.advance(.seconds(1))
        #expect(h.notify("READY=1") == .doNothing)
        #expect(h.machine.phase == .ready)
        #expect(h.machine.since == h.now)
    }

    @Test("A reload requested while starting is sent after READY=1")
    func reloadWhileStartingIsDeferred() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.reloadRequested() == .doNothing)
        #expect(h.machine.phase == .starting)
        #expect(h.notify("READY=1") == .signalMain(1))
        #expect(h.machine.phase == .reloading)
        #expect(h.notify("READY=1") == .doNothing)
        #expect(h.machine.phase == .ready)
    }

    @Test("A reload requested while reloading is sent again after the next READY=1")
    func reloadWhileReloadingIsDeferred() {
        var h = Harness()
        h.bringUp()
        _ = h.reloadRequested()
        #expect(h.reloadRequested() == .doNothing)
        #expect(h.notify("READY=1") == .signalMain(1))
        #expect(h.machine.phase == .reloading)
        #expect(h.notify("READY=1") == .doNothing)
        #expect(h.machine.phase == .ready)
    }

    @Test("A reload of an instance that is not running does nothing")
    func reloadWhileDown() {
        var h = Harness()
        #expect(h.reloadRequested() == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("A reload of a stopping instance does nothing")
    func reloadWhileStopping() {
        var h = Harness()
        h.bringUp()
        _ = h.stop()
        #expect(h.reloadRequested() == .doNothing)
        #expect(h.machine.phase == .stopping)
    }

    @Test("RELOADING=1 from the plugin itself shows it reloading until READY=1")
    func selfInitiatedReload() {
        var h = Harness()
        h.bringUp()
        #expect(h.notify("RELOADING=1\nMONOTONIC_USEC=123") == .doNothing)
        #expect(h.machine.phase == .reloading)
        _ = h.notify("READY=1")
        #expect(h.machine.phase == .ready)
    }

    @Test("The watchdog keeps running while reloading and WATCHDOG=1 still postpones it")
    func watchdogDuringReload() {
        var h = Harness { $0.watchdog = .seconds(5) }
        h.bringUp()
        _ = h.reloadRequested()
        h.advance(.seconds(4))
        _ = h.notify("WATCHDOG=1")
        #expect(h.machine.phase == .reloading)
        #expect(h.machine.deadline == h.after(.seconds(5)))
    }

    @Test("STOPPING=1 shows a ready instance stopping, with a kill deadline and no signal sent")
    func stoppingNotification() {
        var h = Harness { $0.stopTimeout = .seconds(8) }
        h.bringUp()
        #expect(h.notify("STOPPING=1") == .doNothing)
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.mainPID == 100)
        #expect(h.machine.deadline == h.after(.seconds(8)))
        #expect(h.machine.want == .up)
    }

    @Test("After STOPPING=1, a clean exit under on-failure leaves the instance down")
    func stoppingThenCleanExit() {
        var h = Harness()
        h.bringUp()
        _ = h.notify("STOPPING=1")
        #expect(h.crash(.exited(0)) == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("After STOPPING=1, an unclean exit is restarted by policy")
    func stoppingThenUncleanExit() {
        var h = Harness()
        h.bringUp()
        _ = h.notify("STOPPING=1")
        _ = h.crash(.exited(1))
        #expect(h.machine.phase == .waiting)
        #expect(h.machine.restarts == 1)
    }

    @Test("STOPPING=1 from a starting instance shows it stopping")
    func stoppingWhileStarting() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        _ = h.notify("STOPPING=1")
        #expect(h.machine.phase == .stopping)
    }

    @Test("A reload pending when the process dies is dropped: the next run reads discovery afresh")
    func pendingReloadDroppedByRestart() {
        var h = Harness { $0.restartSec = .zero }
        _ = h.start()
        h.spawned(pid: 100)
        _ = h.reloadRequested()
        #expect(h.crash(pid: 100) == .spawn)
        h.spawned(pid: 101)
        #expect(h.notify("READY=1") == .doNothing)
        #expect(h.machine.phase == .ready)
    }
}
