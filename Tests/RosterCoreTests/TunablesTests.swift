import Testing
import RosterCore

/// Merging the stack file's overrides into a manifest's defaults, and resolving them into a `Lifecycle`.
@Suite struct TunablesTests {
    @Test("Ports merge by name: the stack file replaces a port and the manifest's others remain")
    func portsMergeByName() {
        var manifest = Tunables()
        manifest.ports = ["http": 8000, "admin": 9000]
        var stack = Tunables()
        stack.ports = ["http": 8080, "metrics": 9100]
        #expect(manifest.overridden(by: stack).ports == ["http": 8080, "admin": 9000, "metrics": 9100])
    }

    @Test("A key set in the stack file replaces the manifest's; an unset key keeps it")
    func overrideReplacesSetKeys() {
        var manifest = Tunables()
        manifest.restart = .always
        manifest.restartSec = .seconds(1)
        manifest.stopSignal = 3
        var stack = Tunables()
        stack.restart = .no
        stack.watchdog = .seconds(5)
        let merged = manifest.overridden(by: stack)
        #expect(merged.restart == RestartPolicy.no)
        #expect(merged.restartSec == .seconds(1))
        #expect(merged.stopSignal == 3)
        #expect(merged.watchdog == .seconds(5))
        #expect(merged.notifyAccess == nil)
    }

    @Test("Overriding with nothing set changes nothing")
    func emptyOverride() {
        var manifest = Tunables()
        manifest.restart = .onAbort
        manifest.ports = ["http": 1]
        #expect(manifest.overridden(by: Tunables()) == manifest)
    }

    @Test("The lifecycle defaults are those of DESIGN §2")
    func lifecycleDefaults() {
        let lifecycle = Lifecycle()
        #expect(lifecycle.restart == .onFailure)
        #expect(lifecycle.restartSec == .milliseconds(100))
        #expect(lifecycle.restartMaxSec == .seconds(10))
        #expect(lifecycle.startLimitBurst == 5)
        #expect(lifecycle.startLimitInterval == .seconds(10))
        #expect(lifecycle.startTimeout == .seconds(90))
        #expect(lifecycle.stopTimeout == .seconds(90))
        #expect(lifecycle.stopSignal == 15)
        #expect(lifecycle.reloadSignal == 1)
        #expect(lifecycle.watchdog == .zero)
        #expect(Lifecycle(Tunables()) == lifecycle)
    }

    @Test("A lifecycle takes every key set in the tunables")
    func lifecycleFromTunables() {
        var tunables = Tunables()
        tunables.restart = .always
        tunables.restartSec = .seconds(2)
        tunables.restartMaxSec = .seconds(20)
        tunables.startLimitBurst = 9
        tunables.startLimitInterval = .seconds(30)
        tunables.startTimeout = .zero
        tunables.stopTimeout = .seconds(4)
        tunables.stopSignal = 2
        tunables.reloadSignal = 10
        tunables.watchdog = .seconds(6)
        let lifecycle = Lifecycle(tunables)
        #expect(lifecycle.restart == .always)
        #expect(lifecycle.restartSec == .seconds(2))
        #expect(lifecycle.restartMaxSec == .seconds(20))
        #expect(lifecycle.startLimitBurst == 9)
        #expect(lifecycle.startLimitInterval == .seconds(30))
        #expect(lifecycle.startTimeout == .zero)
        #expect(lifecycle.stopTimeout == .seconds(4))
        #expect(lifecycle.stopSignal == 2)
        #expect(lifecycle.reloadSignal == 10)
        #expect(lifecycle.watchdog == .seconds(6))
    }
}
