import Foundation
import RosterSystem
import Testing

/// RosterKit's DaemonRunner with a real daemon (nginx), through the fixture plugin
/// Tests/Fixtures/KitFixture: readiness by probe, reload from discovery checked by `nginx -t`,
/// refusal that keeps the running configuration, watchdog on health, death with the plugin.
@Suite(.serialized)
struct DaemonRunnerTests {
    static var fixture: String { Files.parent(of: Files.currentExecutable()) + "/roster-kit-fixture" }

    static func kitStack(watchdog: String = "0") throws -> StackHarness {
        try StackHarness([
            .init(name: "app", script: Scripts.bashReady),
            .init(name: "kit", manifest: """
                after: [app]
                watches: [app]
                ports: {http: 18580}
                watchdog: \(watchdog)
                stop-timeout: 5s
                """, script: "#!/bin/bash\nexec \(fixture)\n"),
        ], roles: "  app: {instances: 2}\n  kit: {options: {follows: app}}")
    }

    static func get(_ stack: StackHarness) throws -> String {
        try stack.runTool("/usr/bin/env", ["python3", "-c",
            "import urllib.request; print(urllib.request.urlopen('http://127.78.0.1:18580/', timeout=5).read().decode().strip())"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Ready by probe; follows the watched role on reload; a refused configuration keeps the old one serving.
    @Test func reloadsFromDiscoveryAndKeepsTheOldConfigWhenTheNewOneIsRefused() throws {
        let stack = try Self.kitStack()
        try stack.up()
        try stack.waitFor("kit/0", "ready")
        #expect(try Self.get(stack) == "app/0 app/1")
        #expect(try stack.instance("kit/0")["status"] as? String == "following 2 app instance(s)")
        let nginx = try #require(stack.instanceFile("kit/0", "nginx.pid").flatMap { Int32($0) })

        #expect(try stack.cli("stop", "app/1").code == 0)
        try stack.waitUntil("kit follows one app") { try Self.get(stack) == "app/0" }
        try stack.waitFor("kit/0", "ready")

        try Files.writeAtomically(stack.stateDir + "/instances/kit/0/break", "")
        #expect(try stack.cli("start", "app/1").code == 0)
        try stack.waitUntil("the refusal is reported") {
            (try stack.instance("kit/0")["status"] as? String ?? "").contains("rejected")
        }
        #expect(try stack.state("kit/0") == "ready")
        #expect(try Self.get(stack) == "app/0", "the refused configuration replaced the running one")

        Files.remove(stack.stateDir + "/instances/kit/0/break")
        #expect(try stack.cli("stop", "app/0").code == 0)
        try stack.waitUntil("kit follows app/1 only") { try Self.get(stack) == "app/1" }
        #expect(try stack.pid("kit/0") != nil)
        #expect(ProcessTable.startTime(of: nginx) != nil, "nginx was restarted instead of reloaded")
        try stack.down()
        #expect(ProcessTable.waitForExit([nginx], timeout: 5).isEmpty)
    }

    /// A hung daemon (its worker stopped) fails the health check, so the watchdog restarts the instance.
    @Test func hungDaemonIsCaughtByTheWatchdog() throws {
        let stack = try Self.kitStack(watchdog: "1s")
        try stack.up()
        try stack.waitFor("kit/0", "ready")
        let master = try #require(stack.instanceFile("kit/0", "nginx.pid").flatMap { Int32($0) })
        let workers = ProcessTable.allPIDs().filter { pid in
            (Files.read("/proc/\(pid)/stat")?.split(separator: ")").last?.split(separator: " ").dropFirst().first).flatMap { Int32($0) } == master
        }
        #expect(!workers.isEmpty)
        for worker in workers { kill(worker, SIGSTOP) }
        try stack.waitUntil("a watchdog restart", timeout: 20) { (try stack.instance("kit/0")["restarts"] as? Int ?? 0) >= 1 }
        #expect(stack.supervisorLog.contains("watchdog timeout"))
        try stack.waitFor("kit/0", "ready")
        try stack.down()
    }

    /// When the plugin dies by SIGKILL, its daemon dies with it (PDEATHSIG), with no supervisor involved.
    @Test func daemonDiesWithItsPluginEvenWithoutASupervisor() throws {
        let stack = try StackHarness([], roles: "  {}")
        let dir = stack.directory + "/kit"
        try Files.makeDirectories(dir)
        try Files.writeAtomically(dir + "/discovery.json", #"{"stack":"t","domain":null,"generation":1,"roles":{"app":{"instances":[]}}}"#)
        let plugin = Process()
        plugin.executableURL = URL(fileURLWithPath: Self.fixture)
        plugin.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NOTIFY_SOCKET") }.merging([
            "ROSTER_STACK": "t", "ROSTER_ROLE": "kit", "ROSTER_INSTANCE": "kit/0", "ROSTER_ADDRESS": "127.78.9.1",
            "ROSTER_PORT_HTTP": "18581", "ROSTER_STATE_DIR": dir, "ROSTER_DISCOVERY": dir + "/discovery.json",
            "ROSTER_OPTIONS": #"{"follows":"app"}"#,
        ]) { _, new in new }
        let output = Pipe()
        plugin.standardError = output
        try plugin.run()
        let watcher = try FileWatcher(directory: dir)
        let deadline = Date().addingTimeInterval(10)
        func masterPID() -> Int32? { Files.read(dir + "/nginx.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        while masterPID() == nil && Date() < deadline { watcher.wait(timeout: deadline.timeIntervalSinceNow) }
        let nginx = try #require(masterPID(), "nginx did not start")
        kill(plugin.processIdentifier, SIGKILL)
        plugin.waitUntilExit()
        #expect(ProcessTable.waitForExit([nginx], timeout: 5).isEmpty, "nginx outlived its plugin")
        // nginx's workers are the supervisor's to clean up (they share the instance's process group).
        kill(-plugin.processIdentifier, SIGKILL)
    }
}
