import Foundation
import RosterSystem
import Testing

/// The CLI against a running supervisor: status, start/stop/restart, logs, exit codes, crash recovery.
@Suite(.serialized)
struct ControlTests {
    /// `status --json` has DESIGN's shape; `status` prints a table.
    @Test func statusShowsEveryInstance() throws {
        let stack = try StackHarness([.init(name: "web", manifest: "ports: {http: 8080}", script: Scripts.bashReady)],
                                     roles: "  web: {instances: 2}")
        try stack.up()
        try stack.waitFor("web/1", "ready")
        let doc = try stack.status()
        #expect(doc["stack"] as? String == "t")
        let web0 = try #require(StackHarness.instance(doc, "web/0"))
        for key in ["id", "role", "index", "state", "pid", "since", "uptime", "restarts", "address", "ports", "status"] {
            #expect(web0[key] != nil, "missing \(key)")
        }
        #expect(web0["role"] as? String == "web")
        #expect(web0["index"] as? Int == 0)
        let table = try stack.cli("status")
        #expect(table.code == 0)
        #expect(table.out.contains("INSTANCE"))
        #expect(table.out.contains("127.77.0.1:8080"))
        try stack.down()
    }

    /// start, stop and restart wait for their targets and return 0; unknown targets return 2.
    @Test func startStopRestartAndTheirExitCodes() throws {
        let stack = try StackHarness([.init(name: "app", script: Scripts.bashReady)], roles: "  app: {instances: 3}")
        try stack.up()
        try stack.waitFor("app/2", "ready")
        #expect(try stack.cli("stop", "app/1").code == 0)
        #expect(try stack.state("app/1") == "down")
        #expect(try stack.state("app/0") == "ready")
        let started = try stack.cli("start", "app/1")
        #expect(started.code == 0)
        #expect(started.out.contains("app/1 ready"))
        let before = try (0..<3).map { try stack.pid("app/\($0)") }
        let restarted = try stack.cli("restart", "app")
        #expect(restarted.code == 0, "\(restarted.err)")
        let after = try (0..<3).map { try stack.pid("app/\($0)") }
        for index in 0..<3 { #expect(before[index] != after[index]) }
        // Rolling: the supervisor restarted them one at a time, each ready before the next stopped.
        let log = stack.supervisorLog
        let ready0 = try #require(log.range(of: "app/0: ready", options: .backwards))
        let stopping1 = try #require(log.range(of: "app/1: stopping", options: .backwards))
        #expect(ready0.lowerBound < stopping1.lowerBound)
        let unknown = try stack.cli("restart", "nope")
        #expect(unknown.code == 2)
        #expect(unknown.err.contains("unknown role \"nope\""))
        #expect(try stack.cli("stop", "app/7").code == 2)
        try stack.down()
        #expect(try stack.cli("status").code == 1)
    }

    /// `roster logs ROLE` prints what the instances wrote, merged by time; `-n` keeps the last lines.
    @Test func logsShowInstanceOutput() throws {
        let script = "#!/bin/bash\nfor i in 1 2 3; do echo \"line $i of $ROSTER_INSTANCE\"; done\necho oops >&2\nsystemd-notify --ready\nexec sleep infinity\n"
        let stack = try StackHarness([.init(name: "chatty", script: script)], roles: "  chatty: {instances: 2}")
        try stack.up()
        try stack.waitFor("chatty/1", "ready")
        try stack.waitUntil("stderr captured") { stack.log("chatty/1").contains("oops") }
        let logs = try stack.run(["logs", "--file", stack.stackFile, "chatty/1"])
        #expect(logs.code == 0)
        #expect(logs.out.contains("chatty/1 | "))
        #expect(logs.out.contains("line 3 of chatty/1"))
        #expect(!logs.out.contains("of chatty/0"))
        let last = try stack.run(["logs", "--file", stack.stackFile, "-n", "1", "chatty/0"])
        #expect(last.out.split(separator: "\n").count == 1)
        try stack.down()
    }

    /// Killing the supervisor with SIGKILL takes its instances' main processes with it, and the next
    /// `up` cleans up what survived (a grandchild) and starts afresh.
    @Test func supervisorSigkillLeavesNoOrphansAfterNextUp() throws {
        let script = """
            #!/bin/bash
            sleep infinity &
            echo $! > child.pid
            echo $$ > main.pid
            systemd-notify --ready
            wait
            """
        let stack = try StackHarness([.init(name: "svc", script: script)], roles: "  svc: {}")
        try stack.up()
        try stack.waitFor("svc/0", "ready")
        let main = try #require(stack.instanceFile("svc/0", "main.pid").flatMap { Int32($0) })
        let child = try #require(stack.instanceFile("svc/0", "child.pid").flatMap { Int32($0) })
        let supervisor = try #require(stack.supervisorPID)
        kill(supervisor, SIGKILL)
        #expect(ProcessTable.waitForExit([supervisor, main], timeout: 5).isEmpty, "main process outlived the supervisor")
        try stack.up()
        #expect(ProcessTable.waitForExit([child], timeout: 5).isEmpty, "the crashed run's grandchild survived the next up")
        #expect(stack.supervisorLog.contains("left by a crashed run"))
        try stack.waitFor("svc/0", "ready")
        try stack.down()
    }

    /// A second supervisor for the same stack is refused while the first runs.
    @Test func secondSupervisorIsRefused() throws {
        let stack = try StackHarness([.init(name: "svc", script: Scripts.bashReady)], roles: "  svc: {}")
        try stack.up()
        let second = try stack.cli("up", "--detach")
        #expect(second.code == 1)
        #expect(second.err.contains("already running"))
        try stack.down()
    }
}
