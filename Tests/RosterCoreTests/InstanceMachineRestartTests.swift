import Testing
import RosterCore

/// What happens when the main process exits: group clean-up, then down, failed or a restart by policy.
@Suite struct InstanceMachineRestartTests {
    @Test("When the main process exits, the rest of its group gets the stop signal")
    func mainExitSignalsGroup() {
        var h = Harness { $0.stopTimeout = .seconds(20) }
        h.bringUp()
        #expect(h.exited(pid: 100, .exited(1)) == .signalGroup(15))
        #expect(h.machine.phase == .stopping)
        #expect(h.machine.mainPID == nil)
        #expect(h.machine.hasProcesses)
        #expect(h.machine.deadline == h.after(.seconds(20)))
        #expect(h.machine.result == .exitCode(1))
    }

    @Test("The group is sent the role's stop-signal, not always SIGTERM")
    func mainExitUsesStopSignal() {
        var h = Harness { $0.stopSignal = 3 }
        h.bringUp()
        #expect(h.exited(pid: 100, .exited(1)) == .signalGroup(3))
    }

    @Test("Leftovers of the group that outlive stop-timeout get SIGKILL")
    func leftoversAreKilled() {
        var h = Harness { $0.stopTimeout = .seconds(5) }
        h.bringUp()
        _ = h.exited(pid: 100, .exited(1))
        #expect(h.fireAtDeadline() == .signalGroup(9))
        #expect(h.machine.deadline == nil)
    }

    @Test("An unclean exit under on-failure waits restart-sec, then spawns again")
    func uncleanExitBacksOff() {
        var h = Harness()
        h.bringUp()
        #expect(h.crash() == .doNothing)
        #expect(h.machine.phase == .waiting)
        #expect(!h.machine.isHeld)
        #expect(h.machine.isBusy)
        #expect(!h.machine.hasProcesses)
        #expect(h.machine.deadline == h.after(.milliseconds(100)))
        #expect(h.machine.restarts == 1)
        #expect(h.machine.statusText == "exited with status 1; restarting in 100ms")
        #expect(h.fireAtDeadline() == .spawn)
        #expect(h.machine.phase == .starting)
    }

    @Test("A timer fired before the restart delay is over does nothing")
    func earlyBackoffTimerIsNoOp() {
        var h = Harness { $0.restartSec = .seconds(1) }
        h.bringUp()
        _ = h.crash()
        h.advance(.milliseconds(999))
        #expect(h.fire() == .doNothing)
        #expect(h.machine.phase == .waiting)
    }

    @Test("The restart delay doubles with each start inside the start-limit window, capped at restart-max-sec")
    func delayDoublesAndIsCapped() {
        var h = Harness {
            $0.restartSec = .seconds(1)
            $0.restartMaxSec = .seconds(5)
            $0.startLimitBurst = 100
            $0.startLimitInterval = .seconds(3600)
        }
        var delays: [Duration] = []
        h.bringUp(pid: 100)
        for run in 0..<5 {
            let pid = Int32(100 + run)
            #expect(h.crash(pid: pid) == .doNothing)
            delays.append(h.machine.deadline! - h.now)
            #expect(h.fireAtDeadline() == .spawn)
            h.spawned(pid: pid + 1)
            _ = h.notify("READY=1")
        }
        #expect(delays == [1, 2, 4, 5, 5].map { Duration.seconds($0) })
        #expect(h.machine.restarts == 5)
    }

    @Test("Starts older than start-limit-interval no longer lengthen the delay")
    func oldStartsAreForgotten() {
        var h = Harness {
            $0.restartSec = .seconds(1)
            $0.startLimitInterval = .seconds(10)
        }
        h.bringUp(pid: 100)
        _ = h.crash(pid: 100)
        _ = h.fireAtDeadline()
        h.spawned(pid: 101)
        _ = h.notify("READY=1")
        h.advance(.seconds(30))
        _ = h.crash(pid: 101)
        #expect(h.machine.deadline == h.after(.seconds(1)))
    }

    @Test("restart-sec 0 spawns again as soon as the group is empty")
    func zeroRestartSecSpawnsAtOnce() {
        var h = Harness { $0.restartSec = .zero }
        h.bringUp()
        #expect(h.crash() == .spawn)
        #expect(h.machine.phase == .starting)
        #expect(h.machine.restarts == 1)
    }

    @Test("A process that dies before READY=1 is restarted by its policy")
    func deathWhileStartingRestarts() {
        var h = Harness()
        _ = h.start()
        h.spawned(pid: 100)
        #expect(h.crash() == .doNothing)
        #expect(h.machine.phase == .waiting)
        #expect(h.machine.restarts == 1)
    }

    @Test("A clean exit under on-failure leaves the instance down, with the exit as its status")
    func cleanExitUnderOnFailureIsDown() {
        var h = Harness()
        h.bringUp()
        #expect(h.crash(.exited(0)) == .doNothing)
        #expect(h.machine.phase == .down)
        #expect(h.machine.statusText == "exited with status 0")
        #expect(h.machine.deadline == nil)
        #expect(h.machine.restarts == 0)
    }

    @Test("Death by SIGTERM is clean: on-failure does not restart it")
    func sigtermIsClean() {
        var h = Harness()
        h.bringUp()
        #expect(h.crash(.signaled(15, core: false)) == .doNothing)
        #expect(h.machine.phase == .down)
    }

    @Test("A clean exit under always is restarted")
    func cleanExitUnderAlwaysRestarts() {
        var h = Harness { $0.restart = .always }
        h.bringUp()
        _ = h.crash(.exited(0))
        #expect(h.machine.phase == .waiting)
        #expect(h.machine.restarts == 1)
    }

    @Test("An unclean exit under restart no marks the instance failed, naming the exit and the policy")
    func uncleanExitUnderNoFails() {
        var h = Harness { $0.restart = .no }
        h.bringUp()
        #expect(h.crash(.exited(1)) == .doNothing)
        #expect(h.machine.phase == .failed)
        #expect(h.machine.statusText == "exited with status 1; restart=no")
        #expect(h.machine.deadline == nil)
    }

    @Test("A permanent failure keeps the run's last STATUS=, which says why")
    func exit100KeepsTheReason() {
        var h = Harness()
        h.bringUp()
        #expect(h.notify("STATUS=nft needs CAP_NET_ADMIN") == .doNothing)
        #expect(h.crash(.exited(100)) == .doNothing)
        #expect(h.machine.phase == .failed)
        #expect(h.machine.statusText == "exited with status 100 (permanent failure): nft needs CAP_NET_ADMIN")
    }

    @Test("Exit status 100 marks the instance failed even under restart always")
    func exit100Fails() {
        var h = Harness { $0.restart = .always }
        h.bringUp()
        #expect(h.crash(.exited(100)) == .doNothing)
        #expect(h.machine.phase == .failed)
        #expect(h.machine.statusText == "exited with status 100 (permanent failure)")
        #expect(h.machine.restarts == 0)
        h.advance(.seconds(60))
        #expect(h.fire() == .doNothing)
        #expect(h.machine.phase == .failed)
    }

    @Test("The start-limit-burst-th failed start within the interval marks the instance failed")
    func startLimitFails() {
        var h = Harness { $0.startLimitBurst = 3 }
        h.bringUp(pid: 100)
        #expect(h.crash(pid: 100) == .doNothing)
        #expect(h.fireAtDeadline() == .spawn)
        h.spawned(pid: 101)
        #expect(h.crash(pid: 101) == .doNothing)
        #expect(h.fireAtDeadline() == .spawn)
        h.spawned(pid: 102)
        #expect(h.crash(pid: 102) == .doNothing)
        #expect(h.machine.phase == .failed)
        #expect(h.machine.restarts == 2)
        #expect(h.machine.deadline == nil)
        #expect(h.machine.statusText?.hasPrefix("start limit hit (3 starts within 10s)") == true)
    }

    @Test("With the default start limit, the fifth start within 10 seconds is the last")
    func defaultStartLimitIsFive() {
        var h = Harness()
        h.bringUp(pid: 100)
        for pid: Int32 in 100..<104 {
            _ = h.crash(pid: pid)
            #expect(h.fireAtDeadline() == .spawn)
            h.spawned(pid: pid + 1)
        }
        _ = h.crash(pid: 104)
        #expect(h.machine.phase == .failed)
        #expect(h.machine.restarts == 4)
    }

    @Test("A failed instance ignores a start that does not reset it")
    func failedIgnoresPlainStart() {
        var h = Harness { $0.restart = .no }
        h.bringUp()
        _ = h.crash()
        #expect(h.start(reset: false) == .doNothing)
        #expect(h.machine.phase == .failed)
    }

    @Test("A start with reset clears failed and the start-limit count")
    func resetStartClearsFailed() {
        var h = Harness { $0.startLimitBurst = 2 }
        h.bringUp(pid: 100)
        _ = h.crash(pid: 100)
        _ = h.fireAtDeadline()
        h.spawned(pid: 101)
        _ = h.crash(pid: 101)
        #expect(h.machine.phase == .failed)
        #expect(h.start(reset: true) == .spawn)
        #expect(h.machine.phase == .starting)
        h.spawned(pid: 102)
        #expect(h.crash(pid: 102) == .doNothing)
        #expect(h.machine.phase == .waiting, "the fresh start is the only one the limit counts")
        #expect(h.machine.deadline == h.after(.milliseconds(100)), "and the delay is back to restart-sec")
    }

    @Test("restart() of a failed instance starts it again")
    func restartOfFailedStarts() {
        var h = Harness { $0.restart = .no }
        h.bringUp()
        _ = h.crash()
        #expect(h.restart() == .spawn)
        #expect(h.machine.phase == .starting)
    }

    @Test("A failed spawn counts as exit 127 and is restarted under on-failure")
    func spawnFailureRestarts() {
        var h = Harness()
        #expect(h.start() == .spawn)
        #expect(h.machine.spawnFailed(reason: "No such file or directory", now: h.now) == .doNothing)
        #expect(h.machine.phase == .waiting)
        #expect(h.machine.restarts == 1)
        #expect(h.machine.statusText?.hasSuffix("restarting in 100ms") == true)
        #expect(h.fireAtDeadline() == .spawn)
    }

    @Test("A failed spawn under restart no marks the instance failed")
    func spawnFailureWithoutRestartFails() {
        var h = Harness { $0.restart = .no }
        _ = h.start()
        #expect(h.machine.spawnFailed(reason: "Permission denied", now: h.now) == .doNothing)
        #expect(h.machine.phase == .failed)
        #expect(!h.machine.hasProcesses)
    }
}
