import Foundation
import RosterSystem
import Testing

/// The supervisor against tiny real plugins: readiness, timeouts, restarts, stop escalation.
@Suite(.serialized)
struct LifecycleTests {
    /// A bash plugin that calls `systemd-notify --ready` becomes ready, with its STATUS= shown.
    @Test func bashSystemdNotifyBecomesReady() throws {
        let stack = try StackHarness([.init(name: "hello", script: Scripts.bashReady)], roles: "  hello: {instances: 2}")
        try stack.up()
        try stack.waitFor("hello/0", "ready")
        try stack.waitFor("hello/1", "ready")
        let entry = try stack.instance("hello/1")
        #expect(entry["status"] as? String == "bash ready")
        #expect(entry["address"] as? String == "127.77.0.2")
        try stack.waitUntil("output captured") { stack.log("hello/1").contains("hello from hello/1 at 127.77.0.2") }
        try stack.down()
    }

    /// A Python plugin sending raw datagrams becomes ready; the supervisor honours STATUS=.
    @Test func pythonDatagramsBecomeReady() throws {
        let script = Scripts.python("""
            notify("STATUS=warming up")
            notify("READY=1\\nSTATUS=serving from python")
            signal.pause()
            """)
        let stack = try StackHarness([.init(name: "py", script: script)], roles: "  py: {}")
        try stack.up()
        try stack.waitFor("py/0", "ready")
        #expect(try stack.instance("py/0")["status"] as? String == "serving from python")
        try stack.down()
    }

    /// A plugin that never says READY=1 is stopped at its start timeout and, with restart=no, marked failed.
    @Test func neverReadyHitsStartTimeout() throws {
        let plugin = StackHarness.Plugin(name: "mute", manifest: "start-timeout: 300ms\nrestart: no",
                                         script: "#!/bin/bash\nexec sleep infinity\n")
        let stack = try StackHarness([plugin], roles: "  mute: {}")
        try stack.up()
        try stack.waitFor("mute/0", "failed")
        let status = try stack.instance("mute/0")["status"] as? String ?? ""
        #expect(status.contains("timed out"), "status: \(status)")
        try stack.down()
    }

    /// A plugin that ignores SIGTERM, with a child in its group, is SIGKILLed after stop-timeout and nothing survives.
    @Test func stopEscalatesToSigkillForTheWholeGroup() throws {
        let script = """
            #!/bin/bash
            trap '' TERM
            sleep infinity &
            echo $! > child.pid
            echo $$ > main.pid
            systemd-notify --ready
            while true; do wait; done
            """
        let stack = try StackHarness([.init(name: "stubborn", manifest: "stop-timeout: 400ms", script: script)],
                                     roles: "  stubborn: {}")
        try stack.up()
        try stack.waitFor("stubborn/0", "ready")
        let child = try #require(stack.instanceFile("stubborn/0", "child.pid").flatMap { Int32($0) })
        let main = try #require(stack.instanceFile("stubborn/0", "main.pid").flatMap { Int32($0) })
        let stopped = try stack.cli("stop", "stubborn/0")
        #expect(stopped.code == 0, "\(stopped.err)")
        #expect(try stack.state("stubborn/0") == "down")
        #expect(ProcessTable.waitForExit([main, child], timeout: 2).isEmpty, "group members survived the stop")
        #expect(stack.supervisorLog.contains("SIGKILL") || stack.supervisorLog.contains("killed by SIGKILL"))
        try stack.down()
    }

    /// A crash loop backs off, then hits the start limit and is failed; its peer is untouched.
    @Test func crashLoopEndsFailedAndPeerKeepsRunning() throws {
        let crasher = StackHarness.Plugin(
            name: "crasher", manifest: "restart: always\nrestart-sec: 20ms\nstart-limit-burst: 3\nstart-limit-interval: 30s",
            script: "#!/bin/bash\necho crashing\nexit 3\n")
        let stack = try StackHarness([crasher, .init(name: "peer", script: Scripts.bashReady)],
                                     roles: "  crasher: {}\n  peer: {}")
        try stack.up()
        try stack.waitFor("peer/0", "ready")
        let peerPID = try stack.pid("peer/0")
        try stack.waitFor("crasher/0", "failed")
        let crasher0 = try stack.instance("crasher/0")
        #expect(crasher0["restarts"] as? Int == 2)
        #expect((crasher0["status"] as? String ?? "").contains("start limit"))
        #expect(try stack.pid("peer/0") == peerPID)
        #expect(try stack.state("peer/0") == "ready")
        // `start` clears failed and the start-limit count.
        let start = try stack.cli("start", "crasher")
        #expect(start.code == 1)
        #expect(start.err.contains("crasher/0 failed"))
        try stack.down()
    }

    /// Exit status 100 is a permanent failure: never restarted, even with restart=always.
    @Test func exit100IsNeverRestarted() throws {
        let plugin = StackHarness.Plugin(name: "broken", manifest: "restart: always",
                                         script: "#!/bin/bash\necho 'bad config' >&2\nexit 100\n")
        let stack = try StackHarness([plugin], roles: "  broken: {}")
        try stack.up()
        try stack.waitFor("broken/0", "failed")
        let entry = try stack.instance("broken/0")
        #expect(entry["restarts"] as? Int == 0)
        #expect((entry["status"] as? String ?? "").contains("status 100"))
        try stack.down()
    }

    /// A missed watchdog kills the instance with SIGABRT and restarts it by policy.
    @Test func missedWatchdogRestarts() throws {
        let script = Scripts.python("""
            notify("READY=1")
            for _ in range(3):
                time.sleep(0.05)
                notify("WATCHDOG=1")
            signal.pause()
            """)
        let plugin = StackHarness.Plugin(name: "hung", manifest: "watchdog: 400ms\nrestart-sec: 10ms", script: script)
        let stack = try StackHarness([plugin], roles: "  hung: {}")
        try stack.up()
        try stack.waitUntil("a watchdog restart") { (try stack.instance("hung/0")["restarts"] as? Int ?? 0) >= 1 }
        #expect(stack.supervisorLog.contains("watchdog timeout"))
        #expect(stack.supervisorLog.contains("SIGABRT"))
        try stack.down()
    }

    /// EXTEND_TIMEOUT_USEC gives a slow starter more time than its start-timeout.
    @Test func extendTimeoutKeepsASlowStarterAlive() throws {
        let script = Scripts.python("""
            notify("EXTEND_TIMEOUT_USEC=3000000")
            time.sleep(0.6)
            notify("READY=1")
            signal.pause()
            """)
        let plugin = StackHarness.Plugin(name: "slow", manifest: "start-timeout: 300ms\nrestart: no", script: script)
        let stack = try StackHarness([plugin], roles: "  slow: {}")
        try stack.up()
        try stack.waitUntil("slow/0 settles") { ["ready", "failed"].contains(try stack.state("slow/0")) }
        #expect(try stack.state("slow/0") == "ready")
        try stack.down()
    }

    /// READY=1 from a process outside the instance changes nothing.
    @Test func strangersReadyIsIgnored() throws {
        let plugin = StackHarness.Plugin(name: "quiet", manifest: "start-timeout: 0",
                                         script: "#!/bin/bash\nexec sleep infinity\n")
        let stack = try StackHarness([plugin], roles: "  quiet: {}")
        try stack.up()
        try stack.waitFor("quiet/0", "starting")
        let pid = try #require(try stack.pid("quiet/0"))
        let environ = try #require(Files.readBytes("/proc/\(pid)/environ"))
        let socket = try #require(environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            .first { $0.hasPrefix("NOTIFY_SOCKET=") }?.dropFirst("NOTIFY_SOCKET=".count))
        let stranger = Process()
        stranger.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        stranger.arguments = ["python3", "-c", """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.sendto(b"READY=1\\nSTATUS=I am not you", "\\0" + sys.argv[1][1:])
            """, String(socket)]
        try stranger.run()
        stranger.waitUntilExit()
        try stack.waitUntil("the stranger's message is refused") { stack.supervisorLog.contains("from pid \(stranger.processIdentifier) ignored") }
        #expect(try stack.state("quiet/0") == "starting")
        #expect(try stack.instance("quiet/0")["status"] as? String != "I am not you")
        try stack.down()
    }
}
