import Foundation
import RosterSystem
import Testing

/// Readiness-gated start order, reverse stop order, discovery and reloads of watchers.
@Suite(.serialized)
struct OrderAndDiscoveryTests {
    /// Ready on SIGUSR1 only: lets a test decide when a dependency becomes ready.
    static let readyOnSignal = Scripts.python("""
        signal.signal(signal.SIGUSR1, lambda *_: notify("READY=1"))
        open("main.pid", "w").write(str(os.getpid()))
        notify("STATUS=waiting for SIGUSR1")
        print("listening for SIGUSR1", flush=True)
        while True:
            signal.pause()
        """)

    /// An instance starts only once every instance of each role in its `after` list is ready.
    @Test func dependentWaitsForEveryInstanceOfItsDependency() throws {
        let stack = try StackHarness([
            .init(name: "db", script: Self.readyOnSignal),
            .init(name: "app", manifest: "after: [db]", script: Scripts.bashReady),
        ], roles: "  db: {instances: 2}\n  app: {}")
        try stack.up()
        // The plugin prints once its SIGUSR1 handler is installed.
        for id in ["db/0", "db/1"] {
            try stack.waitUntil("\(id) listens for SIGUSR1") { stack.log(id).contains("listening for SIGUSR1") }
        }
        #expect(try stack.state("app/0") == "waiting")
        #expect((try stack.instance("app/0")["status"] as? String ?? "").contains("waiting for db"))
        let db0 = try #require(try stack.pid("db/0"))
        kill(db0, SIGUSR1)
        try stack.waitFor("db/0", "ready")
        #expect(try stack.state("app/0") == "waiting", "app started with only one db instance ready")
        kill(try #require(try stack.pid("db/1")), SIGUSR1)
        try stack.waitFor("app/0", "ready")
        // When app started, discovery already showed every db instance ready.
        let discovery = try stack.discovery()
        #expect(StackHarness.instance(discovery, "db/1")?["state"] as? String == "ready")
        try stack.down()
        // Stop order is the reverse: app's stop is logged before db's.
        let log = stack.supervisorLog
        let appStopping = try #require(log.range(of: "app/0: stopping"))
        let dbStopping = try #require(log.range(of: "db/0: stopping"))
        #expect(appStopping.lowerBound < dbStopping.lowerBound)
    }

    /// A failed dependency leaves its dependents waiting, with a status naming it, and takes no peer down.
    @Test func failedDependencyLeavesDependentsWaiting() throws {
        let stack = try StackHarness([
            .init(name: "db", script: "#!/bin/bash\nexit 100\n"),
            .init(name: "app", manifest: "after: [db]", script: Scripts.bashReady),
            .init(name: "cache", script: Scripts.bashReady),
        ], roles: "  db: {}\n  app: {}\n  cache: {}")
        try stack.up()
        try stack.waitFor("db/0", "failed")
        try stack.waitFor("cache/0", "ready")
        try stack.waitUntil("app names the failed dependency") {
            (try stack.instance("app/0")["status"] as? String ?? "").contains("db/0 failed")
        }
        #expect(try stack.state("app/0") == "waiting")
        let start = try stack.cli("start", "app")
        #expect(start.code == 1)
        #expect(start.err.contains("db/0 failed"))
        try stack.down()
    }

    /// discovery.json is replaced atomically with an increasing generation, addresses and ports.
    @Test func discoveryFileFollowsEveryChange() throws {
        let stack = try StackHarness([
            .init(name: "web", manifest: "ports: {http: 8080}", script: Scripts.bashReady),
        ], roles: "  web: {instances: 2, ports: {http: 9090, admin: 9091}}")
        try stack.up()
        try stack.waitFor("web/1", "ready")
        let first = try stack.discovery()
        let generation = try #require(first["generation"] as? Int)
        #expect(first["stack"] as? String == "t")
        let web1 = try #require(StackHarness.instance(first, "web/1"))
        #expect(web1["address"] as? String == "127.77.0.2")
        #expect(web1["ports"] as? [String: Int] == ["http": 9090, "admin": 9091])
        #expect(web1["pid"] as? Int != nil)
        #expect((web1["since"] as? String ?? "").hasSuffix("Z"))
        #expect(try stack.cli("stop", "web/1").code == 0)
        let second = try stack.discovery()
        #expect(try #require(second["generation"] as? Int) > generation)
        #expect(StackHarness.instance(second, "web/1")?["state"] as? String == "down")
        #expect(!Files.exists(stack.stateDir + "/discovery.json.tmp"))
        try stack.down()
        // The generation keeps increasing across supervisor restarts.
        let afterDown = try #require(try stack.discovery()["generation"] as? Int)
        try stack.up()
        try stack.waitFor("web/0", "ready")
        #expect(try #require(try stack.discovery()["generation"] as? Int) > afterDown)
        try stack.down()
    }

    /// A watcher gets its reload signal when the watched role's ready set changes, and is shown
    /// reloading until it answers READY=1.
    @Test func watchersReloadWhenTheWatchedSetChanges() throws {
        let watcher = Scripts.python("""
            count = 0
            def reload(*_):
                global count
                count += 1
                notify("RELOADING=1")
                open("reloads", "w").write(str(count))
                if count == 1:
                    return  # stays reloading until SIGUSR1
                notify("READY=1")
            signal.signal(signal.SIGHUP, reload)
            signal.signal(signal.SIGUSR1, lambda *_: notify("READY=1\\nSTATUS=reloaded"))
            notify("READY=1")
            while True:
                signal.pause()
            """)
        let stack = try StackHarness([
            .init(name: "web", script: Scripts.bashReady),
            .init(name: "lb", manifest: "after: [web]\nwatches: [web]", script: watcher),
        ], roles: "  web: {instances: 2}\n  lb: {}")
        try stack.up()
        try stack.waitFor("lb/0", "ready")
        #expect(stack.instanceFile("lb/0", "reloads") == nil, "reloaded at boot")
        #expect(try stack.cli("stop", "web/1").code == 0)
        try stack.waitUntil("lb reloads") { stack.instanceFile("lb/0", "reloads") == "1" }
        try stack.waitFor("lb/0", "reloading")
        kill(try #require(try stack.pid("lb/0")), SIGUSR1)
        try stack.waitFor("lb/0", "ready")
        #expect(try stack.cli("start", "web/1").code == 0)
        try stack.waitUntil("lb reloads again") { stack.instanceFile("lb/0", "reloads") == "2" }
        try stack.waitFor("lb/0", "ready")
        try stack.down()
    }
}
